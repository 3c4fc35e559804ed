package fleet

import (
	"context"
	"encoding/json"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

const recentAttempts = `SELECT attempt_id, coalesce(resumed_from, ''), station, profile, operator, slot, port, channel,
	device_id, mac, firmware, product, customer, outcome, failed_step, message, action, details, started_at,
	finished_at, evidence
FROM photon_station_attempts ORDER BY started_at DESC NULLS LAST, attempt_id DESC LIMIT $1`

const stepsOf = `SELECT attempt_id, step, started_at, finished_at, outcome, message
FROM photon_station_steps WHERE attempt_id = ANY($1) ORDER BY attempt_id, position`

// Recent returns every station's latest limit attempts, newest first,
// with their steps: for the journal view's "All stations". The fields
// only the station itself uses to resume (Opened, LeftIn, the claim
// code's and Wi-Fi's times, CloudBefore) are not in the fleet database.
func (d *DB) Recent(ctx context.Context, limit int) ([]provisioning.Record, error) {
	qctx, cancel := d.query(ctx)
	defer cancel()
	rows, err := d.conn.Query(qctx, recentAttempts, limit)
	if err != nil {
		return nil, d.cfg.explain(err)
	}
	var (
		out []provisioning.Record
		ids []string
		at  = map[string]int{}
	)
	for rows.Next() {
		var (
			r                        provisioning.Record
			channel, outcome, failed string
			started, ended           *time.Time
			evidence                 []byte
		)
		if err := rows.Scan(&r.Attempt, &r.ResumedFrom, &r.Station, &r.Profile, &r.Operator, &r.Slot, &r.Port,
			&channel, &r.DeviceID, &r.MAC, &r.Firmware, &r.Product, &r.Customer, &outcome, &failed, &r.Message,
			&r.Action, &r.Details, &started, &ended, &evidence); err != nil {
			rows.Close()
			return nil, d.cfg.explain(err)
		}
		r.Channel, r.FailedStep, r.Started, r.Ended = provisioning.Channel(channel), provisioning.Step(failed), utc(started), utc(ended)
		if r.Outcome = provisioning.Outcome(outcome); outcome == OutcomeRunning {
			r.Outcome = provisioning.OutcomePending
		}
		if evidence != nil {
			r.Evidence = &provisioning.Evidence{}
			if err := json.Unmarshal(evidence, r.Evidence); err != nil {
				r.Evidence = nil // written by a newer station in a shape this one does not read
			}
		}
		at[r.Attempt] = len(out)
		ids = append(ids, r.Attempt)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, d.cfg.explain(err)
	}
	steps, err := d.conn.Query(qctx, stepsOf, ids)
	if err != nil {
		return nil, d.cfg.explain(err)
	}
	defer steps.Close()
	for steps.Next() {
		var (
			attempt, step, outcome string
			s                      provisioning.StepEntry
			started, ended         *time.Time
		)
		if err := steps.Scan(&attempt, &step, &started, &ended, &outcome, &s.Message); err != nil {
			return nil, d.cfg.explain(err)
		}
		s.Step, s.Outcome, s.Started, s.Ended = provisioning.Step(step), provisioning.StepOutcome(outcome), utc(started), utc(ended)
		r := &out[at[attempt]]
		r.Steps = append(r.Steps, s)
	}
	if err := steps.Err(); err != nil {
		return nil, d.cfg.explain(err)
	}
	return out, nil
}

// utc is the time in UTC, or the zero time for NULL.
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

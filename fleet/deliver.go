package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/photon-station/photon-station/provisioning"
)

// OutcomeRunning is the fleet's outcome of an attempt that has no verdict
// yet: still running on its bench, or cut short by a crash there.
const OutcomeRunning = "running"

const upsertAttempt = `INSERT INTO photon_station_attempts (attempt_id, station, profile, operator, slot, port, channel,
	device_id, mac, firmware, product, customer, outcome, failed_step, message, action, details, started_at, finished_at,
	resumed_from, evidence, revision)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
ON CONFLICT (attempt_id) DO UPDATE SET station = EXCLUDED.station, profile = EXCLUDED.profile,
	operator = EXCLUDED.operator, slot = EXCLUDED.slot, port = EXCLUDED.port, channel = EXCLUDED.channel,
	device_id = EXCLUDED.device_id, mac = EXCLUDED.mac, firmware = EXCLUDED.firmware, product = EXCLUDED.product,
	customer = EXCLUDED.customer, outcome = EXCLUDED.outcome, failed_step = EXCLUDED.failed_step,
	message = EXCLUDED.message, action = EXCLUDED.action, details = EXCLUDED.details,
	started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, resumed_from = EXCLUDED.resumed_from,
	evidence = EXCLUDED.evidence, revision = EXCLUDED.revision, received_at = now()
WHERE photon_station_attempts.revision < EXCLUDED.revision`

const upsertStep = `INSERT INTO photon_station_steps (attempt_id, step, position, started_at, finished_at, outcome, message)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (attempt_id, step) DO UPDATE SET position = EXCLUDED.position, started_at = EXCLUDED.started_at,
	finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome, message = EXCLUDED.message`

// Deliver writes one revision of an attempt and its steps in one
// transaction. It reports false, writing nothing, when the database
// already holds that revision or a newer one: a repeat or a late, older
// delivery never overwrites a newer row nor adds one.
func (d *DB) Deliver(ctx context.Context, r provisioning.Record) (applied bool, err error) {
	if err := d.ReadOnly(); err != nil {
		return false, err
	}
	if r.Attempt == "" {
		return false, errors.New("fleet: a change without an attempt ID")
	}
	qctx, cancel := d.query(ctx)
	defer cancel()
	err = pgx.BeginFunc(qctx, d.conn, func(tx pgx.Tx) error {
		tag, err := tx.Exec(qctx, upsertAttempt, attemptRow(r, r.Revision)...)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		applied = true
		b := &pgx.Batch{}
		for _, s := range lastOfEachStep(r.Steps) {
			b.Queue(upsertStep, r.Attempt, clean(string(s.entry.Step)), s.position, optTime(s.entry.Started),
				optTime(s.entry.Ended), clean(string(s.entry.Outcome)), clean(s.entry.Message))
		}
		return tx.SendBatch(qctx, b).Close()
	})
	if err != nil {
		return false, d.cfg.explain(err)
	}
	return applied, nil
}

func attemptRow(r provisioning.Record, revision int64) []any {
	outcome := string(r.Outcome)
	if r.Outcome == provisioning.OutcomePending {
		outcome = OutcomeRunning
	}
	var evidence []byte
	if r.Evidence != nil {
		evidence, _ = json.Marshal(r.Evidence) // plain strings and times: cannot fail
	}
	var resumedFrom *string
	if r.ResumedFrom != "" {
		resumedFrom = &r.ResumedFrom
	}
	return []any{r.Attempt, clean(r.Station), clean(r.Profile), clean(r.Operator), clean(r.Slot), clean(r.Port),
		clean(string(r.Channel)), clean(r.DeviceID), clean(r.MAC), clean(r.Firmware), clean(r.Product),
		clean(r.Customer), outcome, clean(string(r.FailedStep)), clean(r.Message), clean(r.Action),
		clean(r.Details), optTime(r.Started), optTime(r.Ended), resumedFrom, evidence, revision}
}

type positionedStep struct {
	entry    provisioning.StepEntry
	position int
}

// lastOfEachStep keeps each step's last entry (Record.StepOf's view), in
// the order the steps first ran: the table holds one row per step.
func lastOfEachStep(steps []provisioning.StepEntry) []positionedStep {
	var out []positionedStep
	at := map[provisioning.Step]int{}
	for i, s := range steps {
		if j, ok := at[s.Step]; ok {
			out[j] = positionedStep{s, i}
			continue
		}
		at[s.Step] = len(out)
		out = append(out, positionedStep{s, i})
	}
	return out
}

// optTime is NULL for a time not set, else the time in UTC.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// clean makes text PostgreSQL stores: valid UTF-8 without NUL bytes, so
// one odd message from a device cannot hold up the queue.
func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

package provisioning

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// resumedByCol is the attempt that went on from attempt a (its resumer
// names a in resumed_from): Record.ResumedBy is read, never stored.
const resumedByCol = `coalesce((SELECT b.attempt FROM attempts b WHERE b.resumed_from = a.attempt AND b.resumed_from != ''
	ORDER BY b.seq DESC LIMIT 1), '')`

// records returns the attempts the SQL clause after FROM selects (where,
// order, limit on table alias a), with their steps.
func (j *Journal) records(ctx context.Context, clause string, args ...any) ([]Record, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT a.seq, a.revision, `+prefixed("a.", attemptCols)+`, `+resumedByCol+` FROM attempts a `+clause, args...)
	if err != nil {
		return nil, err
	}
	var out []Record
	var seqs []int64
	for rows.Next() {
		var seq int64
		var by string
		r, err := scanAttempt(rowWith{rows, &by}, &seq)
		if err != nil {
			rows.Close()
			return nil, err
		}
		r.ResumedBy = by
		out = append(out, r)
		seqs = append(seqs, seq)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := j.fillSteps(ctx, out, seqs); err != nil {
		return nil, err
	}
	return out, nil
}

// fillSteps reads the steps of recs (whose rows are seqs), in chunks that
// stay under SQLite's limit of parameters.
func (j *Journal) fillSteps(ctx context.Context, recs []Record, seqs []int64) error {
	at := make(map[int64]int, len(seqs))
	for i, s := range seqs {
		at[s] = i
	}
	const chunk = 500
	for lo := 0; lo < len(seqs); lo += chunk {
		part := seqs[lo:min(lo+chunk, len(seqs))]
		args := make([]any, len(part))
		for i, s := range part {
			args[i] = s
		}
		rows, err := j.db.QueryContext(ctx, `SELECT attempt, step, started, ended, outcome, message FROM steps
			WHERE attempt IN (`+placeholders(len(part))+`) ORDER BY attempt, pos`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seq int64
			s, err := scanStep(rows, &seq)
			if err != nil {
				rows.Close()
				return err
			}
			i := at[seq]
			recs[i].Steps = append(recs[i].Steps, s)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i := range recs {
		if recs[i].Steps == nil {
			recs[i].Steps = []StepEntry{}
		}
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

// scanAttempt reads "seq, revision, attemptCols".
func scanAttempt(sc scanner, seq *int64) (Record, error) {
	var r Record
	var channel, leftIn, evKind, evOwner, outcome, failed string
	var started, ended, claim, wifi, hs, heard, evAt, evBefore sql.NullString
	var cb bool
	err := sc.Scan(seq, &r.Revision, &r.Attempt, &r.ResumedFrom, &r.Station, &r.Profile, &r.Operator, &r.Slot, &r.Port,
		&channel, &r.DeviceID, &r.MAC, &r.Firmware, &r.Product, &r.Customer, &started, &ended, &r.Opened, &leftIn,
		&claim, &wifi, &cb, &hs, &heard, &evKind, &evAt, &evBefore, &evOwner, &outcome, &failed, &r.Message,
		&r.Action, &r.Details)
	if err != nil {
		return Record{}, err
	}
	r.Channel, r.LeftIn, r.Outcome, r.FailedStep = Channel(channel), Step(leftIn), Outcome(outcome), Step(failed)
	var terr error
	at := func(src sql.NullString) time.Time {
		t, err := parseDBTime(src)
		if err != nil && terr == nil {
			terr = err
		}
		return t
	}
	r.Started, r.Ended, r.ClaimCodeAt, r.WiFiSentAt = at(started), at(ended), at(claim), at(wifi)
	if cb {
		r.CloudBefore = &CloudMark{LastHandshake: at(hs), LastHeard: at(heard)}
	}
	if evKind != "" {
		r.Evidence = &Evidence{Kind: EvidenceKind(evKind), At: at(evAt), Before: at(evBefore), Owner: evOwner}
	}
	if terr != nil {
		return Record{}, terr
	}
	return r, nil
}

// scanStep reads "attempt, step, started, ended, outcome, message".
func scanStep(sc scanner, seq *int64) (StepEntry, error) {
	var s StepEntry
	var step, outcome string
	var started, ended sql.NullString
	if err := sc.Scan(seq, &step, &started, &ended, &outcome, &s.Message); err != nil {
		return StepEntry{}, err
	}
	s.Step, s.Outcome = Step(step), StepOutcome(outcome)
	var err error
	if s.Started, err = parseDBTime(started); err != nil {
		return StepEntry{}, err
	}
	if s.Ended, err = parseDBTime(ended); err != nil {
		return StepEntry{}, err
	}
	return s, nil
}

// prefixed puts alias before every column of a comma-separated list.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// look runs a look-up that keeps an error-free signature: a failure is
// remembered for Err and gives no records.
func (j *Journal) look(clause string, args ...any) []Record {
	recs, err := j.records(context.Background(), clause, args...)
	j.mu.Lock()
	j.readErr = err
	j.mu.Unlock()
	return recs
}

// The station's look-ups, each an indexed query (TestJournalLookupsUseIndexes).
const (
	byDeviceClause     = `WHERE a.device_id = ? ORDER BY a.seq`
	lastOfDeviceClause = `WHERE a.device_id = ? ORDER BY a.seq DESC LIMIT 1`
	interruptedClause  = `WHERE a.outcome = '' ORDER BY a.seq`
	latestOnPortClause = `WHERE a.held_port AND a.port = ? AND a.attempt != ? ORDER BY a.written DESC LIMIT 1`
	unsentClause       = `WHERE a.revision > a.fleet_revision ORDER BY a.written LIMIT ?`
	byAttemptClause    = `WHERE a.attempt = ?`
)

// Records returns the latest version of every attempt, oldest first.
func (j *Journal) Records() []Record { return j.look(`ORDER BY a.seq`) }

// ByDevice returns the attempts for one device ID (any case), oldest first.
func (j *Journal) ByDevice(deviceID string) []Record {
	return j.look(byDeviceClause, strings.ToLower(deviceID))
}

// ByAttempt returns the latest version of one attempt, with its Revision
// (a headless provision sends its own attempt to the fleet database).
func (j *Journal) ByAttempt(attempt string) (Record, bool) {
	recs := j.look(byAttemptClause, attempt)
	if len(recs) == 0 {
		return Record{}, false
	}
	return recs[0], true
}

// Interrupted returns the attempts that never reached their end: the
// process stopped (crash, kill, power cut) in the middle.
func (j *Journal) Interrupted() []Record { return j.look(interruptedClause) }

// LastInterrupted returns the newest interrupted attempt for a device that
// no later attempt superseded, if any.
func (j *Journal) LastInterrupted(deviceID string) (Record, bool) {
	recs := j.look(lastOfDeviceClause, strings.ToLower(deviceID))
	if len(recs) == 0 || recs[0].Finished() {
		return Record{}, false
	}
	return recs[0], true
}

// LatestOnPort returns the attempt, other than except, that last held a
// serial port: of those that opened it, the one whose latest version was
// written last (by any process). Attempts refused before they opened the
// port (another program had it) do not count: they never touched the
// Photon there.
func (j *Journal) LatestOnPort(port, except string) (Record, bool) {
	if port == "" {
		return Record{}, false
	}
	recs := j.look(latestOnPortClause, port, except)
	if len(recs) == 0 {
		return Record{}, false
	}
	return recs[0], true
}

// InterruptedOnPort returns the attempt that last held a serial port
// (LatestOnPort) when it never reached its end: the process stopped
// while it had the port. Its InFlight step says what the device may still
// be doing. An attempt that finished, or none, gives false.
func (j *Journal) InterruptedOnPort(port, except string) (Record, bool) {
	r, ok := j.LatestOnPort(port, except)
	if !ok || r.Finished() {
		return Record{}, false
	}
	return r, true
}

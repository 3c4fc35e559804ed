package provisioning

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// CSVHeader is the first row ExportCSV writes.
var CSVHeader = []string{"attempt", "resumed_from", "started", "ended", "station", "profile", "operator",
	"slot", "port", "channel", "device_id", "mac", "firmware", "product", "customer", "outcome",
	"failed_step", "message", "action", "steps", "resumed_by"}

// exportPage is how many attempts an export reads at a time: the export
// holds one page, whatever the journal's size.
const exportPage = 256

// each calls fn with every attempt, oldest first, reading the journal a
// page at a time.
func (j *Journal) each(ctx context.Context, fn func(r Record) error) error {
	after := int64(0)
	for {
		rows, err := j.db.QueryContext(ctx, `SELECT a.seq, a.revision, `+prefixed("a.", attemptCols)+`, `+resumedByCol+`
			FROM attempts a WHERE a.seq > ? ORDER BY a.seq LIMIT ?`, after, exportPage)
		if err != nil {
			return err
		}
		var recs []Record
		var seqs []int64
		for rows.Next() {
			var seq int64
			var b string
			r, err := scanAttempt(rowWith{rows, &b}, &seq)
			if err != nil {
				rows.Close()
				return err
			}
			r.ResumedBy = b
			recs, seqs = append(recs, r), append(seqs, seq)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(recs) == 0 {
			return nil
		}
		if err := j.fillSteps(ctx, recs, seqs); err != nil {
			return err
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
		after = seqs[len(seqs)-1]
	}
}

// rowWith scans the attempt columns and then extra trailing ones.
type rowWith struct {
	sc    scanner
	extra *string
}

func (r rowWith) Scan(dest ...any) error { return r.sc.Scan(append(dest, r.extra)...) }

// ExportCSV writes every attempt as one CSV row for the factory's records,
// oldest first, a page at a time (constant memory). resumed_by names the
// attempt that went on from this one. Cells that a spreadsheet would run
// as a formula are prefixed with '.
func (j *Journal) ExportCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	err := j.each(context.Background(), func(r Record) error {
		outcome := string(r.Outcome)
		if outcome == "" {
			outcome = "interrupted"
		}
		var steps []string
		for _, s := range r.Steps {
			d := ""
			if !s.Ended.IsZero() {
				d = " " + s.Ended.Sub(s.Started).Round(time.Millisecond).String()
			}
			steps = append(steps, fmt.Sprintf("%s:%s%s", s.Step, s.Outcome, d))
		}
		row := []string{r.Attempt, r.ResumedFrom, ts(r.Started), ts(r.Ended), r.Station, r.Profile, r.Operator,
			r.Slot, r.Port, string(r.Channel), r.DeviceID, r.MAC, r.Firmware, r.Product, r.Customer, outcome,
			string(r.FailedStep), r.Message, r.Action, strings.Join(steps, "; "), r.ResumedBy}
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// ExportJSONL writes every attempt with all its steps as one JSON object
// per line (the Record's JSON form), oldest first, a page at a time.
func (j *Journal) ExportJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	err := j.each(context.Background(), func(r Record) error { return enc.Encode(r) })
	if err != nil {
		return err
	}
	return bw.Flush()
}

// csvSafe defuses spreadsheet formula injection.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// JournalFilter narrows the attempts a journal page shows.
type JournalFilter struct {
	Text    string // in device ID, slot, port, profile, customer, message, operator or station (any case)
	Outcome string // "", "pass", "fail", "unfinished"
}

func (f JournalFilter) where() (string, []any) {
	var conds []string
	var args []any
	switch f.Outcome {
	case "pass":
		conds = append(conds, `a.outcome = 'pass'`)
	case "fail":
		conds = append(conds, `a.outcome = 'fail'`)
	case "unfinished":
		conds = append(conds, `a.outcome = ''`)
	}
	if t := strings.ToLower(strings.TrimSpace(f.Text)); t != "" {
		var ors []string
		for _, c := range []string{"device_id", "slot", "port", "profile", "customer", "message", "operator", "station"} {
			ors = append(ors, `instr(lower(a.`+c+`), ?) > 0`)
			args = append(args, t)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "WHERE " + strings.Join(conds, " AND "), args
}

// Count returns how many attempts match f.
func (j *Journal) Count(f JournalFilter) (int, error) {
	where, args := f.where()
	var n int
	err := j.db.QueryRowContext(context.Background(), `SELECT count(*) FROM attempts a `+where, args...).Scan(&n)
	return n, err
}

// Page returns up to limit attempts matching f, newest first, after
// skipping offset of them.
func (j *Journal) Page(f JournalFilter, offset, limit int) ([]Record, error) {
	where, args := f.where()
	return j.records(context.Background(), where+` ORDER BY a.seq DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
}

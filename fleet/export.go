package fleet

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// CSVHeader is the first row ExportCSV writes: the local journal's export
// columns (provisioning.CSVHeader) with resumed_by after resumed_from.
var CSVHeader = []string{"attempt", "resumed_from", "resumed_by", "started", "ended", "station", "profile", "operator",
	"slot", "port", "channel", "device_id", "mac", "firmware", "product", "customer", "outcome",
	"failed_step", "message", "action", "steps"}

// exportQuery reads every station's attempts, oldest first, with the
// attempt that resumed each one and its steps in order. Step durations
// come as whole milliseconds, as the local export rounds them.
const exportQuery = `SELECT a.attempt_id, coalesce(a.resumed_from, ''), coalesce(r.attempt_id, ''), a.started_at, a.finished_at,
	a.station, a.profile, a.operator, a.slot, a.port, a.channel, a.device_id, a.mac, a.firmware, a.product, a.customer,
	a.outcome, a.failed_step, a.message, a.action,
	coalesce(s.steps, '{}'), coalesce(s.outcomes, '{}'), coalesce(s.millis, '{}')
FROM photon_station_attempts a
LEFT JOIN LATERAL (SELECT b.attempt_id FROM photon_station_attempts b WHERE b.resumed_from = a.attempt_id
	ORDER BY b.started_at DESC, b.attempt_id DESC LIMIT 1) r ON true
LEFT JOIN LATERAL (SELECT array_agg(st.step ORDER BY st.position) AS steps,
	array_agg(st.outcome ORDER BY st.position) AS outcomes,
	array_agg(round(extract(epoch FROM st.finished_at - st.started_at) * 1000)::bigint ORDER BY st.position) AS millis
	FROM photon_station_steps st WHERE st.attempt_id = a.attempt_id) s ON true
ORDER BY a.started_at, a.attempt_id`

// ExportCSV writes every station's attempts as CSV rows, streamed from
// the database. Each row must arrive within the configured timeout: a
// database that stops answering ends the export with a Problem. It works
// on a read-only (newer) schema as long as the columns it reads exist.
func (d *DB) ExportCSV(ctx context.Context, w io.Writer) (rows int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watchdog := time.AfterFunc(d.cfg.timeout(), cancel)
	defer watchdog.Stop()
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, err
	}
	res, err := d.conn.Query(ctx, exportQuery)
	if err != nil {
		return 0, d.cfg.explain(err)
	}
	defer res.Close()
	for res.Next() {
		watchdog.Reset(d.cfg.timeout())
		var (
			cells            = make([]string, len(CSVHeader))
			started, ended   *time.Time
			steps, outcomes  []string
			millis           []*int64
			attempt, resFrom = &cells[0], &cells[1]
		)
		err := res.Scan(attempt, resFrom, &cells[2], &started, &ended, &cells[5], &cells[6], &cells[7], &cells[8],
			&cells[9], &cells[10], &cells[11], &cells[12], &cells[13], &cells[14], &cells[15], &cells[16],
			&cells[17], &cells[18], &cells[19], &steps, &outcomes, &millis)
		if err != nil {
			return rows, d.cfg.explain(err)
		}
		cells[3], cells[4] = csvTime(started), csvTime(ended)
		if cells[16] == OutcomeRunning {
			cells[16] = "interrupted" // as the local export says of an attempt without a verdict
		}
		cells[20] = stepsCell(steps, outcomes, millis)
		for i, c := range cells {
			cells[i] = csvSafe(c)
		}
		if err := cw.Write(cells); err != nil {
			return rows, err
		}
		rows++
	}
	if err := res.Err(); err != nil {
		if ctx.Err() != nil && !watchdog.Stop() {
			return rows, &Problem{Kind: KindTimeout, Err: err, Msg: fmt.Sprintf("The fleet database at %s stopped answering for %s in the middle of the export: try again later.", d.cfg, d.cfg.timeout())}
		}
		return rows, d.cfg.explain(err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return rows, err
	}
	return rows, bw.Flush()
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// stepsCell writes the steps as the local export does:
// "step:outcome duration; ...".
func stepsCell(steps, outcomes []string, millis []*int64) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = s + ":" + outcomes[i]
		if millis[i] != nil {
			parts[i] += " " + (time.Duration(*millis[i]) * time.Millisecond).String()
		}
	}
	return strings.Join(parts, "; ")
}

// csvSafe defuses spreadsheet formula injection, as the local export does.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

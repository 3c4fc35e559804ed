package fleet

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// CSVHeader is the first row ExportCSV writes: the local journal's export
// columns (provisioning.CSVHeader, station among them), with resumed_by
// after resumed_from where the local export has none.
var CSVHeader = csvHeader()

func csvHeader() []string {
	h := slices.Clone(provisioning.CSVHeader)
	if !slices.Contains(h, "resumed_by") {
		h = slices.Insert(h, slices.Index(h, "resumed_from")+1, "resumed_by")
	}
	return h
}

// exportTextColumns names the export's columns exportQuery reads as text,
// in its order; started_at, finished_at and the steps follow them.
var exportTextColumns = []string{"attempt", "resumed_from", "resumed_by", "station", "profile", "operator", "slot",
	"port", "channel", "device_id", "mac", "firmware", "product", "customer", "outcome", "failed_step", "message", "action"}

// exportQuery reads every station's attempts, oldest first, with the
// attempt that resumed each one and its steps in order. Step durations
// come as whole milliseconds, as the local export rounds them.
const exportQuery = `SELECT a.attempt_id, coalesce(a.resumed_from, ''), coalesce(r.attempt_id, ''),
	a.station, a.profile, a.operator, a.slot, a.port, a.channel, a.device_id, a.mac, a.firmware, a.product, a.customer,
	a.outcome, a.failed_step, a.message, a.action, a.started_at, a.finished_at,
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
	var stalled atomic.Bool
	watchdog := time.AfterFunc(d.cfg.timeout(), func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	explain := func(err error) error {
		if stalled.Load() {
			return &Problem{Kind: KindTimeout, Err: err, Msg: fmt.Sprintf("The fleet database at %s stopped answering for %s during the export: try again later.", d.cfg, d.cfg.timeout())}
		}
		return d.cfg.explain(err)
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, err
	}
	res, err := d.conn.Query(ctx, exportQuery)
	if err != nil {
		return 0, explain(err)
	}
	defer res.Close()
	for res.Next() {
		watchdog.Reset(d.cfg.timeout())
		var (
			cells           = make([]string, len(exportTextColumns))
			dest            = make([]any, 0, len(cells)+5)
			started, ended  *time.Time
			steps, outcomes []string
			millis          []*int64
		)
		for i := range cells {
			dest = append(dest, &cells[i])
		}
		if err := res.Scan(append(dest, &started, &ended, &steps, &outcomes, &millis)...); err != nil {
			return rows, explain(err)
		}
		v := make(map[string]string, len(CSVHeader))
		for i, col := range exportTextColumns {
			v[col] = cells[i]
		}
		v["started"], v["ended"] = csvTime(started), csvTime(ended)
		if v["outcome"] == OutcomeRunning {
			v["outcome"] = "interrupted" // as the local export says of an attempt without a verdict
		}
		v["steps"] = stepsCell(steps, outcomes, millis)
		row := make([]string, len(CSVHeader))
		for i, col := range CSVHeader {
			row[i] = csvSafe(v[col])
		}
		if err := cw.Write(row); err != nil {
			return rows, err
		}
		rows++
	}
	if err := res.Err(); err != nil {
		return rows, explain(err)
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

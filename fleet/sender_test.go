package fleet

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/internal/pgtest"
)

// runSender runs a sender of outbox until the test ends and returns its
// reports.
func runSender(t *testing.T, c *Config, outbox *benchJournal) statuses {
	t.Helper()
	st := make(statuses, 10000)
	s := NewSender(c, SenderOptions{Outbox: outbox, Wake: outbox.Changed(), Report: st.report,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return st
}

// caughtUp is a status saying the bench's journal has nothing left to send
// and, read now, it has not: a report made before the latest writes does
// not count.
func caughtUp(b *benchJournal) func(Status) bool {
	return func(s Status) bool {
		n, err := b.UnsentCount()
		return s.State == StateConnected && s.Waiting == 0 && err == nil && n == 0
	}
}

// shift writes attempts from..to-1 of a station, each through every
// revision (one per step), interleaving the attempts as a bench does.
func shift(o *benchJournal, station string, from, to int) {
	for done := 0; done <= len(pipelineSteps); done++ {
		for n := from; n < to; n++ {
			o.Write(attempt(station, n, done))
		}
	}
}

// checkArrived checks that the database holds each attempt of the
// outboxes once, at its latest revision with all its steps, and (from the
// audit) that no revision was written twice nor after a newer one.
func checkArrived(t *testing.T, f *fleetDB, outboxes ...*benchJournal) {
	t.Helper()
	want := map[string]string{}
	for _, o := range outboxes {
		for _, r := range o.Records() {
			want[r.Attempt] = fmt.Sprintf("%s %d %s %d", r.Station, r.Revision, r.Outcome, len(r.Steps))
		}
	}
	rows := f.query(t, `SELECT a.attempt_id, a.station, a.revision, a.outcome, count(s.step)
		FROM photon_station_attempts a LEFT JOIN photon_station_steps s USING (attempt_id) GROUP BY 1, 2, 3, 4`)
	if len(rows) != len(want) {
		t.Errorf("%d attempts in the database, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		if got := strings.Join(r[1:], " "); got != want[r[0]] {
			t.Errorf("attempt %s: %s, want %s", r[0], got, want[r[0]])
		}
	}
	for _, r := range f.query(t, `SELECT attempt_id, revision, count(*) FROM audit GROUP BY 1, 2 HAVING count(*) > 1`) {
		t.Errorf("attempt %s revision %s was written %s times", r[0], r[1], r[2])
	}
	for _, r := range f.query(t, `SELECT attempt_id FROM (SELECT attempt_id, revision,
		lag(revision) OVER (PARTITION BY attempt_id ORDER BY ctid) AS before FROM audit) w WHERE revision <= before`) {
		t.Errorf("attempt %s: an older revision overwrote a newer one", r[0])
	}
}

// Two benches (two journals, two station names) send into one database
// at once, creating its schema together on their first start.
func TestTwoStationsOneDatabase(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	bench1, bench2 := newBench(t), newBench(t)
	st1, st2 := runSender(t, c, bench1), runSender(t, c, bench2)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); shift(bench1, "Bench 1", 0, 10) }()
	go func() { defer wg.Done(); shift(bench2, "Bench 2", 0, 10) }()
	wg.Wait()
	st1.waitFor(t, "bench 1 caught up", caughtUp(bench1))
	st2.waitFor(t, "bench 2 caught up", caughtUp(bench2))
	checkArrivedNoAudit(t, f, bench1, bench2)
	got := f.query(t, `SELECT station, count(*) FILTER (WHERE outcome = 'pass') FROM photon_station_attempts GROUP BY 1 ORDER BY 1`)
	if fmt.Sprint(got) != "[[Bench 1 10] [Bench 2 10]]" {
		t.Errorf("passes per station: %v", got)
	}
}

func checkArrivedNoAudit(t *testing.T, f *fleetDB, outboxes ...*benchJournal) {
	t.Helper()
	f.Exec("fleet", `CREATE TABLE IF NOT EXISTS photon.audit (attempt_id text, revision bigint)`)
	checkArrived(t, f, outboxes...)
}

// The database is stopped mid-shift and started again: the benches go on,
// the records wait and say so, and every record arrives exactly once.
func TestDatabaseRestartedMidShift(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	mustOpen(t, c).Close() // the schema, for the audit trigger
	f.audit(t)
	bench1, bench2 := newBench(t), newBench(t)
	st1, st2 := runSender(t, c, bench1), runSender(t, c, bench2)
	shift(bench1, "Bench 1", 0, 4)
	shift(bench2, "Bench 2", 0, 4)
	st1.waitFor(t, "bench 1 caught up", caughtUp(bench1))
	st2.waitFor(t, "bench 2 caught up", caughtUp(bench2))

	f.Stop()
	shift(bench1, "Bench 1", 4, 9)
	shift(bench2, "Bench 2", 4, 7)
	down := st1.waitFor(t, "bench 1 offline with 5 waiting", func(s Status) bool {
		return s.State == StateOffline && s.Waiting == 5
	})
	if p, ok := down.Err.(*Problem); !ok || !p.Retryable() {
		t.Errorf("while the database is down: %#v", down.Err)
	}
	st2.waitFor(t, "bench 2 offline with 3 waiting", func(s Status) bool {
		return s.State == StateOffline && s.Waiting == 3
	})
	if strings.Contains(down.String(), f.benchPW) || strings.Contains(down.String(), f.Password()) {
		t.Errorf("a status shows a password: %s", down)
	}

	f.Start()
	st1.waitFor(t, "bench 1 caught up after the restart", caughtUp(bench1))
	st2.waitFor(t, "bench 2 caught up after the restart", caughtUp(bench2))
	checkArrived(t, f, bench1, bench2)
	for _, pw := range []string{f.benchPW, f.Password()} {
		if hits := pgtest.ProcessArgsWith(pw); len(hits) > 0 {
			t.Errorf("a password is in process arguments: %q", hits)
		}
		if hits := f.LogWith(pw); len(hits) > 0 {
			t.Errorf("a password is in the database's log: %q", hits)
		}
	}
}

// A newer station's schema: this one refuses to write (read-only, said
// in words), its records wait, and it can still export.
func TestNewerSchemaIsReadOnly(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	bench := newBench(t)
	ch := bench.Write(attempt("Bench 1", 0, len(pipelineSteps)))
	if _, _, err := Drain(context.Background(), c, bench); err != nil {
		t.Fatal(err)
	}
	f.Exec("fleet", fmt.Sprintf(`INSERT INTO photon.photon_station_schema_version (version) VALUES (%d)`, SchemaVersion+1),
		`ALTER TABLE photon.photon_station_attempts ADD COLUMN bench_temperature real`)
	bench.Write(attempt("Bench 1", 1, 2))

	db := mustOpen(t, c)
	err := db.ReadOnly()
	if p, ok := err.(*Problem); !ok || p.Kind != KindNewerSchema || !strings.Contains(p.Msg, "newer Photon Station") {
		t.Fatalf("ReadOnly: %v", err)
	}
	if _, err := db.Deliver(context.Background(), ch); err == nil {
		t.Error("Deliver wrote into a newer schema")
	}
	if _, left, err := Drain(context.Background(), c, bench); err == nil || left != 1 {
		t.Errorf("Drain: left %d, %v", left, err)
	}
	st := runSender(t, c, bench)
	ro := st.waitFor(t, "read-only", func(s Status) bool { return s.State == StateReadOnly })
	if ro.Waiting != 1 || !strings.Contains(ro.String(), "Exporting still works") {
		t.Errorf("status: %s", ro)
	}
	var out strings.Builder
	if n, err := db.ExportCSV(context.Background(), &out); err != nil || n != 1 {
		t.Errorf("export from a newer schema: %d rows, %v", n, err)
	}
	if got := f.query(t, `SELECT count(*) FROM photon_station_attempts`); got[0][0] != "1" {
		t.Errorf("%s attempts in the database, want 1", got[0][0])
	}
}

// A headless provision with the database down gives up within its few
// seconds and leaves the attempt waiting; journal sync sends it later.
func TestHeadlessWithDatabaseDownThenSync(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	bench := newBench(t)
	shift(bench, "Bench 1", 0, 2)
	f.Stop()
	last := bench.Write(attempt("Bench 1", 2, len(pipelineSteps)))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	err := SendNow(ctx, c, bench, last)
	if p, ok := err.(*Problem); !ok || !p.Retryable() {
		t.Fatalf("SendNow with the database down: %v", err)
	}
	if waited := time.Since(start); waited > 4*time.Second {
		t.Errorf("SendNow waited %s", waited)
	}
	if n, _ := bench.UnsentCount(); n != 3 {
		t.Errorf("%d attempts wait, want 3", n)
	}
	f.Start()
	if err := SendNow(context.Background(), c, bench, last); err != nil {
		t.Fatal(err)
	}
	if n, _ := bench.UnsentCount(); n != 2 {
		t.Errorf("after SendNow, %d attempts wait, want 2", n)
	}
	sent, left, err := Drain(context.Background(), c, bench)
	if err != nil || sent != 2 || left != 0 {
		t.Fatalf("Drain: sent %d, left %d, %v", sent, left, err)
	}
	checkArrivedNoAudit(t, f, bench)
}

// A bench started while the database is down provisions on; its records
// wait and go when the database comes up.
func TestDatabaseDownAtStart(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	f.Stop()
	bench := newBench(t)
	st := runSender(t, c, bench)
	shift(bench, "Bench 1", 0, 3)
	st.waitFor(t, "offline with 3 waiting", func(s Status) bool { return s.State == StateOffline && s.Waiting == 3 })
	f.Start()
	st.waitFor(t, "caught up", caughtUp(bench))
	checkArrivedNoAudit(t, f, bench)
}

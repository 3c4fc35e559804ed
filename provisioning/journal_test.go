package provisioning

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleRecord(attempt, device string, outcome Outcome) Record {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	r := Record{Attempt: attempt, Station: "bench-1", Profile: "Line 3", Operator: "kim", Port: "/dev/ttyACM0",
		DeviceID: device, MAC: "6c:0b:84:00:11:22", Firmware: "2.3.1", Product: "acme-sensor", Customer: customerMail,
		Started: t0, Steps: []StepEntry{{Step: StepIdentify, Started: t0, Ended: t0.Add(1500 * time.Millisecond), Outcome: StepDone, Message: "ok"}},
		Outcome: outcome}
	if outcome != OutcomePending {
		r.Ended = t0.Add(time.Minute)
	}
	return r
}

func TestJournalAppendAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "journal.db")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	a1 := sampleRecord("a1", devID, OutcomePending)
	a1done := sampleRecord("a1", devID, OutcomePass)
	a2 := sampleRecord("a2", "000000000000000000000002", OutcomeFail)
	for _, r := range []Record{a1, a2, a1done} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Append(Record{}); err == nil {
		t.Error("a record without an attempt ID was accepted")
	}
	j.Close()
	j, err = OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if diff := cmp.Diff([]Record{a1done, a2}, j.Records(), ignoreRevision); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if got := j.ByDevice(strings.ToUpper(devID)); len(got) != 1 || got[0].Attempt != "a1" {
		t.Errorf("by device: %+v", got)
	}
	if got := j.Interrupted(); len(got) != 0 {
		t.Errorf("interrupted: %+v", got)
	}
	if len(j.Problems()) != 0 {
		t.Errorf("problems: %v", j.Problems())
	}
}

func TestJournalConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if err := j.Append(sampleRecord(fmt.Sprintf("w%d-%d", w, i), devID, OutcomePass)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	j.Close()
	j, _ = OpenJournal(path)
	defer j.Close()
	if n := len(j.Records()); n != 40 || len(j.Problems()) != 0 {
		t.Errorf("%d records, problems %v", n, j.Problems())
	}
}

func TestJournalExportCSV(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := sampleRecord("a1", devID, OutcomeFail)
	r.FailedStep, r.Message, r.Action = StepVerify, "did not reach the cloud, \"really\"", "=HYPERLINK(\"evil\")"
	j.Append(r)
	j.Append(sampleRecord("a2", "000000000000000000000002", OutcomePending))
	j.Append(sampleRecord("a3", "000000000000000000000003", OutcomeStopped))
	var out bytes.Buffer
	if err := j.ExportCSV(&out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	if diff := cmp.Diff(CSVHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	col := func(row []string, name string) string {
		for i, h := range CSVHeader {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	for name, want := range map[string]string{
		"attempt": "a1", "device_id": devID, "outcome": "fail", "failed_step": "verify",
		"message": `did not reach the cloud, "really"`, "action": `'=HYPERLINK("evil")`,
		"started": "2026-11-26T08:00:00Z", "steps": "identify:done 1.5s", "customer": customerMail,
	} {
		if got := col(rows[1], name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := col(rows[2], "outcome"); got != "interrupted" {
		t.Errorf("an interrupted attempt exports as %q", got)
	}
	if got := col(rows[3], "outcome"); got != "stopped" {
		t.Errorf("a stopped attempt exports as %q", got)
	}
}

// Every cell a spreadsheet would run as a formula is defused; others are
// left alone.
func TestCSVSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"3b0021001747353236343033", "3b0021001747353236343033"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=b", "a=b"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := csvSafe(tc.in); got != tc.want {
				t.Errorf("csvSafe(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The journal view's filter and pages are queries: newest first, outcome
// and text (any case, in any of the technician's fields).
func TestJournalPageFilter(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	a1 := sampleRecord("a1", "3c0021000447363339343137", OutcomePass)
	a1.Profile, a1.Slot = "Line 3 thermostats", "ttyACM0"
	a2 := sampleRecord("a2", "1e0032000c47343432313031", OutcomeFail)
	a2.Profile, a2.Message = "Line 3 thermostats", "The device did not come online within 3 minutes."
	a3 := sampleRecord("a3", "", OutcomePending)
	a3.Profile, a3.Customer, a3.Operator, a3.Station = "Spares", "", "", ""
	for _, r := range []Record{a1, a2, a3} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		filter JournalFilter
		want   []string
	}{
		{"all newest first", JournalFilter{}, []string{"a3", "a2", "a1"}},
		{"passed", JournalFilter{Outcome: "pass"}, []string{"a1"}},
		{"failed", JournalFilter{Outcome: "fail"}, []string{"a2"}},
		{"unfinished", JournalFilter{Outcome: "unfinished"}, []string{"a3"}},
		{"device ID, any case", JournalFilter{Text: "343137"}, []string{"a1"}},
		{"message text", JournalFilter{Text: "COME ONLINE"}, []string{"a2"}},
		{"profile and outcome", JournalFilter{Text: "line 3", Outcome: "fail"}, []string{"a2"}},
		{"operator", JournalFilter{Text: "KIM"}, []string{"a2", "a1"}},
		{"nothing", JournalFilter{Text: "nope"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := j.Count(tc.filter)
			if err != nil || n != len(tc.want) {
				t.Errorf("count %d, %v; want %d", n, err, len(tc.want))
			}
			var got []string
			for off := 0; ; off++ {
				page, err := j.Page(tc.filter, off, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				got = append(got, page[0].Attempt)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pages of one (-want +got):\n%s", diff)
			}
		})
	}
}

// The look-ups the station makes while it works (resume, "already
// provisioned", the port's latest word, the fleet outbox) are answered from
// an index, not by reading every attempt.
func TestJournalLookupsUseIndexes(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for name, clause := range map[string]string{
		"by device": byDeviceClause, "last of a device": lastOfDeviceClause, "interrupted": interruptedClause,
		"latest on a port": latestOnPortClause, "unsent": unsentClause, "by attempt": byAttemptClause,
	} {
		n := strings.Count(clause, "?")
		args := make([]any, n)
		for i := range args {
			args[i] = "x"
		}
		// With the resumed_by column every look-up reads (a subquery).
		rows, err := j.db.Query(`EXPLAIN QUERY PLAN SELECT a.*, `+resumedByCol+` FROM attempts a `+clause, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "CORRELATED SCALAR SUBQUERY") {
				continue // its own steps follow
			}
			if !strings.Contains(step, "USING INDEX") && !strings.Contains(step, "USING COVERING INDEX") {
				t.Errorf("%s: %q reads without an index (plan %q)", name, clause, plan)
			}
		}
	}
}

// The schema has a version: a new database is brought to this build's,
// and one written by a newer build is refused, not written in a shape
// this build does not know.
func TestJournalSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := j.db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != len(journalMigrations) {
		t.Errorf("user_version %d (%v), want %d", v, err, len(journalMigrations))
	}
	if _, err := j.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := OpenJournal(path); err == nil || !strings.Contains(err.Error(), "newer Photon Station") {
		t.Errorf("a newer schema opened: %v", err)
	}
}

// A database written by an older build is brought up to this build's
// schema by the migrations it lacks, its attempts kept. (With one
// released version, the test adds a second migration of its own.)
func TestJournalOlderSchemaMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	old, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := sampleRecord("a1", devID, OutcomePass)
	if err := old.Append(rec); err != nil {
		t.Fatal(err)
	}
	old.Close()

	released, version := journalMigrations, journalSchemaVersion
	t.Cleanup(func() { journalMigrations, journalSchemaVersion = released, version })
	journalMigrations = append(released[:len(released):len(released)],
		`ALTER TABLE attempts ADD COLUMN note TEXT NOT NULL DEFAULT 'migrated'`)
	journalSchemaVersion = len(journalMigrations)

	j, err := OpenJournal(path)
	if err != nil {
		t.Fatalf("the older journal did not open: %v", err)
	}
	defer j.Close()
	var v int
	var note string
	if err := j.db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != journalSchemaVersion {
		t.Errorf("user_version %d (%v), want %d", v, err, journalSchemaVersion)
	}
	if err := j.db.QueryRow(`SELECT note FROM attempts WHERE attempt = 'a1'`).Scan(&note); err != nil || note != "migrated" {
		t.Errorf("the new migration did not run on the old attempt: %q, %v", note, err)
	}
	if recs := j.Records(); len(recs) != 1 || recs[0].Attempt != "a1" || recs[0].Outcome != OutcomePass {
		t.Errorf("the attempts after the migration: %+v", recs)
	}
}

// Every connection of the journal runs in WAL mode with a full sync at
// each commit and the busy timeout (docs/journal.md).
func TestJournalConnectionSettings(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// Several connections at once, so the pool opens more than one.
	var conns []*sql.Conn
	for range 3 {
		c, err := j.db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode string
		var sync, busy int
		if err := c.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(t.Context(), `PRAGMA synchronous`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(t.Context(), `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || sync != 2 || busy != int(journalBusyTimeout.Milliseconds()) {
			t.Errorf("connection %d: journal_mode %s, synchronous %d (FULL is 2), busy_timeout %d", i, mode, sync, busy)
		}
		c.Close()
	}
}

package provisioning

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
	path := filepath.Join(t.TempDir(), "sub", "journal.jsonl")
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
	if diff := cmp.Diff([]Record{a1done, a2}, j.Records()); diff != "" {
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

// A crash mid-write leaves a torn last line: it is skipped, reported, and
// the next record starts on a line of its own.
func TestJournalTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	good, _ := json.Marshal(sampleRecord("a1", devID, OutcomePass))
	torn, _ := json.Marshal(sampleRecord("a2", devID, OutcomePending))
	os.WriteFile(path, append(append(good, '\n'), torn[:len(torn)/2]...), 0o600)

	j, err := OpenJournal(path)
	if err != nil {
		t.Fatalf("a torn line must never be fatal: %v", err)
	}
	if got := j.Records(); len(got) != 1 || got[0].Attempt != "a1" {
		t.Fatalf("records: %+v", got)
	}
	probs := j.Problems()
	if len(probs) != 1 || !probs[0].Torn || probs[0].Line != 2 || !strings.Contains(probs[0].String(), "cut short") {
		t.Fatalf("problems: %+v", probs)
	}
	if err := j.Append(sampleRecord("a3", devID, OutcomePass)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var ids []string
	for _, r := range j.Records() {
		ids = append(ids, r.Attempt)
	}
	if diff := cmp.Diff([]string{"a1", "a3"}, ids); diff != "" {
		t.Errorf("after repair (-want +got):\n%s", diff)
	}
	if len(j.Problems()) != 1 {
		t.Errorf("the torn fragment should stay reported once: %v", j.Problems())
	}
}

// Damage in the middle of the file (a disk error, a hand edit) costs only
// that line.
func TestJournalDamagedMiddleLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	var b bytes.Buffer
	for i, line := range []string{"", "garbage{", "", `{"no_attempt":true}`, ""} {
		if line == "" {
			r, _ := json.Marshal(sampleRecord(fmt.Sprintf("a%d", i), devID, OutcomePass))
			line = string(r)
		}
		b.WriteString(line + "\n")
	}
	os.WriteFile(path, b.Bytes(), 0o600)
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if n := len(j.Records()); n != 3 {
		t.Errorf("%d records, want 3", n)
	}
	probs := j.Problems()
	if len(probs) != 2 || probs[0].Line != 2 || probs[1].Line != 4 || probs[0].Torn || !strings.Contains(probs[0].String(), "damaged") {
		t.Errorf("problems: %+v", probs)
	}
}

func TestJournalConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
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
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
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

// FuzzJournalLoad: whatever bytes the file holds, opening never fails or
// panics, and every readable line is a record with an attempt ID.
func FuzzJournalLoad(f *testing.F) {
	good, _ := json.Marshal(sampleRecord("a1", devID, OutcomePass))
	f.Add(append(good, '\n'))
	f.Add(good[:20])
	f.Add([]byte("\n\n{}\n"))
	f.Add([]byte(`{"attempt":"x","steps":[{"step":"wifi"}]}` + "\n" + `{"attempt":`))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		os.WriteFile(path, b, 0o600)
		j, err := OpenJournal(path)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer j.Close()
		for _, r := range j.Records() {
			if r.Attempt == "" {
				t.Fatal("a record without an attempt ID")
			}
		}
		if err := j.Append(sampleRecord("after", devID, OutcomePass)); err != nil {
			t.Fatal(err)
		}
		j.Close()
		j2, err := OpenJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		defer j2.Close()
		recs := j2.Records()
		if len(recs) == 0 || recs[len(recs)-1].Attempt != "after" {
			t.Fatalf("the record appended after damage was lost: %d records", len(recs))
		}
	})
}

// A write that fails half-way (a full disk) leaves part of a line; the
// next acknowledged record must still start on its own line and survive
// a reopen.
func TestJournalFailedWriteDoesNotSwallowTheNext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Append(sampleRecord("a1", devID, OutcomePass)); err != nil {
		t.Fatal(err)
	}
	j.write = func(b []byte) (int, error) {
		n, _ := j.f.Write(b[:len(b)/2])
		return n, errors.New("no space left on device")
	}
	if err := j.Append(sampleRecord("a2", devID, OutcomePass)); err == nil {
		t.Fatal("a failed write was acknowledged")
	}
	j.write = j.f.Write
	if err := j.Append(sampleRecord("a3", devID, OutcomePass)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j2, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	var got []string
	for _, r := range j2.Records() {
		got = append(got, r.Attempt)
	}
	if diff := cmp.Diff([]string{"a1", "a3"}, got); diff != "" {
		t.Errorf("attempts after reopen (-want +got):\n%s", diff)
	}
	if p := j2.Problems(); len(p) != 1 || p[0].Torn {
		t.Errorf("problems %v, want the one damaged fragment", p)
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

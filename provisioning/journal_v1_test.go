package provisioning

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var ignoreRevision = cmpopts.IgnoreFields(Record{}, "Revision")

// writeV1 writes records as a v1 journal (one JSON line each) and then
// tail, unterminated (a torn last line).
func writeV1(t *testing.T, path string, tail string, recs ...Record) {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	b.WriteString(tail)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func attemptIDs(recs []Record) []string {
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Attempt)
	}
	return ids
}

// A released v1 journal is imported at first open: the latest version of
// every attempt, IDs and times kept, a torn last line and a damaged line
// reported and skipped, and a resumed attempt still naming the one it
// resumed. The file is renamed so it is imported once.
func TestJournalImportsV1AtFirstOpen(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "config", "journal.jsonl")
	os.MkdirAll(filepath.Dir(legacy), 0o700)
	a1 := sampleRecord("a1", devID, OutcomePending)
	a1.Port, a1.Opened = "/dev/ttyACM0", true
	a1stopped := a1
	a1stopped.Outcome, a1stopped.Ended = OutcomeStopped, a1.Started.Add(time.Minute)
	a2 := sampleRecord("a2", devID, OutcomePass)
	a2.ResumedFrom = "a1"
	a2.Evidence = &Evidence{Kind: EvidenceHandshake, At: a2.Started.Add(30 * time.Second), Before: a2.Started}
	a2.CloudBefore = &CloudMark{LastHandshake: a2.Started}
	a2.ClaimCodeAt, a2.WiFiSentAt = a2.Started.Add(time.Second), a2.Started.Add(2*time.Second)
	torn, _ := json.Marshal(sampleRecord("a3", devID, OutcomePending))
	writeV1(t, legacy, "", a1, a2)
	// A damaged middle line, a1's later version, then the torn line.
	f, _ := os.OpenFile(legacy, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("garbage{\n")
	line, _ := json.Marshal(a1stopped)
	f.Write(append(line, '\n'))
	f.Write(torn[:len(torn)/2])
	f.Close()

	db := filepath.Join(dir, "data", "journal.db")
	j, err := OpenStationJournal(db, legacy)
	if err != nil {
		t.Fatalf("a torn line must never be fatal: %v", err)
	}
	a1read := a1stopped
	a1read.ResumedBy = "a2" // read from a2's resumed_from
	if diff := cmp.Diff([]Record{a1read, a2}, j.Records(), ignoreRevision); diff != "" {
		t.Errorf("imported records (-want +got):\n%s", diff)
	}
	probs := j.Problems()
	if len(probs) != 2 || probs[0].Line != 3 || probs[0].Torn || !strings.Contains(probs[0].String(), "damaged") ||
		probs[1].Line != 5 || !probs[1].Torn || !strings.Contains(probs[1].String(), "cut short") {
		t.Errorf("problems: %v", probs)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Errorf("the v1 file is still there: %v", err)
	}
	if _, err := os.Stat(legacy + ".imported"); err != nil {
		t.Errorf("the v1 file was not kept as .imported: %v", err)
	}
	if r, ok := j.InterruptedOnPort("/dev/ttyACM0", ""); ok {
		t.Errorf("a1 ended stopped in its latest version, yet %+v", r)
	}
	if err := j.Append(sampleRecord("a4", devID, OutcomePass)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = OpenStationJournal(db, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if diff := cmp.Diff([]string{"a1", "a2", "a4"}, attemptIDs(j.Records())); diff != "" {
		t.Errorf("after reopening (-want +got):\n%s", diff)
	}
	if p := j.Problems(); len(p) != 0 {
		t.Errorf("the import's problems are reported again: %v", p)
	}
}

// A crash after the import committed but before the rename: the next
// start imports the file again and skips every attempt already there.
func TestJournalV1ImportTwiceSkips(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "journal.jsonl")
	a1 := sampleRecord("a1", devID, OutcomePass)
	writeV1(t, legacy, "", a1, sampleRecord("a2", devID, OutcomeFail))
	j, err := OpenJournal(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	changed := a1
	changed.Message = "a newer version written here"
	if err := j.Append(changed); err != nil {
		t.Fatal(err)
	}
	res, err := j.ImportV1(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || res.Skipped != 1 {
		t.Errorf("first import %+v, want 1 imported, 1 skipped", res)
	}
	res, err = j.ImportV1(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 0 || res.Skipped != 2 {
		t.Errorf("second import %+v, want all skipped", res)
	}
	recs := j.Records()
	if len(recs) != 2 || recs[0].Message != changed.Message {
		t.Errorf("records %+v: the attempt already present must stay as it was", recs)
	}
}

// A damaged line in the middle of a v1 file costs only that line, also
// when the file is only read (journal --journal old.jsonl).
func TestJournalReadsV1ReadOnly(t *testing.T) {
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
	j, err := ReadJournal(path)
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
	if err := j.Append(sampleRecord("new", devID, OutcomePass)); err == nil {
		t.Error("a v1 file read for an export accepted a write")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, b.Bytes()) {
		t.Error("reading a v1 file changed it")
	}
}

// FuzzJournalImport: whatever bytes a v1 file holds, importing never fails
// or panics, every imported record has an attempt ID, and the database
// takes writes afterwards.
func FuzzJournalImport(f *testing.F) {
	good, _ := json.Marshal(sampleRecord("a1", devID, OutcomePass))
	f.Add(append(good, '\n'))
	f.Add(good[:20])
	f.Add([]byte("\n\n{}\n"))
	f.Add([]byte(`{"attempt":"x","steps":[{"step":"wifi"}]}` + "\n" + `{"attempt":`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		legacy := filepath.Join(dir, "j.jsonl")
		os.WriteFile(legacy, b, 0o600)
		j, err := OpenStationJournal(filepath.Join(dir, "j.db"), legacy)
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
		recs := j.Records()
		if len(recs) == 0 || recs[len(recs)-1].Attempt != "after" {
			t.Fatalf("the record appended after the import was lost: %d records", len(recs))
		}
	})
}

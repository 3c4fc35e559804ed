package provisioning

import (
	"path/filepath"
	"testing"
	"time"
)

// Every write counts the attempt's revision up; the fleet sender gets the
// latest version of what it has not acknowledged, oldest change first,
// and a revision written after the one it sent stays unsent.
func TestJournalFleetOutbox(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	select {
	case <-j.Changed():
		t.Fatal("changed before any write")
	default:
	}
	a := sampleRecord("a", devID, OutcomePending)
	b := sampleRecord("b", devID, OutcomePending)
	for _, r := range []Record{a, b} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-j.Changed():
	default:
		t.Fatal("a write did not signal Changed")
	}
	a.Outcome, a.Ended = OutcomePass, a.Started.Add(time.Minute)
	if err := j.Append(a); err != nil {
		t.Fatal(err)
	}
	unsent, err := j.UnsentRecords(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(unsent) != 2 || unsent[0].Attempt != "b" || unsent[1].Attempt != "a" || unsent[1].Revision != 2 ||
		unsent[1].Outcome != OutcomePass || unsent[0].Revision != 1 {
		t.Fatalf("unsent %+v", unsent)
	}
	if n, err := j.UnsentCount(); err != nil || n != 2 {
		t.Errorf("unsent count %d, %v", n, err)
	}
	if err := j.MarkSent("b", 1); err != nil {
		t.Fatal(err)
	}
	// a is written again while revision 2 is on its way.
	a.Message = "a later word"
	if err := j.Append(a); err != nil {
		t.Fatal(err)
	}
	if err := j.MarkSent("a", 2); err != nil {
		t.Fatal(err)
	}
	unsent, _ = j.UnsentRecords(10)
	if len(unsent) != 1 || unsent[0].Attempt != "a" || unsent[0].Revision != 3 || unsent[0].Message != "a later word" {
		t.Fatalf("after marking revision 2 of a: %+v", unsent)
	}
	// An older acknowledgement arriving late does not go backwards.
	if err := j.MarkSent("a", 3); err != nil {
		t.Fatal(err)
	}
	if err := j.MarkSent("a", 1); err != nil {
		t.Fatal(err)
	}
	if n, _ := j.UnsentCount(); n != 0 {
		t.Errorf("%d unsent after everything was acknowledged", n)
	}
	if unsent, _ := j.UnsentRecords(1); len(unsent) != 0 {
		t.Errorf("unsent %+v", unsent)
	}
}

// Retention deletes finished attempts that ended before the cut, with
// their steps; never an unfinished one, and with keepUnsent never one the
// fleet database has not acknowledged.
func TestJournalPrune(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	old := sampleRecord("old-sent", devID, OutcomePass) // ended 2026-11-26 08:01
	oldUnsent := sampleRecord("old-unsent", devID, OutcomeFail)
	oldOpen := sampleRecord("old-open", devID, OutcomePending)
	recent := sampleRecord("recent", devID, OutcomePass)
	recent.Started, recent.Ended = recent.Started.AddDate(0, 2, 0), recent.Ended.AddDate(0, 2, 0)
	for _, r := range []Record{old, oldUnsent, oldOpen, recent} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.MarkSent("old-sent", 1); err != nil {
		t.Fatal(err)
	}
	cut := old.Started.AddDate(0, 1, 0)
	n, err := j.Prune(cut, true)
	if err != nil || n != 1 {
		t.Fatalf("prune keeping unsent: %d, %v; want 1", n, err)
	}
	if got := attemptIDs(j.Records()); len(got) != 3 || got[0] != "old-unsent" {
		t.Errorf("left %v", got)
	}
	n, err = j.Prune(cut, false)
	if err != nil || n != 1 {
		t.Fatalf("prune: %d, %v; want 1", n, err)
	}
	if got := attemptIDs(j.Records()); len(got) != 2 || got[0] != "old-open" || got[1] != "recent" {
		t.Errorf("left %v", got)
	}
	var steps int
	if err := j.db.QueryRow(`SELECT count(*) FROM steps`).Scan(&steps); err != nil || steps != 2 {
		t.Errorf("%d step rows left (%v), want the 2 of the kept attempts", steps, err)
	}
}

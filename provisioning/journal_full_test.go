package provisioning

import (
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/serialio/serialtest"
)

// A disk that fills mid-attempt (a real SQLITE_FULL: the database may not
// grow past its size when the attempt has begun): the write that fails
// stops the attempt with the runner's clear message, no step is announced
// done unless its row is committed, and no device dialogue starts
// without its start committed first.
func TestJournalFullMidAttempt(t *testing.T) {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
	// Small pages, so an attempt's rows outgrow the pages it starts on.
	path := filepath.Join(b.dir, "small-pages.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA page_size = 512; VACUUM`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// The Photon answers at 1 byte/ms, as old firmware did: identify's
	// questions are still going when the product token's step ends beside
	// them and its write fails.
	ph, open := serialPhoton(t, b, serialtest.Config{ByteDelay: time.Millisecond})
	// What the Photon had heard when the first write failed: the attempt
	// stops before its next device write, so it hears nothing more.
	heardAtFailure, commandsAtFailure := -1, ""
	b.pipeline.Journal = failureWatch{Journal: j, failed: func() {
		if heardAtFailure < 0 {
			heardAtFailure, commandsAtFailure = ph.Heard(), ph.Commands()
		}
	}}

	var mu sync.Mutex
	var done []Step
	capped := false
	b.onEvent = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Kind == EventDone {
			done = append(done, e.Step)
		}
		if e.Kind == EventDone && !capped {
			// From the first acknowledged step on, the disk is full.
			var pages int
			if err := j.db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
				t.Error(err)
			}
			j.mu.Lock()
			j.maxPages = pages
			j.mu.Unlock()
			capped = true
		}
	}
	res := b.pipeline.RunDevice(t.Context(), Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0", Open: open}, b.record)
	if res.Outcome != OutcomeFail {
		t.Fatalf("the attempt ended %s (%s) on a full disk", res.Outcome, res.Message)
	}
	if !strings.Contains(res.Message, "could not write") || !strings.Contains(res.Details, "full") {
		t.Errorf("message %q, details %q: want the journal's own words and SQLite's", res.Message, res.Details)
	}
	j.mu.Lock()
	j.maxPages = 0
	j.mu.Unlock()
	recs := j.Records()
	if len(recs) != 1 {
		t.Fatalf("%d attempts in the journal", len(recs))
	}
	committed := recs[0]
	mu.Lock()
	defer mu.Unlock()
	if len(done) < 1 || len(done) >= len(res.Record.Steps)-1 {
		t.Errorf("done events %v: the disk should fill mid-attempt", done)
	}
	for _, s := range done {
		if !committed.Completed(s) {
			t.Errorf("step %s was announced done, but the journal has %+v", s, committed.Steps)
		}
	}
	// The dialogues the device cannot abort are begun only once their
	// start is committed.
	for cmd, s := range map[string]Step{"C": StepDeliverCode, "w": StepWiFi} {
		if _, ok := committed.StepOf(s); strings.Contains(ph.Commands(), cmd) && !ok {
			t.Errorf("the device got %q (%s) though the journal never recorded the step", cmd, s)
		}
	}
	if heardAtFailure < 0 {
		t.Fatal("no journal write failed")
	}
	if heard := ph.Heard(); heard != heardAtFailure {
		t.Errorf("the Photon heard %d bytes after the failed write (commands %q then, %q at the end)",
			heard-heardAtFailure, commandsAtFailure, ph.Commands())
	}
	t.Logf("done %v; committed steps %v; device commands %q (%q at the failed write)", done, stepOutcomes(committed), ph.Commands(), commandsAtFailure)
}

// failureWatch is a journal that tells failed when a write fails.
type failureWatch struct {
	*Journal
	failed func()
}

func (w failureWatch) Append(r Record) error {
	err := w.Journal.Append(r)
	if err != nil {
		w.failed()
	}
	return err
}

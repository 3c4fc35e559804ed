package fleet

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// benchJournal is a station's own local journal (SQLite in a temporary
// folder): the outbox a sender reads, as in the app.
type benchJournal struct {
	*provisioning.Journal
	t *testing.T
}

func newBench(t *testing.T) *benchJournal {
	t.Helper()
	j, err := provisioning.OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return &benchJournal{Journal: j, t: t}
}

// Write journals r and returns it as the journal holds it now (with its
// revision).
func (b *benchJournal) Write(r provisioning.Record) provisioning.Record {
	b.t.Helper()
	if err := b.Append(r); err != nil {
		b.t.Fatal(err)
	}
	return b.latest(r.Attempt, r.DeviceID)
}

func (b *benchJournal) latest(attempt, deviceID string) provisioning.Record {
	b.t.Helper()
	for _, got := range b.ByDevice(deviceID) {
		if got.Attempt == attempt {
			return got
		}
	}
	b.t.Fatalf("attempt %s is not in the journal", attempt)
	return provisioning.Record{}
}

var t0 = time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)

var pipelineSteps = []provisioning.Step{provisioning.StepDetect, provisioning.StepIdentify, provisioning.StepImport,
	provisioning.StepClaimCode, provisioning.StepWiFi, provisioning.StepVerify}

// attempt is the n-th attempt of a station after done steps: each step
// takes 1.5 s; after the last step it passes.
func attempt(station string, n, done int) provisioning.Record {
	start := t0.Add(time.Duration(n) * time.Minute)
	r := provisioning.Record{
		Attempt: fmt.Sprintf("%s-%03d", station, n), Station: station, Profile: "Line 3", Operator: "ana",
		Slot: "1", Port: "/dev/ttyACM0", Channel: "serial", DeviceID: fmt.Sprintf("e00fce68%016x", n),
		Product: "12345", Customer: "customer@example.com", Started: start,
	}
	for i := 0; i < done && i < len(pipelineSteps); i++ {
		s := start.Add(time.Duration(i) * 1500 * time.Millisecond)
		r.Steps = append(r.Steps, provisioning.StepEntry{Step: pipelineSteps[i], Started: s,
			Ended: s.Add(1500 * time.Millisecond), Outcome: provisioning.StepDone})
	}
	if done >= len(pipelineSteps) {
		r.Outcome = provisioning.OutcomePass
		r.Ended = start.Add(time.Duration(len(pipelineSteps)) * 1500 * time.Millisecond)
	}
	return r
}

// statuses collects a sender's reports.
type statuses chan Status

func (c statuses) report(s Status) { c <- s }

// waitFor returns the first status that satisfies ok.
func (c statuses) waitFor(t *testing.T, what string, ok func(Status) bool) Status {
	t.Helper()
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	var seen []string
	for {
		select {
		case s := <-c:
			if ok(s) {
				return s
			}
			seen = append(seen, fmt.Sprintf("%s/%d", s.State, s.Waiting))
		case <-timeout.C:
			t.Fatalf("no status %s within a minute; saw %v", what, seen)
		}
	}
}

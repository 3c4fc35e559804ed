package fleet

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// memOutbox stands in for the local journal: it keeps each attempt's
// latest revision and which revision the fleet acknowledged, and signals
// Wake after each write, as the journal's Changed does.
type memOutbox struct {
	mu      sync.Mutex
	latest  map[string]Change
	changed map[string]int // order of each attempt's last write
	sent    map[string]int64
	writes  int
	wake    chan struct{}
}

func newMemOutbox() *memOutbox {
	return &memOutbox{latest: map[string]Change{}, changed: map[string]int{}, sent: map[string]int64{},
		wake: make(chan struct{}, 1)}
}

// Write stores a new revision of r and returns it.
func (o *memOutbox) Write(r provisioning.Record) Change {
	o.mu.Lock()
	ch := Change{Record: r, Revision: o.latest[r.Attempt].Revision + 1}
	o.latest[r.Attempt] = ch
	o.writes++
	o.changed[r.Attempt] = o.writes
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return ch
}

func (o *memOutbox) Unsent(limit int) ([]Change, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Change
	for a, ch := range o.latest {
		if ch.Revision > o.sent[a] {
			out = append(out, ch)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return o.changed[out[i].Record.Attempt] < o.changed[out[j].Record.Attempt]
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (o *memOutbox) MarkSent(attempt string, revision int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent[attempt] = max(o.sent[attempt], revision)
	return nil
}

func (o *memOutbox) UnsentCount() (int, error) {
	ch, err := o.Unsent(1 << 30)
	return len(ch), err
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
	for {
		select {
		case s := <-c:
			if ok(s) {
				return s
			}
		case <-timeout.C:
			t.Fatalf("no status %s within a minute", what)
		}
	}
}

package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// runnerStub is a station whose events and Stop the test drives.
type runnerStub struct {
	name    string
	events  chan provisioning.Event
	release chan struct{} // Stop returns once it is closed (nil: at once)
	mu      sync.Mutex
	stopped bool
}

func newRunnerStub(name string) *runnerStub {
	return &runnerStub{name: name, events: make(chan provisioning.Event, 16)}
}

func (r *runnerStub) Start(context.Context) error { return nil }
func (r *runnerStub) Stop() {
	if r.release != nil {
		<-r.release
	}
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
}
func (r *runnerStub) Retry(string) error { return nil }
func (r *runnerStub) Claim(string) error { return nil }
func (r *runnerStub) Subscribe() (<-chan provisioning.Event, func()) {
	return r.events, func() {}
}
func (r *runnerStub) isStopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// Switching the bench to another profile keeps the last results of the
// station that stopped, and never starts the new station while the old one
// is still letting go of its ports.
func TestStationBenchSwitchesStationsSafely(t *testing.T) {
	ctx := testContext(t)
	a, b := newRunnerStub("a"), newRunnerStub("b")
	a.release = make(chan struct{})
	stations := map[string]*runnerStub{"A": a, "B": b}
	var built []string
	var mu sync.Mutex
	sb := &StationBench{NewStation: func(_ context.Context, profile string) (StationRunner, error) {
		mu.Lock()
		built = append(built, profile)
		mu.Unlock()
		return stations[profile], nil
	}}
	events := sb.Events()
	if err := sb.Start(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := sb.Stop(short); err == nil {
		t.Fatal("Stop did not say the devices were still stopping")
	}
	started := make(chan error, 1)
	go func() { started <- sb.Start(ctx, "B") }()
	select {
	case err := <-started:
		t.Fatalf("the new station started while the old one was still stopping (%v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	// The old station's last result comes as it stops.
	a.events <- provisioning.Event{Slot: "ttyACM0", Kind: provisioning.EventResult, Outcome: provisioning.OutcomeFail, Interrupted: true}
	close(a.release)
	if err := recv(t, started); err != nil {
		t.Fatal(err)
	}
	if !a.isStopped() {
		t.Error("B started before A had stopped")
	}
	b.events <- provisioning.Event{Slot: "ttyACM0", Kind: provisioning.EventStarted, Step: provisioning.StepDetect}
	got := []provisioning.EventKind{recv(t, events).Kind, recv(t, events).Kind}
	if got[0] != provisioning.EventResult || got[1] != provisioning.EventStarted {
		t.Errorf("events %v: the old station's last result was lost or reordered", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(built) != 2 {
		t.Errorf("stations built: %v", built)
	}
}

// Closing the window while a station is still being built stops that
// station too, instead of leaving it running after the journal closed.
func TestStationBenchStopWaitsForAStartInFlight(t *testing.T) {
	ctx := testContext(t)
	a := newRunnerStub("a")
	building := make(chan struct{})
	proceed := make(chan struct{})
	sb := &StationBench{NewStation: func(context.Context, string) (StationRunner, error) {
		close(building)
		<-proceed
		return a, nil
	}}
	started := make(chan error, 1)
	go func() { started <- sb.Start(ctx, "A") }()
	recv(t, building)
	stopped := make(chan error, 1)
	go func() { stopped <- sb.Stop(ctx) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned while the station was still being built (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(proceed)
	if err := recv(t, started); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, stopped); err != nil {
		t.Fatal(err)
	}
	if !a.isStopped() {
		t.Error("the station that was starting was not stopped")
	}
}

package main

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui"
)

// orderedRunner is a bench station that records when it is stopped.
type orderedRunner struct {
	mu    sync.Mutex
	calls *[]string
}

func (r *orderedRunner) Start(context.Context) error { return nil }
func (r *orderedRunner) Stop() {
	r.mu.Lock()
	*r.calls = append(*r.calls, "stop bench")
	r.mu.Unlock()
}
func (r *orderedRunner) Retry(string) error { return nil }
func (r *orderedRunner) Claim(string) error { return nil }
func (r *orderedRunner) Subscribe() (<-chan provisioning.Event, func()) {
	ch := make(chan provisioning.Event)
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

// TestShutdownStopsBenchBeforeClosing checks that quitting the app stops
// the running bench (so its attempts write their records) before the
// station's journal is closed, and that an idle station just closes.
func TestShutdownStopsBenchBeforeClosing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		started bool
		want    []string
	}{
		{name: "running bench", started: true, want: []string{"stop bench", "close journal"}},
		{name: "bench never started", started: false, want: []string{"close journal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var calls []string
			r := &orderedRunner{calls: &calls}
			s := &station{close: func() { calls = append(calls, "close journal") }}
			s.bench = &ui.StationBench{NewStation: func(context.Context, string) (ui.StationRunner, error) { return r, nil }}
			if tc.started {
				if err := s.bench.Start(ctx, "Line 3"); err != nil {
					t.Fatal(err)
				}
			}
			s.shutdown(ctx)
			if diff := cmp.Diff(tc.want, calls); diff != "" {
				t.Errorf("shutdown order (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDepsKeepsTheBench checks that the screens' bench is the one
// shutdown stops.
func TestDepsKeepsTheBench(t *testing.T) {
	s := &station{}
	d := s.deps()
	if s.bench == nil || d.Station != ui.BenchControl(s.bench) {
		t.Errorf("deps().Station = %v, station.bench = %v: shutdown would not stop the screens' bench", d.Station, s.bench)
	}
}

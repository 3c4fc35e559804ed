package ui

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// Starting and stopping the bench again and again leaves no goroutine
// behind: each station's event forwarder and subscription end once that
// station has stopped and its last events are passed on.
func TestStationBenchRestartsLeaveNoGoroutine(t *testing.T) {
	ctx := testContext(t)
	noPorts := provisioning.PortWatcherFunc(func(context.Context) ([]provisioning.Port, error) { return nil, nil })
	sb := &StationBench{NewStation: func(context.Context, string) (StationRunner, error) {
		return provisioning.New(provisioning.Config{Pipeline: &provisioning.Pipeline{}, Ports: noPorts,
			Open: func(context.Context, provisioning.Port) (provisioning.DeviceChannel, error) {
				t.Error("no port to open")
				return nil, context.Canceled
			}, ScanInterval: time.Hour})
	}}
	sb.Events()
	cycle := func() {
		if err := sb.Start(ctx, "A"); err != nil {
			t.Fatal(err)
		}
		if err := sb.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cycle() // anything started once per process (timers, pools) is counted in before
	before := settledGoroutines(runtime.NumGoroutine())
	const cycles = 5
	for range cycles {
		cycle()
	}
	if after := settledGoroutines(before); after > before {
		t.Errorf("%d goroutines after %d more Start/Stop cycles, %d before: each restart leaves %.1f behind",
			after, cycles, before, float64(after-before)/cycles)
	}
}

// settledGoroutines gives goroutines that were told to end a moment to
// do so: it returns the count once it is at most want, or whatever it is
// after a few seconds. A goroutine's end sends no signal to wait for.
func settledGoroutines(want int) int {
	deadline := time.Now().Add(3 * time.Second)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		runtime.Gosched()
		n = runtime.NumGoroutine()
	}
	return n
}

package ui

import (
	"fmt"
	"testing"

	"github.com/photon-station/photon-station/provisioning"
)

// TestBenchAppliesABurstInOneGo: a full hub sends hundreds of events in a
// few seconds, and in the app each hand-over to the UI goroutine waits for
// its turn beside a repaint. The bridge hands over what has queued up in
// one go, so the tiles do not fall tens of seconds behind the Photons (a
// PASS shown half a minute late, a bench that "stopped" and goes on
// showing work).
func TestBenchAppliesABurstInOneGo(t *testing.T) {
	lightApp(t)
	const slots, each = 16, 20
	events := make(chan provisioning.Event, slots*each)
	for i := 0; i < each; i++ {
		for s := 0; s < slots; s++ {
			e := ev(i, fmt.Sprintf("ttyACM%d", s), provisioning.StepCustomer, provisioning.EventProgress, fmt.Sprintf("Step %d of the customer", i))
			e.DeviceID = fmt.Sprintf("3c00210004473633393431%02d", s)
			events <- e
		}
	}
	close(events)
	handovers := 0
	do := func(fn func()) { handovers++; fn() }
	b := newBench(testContext(t), newFakeStation(), newFakeLibrary(lineProfile), nil, (&fixedClock{t: shiftStart}).now, do, "", nil)
	b.Run(testContext(t), events, nil) // returns when events is closed and drained
	if got := b.Tile("ttyACM15"); got == nil || got.message.Text != fmt.Sprintf("Step %d of the customer", each-1) {
		t.Fatalf("the last event was not applied: tile %v", got)
	}
	if handovers > 2 {
		t.Errorf("%d events queued up were handed to the UI goroutine in %d turns, want them in one or two", slots*each, handovers)
	}
}

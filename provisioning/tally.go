package provisioning

import (
	"strconv"
	"time"
)

// Counters are the shift counters of the bench's top bar.
type Counters struct {
	// Passed and Failed count Photons, by the verdict of each one's latest
	// attempt: a Photon that failed and then passed on Retry is one pass.
	// Stops and already-provisioned Photons count as neither.
	Passed, Failed int
	// Running is the time the bench ran: its Start to Stop periods summed.
	Running time.Duration
	// PerHour is Passed per hour of Running, or -1 before the first pass.
	// It holds still while the bench is stopped.
	PerHour float64
}

// Tally counts a shift from the results of its attempts. It keys each
// attempt by its device ID; a result without one (identify failed) counts
// for the Photon in its slot until that Photon leaves. The zero Tally is
// ready; it is not safe for concurrent use (the Station and the bench each
// keep their own under their own lock or goroutine).
type Tally struct {
	latest map[string]Outcome // by device ID, or by slotKey
	// gone numbers the results without a device ID whose Photon left, so
	// each stays counted under a key of its own.
	gone         int
	ran          time.Duration // before runningSince
	runningSince time.Time
	running      bool
}

// slotKey is the key of a result without a device ID in slot.
func slotKey(slot string) string { return "slot " + slot }

// Result counts an EventResult. A FAIL that was cut short (Interrupted)
// counts as a stop.
func (t *Tally) Result(e Event) {
	if e.Kind != EventResult || e.Outcome == OutcomePending {
		return
	}
	if t.latest == nil {
		t.latest = map[string]Outcome{}
	}
	out := e.Outcome
	if out == OutcomeFail && e.Interrupted {
		out = OutcomeStopped
	}
	if e.DeviceID == "" {
		t.latest[slotKey(e.Slot)] = out
		return
	}
	// The Photon in this slot now has a name: a result of it from before
	// it had one is superseded.
	delete(t.latest, slotKey(e.Slot))
	if out == OutcomeProvisioned && t.latest[e.DeviceID] != "" {
		// Plugged in again after its verdict: it keeps that verdict.
		return
	}
	t.latest[e.DeviceID] = out
}

// Detached says the Photon in slot left: a result without a device ID
// there stays counted, apart from whatever comes next in the slot.
func (t *Tally) Detached(slot string) {
	out, ok := t.latest[slotKey(slot)]
	if !ok {
		return
	}
	delete(t.latest, slotKey(slot))
	t.gone++
	t.latest["gone "+strconv.Itoa(t.gone)] = out
}

// Running says whether the bench runs from now on; only such time counts
// towards the rate, so it does not fall while the bench is stopped.
func (t *Tally) Running(now time.Time, running bool) {
	switch {
	case running && !t.running:
		t.runningSince = now
	case !running && t.running:
		t.ran += now.Sub(t.runningSince)
	}
	t.running = running
}

// Counters returns the counters as of now.
func (t *Tally) Counters(now time.Time) Counters {
	c := Counters{Running: t.ran, PerHour: -1}
	if t.running {
		c.Running += now.Sub(t.runningSince)
	}
	for _, out := range t.latest {
		switch out {
		case OutcomePass:
			c.Passed++
		case OutcomeFail:
			c.Failed++
		}
	}
	if c.Passed > 0 && c.Running > 0 {
		c.PerHour = float64(c.Passed) / c.Running.Hours()
	}
	return c
}

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
	// Working is the time the bench had at least one Photon at work.
	Working time.Duration
	// PerHour is Passed per hour of Working, or -1 before the first pass.
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
	gone      int
	working   time.Duration
	busySince time.Time
	busy      bool
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

// Busy says whether any Photon is at work from now on; only such time
// counts towards the rate, so it does not fall while the bench is idle or
// stopped.
func (t *Tally) Busy(now time.Time, busy bool) {
	switch {
	case busy && !t.busy:
		t.busySince = now
	case !busy && t.busy:
		t.working += now.Sub(t.busySince)
	}
	t.busy = busy
}

// Counters returns the counters as of now.
func (t *Tally) Counters(now time.Time) Counters {
	c := Counters{Working: t.working, PerHour: -1}
	if t.busy {
		c.Working += now.Sub(t.busySince)
	}
	for _, out := range t.latest {
		switch out {
		case OutcomePass:
			c.Passed++
		case OutcomeFail:
			c.Failed++
		}
	}
	if c.Passed > 0 && c.Working > 0 {
		c.PerHour = float64(c.Passed) / c.Working.Hours()
	}
	return c
}

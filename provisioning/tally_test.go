package provisioning

import (
	"testing"
	"time"
)

// A shift's counters count Photons by their latest attempt, and the rate
// over the time the bench ran, idle or not, but not while it was stopped.
func TestTallyCountsPhotonsByLatestAttempt(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var tl Tally
	if c := tl.Counters(t0); c.PerHour != -1 || c.Passed != 0 {
		t.Fatalf("empty tally %+v", c)
	}
	result := func(slot, id string, out Outcome, interrupted bool) {
		tl.Result(Event{Kind: EventResult, Slot: slot, DeviceID: id, Outcome: out, Interrupted: interrupted})
	}
	tl.Running(t0, true)
	result("a", "id1", OutcomeFail, false)
	result("a", "id1", OutcomePass, false)    // failed, then passed on Retry: one pass
	result("b", "id2", OutcomeFail, false)    // failed
	result("c", "id3", OutcomeStopped, false) // stopped: neither
	result("d", "id4", OutcomeFail, true)     // cut short by an unplug: neither
	result("e", "id5", OutcomeProvisioned, false)
	result("f", "", OutcomeFail, false) // identify failed: no device ID yet
	result("f", "id6", OutcomePass, false)
	result("g", "", OutcomeFail, false) // a Photon that never named itself...
	tl.Detached("g")                    // ...set aside; the next one passes
	result("g", "id7", OutcomePass, false)
	// Idle for 30 minutes more, then stopped for hours.
	tl.Running(t0.Add(time.Hour), false)
	c := tl.Counters(t0.Add(5 * time.Hour))
	if c.Passed != 3 || c.Failed != 2 {
		t.Errorf("passed %d, failed %d; want 3 passed (id1, id6, id7) and 2 failed (id2 and the one set aside)", c.Passed, c.Failed)
	}
	if c.Running != time.Hour || c.PerHour != 3 {
		t.Errorf("ran %v at %v an hour; want 1h0m0s at 3", c.Running, c.PerHour)
	}
	tl.Running(t0.Add(6*time.Hour), true)
	if c := tl.Counters(t0.Add(6*time.Hour + 30*time.Minute)); c.Running != 90*time.Minute || c.PerHour != 2 {
		t.Errorf("ran %v at %v an hour; want 1h30m0s at 2", c.Running, c.PerHour)
	}
}

// A Photon that passed (or failed) and is plugged in again reads as
// already provisioned; it keeps its verdict in the counters.
func TestTallyKeepsVerdictOfReplugged(t *testing.T) {
	var tl Tally
	result := func(id string, out Outcome) {
		tl.Result(Event{Kind: EventResult, Slot: "a", DeviceID: id, Outcome: out})
	}
	result("id1", OutcomePass)
	result("id2", OutcomeFail)
	result("id1", OutcomeProvisioned)
	result("id2", OutcomeProvisioned)
	result("id3", OutcomeProvisioned)
	if c := tl.Counters(time.Time{}); c.Passed != 1 || c.Failed != 1 {
		t.Errorf("passed %d, failed %d after replugging; want 1 and 1", c.Passed, c.Failed)
	}
}

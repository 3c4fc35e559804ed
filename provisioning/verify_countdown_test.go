package provisioning

import (
	"strings"
	"testing"

	"github.com/photon-station/photon-station/cloud/cloudtest"
)

// TestVerifyProgressCountsDownOnce: while verification waits, its progress
// events carry the time left in Remaining, and their message does not say
// it again (the screens count down from Remaining: one countdown per tile).
func TestVerifyProgressCountsDownOnce(t *testing.T) {
	b := newBench(t, Profile{})
	ph := newFakePhoton(b.cloud, devID)
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ph.outOfRange = true
	b.run(ph)
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := 0
	for _, e := range b.events {
		if e.Step != StepVerify || e.Kind != EventProgress {
			continue
		}
		seen++
		if e.Remaining <= 0 {
			t.Errorf("a progress event without the time left: %+v", e)
		}
		if strings.Contains(e.Message, "left") {
			t.Errorf("the message counts down too: %q", e.Message)
		}
	}
	if seen == 0 {
		t.Fatal("verification reported no progress")
	}
}

package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/provisioning"
)

// What a station sends, Recent reads back: every field the fleet keeps.
func TestRecentReadsBackWhatWasSent(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	passed := attempt("Bench 1", 0, len(pipelineSteps))
	passed.MAC, passed.Firmware, passed.Details = "e0:4f:43:00:00:01", "3.3.1", "cloud said 200"
	passed.Evidence = &provisioning.Evidence{Kind: provisioning.EvidenceHandshake, At: t0.Add(time.Hour),
		Before: t0, Owner: "customer@example.com"}
	resumed := attempt("Bench 2", 1, 2)
	resumed.ResumedFrom = "Bench 2-000"
	resumed.Steps = append(resumed.Steps, provisioning.StepEntry{Step: provisioning.StepImport,
		Started: resumed.Steps[1].Ended, Outcome: provisioning.StepRunning})
	bench := newBench(t)
	bench.Write(passed)
	bench.Write(resumed)
	if _, _, err := Drain(context.Background(), c, bench); err != nil {
		t.Fatal(err)
	}
	got, err := mustOpen(t, c).Recent(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]provisioning.Record{resumed, passed}, got); diff != "" {
		t.Errorf("read back (-sent +read):\n%s", diff)
	}
	if got, _ := mustOpen(t, c).Recent(context.Background(), 1); len(got) != 1 || got[0].Attempt != resumed.Attempt {
		t.Errorf("the latest one: %v", got)
	}
}

package demo

import (
	"context"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// The GUI's demo (default Options) gives its SoftAP Photon the emulator's
// realistic delays; tests' Options scale them down.
func TestSoftAPPhotonDelays(t *testing.T) {
	if got := softapDelays(Options{}.withDefaults()); got != softaptest.Realistic {
		t.Errorf("default demo delays %+v, want softaptest.Realistic %+v", got, softaptest.Realistic)
	}
	opt := FastOptions()
	opt.ScanDelay = 40 * time.Millisecond
	w := startWorld(t, opt)
	want := softaptest.Delays{ScanAP: 80 * time.Millisecond, ConfigureAP: 80 * time.Millisecond, Join: opt.OnlineDelay, FallBack: opt.FallBackAfter}
	if got := w.SoftAP.Delays(); got != want {
		t.Errorf("the SoftAP Photon's delays %+v, want %+v", got, want)
	}
}

// After a pass the SoftAP Photon has left listening mode and its access
// point is gone; the wizard looking for it again plays the technician
// holding SETUP, and a second run passes too.
func TestSoftAPPhotonTwice(t *testing.T) {
	opt := FastOptions()
	opt.ScanDelay = 20 * time.Millisecond
	w := startWorld(t, opt)
	ctx, cancel := context.WithTimeout(t.Context(), testLimit)
	defer cancel()
	p, err := w.PipelineFor(ctx, w.SoftAPProfile)
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		if _, err := w.AP.Find(ctx); err != nil {
			t.Fatal(err)
		}
		if !w.SoftAP.Listening() {
			t.Fatalf("run %d: the Photon's access point is not up when the wizard found it", run)
		}
		res := p.RunDevice(ctx, w.SoftAPDevice(), nil)
		if res.Outcome != provisioning.OutcomePass {
			t.Fatalf("run %d: %s at %s: %s (%s)", run, res.Outcome, res.FailedStep, res.Message, res.Details)
		}
		if w.SoftAP.Listening() {
			t.Errorf("run %d: the access point is still up after the Photon joined the factory network", run)
		}
	}
}

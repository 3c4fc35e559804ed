package devicetools

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestVitalsOfANewPhoton: the cloud answers 404 "No diagnostics found" for
// a device that has sent no vitals; the tab says "No vitals yet", not that
// the cloud does not know the device. A device the cloud does not know is
// still a failure.
func TestVitalsOfANewPhoton(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabVitals)
	v := f.tools.vitals
	test.Type(v.device, benchID(2))
	test.Tap(v.readBtn)
	f.q.settle(t, "the answer", v.readOut)
	if !strings.HasPrefix(v.readOut.message, "No vitals yet.") || v.readOut.failed {
		t.Errorf("a Photon without vitals: %q (failed %v)", v.readOut.message, v.readOut.failed)
	}
	if len(v.list.rows) != 0 {
		t.Errorf("%d readings shown", len(v.list.rows))
	}
	v.device.SetText(benchID(99))
	test.Tap(v.readBtn)
	f.q.settle(t, "the answer", v.readOut)
	if !v.readOut.failed || strings.Contains(v.readOut.message, "No vitals yet") {
		t.Errorf("an unknown device: %q (failed %v)", v.readOut.message, v.readOut.failed)
	}
}

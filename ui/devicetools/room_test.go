package devicetools

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestResultsKeepTheirRoom: the controls under Ping and Call stay where
// they are when a result appears, changes and goes, so a technician's
// pointer stays on the button it was over.
func TestResultsKeepTheirRoom(t *testing.T) {
	f := newFixture(t)
	f.win.SetContent(f.tools)
	f.win.Resize(fyne.NewSize(1280, 800))
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	selectDevice(t, f, d.list, d.pane, "kitchen")
	p := d.pane
	at := func() [2]fyne.Position {
		f.win.Content().Refresh()
		return [2]fyne.Position{pos(p.varBtn), pos(p.renameBtn)}
	}
	before := at()
	test.Tap(p.pingBtn)
	f.q.settle(t, "the ping", p.pingOut)
	if got := at(); got != before {
		t.Errorf("after the ping result Read and Rename moved from %v to %v", before, got)
	}
	p.fnName.SetText("led")
	p.fnArg.SetText("on")
	beforeCall := at()
	test.Tap(p.fnBtn)
	f.q.settle(t, "the call", p.fnOut)
	if got := at(); got != beforeCall {
		t.Errorf("after the call result Read and Rename moved from %v to %v", beforeCall, got)
	}
	p.pingOut.clear()
	if got := at(); got != before {
		t.Errorf("after the ping result went Read and Rename moved from %v to %v", before, got)
	}
}

// pos is where o is in its window.
func pos(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

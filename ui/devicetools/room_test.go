package devicetools

import (
	"fmt"
	"os"
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

// TestShotsResultRoom captures a device with and without a ping result at
// a laptop's and a large screen's size (set UI_SHOTS to a folder).
func TestShotsResultRoom(t *testing.T) {
	if os.Getenv("UI_SHOTS") == "" {
		t.Skip("UI_SHOTS is not set")
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		f := newFixture(t)
		f.win.SetContent(f.tools)
		f.win.Resize(size)
		d := f.tools.devices
		f.q.settle(t, "the device list", d.out)
		selectDevice(t, f, d.list, d.pane, "kitchen")
		suffix := fmt.Sprintf("-%.0fx%.0f", size.Width, size.Height)
		f.win.Content().Refresh()
		shoot(t, "devicetools-room-before"+suffix, f.win.Canvas().Capture())
		test.Tap(d.pane.pingBtn)
		f.q.settle(t, "the ping", d.pane.pingOut)
		f.win.Content().Refresh()
		shoot(t, "devicetools-room-pinged"+suffix, f.win.Canvas().Capture())
	}
}

package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// closingTools stands in for *devicetools.Tools: a section that must be
// told when the window closes and when Escape is pressed on it.
type closingTools struct {
	widget.Label
	closed, cancelled int
}

func (c *closingTools) Close()         { c.closed++ }
func (c *closingTools) CancelRunning() { c.cancelled++ }

// TestMainViewClosesDeviceTools checks that closing the window ends the
// device tools (their live event stream and calls in flight) and that
// Escape on their tab cancels what they are running.
func TestMainViewClosesDeviceTools(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	tools := &closingTools{}
	tools.ExtendBaseWidget(tools)
	win := test.NewWindow(nil) // closed below, as the user closes it
	deps := Deps{DeviceTools: func(fyne.Window) fyne.CanvasObject { return tools }}
	v := build(win, deps, q.do, (&manualTicker{c: make(chan time.Time)}).start)

	v.Tabs.SelectIndex(5)
	v.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if tools.cancelled != 0 {
		t.Errorf("Enter on Device tools cancelled %d times, want 0", tools.cancelled)
	}
	v.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if tools.cancelled != 1 {
		t.Errorf("Escape on Device tools cancelled %d times, want 1", tools.cancelled)
	}
	if tools.closed != 0 {
		t.Fatalf("tools closed %d times before the window closed", tools.closed)
	}
	win.Close()
	if tools.closed != 1 {
		t.Errorf("tools closed %d times after the window closed, want 1", tools.closed)
	}
}

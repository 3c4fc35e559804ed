package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

// The bench draws in the app's one theme: a theme override gives its
// widgets their own font cache, loaded again each time it is refreshed
// (hundreds of megabytes after a few minutes of a busy bench).
func TestBenchDrawsInOneTheme(t *testing.T) {
	b, _ := benchScene(t, scenePhases, fyne.NewSize(1280, 800))
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if _, ok := o.(*container.ThemeOverride); ok {
			t.Fatalf("a theme override in the bench: %T", o)
		}
		switch o := o.(type) {
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(b.Content())
}

// A clock tick redraws a working tile's seconds and nothing else: its
// sentences are not wrapped and measured again.
func TestTickRedrawsOnlyTheSeconds(t *testing.T) {
	b, _ := benchScene(t, []Phase{PhaseWorking}, fyne.NewSize(1280, 800))
	tl := b.Tile("ttyACM0")
	tl.heightFor(600)
	before := tl.elapsed.Text
	b.now = func() time.Time { return shiftStart.Add(2 * time.Minute) }
	b.Tick()
	if tl.elapsed.Text == before {
		t.Errorf("the seconds did not move: %q", before)
	}
	if len(tl.heights) == 0 {
		t.Error("a tick redrew the whole tile: its sentences are measured again every second")
	}
}

// An idle bench redraws its counters once a minute, not every second:
// devices per hour, falling as time passes, would repaint the window on
// every tick.
func TestIdleBenchRedrawsCountersOnceAMinute(t *testing.T) {
	b, _ := benchScene(t, []Phase{PhasePass}, fyne.NewSize(1280, 800))
	at := func(d time.Duration) string {
		b.now = func() time.Time { return shiftStart.Add(d) }
		b.Tick()
		return b.clockBox.value.Text + " " + b.rate.value.Text
	}
	first := at(2*time.Minute + 10*time.Second)
	if later := at(2*time.Minute + 40*time.Second); later != first {
		t.Errorf("the counters changed within a minute: %q, then %q", first, later)
	}
	if next := at(3*time.Minute + 5*time.Second); next == first {
		t.Errorf("the counters did not move after a minute: %q", next)
	}
}

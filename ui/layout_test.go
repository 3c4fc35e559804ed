package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// TestLongJournalRowKeepsTheWindow selects an attempt whose "Details for
// support" is one long line: the steps pane wraps it, and neither the
// window nor the content's minimum width grows.
func TestLongJournalRowKeepsTheWindow(t *testing.T) {
	long := provisioning.Record{Attempt: "long", Profile: "Line 3 thermostats", Slot: "ttyACM1", DeviceID: "1e0032000c47343432313031",
		Started: shiftStart, Ended: shiftStart.Add(200e9), Outcome: provisioning.OutcomeFail, FailedStep: provisioning.StepVerify,
		Message: "The device did not come online within 3 minutes.", Action: "Check the Wi-Fi password.",
		Details: "cloud: GET /v1/products/12345/devices/1e0032000c47343432313031: " + strings.Repeat("the request timed out waiting for the device to answer ", 12)}
	s := newTestStation(t, func(d *Deps) { d.Journal = &fakeJournal{records: []provisioning.Record{long}} })
	s.view.Tabs.SelectIndex(3)
	before := s.win.Canvas().Size()
	min := s.win.Content().MinSize()
	s.view.Journal.table.Select(widgetCell(0, 0))
	if !strings.Contains(s.view.Journal.steps.Text, "Details for support") {
		t.Fatalf("steps pane = %q", s.view.Journal.steps.Text)
	}
	shoot(t, "journal-long-details", s.win.Canvas())
	if got := s.win.Content().MinSize(); got.Width > min.Width {
		t.Errorf("the window's content now needs %.0f px wide, %.0f before", got.Width, min.Width)
	}
	if got := s.win.Canvas().Size(); got.Width != before.Width {
		t.Errorf("the window is %.0f wide after choosing the row, %.0f before", got.Width, before.Width)
	}
	assertFits(t, "journal", s.win.Canvas())
}

// placed is a drawn thing and where it is on the canvas.
type placed struct {
	what string
	pos  fyne.Position
	size fyne.Size
}

// leaves lists the visible texts, icons and controls under o, each once: a
// button or a select counts as one, its label inside it does not.
func leaves(o fyne.CanvasObject, at fyne.Position, out *[]placed) {
	if !o.Visible() || o.Size().IsZero() {
		return
	}
	pos := at.Add(o.Position())
	switch x := o.(type) {
	case *canvas.Text:
		if x.Text != "" {
			*out = append(*out, placed{"text " + x.Text, pos, o.Size()})
		}
		return
	case *widget.Button:
		*out = append(*out, placed{"button " + x.Text, pos, o.Size()})
		return
	case *widget.Select:
		*out = append(*out, placed{"select " + x.Selected, pos, o.Size()})
		return
	case *widget.Icon:
		*out = append(*out, placed{"icon", pos, o.Size()})
		return
	}
	switch x := o.(type) {
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(x).Objects() {
			leaves(child, pos, out)
		}
	case *fyne.Container:
		for _, child := range x.Objects {
			leaves(child, pos, out)
		}
	}
}

// assertNoOverlap fails for every two things drawn under o that overlap
// by more than a pixel.
func assertNoOverlap(t *testing.T, screen string, o fyne.CanvasObject) {
	t.Helper()
	var all []placed
	leaves(o, o.Position().Subtract(o.Position()), &all)
	for i, a := range all {
		for _, b := range all[i+1:] {
			w := min(a.pos.X+a.size.Width, b.pos.X+b.size.Width) - max(a.pos.X, b.pos.X)
			h := min(a.pos.Y+a.size.Height, b.pos.Y+b.size.Height) - max(a.pos.Y, b.pos.Y)
			if w > 1 && h > 1 {
				t.Errorf("%s: %q at %v+%v overlaps %q at %v+%v", screen, a.what, a.pos, a.size, b.what, b.pos, b.size)
			}
		}
	}
}

// TestBenchHeaderAt900 shows the bench running, with a failure to attend
// to, in a window 900 px wide: nothing in the header overlaps, no text is
// cut, and the window does not have to grow.
func TestBenchHeaderAt900(t *testing.T) {
	for _, tag := range []string{"en", "de"} {
		t.Run(tag, func(t *testing.T) {
			speak(t, tag)
			lightApp(t)
			benchHeaderAt(t)
		})
	}
}

func benchHeaderAt(t *testing.T) {
	for _, width := range []float32{900, 1280, 1920} {
		r := newBenchRig(t)
		r.w.Resize(fyne.NewSize(width, 700))
		idle := fmt.Sprintf("bench %.0f px before Start", width)
		assertNoOverlap(t, idle+" header", r.b.header)
		assertFits(t, idle, r.w.Canvas())
		shoot(t, fmt.Sprintf("bench-header-idle-%s-%.0f", lang.Current().Tag, width), r.w.Canvas())
		r.start(t)
		events := make(chan provisioning.Event)
		go r.b.Run(r.ctx, events, nil)
		fail := ev(12, "ttyACM1", provisioning.StepIdentify, provisioning.EventFailed, "The device is not in listening mode.")
		applyNow(t, r.q, events, fail)
		res := ev(12, "ttyACM1", "", provisioning.EventResult, "")
		res.Outcome = provisioning.OutcomeFail
		applyNow(t, r.q, events, res)
		r.b.refreshCounters()
		name := fmt.Sprintf("bench %.0f px", width)
		if got := r.b.Content().MinSize().Width; got > width {
			t.Errorf("%s: the bench needs %.0f px", name, got)
		}
		assertNoOverlap(t, name+" header", r.b.header)
		assertFits(t, name, r.w.Canvas())
		shoot(t, fmt.Sprintf("bench-header-%s-%.0f", lang.Current().Tag, width), r.w.Canvas())
	}
}

// smallTexts lists the visible texts under o drawn smaller than size.
func smallTexts(o fyne.CanvasObject, size float32) []string {
	var out []string
	eachVisible(o, func(o fyne.CanvasObject) bool {
		if x, ok := o.(*canvas.Text); ok && x.Text != "" && x.TextSize < size {
			out = append(out, fmt.Sprintf("%q at %.0f px", x.Text, x.TextSize))
		}
		return true
	})
	return out
}

// TestCaptionsReadableFromAMetre: every text of the bench (counters'
// captions, the LED legend), the wizard and the journal is at least 14 px.
func TestCaptionsReadableFromAMetre(t *testing.T) {
	s := newTestStation(t)
	for i, tab := range s.view.Tabs.Items[:5] {
		s.view.Tabs.SelectIndex(i)
		if small := smallTexts(s.win.Content(), 14); len(small) > 0 {
			t.Errorf("%s: texts under 14 px: %v", tab.Text, small)
		}
	}
}

// TestTileRowsHoldTheirHeight: a tile whose message gets shorter keeps its
// row's height, so the tiles below and their Retry buttons stay where the
// pointer is; a new width lays the rows out afresh.
func TestTileRowsHoldTheirHeight(t *testing.T) {
	lightApp(t)
	var tiles []*canvas.Rectangle
	var objs []fyne.CanvasObject
	for range 4 {
		r := canvas.NewRectangle(color.Black)
		r.SetMinSize(fyne.NewSize(250, 200))
		tiles = append(tiles, r)
		objs = append(objs, r)
	}
	g := &tileGrid{minTile: fyne.NewSize(380, 0), viewport: fyne.NewSize(1250, 700)}
	g.Layout(objs, g.viewport)
	below := tiles[2].Position().Y
	// Long messages in the first row were replaced by short ones.
	tiles[0].SetMinSize(fyne.NewSize(250, 120))
	tiles[1].SetMinSize(fyne.NewSize(250, 120))
	g.Layout(objs, g.viewport)
	if got := tiles[2].Position().Y; got != below {
		t.Errorf("the second row moved from %.0f to %.0f when a tile above got shorter", below, got)
	}
	if got := g.MinSize(objs).Height; got < 2*200 {
		t.Errorf("the grid asks for %.0f px, less than the rows it keeps", got)
	}
	g.viewport = fyne.NewSize(1200, 700)
	g.Layout(objs, g.viewport)
	if got := tiles[0].Size().Height; got != 120 {
		t.Errorf("after a resize the first row is %.0f px, want its content's 120", got)
	}
}

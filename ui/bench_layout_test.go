package ui

import (
	"fmt"
	"image/color"
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/provisioning"
)

// scenePhases is how a shift looks across a hub: mostly passes, a device
// on its way, and failures in the middle of the tray.
var scenePhases = []Phase{PhasePass, PhasePass, PhaseFail, PhaseWorking, PhaseWorking, PhasePass, PhaseFail, PhasePass}

// runningBench is a running bench on a fake station in a test window of
// the given size, and the clock it reads.
func runningBench(t *testing.T, size fyne.Size) (*Bench, fyne.Window, *fixedClock) {
	t.Helper()
	lightApp(t)
	q := newUIQueue(t)
	clk := &fixedClock{t: shiftStart}
	b := newBench(testContext(t), newFakeStation(), newFakeLibrary(lineProfile), nil, clk.now, q.do, "", nil)
	b.SetProfile(lineProfile)
	b.setRunning(true)
	b.refreshTop()
	w := test.NewTempWindow(t, b.Content())
	w.Resize(size)
	return b, w, clk
}

// benchScene fills a running bench in a window of the given size with one
// slot per phase, carrying the engine's real (long) sentences.
func benchScene(t *testing.T, phases []Phase, size fyne.Size) (*Bench, fyne.Window) {
	t.Helper()
	b, w, clk := runningBench(t, size)
	for i, ph := range phases {
		slot := fmt.Sprintf("ttyACM%d", i)
		id := fmt.Sprintf("3a00509849f20247343300%02x", i+9)
		d := ev(i, slot, provisioning.StepDetect, provisioning.EventStarted, "Photon found")
		d.DeviceID = id
		steps := []provisioning.Event{d,
			ev(i+1, slot, provisioning.StepIdentify, provisioning.EventDone, "Listening mode confirmed"),
			ev(i+2, slot, provisioning.StepImport, provisioning.EventDone, "Added to the product"),
			ev(i+2, slot, provisioning.StepCustomer, provisioning.EventDone, "Customer ready"),
			ev(i+3, slot, provisioning.StepDeliverCode, provisioning.EventDone, "Claim code given to the device"),
		}
		switch ph {
		case PhasePass:
			r := ev(i+20, slot, provisioning.StepVerify, provisioning.EventResult, "Photon "+id+" is provisioned and verified in the cloud.")
			r.Outcome = provisioning.OutcomePass
			steps = append(steps, ev(i+4, slot, provisioning.StepWiFi, provisioning.EventDone, "Wi-Fi credentials sent"),
				ev(i+19, slot, provisioning.StepVerify, provisioning.EventDone, "Online in the product"), r)
		case PhaseFail:
			f := ev(i+30, slot, provisioning.StepWiFi, provisioning.EventFailed,
				"Photon "+id+" could not join \"Factory-Floor\" and went back to listening mode: the Wi-Fi password is most likely wrong.")
			f.Action = "Correct the job profile (network name, security or Wi-Fi password), then press Retry."
			r := ev(i+30, slot, "", provisioning.EventResult, "")
			r.Outcome = provisioning.OutcomeFail
			steps = append(steps, f, r)
		case PhaseWorking:
			steps = append(steps, ev(i+4, slot, provisioning.StepWiFi, provisioning.EventDone, "Wi-Fi credentials sent"),
				ev(i+5, slot, provisioning.StepVerify, provisioning.EventStarted, "Waiting for the device to reach the cloud (blinking green, then cyan)"))
		}
		for _, e := range steps {
			b.Apply(e)
		}
	}
	clk.t = shiftStart.Add(50 * time.Second)
	b.Tick()
	return b, w
}

// TestBenchPolishShots captures the bench at laptop and desktop sizes for a
// person to look at (set UI_SHOTS; UI_SHOTS_STAGE names the capture).
func TestBenchPolishShots(t *testing.T) {
	if os.Getenv("UI_SHOTS") == "" {
		t.Skip("UI_SHOTS is not set")
	}
	stage := os.Getenv("UI_SHOTS_STAGE")
	if stage == "" {
		stage = "after"
	}
	for _, size := range []fyne.Size{{Width: 1250, Height: 720}, {Width: 1900, Height: 1000}} {
		for _, phases := range [][]Phase{{PhaseFail}, {PhasePass}, scenePhases[:4], scenePhases} {
			name := fmt.Sprintf("polish-%s-%d-%s-%.0fx%.0f", stage, len(phases), phaseWord(phases[0]), size.Width, size.Height)
			t.Run(name, func(t *testing.T) {
				_, w := benchScene(t, phases, size)
				shoot(t, name, w.Canvas())
			})
		}
	}
}

func phaseWord(p Phase) string {
	return map[Phase]string{PhaseWaiting: "waiting", PhaseWorking: "working", PhasePass: "pass", PhaseFail: "fail"}[p]
}

// inside tells whether the rectangle at p of size s lies within the one at
// q of size r (half a pixel of rounding allowed).
func inside(p fyne.Position, s fyne.Size, q fyne.Position, r fyne.Size) bool {
	const slack = 0.5
	return p.X >= q.X-slack && p.Y >= q.Y-slack && p.X+s.Width <= q.X+r.Width+slack && p.Y+s.Height <= q.Y+r.Height+slack
}

// TestBenchTilesFitWithoutScrolling lays out a laptop's bench with four
// devices and a desktop's with eight: every tile, and the failed tiles'
// Retry buttons, must be wholly inside the visible area with the scroll at
// the top, and no tile may be cut shorter than its content.
func TestBenchTilesFitWithoutScrolling(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   fyne.Size
		phases []Phase
	}{
		{"one device at 1250x720", fyne.NewSize(1250, 720), []Phase{PhaseFail}},
		{"two devices at 1250x720", fyne.NewSize(1250, 720), []Phase{PhaseFail, PhaseWorking}},
		{"three devices at 1250x720", fyne.NewSize(1250, 720), scenePhases[1:4]},
		{"four devices at 1250x720", fyne.NewSize(1250, 720), scenePhases[:4]},
		{"four failures at 1250x720", fyne.NewSize(1250, 720), []Phase{PhaseFail, PhaseFail, PhaseFail, PhaseFail}},
		{"eight devices at 1900x1000", fyne.NewSize(1900, 1000), scenePhases},
		{"eight failures at 1900x1000", fyne.NewSize(1900, 1000), []Phase{PhaseFail, PhaseFail, PhaseFail, PhaseFail, PhaseFail, PhaseFail, PhaseFail, PhaseFail}},
		// Grown tiles must still fit.
		{"one failure at 1920x1080", fyne.NewSize(1920, 1080), []Phase{PhaseFail}},
		{"four devices at 1920x1080", fyne.NewSize(1920, 1080), scenePhases[:4]},
		{"four devices at 1280x800", fyne.NewSize(1280, 800), scenePhases[:4]},
		{"eight devices at 1920x1080", fyne.NewSize(1920, 1080), scenePhases},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, w := benchScene(t, tc.phases, tc.size)
			d := fyne.CurrentApp().Driver()
			canvas := w.Canvas().Size()
			view, viewAt := b.scroll.Size(), d.AbsolutePositionForObject(b.scroll)
			if !inside(viewAt, view, fyne.NewPos(0, 0), canvas) {
				t.Fatalf("the tiles' area %v at %v is outside the window %v", view, viewAt, canvas)
			}
			if got := b.scroll.Offset; got != (fyne.Position{}) {
				t.Errorf("scroll offset = %v, want the top", got)
			}
			if grid := b.grid.Size(); grid.Height > view.Height+0.5 {
				t.Errorf("the tiles need %v of height, only %v is visible: the bench scrolls", grid.Height, view.Height)
			}
			if len(b.order) != len(tc.phases) {
				t.Fatalf("%d tiles, want %d", len(b.order), len(tc.phases))
			}
			for i, n := range b.order {
				tl := b.Tile(n)
				if got := tl.Slot().Phase; got != tc.phases[i] {
					t.Errorf("%s phase = %v, want %v", n, got, tc.phases[i])
				}
				at, size := d.AbsolutePositionForObject(tl), tl.Size()
				if !inside(at, size, viewAt, view) {
					t.Errorf("%s at %v size %v is not wholly inside the visible area at %v size %v", n, at, size, viewAt, view)
				}
				if m := tl.MinSize(); size.Height < m.Height-0.5 || size.Width < m.Width-0.5 {
					t.Errorf("%s is %v, smaller than its content %v", n, size, m)
				}
				if tl.Slot().Phase == PhaseFail {
					rAt, rSize := d.AbsolutePositionForObject(tl.retry), tl.retry.Size()
					if !tl.retry.Visible() || !inside(rAt, rSize, at, size) {
						t.Errorf("%s Retry at %v size %v is not inside its tile at %v size %v", n, rAt, rSize, at, size)
					}
				}
			}
		})
	}
}

// TestBenchAttentionScrollsToFailedTile crowds a laptop with sixteen
// devices, so the bench must scroll: tapping the "Needs attention" line
// brings the failed tiles below the fold into view, one after another.
func TestBenchAttentionScrollsToFailedTile(t *testing.T) {
	phases := make([]Phase, 16)
	for i := range phases {
		phases[i] = PhasePass
	}
	phases[9], phases[14] = PhaseFail, PhaseFail
	b, _ := benchScene(t, phases, fyne.NewSize(1250, 720))
	view := b.scroll.Size()
	if b.grid.Size().Height <= view.Height {
		t.Fatalf("sixteen tiles fit in %v: the test needs a bench that scrolls", view)
	}
	visible := func(slot string) bool {
		tl := b.Tile(slot)
		top := tl.Position().Y - b.scroll.Offset.Y
		return top >= -0.5 && top+tl.Size().Height <= view.Height+0.5
	}
	if visible("ttyACM9") {
		t.Fatalf("ttyACM9 is already in view at offset %v", b.scroll.Offset)
	}
	for _, slot := range []string{"ttyACM9", "ttyACM14"} {
		if !visible(slot) {
			test.Tap(b.attentionTap)
		}
		if !visible(slot) {
			t.Errorf("after tapping the attention line, %s (at %v, %v tall) is not in view (offset %v, view %v)",
				slot, b.Tile(slot).Position(), b.Tile(slot).Size().Height, b.scroll.Offset, view)
		}
	}
}

// TestTileGridPlan checks the column choice: the widest tiles whose rows
// fit the visible height, more columns when the height is short, and the
// widest tiles again (the bench scrolls) when nothing fits.
func TestTileGridPlan(t *testing.T) {
	block := func(w, h float32) fyne.CanvasObject {
		r := canvas.NewRectangle(color.Black)
		r.SetMinSize(fyne.NewSize(w, h))
		return r
	}
	blocks := func(n int, w, h float32) []fyne.CanvasObject {
		var objs []fyne.CanvasObject
		for range n {
			objs = append(objs, block(w, h))
		}
		return objs
	}
	g := &tileGrid{minTile: fyne.NewSize(380, 0)}
	for _, tc := range []struct {
		name          string
		objs          []fyne.CanvasObject
		width, height float32
		wantCols      int
		wantRows      []float32
	}{
		{"one tile", blocks(1, 250, 300), 1250, 700, 1, []float32{300}},
		{"four fit in two rows", blocks(4, 250, 300), 1250, 700, 2, []float32{300, 300}},
		{"four too tall for two rows go into one", blocks(4, 250, 300), 1250, 500, 4, []float32{300}},
		{"rows are as tall as their tallest tile", []fyne.CanvasObject{block(250, 100), block(250, 200), block(250, 150), block(250, 120)}, 1250, 700, 2, []float32{200, 150}},
		{"nothing fits: the widest tiles, scrolled", blocks(4, 250, 300), 1250, 200, 2, []float32{300, 300}},
		{"tiles never narrower than their content", blocks(4, 500, 300), 1250, 500, 2, []float32{300, 300}},
		{"eight on a desktop", blocks(8, 250, 300), 1900, 800, 4, []float32{300, 300}},
		{"eight too tall for a short desktop: scrolled", blocks(8, 250, 300), 1900, 500, 4, []float32{300, 300}},
		{"unknown height keeps the width's choice", blocks(4, 250, 300), 1250, 0, 2, []float32{300, 300}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cols, rows := g.plan(tc.objs, tc.width, tc.height)
			if diff := cmp.Diff(tc.wantCols, cols); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantRows, rows); diff != "" {
				t.Errorf("row heights (-want +got):\n%s", diff)
			}
		})
	}
}

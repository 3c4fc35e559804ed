package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
)

// wrongWiFi is the engine's long failure for a wrong Wi-Fi password.
func wrongWiFi(sec int, slot, id string) []provisioning.Event {
	f := ev(sec, slot, provisioning.StepWiFi, provisioning.EventFailed,
		"Photon "+id+" could not join \"Factory-Floor\" and went back to listening mode: the Wi-Fi password is most likely wrong.")
	f.Action = `Ask a supervisor to check the Wi-Fi password of profile "Line 3 thermostats", then press Retry.`
	r := ev(sec, slot, "", provisioning.EventResult, "")
	r.Outcome = provisioning.OutcomeFail
	return []provisioning.Event{f, r}
}

// hubRun is a running bench with n slots in a test window of the given
// size, each slot WORKING on a short line.
func hubRun(t *testing.T, n int, size fyne.Size) (*Bench, fyne.Window) {
	t.Helper()
	b, w, _ := runningBench(t, size)
	plugIn(b, n)
	return b, w
}

// stationHub is the whole station window of the given size with its bench
// started and n slots WORKING on a short line.
func stationHub(t *testing.T, n int, size fyne.Size) *Bench {
	t.Helper()
	s := newTestStation(t)
	s.win.Resize(size)
	b := s.view.Bench
	test.Tap(b.startStop)
	s.q.until(t, "bench running", func() bool { return b.running })
	plugIn(b, n)
	return b
}

// plugIn brings n Photons to the bench, each starting its first step.
func plugIn(b *Bench, n int) {
	for i := range n {
		slot, id := hubSlot(i)
		d := ev(i, slot, provisioning.StepDetect, provisioning.EventStarted, "Photon found")
		d.DeviceID = id
		b.Apply(d)
		b.Apply(ev(i, slot, provisioning.StepIdentify, provisioning.EventStarted, "Checking"))
	}
}

func hubSlot(i int) (slot, id string) {
	return fmt.Sprintf("ttyACM%d", i), fmt.Sprintf("3a00509849f20247343300%02x", i+9)
}

// placement is where every tile of a bench is in its window, and its size.
func placement(b *Bench) map[string]fyne.Size {
	d := fyne.CurrentApp().Driver()
	at := map[string]fyne.Size{}
	for _, n := range b.order {
		tl := b.Tile(n)
		p := d.AbsolutePositionForObject(tl)
		at[n+" at"] = fyne.NewSize(p.X, p.Y)
		at[n+" size"] = tl.Size()
	}
	return at
}

// TestBenchTilesStayPutAsMessagesChange runs a full hub through a shift's
// messages (a short WORKING line, the long wrong-Wi-Fi failure with the
// first "Needs attention", then PASS) at a laptop's and a desktop's size:
// no tile may move or change size, because a tile that moves under the
// pointer is a Retry pressed on the wrong Photon.
func TestBenchTilesStayPutAsMessagesChange(t *testing.T) {
	const n = 16
	for _, tc := range []struct {
		name  string
		bench func(t *testing.T) *Bench
	}{
		{"bench at 1280x800", func(t *testing.T) *Bench { b, _ := hubRun(t, n, fyne.NewSize(1280, 800)); return b }},
		{"bench at 1920x1080", func(t *testing.T) *Bench { b, _ := hubRun(t, n, fyne.NewSize(1920, 1080)); return b }},
		{"station window at 1920x1080 less the menu bar", func(t *testing.T) *Bench { return stationHub(t, n, fyne.NewSize(1920, 1080-28)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.bench(t)
			want := placement(b)
			check := func(stage string) {
				t.Helper()
				for k, got := range placement(b) {
					if got != want[k] {
						t.Errorf("%s: %s = %v, was %v", stage, k, got, want[k])
					}
				}
			}
			for i := range n {
				slot, _ := hubSlot(i)
				b.Apply(ev(20+i, slot, provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials"))
			}
			check("WORKING with a short line")
			for i := range n {
				slot, _ := hubSlot(i)
				b.Apply(ev(30+i, slot, provisioning.StepVerify, provisioning.EventStarted,
					"Waiting for the Photon to reach the cloud (blinking green, then cyan). It can take a minute on a busy network."))
			}
			check("WORKING with a long line")
			for i := range n {
				slot, id := hubSlot(i)
				again := wrongWiFi(35+i, slot, id)[0]
				again.Kind = provisioning.EventProgress
				b.Apply(again)
			}
			check("WORKING again after a reason and an action")
			for _, i := range []int{5, 0, 13} {
				slot, id := hubSlot(i)
				for _, e := range wrongWiFi(40+i, slot, id) {
					b.Apply(e)
				}
				check(fmt.Sprintf("%s failed on the Wi-Fi password", slot))
			}
			if !b.attentionRow.Visible() {
				t.Errorf("no Needs attention line after three failures")
			}
			for i := range n {
				slot, id := hubSlot(i)
				d := ev(60+i, slot, provisioning.StepDetect, provisioning.EventStarted, "Photon found")
				d.DeviceID = id
				r := ev(80+i, slot, provisioning.StepVerify, provisioning.EventResult, "Photon "+id+" is provisioned and verified in the cloud.")
				r.Outcome = provisioning.OutcomePass
				b.Apply(d)
				b.Apply(r)
			}
			check("PASS")
		})
	}
}

// TestFullHubFitsADesktop fills a 16-port hub at 1920x1080 with the
// longest usual failure on every tile: all sixteen tiles, and their
// Retry buttons, must be in view without scrolling. It does so for the
// bench alone and for the whole station window, with its tabs, less the
// 28 px the window's menu bar takes on Linux.
func TestFullHubFitsADesktop(t *testing.T) {
	const n = 16
	fail := func(b *Bench) {
		for i := range n {
			slot, id := hubSlot(i)
			d := ev(i, slot, provisioning.StepDetect, provisioning.EventStarted, "Photon found")
			d.DeviceID = id
			b.Apply(d)
			for _, e := range wrongWiFi(40+i, slot, id) {
				b.Apply(e)
			}
		}
	}
	t.Run("bench", func(t *testing.T) {
		b, _ := hubRun(t, 0, fyne.NewSize(1920, 1080))
		fail(b)
		allInView(t, b)
	})
	t.Run("bench after the window got shorter", func(t *testing.T) {
		// Two-line reasons fit 1920x1080; a window 80 px shorter needs
		// one-line reasons, and rows as tall as two-line ones were must
		// not be kept for it.
		b, w := hubRun(t, 0, fyne.NewSize(1920, 1080))
		fail(b)
		if got := b.Tile("ttyACM0").reasonLines; got != clampedLines {
			t.Fatalf("at 1920x1080 a reason has %d lines, want %d", got, clampedLines)
		}
		w.Resize(fyne.NewSize(1920, 1000))
		if got := b.Tile("ttyACM0").reasonLines; got != 1 {
			t.Errorf("at 1920x1000 a reason has %d lines, want 1", got)
		}
		allInView(t, b)
	})
	t.Run("station window", func(t *testing.T) {
		b := stationHub(t, 0, fyne.NewSize(1920, 1080-28))
		fail(b)
		allInView(t, b)
	})
}

// allInView checks that every tile of b and its Retry button are wholly in
// the visible area with the scroll at the top, each reason in at most
// clampedLines lines.
func allInView(t *testing.T, b *Bench) {
	t.Helper()
	d := fyne.CurrentApp().Driver()
	view, viewAt := b.scroll.Size(), d.AbsolutePositionForObject(b.scroll)
	if grid := b.grid.Size(); grid.Height > view.Height+0.5 {
		t.Errorf("%d failed tiles need %v of height, %v is visible: the bench scrolls", len(b.order), grid.Height, view.Height)
	}
	for _, slot := range b.order {
		tl := b.Tile(slot)
		at, size := d.AbsolutePositionForObject(tl), tl.Size()
		if !inside(at, size, viewAt, view) {
			t.Errorf("%s at %v size %v is not inside the visible area at %v size %v", slot, at, size, viewAt, view)
		}
		if m := tl.MinSize(); size.Height < m.Height-0.5 {
			t.Errorf("%s is %v tall, its content needs %v", slot, size.Height, m.Height)
		}
		if lines := strings.Count(tl.message.Text, "\n") + 1; lines > clampedLines {
			t.Errorf("%s reason takes %d lines: %q", slot, lines, tl.message.Text)
		}
		if rAt := d.AbsolutePositionForObject(tl.retry); !tl.retry.Visible() || !inside(rAt, tl.retry.Size(), at, size) {
			t.Errorf("%s Retry is not inside its tile", slot)
		}
	}
}

// TestDenseTileShowsWholeSentencesOnTap taps the cut reason on a full
// hub's tile: the whole reason and action appear.
func TestDenseTileShowsWholeSentencesOnTap(t *testing.T) {
	b, w := hubRun(t, 16, fyne.NewSize(1920, 1080))
	slot, id := hubSlot(3)
	for _, e := range wrongWiFi(40, slot, id) {
		b.Apply(e)
	}
	tl := b.Tile(slot)
	if strings.Contains(tl.message.Text, "most likely wrong") {
		t.Fatalf("the reason is not cut on a dense tile: %q", tl.message.Text)
	}
	test.Tap(tl.messageTap)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("tapping the cut reason showed nothing")
	}
	var shown []string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			shown = append(shown, l.Text)
		}
	}
	whole := strings.Join(shown, " ")
	for _, want := range []string{"the Wi-Fi password is most likely wrong.", `profile "Line 3 thermostats", then press Retry.`} {
		if !strings.Contains(whole, want) {
			t.Errorf("the pop-up says %q, want it to contain %q", whole, want)
		}
	}
}

// TestShotsHub captures a 4-port and a full 16-port bench in a shift
// (passes, work under way, wrong-Wi-Fi failures) at a laptop's and a
// desktop's size, for a person to look at (set UI_SHOTS to a folder).
func TestShotsHub(t *testing.T) {
	if os.Getenv("UI_SHOTS") == "" {
		t.Skip("UI_SHOTS is not set")
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		for _, n := range []int{4, 16} {
			name := fmt.Sprintf("hub-%d-%.0fx%.0f", n, size.Width, size.Height)
			t.Run(name, func(t *testing.T) {
				b, w := hubRun(t, n, size)
				for i := range n {
					slot, id := hubSlot(i)
					switch i % 4 {
					case 1:
						for _, e := range wrongWiFi(40+i, slot, id) {
							b.Apply(e)
						}
					case 2:
						r := ev(80+i, slot, provisioning.StepVerify, provisioning.EventResult, "Photon "+id+" is provisioned and verified in the cloud.")
						r.Outcome = provisioning.OutcomePass
						b.Apply(r)
					default:
						b.Apply(ev(20+i, slot, provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials"))
					}
				}
				shoot(t, name, w.Canvas())
			})
		}
	}
}

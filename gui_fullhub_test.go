package main

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/demo"
	"github.com/photon-station/photon-station/ui"
)

// TestDemoFullHub runs `photon-station -demo -demo-ports 16`: sixteen
// tiles, the scripted failures among them, every hub port named.
func TestDemoFullHub(t *testing.T) {
	g := startDemoGUI(t, func(o *demo.Options) {
		o.Ports = demo.MaxPorts
		// Sixteen emulated Photons share the test machine: give every
		// step the room a busy (or -race) run needs.
		o.SerialTimeouts.Answer *= 4
		o.SerialTimeouts.Claimed *= 4
		o.SerialTimeouts.ModuleInfo *= 4
		o.Timeouts.Identify *= 4
		o.Timeouts.Cloud *= 4
		o.Timeouts.DeliverCode *= 4
		o.Timeouts.WiFi *= 4
		o.VerifyTimeout *= 4
	})
	g.limit = 2 * time.Minute
	bench := g.world.Bench()
	if len(bench) != demo.MaxPorts {
		t.Fatalf("the demo bench has %d Photons, want %d", len(bench), demo.MaxPorts)
	}
	g.key(fyne.KeyReturn) // Enter starts the bench
	g.waitFor("every slot's result", func() bool {
		c := g.view.Bench.Counters()
		return c.Passed+c.Failed == len(bench)
	})
	failed := 0
	for _, b := range bench {
		want := ui.PhasePass
		if b.Kind != demo.Good {
			want = ui.PhaseFail
			failed++
		}
		if got := g.phase(b.Port.Path); got != want {
			t.Errorf("%s (%s): phase %v, want %v", b.Port.Path, b.Kind, got, want)
		}
	}
	if c := g.view.Bench.Counters(); c.Failed != failed || c.Passed != len(bench)-failed {
		t.Errorf("counters %+v, want %d passed and %d failed", c, len(bench)-failed, failed)
	}
	for _, want := range []string{"hub port 1", "hub port 16", "FAIL", "PASS"} {
		if !g.shows(want) {
			t.Errorf("the full hub does not show %q", want)
		}
	}
	for _, size := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1920, Height: 1080}} {
		g.win.Resize(size)
		g.drain()
		shootGUI(t, g.win, "demo-full-hub", size)
	}
}

// shootGUI writes a capture to UI_SHOTS, when set, for a person to look at.
func shootGUI(t *testing.T, w fyne.Window, name string, size fyne.Size) {
	t.Helper()
	dir := os.Getenv("UI_SHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+"-"+sizeName(size)+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

func sizeName(s fyne.Size) string {
	return fmt.Sprintf("%dx%d", int(s.Width), int(s.Height))
}

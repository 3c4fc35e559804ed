package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/internal/fynetest"
	"github.com/photon-station/photon-station/provisioning"
)

// dialogText is every label's text in the open dialog.
func dialogText(w fyne.Window) string {
	var out []string
	for _, o := range fynetest.Objects(w.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return strings.Join(out, "\n")
}

// atWork puts a Photon to work in each slot.
func atWork(b *Bench, slots ...string) {
	for i, slot := range slots {
		e := ev(i, slot, provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials")
		e.DeviceID = fmt.Sprintf("3c00210004473633393431%02d", i)
		b.Apply(e)
	}
}

// Stop bench asks first when Photons are being set up, says how many and
// what happens to them, and stops nothing on "Keep working".
func TestBenchStopAsksWhilePhotonsAreAtWork(t *testing.T) {
	lightApp(t)
	r := newBenchRig(t)
	r.b.window = r.w
	r.start(t)
	atWork(r.b, "ttyACM0", "ttyACM1", "ttyACM2")

	test.Tap(r.b.startStop)
	if got := dialogText(r.w); !strings.Contains(got, "3 Photons are being set up. Stopping leaves them where they are: plug each in again or press Retry to finish.") {
		t.Fatalf("stop question says %q", got)
	}
	_, stop := inDialog(t, r.w, "Stop bench")
	_, keep := inDialog(t, r.w, "Keep working")
	if stop.Importance != widget.DangerImportance || keep.Importance != widget.HighImportance {
		t.Errorf("buttons: stop %v, keep working %v; want the stop red and keeping on the default", stop.Importance, keep.Importance)
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		r.w.Resize(size)
		shoot(t, fmt.Sprintf("bench-stop-question-%.0fx%.0f", size.Width, size.Height), r.w.Canvas())
	}
	test.Tap(keep)
	if r.w.Canvas().Overlays().Top() != nil {
		t.Error("the question is still open after Keep working")
	}
	select {
	case call := <-r.st.calls:
		t.Fatalf("Keep working called the station: %q", call)
	default:
	}
	if !r.b.running {
		t.Fatal("the bench stopped on Keep working")
	}

	// Escape asks too; this time the technician stops.
	r.b.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	_, stop = inDialog(t, r.w, "Stop bench")
	test.Tap(stop)
	expectCall(t, r.q, r.st, "stop")
	r.q.until(t, "bench stopped", func() bool { return !r.b.running })
}

// With nothing at work, Stop bench stops at once.
func TestBenchStopsAtOnceWhenIdle(t *testing.T) {
	lightApp(t)
	r := newBenchRig(t)
	r.b.window = r.w
	r.start(t)
	test.Tap(r.b.startStop)
	if r.w.Canvas().Overlays().Top() != nil {
		t.Error("asked before stopping a bench with nothing at work")
	}
	expectCall(t, r.q, r.st, "stop")
}

// A stopped attempt is not a failure: grey tile with its own word, Retry,
// not counted, not in "Needs attention"; Retry with the bench stopped
// starts the bench (and so that Photon), with it running retries the slot.
func TestBenchStoppedTileIsNotAFailure(t *testing.T) {
	lightApp(t)
	r := newBenchRig(t)
	r.start(t)
	atWork(r.b, "ttyACM0", "ttyACM1")
	for i, slot := range []string{"ttyACM0", "ttyACM1"} {
		res := ev(5, slot, provisioning.StepRecord, provisioning.EventResult, "Stopped before the Photon was finished.")
		res.Outcome, res.Action = provisioning.OutcomeStopped, provisioning.StoppedAction
		res.DeviceID = fmt.Sprintf("3c00210004473633393431%02d", i)
		if slot == "ttyACM1" {
			// Stopped inside the serial Wi-Fi questions: its words stay.
			res.Message, res.Action = "The Photon on /dev/ttyACM1 may still be waiting inside the Wi-Fi questions.",
				"Press its RESET button, wait for blinking dark blue, then press Retry."
		}
		r.b.Apply(res)
	}
	t0, t1 := r.b.Tile("ttyACM0"), r.b.Tile("ttyACM1")
	if t0.phase.Text != "STOPPED" || t0.message.Text != "Stopped: plug it in again or press Retry." || !t0.retry.Visible() {
		t.Errorf("stopped tile: %q / %q (Retry shown %v)", t0.phase.Text, t0.message.Text, t0.retry.Visible())
	}
	if t0.bg.FillColor == theme.Color(ColorNameTileFail) || t0.bg.StrokeColor == theme.Color(theme.ColorNameError) ||
		t0.bg.FillColor != theme.Color(ColorNameTileWaiting) {
		t.Error("the stopped tile is not drawn grey")
	}
	if !strings.Contains(t1.message.Text, "inside the Wi-Fi questions") || !strings.Contains(t1.action.Text, "RESET") {
		t.Errorf("stopped inside the Wi-Fi questions: %q / %q", t1.message.Text, t1.action.Text)
	}
	if c := r.b.Counters(); c.Failed != 0 || c.Passed != 0 {
		t.Errorf("counters %+v: a stop is not a failure", c)
	}
	if r.b.attention.Text != "" {
		t.Errorf("stopped Photons need attention: %q", r.b.attention.Text)
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		r.w.Resize(size)
		shoot(t, fmt.Sprintf("bench-stopped-%.0fx%.0f", size.Width, size.Height), r.w.Canvas())
	}

	// Bench running: Retry runs that slot again.
	test.Tap(t0.retry)
	expectCall(t, r.q, r.st, "retry ttyACM0")
	r.q.until(t, "retry acknowledged", func() bool { return !t0.retry.Disabled() })

	// Bench stopped: Retry starts it, which starts the stopped Photon.
	test.Tap(r.b.startStop)
	expectCall(t, r.q, r.st, "stop")
	r.q.until(t, "bench stopped", func() bool { return !r.b.running })
	test.Tap(t1.retry)
	expectCall(t, r.q, r.st, "start Line 3 thermostats")
	r.q.until(t, "bench running", func() bool { return r.b.running })
}

// Closing the window, or View › Quit, asks the same question while
// Photons are being set up; "Keep working" keeps the window open.
func TestCloseAsksWhilePhotonsAreAtWork(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	win := test.NewWindow(nil) // closed by the test
	st := newFakeStation()
	v := build(win, Deps{Station: st, Profiles: newFakeLibrary(lineProfile), Now: (&fixedClock{t: shiftStart}).now},
		q.do, (&manualTicker{c: make(chan time.Time)}).start)
	closed := false
	win.SetOnClosed(func() { closed = true; v.Close() })
	win.Resize(fyne.NewSize(1280, 800))
	v.Bench.SetProfile(lineProfile)
	test.Tap(v.Bench.startStop)
	expectCall(t, q, st, "start Line 3 thermostats")
	q.until(t, "bench running", func() bool { return v.Bench.running })
	atWork(v.Bench, "ttyACM0")

	var quit *fyne.MenuItem
	for _, m := range win.MainMenu().Items {
		for _, it := range m.Items {
			if it.IsQuit {
				quit = it
			}
		}
	}
	if quit == nil || quit.Label != "Quit" {
		t.Fatalf("the menu has no Quit item of ours: %+v", quit)
	}
	quit.Action()
	if got := dialogText(win); !strings.Contains(got, "1 Photon is being set up. Stopping leaves it where it is") {
		t.Fatalf("quit question says %q", got)
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		win.Resize(size)
		shoot(t, fmt.Sprintf("quit-question-%.0fx%.0f", size.Width, size.Height), win.Canvas())
	}
	_, keep := inDialog(t, win, "Keep working")
	test.Tap(keep)
	if closed {
		t.Fatal("the window closed on Keep working")
	}
	v.RequestClose() // the window's close button
	_, stop := inDialog(t, win, "Stop them and quit")
	test.Tap(stop)
	if !closed {
		t.Error("the window did not close on Stop them and quit")
	}
}

// A stop cuts the running step short, and the engine reports that step
// as failed just before the attempt's verdict, stopped: the grey STOPPED
// tile names the step it stopped at, readably, never "Verify failed" in
// red.
func TestBenchStoppedTileShowsNoFailedStep(t *testing.T) {
	lightApp(t)
	r := newBenchRig(t)
	r.start(t)
	start := ev(1, "ttyACM0", provisioning.StepVerify, provisioning.EventStarted, "Waiting for the Photon to reach the cloud (blinking green, then cyan).")
	start.DeviceID = "3c0021000447363339343100"
	r.b.Apply(start)
	cut := ev(4, "ttyACM0", provisioning.StepVerify, provisioning.EventFailed, "The station stopped waiting for the Photon.")
	cut.Details = "context canceled"
	r.b.Apply(cut)
	res := ev(4, "ttyACM0", provisioning.StepRecord, provisioning.EventResult, "Stopped before the Photon was finished.")
	res.Outcome, res.Action = provisioning.OutcomeStopped, provisioning.StoppedAction
	r.b.Apply(res)
	tl := r.b.Tile("ttyACM0")
	if tl.phase.Text != "STOPPED" {
		t.Fatalf("tile says %q, want STOPPED", tl.phase.Text)
	}
	if got := tl.step.label.Text; got != "Stopped at verify" {
		t.Errorf("step line %q, want %q", got, "Stopped at verify")
	}
	if tl.step.bg.FillColor == theme.Color(theme.ColorNameError) {
		t.Error("the stopped step is drawn red, as a failure")
	}
	if tl.step.label.Color == theme.Color(theme.ColorNameDisabled) {
		t.Error("\"Stopped at verify\" is drawn in the faint disabled colour on the grey tile")
	}
}

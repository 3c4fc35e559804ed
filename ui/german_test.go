package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// speak switches the screens made after it to the language tag for the
// rest of the test.
func speak(t *testing.T, tag string) {
	t.Helper()
	if got := lang.Use([]string{tag}).Tag; got != tag {
		t.Fatalf("lang.Use(%s) chose %s", tag, got)
	}
	t.Cleanup(func() { lang.Use([]string{"en"}) })
}

// assertFits fails for every visible text on c that is drawn wider than
// the room it was given (a cut word, a button label running out of its
// button), every button narrower than its label, and every text outside
// the window (unless it is inside a scroller, where off-screen is fine).
func assertFits(t *testing.T, screen string, c fyne.Canvas) {
	t.Helper()
	win := c.Size()
	var walk func(o fyne.CanvasObject, at fyne.Position, scrolled bool)
	walk = func(o fyne.CanvasObject, at fyne.Position, scrolled bool) {
		if !o.Visible() {
			return
		}
		pos := at.Add(o.Position())
		size := o.Size()
		switch o := o.(type) {
		case *canvas.Text:
			if o.Text != "" && o.MinSize().Width > size.Width+1 {
				t.Errorf("%s: %q is %.0f wide in %.0f", screen, o.Text, o.MinSize().Width, size.Width)
			}
			if o.Text != "" && !scrolled && (pos.X < -1 || pos.Y < -1 || pos.X+size.Width > win.Width+1 || pos.Y+size.Height > win.Height+1) {
				t.Errorf("%s: %q at %v+%v is outside the %v window", screen, o.Text, pos, size, win)
			}
		case *widget.Button:
			if o.MinSize().Width > size.Width+1 {
				t.Errorf("%s: button %q is %.0f wide, its label needs %.0f", screen, o.Text, size.Width, o.MinSize().Width)
			}
		case *container.Scroll:
			scrolled = true
		}
		switch o := o.(type) {
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(o).Objects() {
				walk(child, pos, scrolled)
			}
		case *fyne.Container:
			for _, child := range o.Objects {
				walk(child, pos, scrolled)
			}
		}
	}
	walk(c.Content(), fyne.NewPos(0, 0), false)
}

// TestGermanScreensFit renders the bench with a FAIL and a PASS tile, the
// wizard's failure page and the profile form in German, the longest of the
// shipped languages, at 1280x800, and checks no text is cut or runs out of
// its place. UI_SHOTS=dir keeps the pictures to look at.
func TestGermanScreensFit(t *testing.T) {
	speak(t, "de")
	lightApp(t)
	size := fyne.NewSize(1280, 800)

	t.Run("bench", func(t *testing.T) {
		r := newBenchRig(t)
		q, clk, ctx, b, w := r.q, r.clk, r.ctx, r.b, r.w
		assertFits(t, "empty bench", w.Canvas())
		r.start(t)
		if b.startStop.Text != lang.L("Stop bench") || b.startStop.Text == "Stop bench" {
			t.Errorf("the bench button reads %q, not German", b.startStop.Text)
		}
		events := make(chan provisioning.Event)
		go b.Run(ctx, events, nil)
		e := ev(1, "ttyACM0", provisioning.StepDetect, provisioning.EventStarted, "Photon found")
		e.DeviceID = "3c0021000447363339343137"
		applyNow(t, q, events, e)
		fail := ev(12, "ttyACM1", provisioning.StepIdentify, provisioning.EventFailed, "The device is not in listening mode.")
		fail.Action = "Hold SETUP about 3 seconds until the LED blinks dark blue, then tap Retry."
		applyNow(t, q, events, fail)
		res := ev(12, "ttyACM1", "", provisioning.EventResult, "")
		res.Outcome = provisioning.OutcomeFail
		applyNow(t, q, events, res)
		pass := ev(40, "ttyACM0", provisioning.StepVerify, provisioning.EventResult, "Online in the product")
		pass.Outcome = provisioning.OutcomePass
		applyNow(t, q, events, pass)
		clk.t = shiftStart.Add(45 * time.Second)
		if got := b.Tile("ttyACM1").phase.Text; got != lang.L("FAIL") || got == "FAIL" {
			t.Errorf("the failed tile reads %q, not German", got)
		}
		shoot(t, "de-bench", w.Canvas())
		assertFits(t, "bench", w.Canvas())
	})

	t.Run("wizard", func(t *testing.T) {
		q := newUIQueue(t)
		runner := newScriptedRunner()
		wz := newWizard(testContext(t), runner, nil, fakePorts{"/dev/ttyACM0"}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
		w := test.NewTempWindow(t, wz.Content())
		w.Resize(size)
		assertFits(t, "wizard connect page", w.Canvas())
		test.Tap(findButton(t, w.Canvas(), lang.L("Look for Photons")))
		q.runOne(t)
		test.Tap(wz.next)
		assertFits(t, "wizard listening page", w.Canvas())
		test.Tap(wz.next)
		run := startWizardRun(t, q, runner)
		<-runner.reqs
		run.emit(wizEv(provisioning.StepIdentify, provisioning.EventDone, "Photon 3c00…4137, firmware 1.5.2"))
		failed := wizEv(provisioning.StepVerify, provisioning.EventFailed, "The device did not come online within 3 minutes.")
		failed.Action = "If the LED blinks green for a long time, the Wi-Fi password is probably wrong."
		run.emit(failed)
		res := wizEv("", provisioning.EventResult, "")
		res.Outcome = provisioning.OutcomeFail
		run.emit(res)
		run.end()
		if wz.next.Text != lang.L("Retry") || wz.next.Text == "Retry" {
			t.Errorf("the wizard's button reads %q, not German", wz.next.Text)
		}
		shoot(t, "de-wizard-failed", w.Canvas())
		assertFits(t, "wizard failure page", w.Canvas())
	})

	t.Run("profiles", func(t *testing.T) {
		s := newTestStation(t)
		s.view.Tabs.SelectIndex(2)
		s.view.Profiles.list.Select(0)
		s.q.until(t, "profile open", func() bool { return s.view.Profiles.current == lineProfile.Name })
		if got := s.view.Tabs.Items[2].Text; got != lang.L("Profiles") || got == "Profiles" {
			t.Errorf("the Profiles tab reads %q, not German", got)
		}
		shoot(t, "de-profiles", s.win.Canvas())
		assertFits(t, "profile form", s.win.Canvas())
	})
}

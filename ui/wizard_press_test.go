package ui

import (
	"regexp"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
)

// pressWord finds "press X" in a sentence: X is a button on the screen,
// unless the sentence names a button of the Photon ("press its RESET
// button", "press the SETUP button").
var pressWord = regexp.MustCompile(`(?i)\bpress (.*)`)

// screenWords lists the visible sentences and the visible buttons' labels.
func screenWords(c fyne.Canvas) (sentences, buttons []string) { return objectWords(c.Content()) }

// objectWords lists the visible sentences and buttons' labels in o.
func objectWords(o fyne.CanvasObject) (sentences, buttons []string) {
	eachVisible(o, func(o fyne.CanvasObject) bool {
		switch o := o.(type) {
		case *widget.Label:
			sentences = append(sentences, o.Text)
			return false
		case *widget.RichText:
			sentences = append(sentences, o.String())
			return false
		case *canvas.Text:
			sentences = append(sentences, o.Text)
		case *widget.Button:
			buttons = append(buttons, o.Text)
			return false
		case *largeButton:
			buttons = append(buttons, o.AsButton().Text)
			return false
		}
		return true
	})
	return sentences, buttons
}

// eachVisible calls visit for o and everything visible inside it; visit
// returns false to leave out what is inside o.
func eachVisible(o fyne.CanvasObject, visit func(fyne.CanvasObject) bool) {
	if !o.Visible() || !visit(o) {
		return
	}
	switch o := o.(type) {
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(o).Objects() {
			eachVisible(child, visit)
		}
	case *fyne.Container:
		for _, child := range o.Objects {
			eachVisible(child, visit)
		}
	}
}

// assertPressNamesAButton fails for every "press X" on the screen where
// no visible button reads X; it returns how many it checked.
func assertPressNamesAButton(t *testing.T, page string, c fyne.Canvas) int {
	t.Helper()
	sentences, buttons := screenWords(c)
	checked := 0
	for _, s := range sentences {
		for _, m := range pressWord.FindAllStringSubmatch(s, -1) {
			rest := m[1]
			if strings.HasPrefix(rest, "its ") || strings.HasPrefix(rest, "the ") {
				continue // a button on the Photon
			}
			checked++
			named := false
			for _, b := range buttons {
				if b != "" && strings.HasPrefix(rest, b) {
					named = true
				}
			}
			if !named {
				t.Errorf("%s: %q asks to press a button that is not on screen (buttons: %q)", page, s, buttons)
			}
		}
	}
	return checked
}

// TestWizardPressNamesAButtonOnScreen walks every page of the wizard, over
// USB and over the Photon's Wi-Fi, through a failure and a pass, and checks
// each instruction to press a button names one that is on screen.
func TestWizardPressNamesAButtonOnScreen(t *testing.T) {
	lightApp(t)
	checked := 0

	t.Run("no Photon on USB", func(t *testing.T) {
		q := newUIQueue(t)
		wz := newWizard(testContext(t), newScriptedRunner(), nil, fakePorts{}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
		w := test.NewTempWindow(t, wz.Content())
		w.Resize(fyne.NewSize(1280, 800))
		test.Tap(findButton(t, w.Canvas(), "Look for Photons"))
		q.runOne(t)
		checked += assertPressNamesAButton(t, "no Photon found", w.Canvas())
	})

	t.Run("USB", func(t *testing.T) {
		q := newUIQueue(t)
		runner := newScriptedRunner()
		wz := newWizard(testContext(t), runner, nil, fakePorts{"/dev/ttyACM0"}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
		w := test.NewTempWindow(t, wz.Content())
		w.Resize(fyne.NewSize(1280, 800))
		checked += assertPressNamesAButton(t, "connect", w.Canvas())
		test.Tap(findButton(t, w.Canvas(), "Look for Photons"))
		q.runOne(t)
		test.Tap(wz.next)
		checked += assertPressNamesAButton(t, wz.title.Text, w.Canvas())
		test.Tap(wz.next)
		run := startWizardRun(t, q, runner)
		recv(t, runner.reqs)
		for _, st := range []provisioning.Step{provisioning.StepIdentify, provisioning.StepImport, provisioning.StepCustomer, provisioning.StepDeliverCode, provisioning.StepWiFi} {
			run.emit(wizEv(st, provisioning.EventStarted, ""))
			checked += assertPressNamesAButton(t, wz.title.Text, w.Canvas())
			run.emit(wizEv(st, provisioning.EventDone, ""))
		}
		// The engine's own action for a Photon out of listening mode.
		fail := wizEv(provisioning.StepIdentify, provisioning.EventFailed, "The Photon is not in listening mode.")
		fail.Action = "Hold the Photon's SETUP button for about 3 seconds until the LED blinks dark blue, then press Retry."
		run.emit(fail)
		res := wizEv("", provisioning.EventResult, "")
		res.Outcome = provisioning.OutcomeFail
		run.emit(res)
		run.end()
		checked += assertPressNamesAButton(t, "failure", w.Canvas())
		test.Tap(wz.next)
		checked += assertPressNamesAButton(t, "listening mode again", w.Canvas())
		test.Tap(wz.next)
		run = startWizardRun(t, q, runner)
		recv(t, runner.reqs)
		res.Outcome = provisioning.OutcomePass
		run.emit(res)
		run.end()
		checked += assertPressNamesAButton(t, "pass", w.Canvas())
	})

	t.Run("SoftAP", func(t *testing.T) {
		q := newUIQueue(t)
		ap := &fakeAP{waiting: make(chan struct{}), joined: make(chan string)}
		wz := newWizard(testContext(t), newScriptedRunner(), ap, nil, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
		w := test.NewTempWindow(t, wz.Content())
		w.Resize(fyne.NewSize(1280, 800))
		wz.channel.SetSelected("Wi-Fi (SoftAP)")
		test.Tap(wz.next)
		checked += assertPressNamesAButton(t, "listening mode (SoftAP)", w.Canvas())
		test.Tap(wz.next)
		q.runOne(t)
		checked += assertPressNamesAButton(t, "join, by hand", w.Canvas())
		recv(t, ap.waiting)
		go func() { ap.joined <- "Photon-7QXK" }()
		q.runOne(t)
		checked += assertPressNamesAButton(t, "joined", w.Canvas())
	})

	t.Run("SoftAP, no join tool", func(t *testing.T) {
		q := newUIQueue(t)
		wz := newWizard(testContext(t), newScriptedRunner(), nil, nil, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
		w := test.NewTempWindow(t, wz.Content())
		w.Resize(fyne.NewSize(1280, 800))
		wz.channel.SetSelected("Wi-Fi (SoftAP)")
		test.Tap(wz.next)
		test.Tap(wz.next)
		checked += assertPressNamesAButton(t, "join, nothing can tell", w.Canvas())
	})

	if checked < 6 {
		t.Errorf("only %d instructions to press a button were seen: the walk missed pages", checked)
	}
}

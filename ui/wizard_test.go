package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/internal/fynetest"
	"github.com/photon-station/photon-station/provisioning"
)

// scriptedRunner emits whatever the test sends on script, until it is
// closed or the context ends; each run takes a fresh script from runs. Like
// the engine, a cancelled run ends with a stopped result ("Stopped…"), and
// when linger is set the run returns only once it is closed (the engine
// closes the device after sending the result).
type scriptedRunner struct {
	runs   chan chan provisioning.Event
	reqs   chan OneDeviceRequest
	linger chan struct{}
}

func newScriptedRunner() *scriptedRunner {
	return &scriptedRunner{runs: make(chan chan provisioning.Event, 4), reqs: make(chan OneDeviceRequest, 4)}
}

func (r *scriptedRunner) ProvisionOne(ctx context.Context, req OneDeviceRequest, emit func(provisioning.Event)) error {
	r.reqs <- req
	script := <-r.runs
	for {
		select {
		case <-ctx.Done():
			emit(provisioning.Event{Kind: provisioning.EventResult, Outcome: provisioning.OutcomeStopped,
				Message: "Stopped before the Photon was finished.", Action: provisioning.StoppedAction, Progress: -1})
			return ctx.Err()
		case ev, ok := <-script:
			if !ok {
				if r.linger != nil {
					<-r.linger
				}
				return nil
			}
			emit(ev)
		}
	}
}

type fakePorts []string

func (p fakePorts) Photons(ctx context.Context) ([]provisioning.Port, error) {
	out := make([]provisioning.Port, len(p))
	for i, path := range p {
		out[i] = provisioning.Port{Path: path}
	}
	return out, nil
}

// wizardRun feeds events to a running wizard, running the UI work each
// one causes.
type wizardRun struct {
	t      *testing.T
	q      *uiQueue
	script chan provisioning.Event
}

func (r *wizardRun) emit(e provisioning.Event) {
	r.t.Helper()
	r.script <- e
	r.q.runOne(r.t)
}

// end closes the script: the runner returns and the wizard notes it.
func (r *wizardRun) end() {
	r.t.Helper()
	close(r.script)
	r.q.runOne(r.t)
}

func startWizardRun(t *testing.T, q *uiQueue, runner *scriptedRunner) *wizardRun {
	script := make(chan provisioning.Event)
	runner.runs <- script
	return &wizardRun{t: t, q: q, script: script}
}

func wizEv(step provisioning.Step, kind provisioning.EventKind, msg string) provisioning.Event {
	return provisioning.Event{Time: shiftStart, Slot: "ttyACM0", Port: "/dev/ttyACM0", Step: step, Kind: kind, Message: msg, Progress: -1}
}

func TestWizardSerialFailureThenRetry(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	runner := newScriptedRunner()
	ctx := testContext(t)
	wz := newWizard(ctx, runner, nil, fakePorts{"/dev/ttyACM0"}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	w := test.NewTempWindow(t, wz.Content())
	w.Resize(fyne.NewSize(1100, 760))

	if got := wz.title.Text; got != "Connect" {
		t.Fatalf("first page = %q, want Connect", got)
	}
	if !wz.next.Disabled() {
		t.Error("Next is enabled before a USB port is chosen")
	}
	test.Tap(findButton(t, w.Canvas(), "Look for Photons"))
	q.runOne(t)
	if got := wz.portPick.Selected(); got != "/dev/ttyACM0" {
		t.Fatalf("port = %q, want the Photon found", got)
	}
	shoot(t, "wizard-connect", w.Canvas())
	test.AssertImageMatches(t, "wizard-connect.png", w.Canvas().Capture())

	test.Tap(wz.next)
	if diff := cmp.Diff([]string{"Listening mode", "Start"}, []string{wz.title.Text, wz.next.Text}); diff != "" {
		t.Fatalf("listening page (-want +got):\n%s", diff)
	}
	if !strings.Contains(wz.body.Text, "blinks dark blue") {
		t.Errorf("listening page does not say what the LED shows: %q", wz.body.Text)
	}

	// First attempt: the device never reaches the cloud.
	test.Tap(wz.next)
	run := startWizardRun(t, q, runner)
	if diff := cmp.Diff(OneDeviceRequest{Profile: lineProfile.Name, Channel: provisioning.ChannelSerial, Port: "/dev/ttyACM0"}, recv(t, runner.reqs)); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if !wz.next.Disabled() || !wz.back.Disabled() {
		t.Error("Next or Back is enabled while the attempt runs")
	}
	id := provisioning.Event{DeviceID: "3c0021000447363339343137"}
	e := wizEv(provisioning.StepIdentify, provisioning.EventStarted, "Checking the device is in listening mode")
	e.DeviceID = id.DeviceID
	run.emit(e)
	run.emit(wizEv(provisioning.StepIdentify, provisioning.EventDone, "Photon 3c00…4137, firmware 1.5.2"))
	run.emit(wizEv(provisioning.StepImport, provisioning.EventDone, "Added to product 12345"))
	run.emit(wizEv(provisioning.StepCustomer, provisioning.EventDone, "Customer ready"))
	run.emit(wizEv(provisioning.StepDeliverCode, provisioning.EventDone, "Claim code given to the device"))
	run.emit(wizEv(provisioning.StepWiFi, provisioning.EventDone, "Wi-Fi credentials sent"))
	v := wizEv(provisioning.StepVerify, provisioning.EventProgress, "Waiting for the device to reach the cloud (blinking green, then cyan)")
	v.Progress = 0.4
	run.emit(v)
	if got := wz.title.Text; got != "Verify" {
		t.Errorf("page while verifying = %q, want Verify", got)
	}
	shoot(t, "wizard-verifying", w.Canvas())
	fail := wizEv(provisioning.StepVerify, provisioning.EventFailed, "The device did not come online within 3 minutes.")
	fail.Action = "If the LED blinks green for a long time, the Wi-Fi password is probably wrong: check the profile, hold SETUP until it blinks dark blue, and try again."
	run.emit(fail)
	res := wizEv("", provisioning.EventResult, "")
	res.Outcome, res.Progress = provisioning.OutcomeFail, 1 // the runner's result fills the bar
	run.emit(res)
	run.end()
	if wz.progress.Visible() && wz.progress.Value >= 1 {
		t.Error("the progress bar reads complete after a FAIL")
	}
	if diff := cmp.Diff([]string{"FAIL", fail.Message, fail.Action, "Retry"},
		[]string{wz.verdictTxt.Text, wz.status.Text, wz.action.Text, wz.next.Text}); diff != "" {
		t.Errorf("failure page (-want +got):\n%s", diff)
	}
	if wz.done[pageVerify] != ChipFailed || wz.done[pageWiFi] != ChipDone {
		t.Errorf("step marks = %v, want Wi-Fi done and Verify failed", wz.done)
	}
	if !strings.Contains(wz.LogText(), "did not come online") {
		t.Errorf("live log lacks the failure:\n%s", wz.LogText())
	}
	shoot(t, "wizard-failed", w.Canvas())
	test.AssertImageMatches(t, "wizard-failed.png", w.Canvas().Capture())

	// Retry: Enter is the same as the Retry button, then Start.
	wz.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := wz.title.Text; got != "Listening mode" {
		t.Fatalf("after Retry page = %q, want Listening mode", got)
	}
	wz.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	run = startWizardRun(t, q, runner)
	recv(t, runner.reqs)
	if wz.done[pageVerify] != ChipPending {
		t.Error("retry kept the old failure mark")
	}
	run.emit(e)
	for _, st := range []provisioning.Step{provisioning.StepIdentify, provisioning.StepImport, provisioning.StepCustomer, provisioning.StepDeliverCode, provisioning.StepWiFi} {
		run.emit(wizEv(st, provisioning.EventDone, ""))
	}
	pass := wizEv(provisioning.StepVerify, provisioning.EventDone, "Online in product 12345")
	run.emit(pass)
	res.Outcome, res.Message = provisioning.OutcomePass, "Online in product 12345"
	run.emit(res)
	run.end()
	if diff := cmp.Diff([]string{"Finish", "PASS", "Set up another"}, []string{wz.title.Text, wz.verdictTxt.Text, wz.next.Text}); diff != "" {
		t.Errorf("finish page (-want +got):\n%s", diff)
	}
	if _, buttons := screenWords(w.Canvas()); slices.Contains(buttons, "Back") || slices.Contains(buttons, "Cancel") {
		t.Errorf("the PASS page offers %q, want no Back or Cancel", buttons)
	}
	wz.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if wz.title.Text != "Finish" {
		t.Errorf("Escape left the PASS page for %q", wz.title.Text)
	}
	shoot(t, "wizard-pass", w.Canvas())
	test.AssertImageMatches(t, "wizard-pass.png", w.Canvas().Capture())
}

func TestWizardCancel(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	runner := newScriptedRunner()
	wz := newWizard(testContext(t), runner, nil, fakePorts{"/dev/ttyACM3"}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	test.NewTempWindow(t, wz.Content())
	wz.portPick.setPorts([]provisioning.Port{{Path: "/dev/ttyACM3"}})
	test.Tap(wz.next)
	test.Tap(wz.next)
	run := startWizardRun(t, q, runner)
	recv(t, runner.reqs)
	run.emit(wizEv(provisioning.StepIdentify, provisioning.EventStarted, "Checking"))
	wz.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	q.runOne(t) // the engine's "Stopped" result
	q.runOne(t) // the runner returns
	if wz.verdictTxt.Text == "FAIL" || strings.Contains(wz.status.Text, "Stopped") {
		t.Errorf("a cancel the person asked for shows as a failure: %q %q", wz.verdictTxt.Text, wz.status.Text)
	}
	if diff := cmp.Diff([]string{"Finish", "Retry"}, []string{wz.title.Text, wz.next.Text}); diff != "" {
		t.Errorf("after cancel (-want +got):\n%s", diff)
	}
	if !strings.Contains(wz.body.Text, "cancelled") {
		t.Errorf("finish text = %q, want it to say the setup was cancelled", wz.body.Text)
	}
}

// An attempt stopped from outside (the window closed, which ends the
// wizard's context) is shown as stopped, grey, with Retry named: never FAIL.
func TestWizardStoppedByClosingIsNotAFailure(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	runner := newScriptedRunner()
	ctx, closeWindow := context.WithCancel(testContext(t))
	wz := newWizard(ctx, runner, nil, fakePorts{"/dev/ttyACM3"}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	win := test.NewTempWindow(t, wz.Content())
	wz.portPick.setPorts([]provisioning.Port{{Path: "/dev/ttyACM3"}})
	test.Tap(wz.next)
	test.Tap(wz.next)
	run := startWizardRun(t, q, runner)
	recv(t, runner.reqs)
	run.emit(wizEv(provisioning.StepIdentify, provisioning.EventStarted, "Checking"))
	closeWindow()
	q.runOne(t) // the engine's stopped result
	q.runOne(t) // the runner returns
	got := []string{wz.title.Text, wz.verdictTxt.Text, wz.status.Text, wz.next.Text}
	want := []string{"Finish", "STOPPED", "Stopped: plug it in again or press Retry.", "Retry"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the window closed mid-attempt (-want +got):\n%s", diff)
	}
	if wz.verdictTxt.Color == theme.Color(theme.ColorNameError) {
		t.Error("the stopped verdict is painted in the error colour")
	}
	if !wz.verdict.Visible() || wz.progress.Visible() {
		t.Errorf("verdict shown %v, progress bar shown %v", wz.verdict.Visible(), wz.progress.Visible())
	}
	if !strings.Contains(wz.body.Text, "stopped before the Photon was finished") {
		t.Errorf("finish text = %q", wz.body.Text)
	}
	for _, size := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1920, Height: 1080}} {
		win.Resize(size)
		shoot(t, fmt.Sprintf("wizard-stopped-%.0fx%.0f", size.Width, size.Height), win.Canvas())
	}
}

// The engine sends the result before it closes the device: no new attempt
// may start until the run has really ended.
func TestWizardNoNewAttemptUntilTheDeviceIsClosed(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	runner := newScriptedRunner()
	runner.linger = make(chan struct{})
	wz := newWizard(testContext(t), runner, nil, fakePorts{"/dev/ttyACM3"}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	test.NewTempWindow(t, wz.Content())
	wz.portPick.setPorts([]provisioning.Port{{Path: "/dev/ttyACM3"}})
	test.Tap(wz.next)
	test.Tap(wz.next)
	run := startWizardRun(t, q, runner)
	recv(t, runner.reqs)
	res := wizEv("", provisioning.EventResult, "Online in product 12345")
	res.Outcome = provisioning.OutcomePass
	run.emit(res)
	close(run.script)
	if wz.title.Text != "Finish" || wz.verdictTxt.Text != "PASS" {
		t.Fatalf("after the result: %q %q", wz.title.Text, wz.verdictTxt.Text)
	}
	if !wz.next.Disabled() {
		t.Fatal("Set up another is offered while the device is still being closed")
	}
	wz.Next()
	wz.Next()
	select {
	case <-runner.reqs:
		t.Fatal("a second attempt started while the first was still running")
	default:
	}
	close(runner.linger)
	q.runOne(t) // the run ends
	if wz.next.Disabled() || wz.next.Text != "Set up another" {
		t.Errorf("after the run ended: Next %q disabled %v", wz.next.Text, wz.next.Disabled())
	}
}

// fakeAP is a Photon access point the station cannot join by itself: the
// person joins it, which the test signals through joined.
type fakeAP struct {
	waiting chan struct{}
	joined  chan string
}

func (a *fakeAP) Find(ctx context.Context) (string, error) { return "Photon-7QXK", nil }
func (a *fakeAP) Leave(ctx context.Context) error          { return nil }
func (a *fakeAP) Join(ctx context.Context, ssid string) error {
	return errors.New("NetworkManager is not running")
}
func (a *fakeAP) WaitJoined(ctx context.Context) (string, error) {
	close(a.waiting)
	select {
	case s := <-a.joined:
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func TestWizardSoftAPGuidesTheJoin(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	runner := newScriptedRunner()
	ap := &fakeAP{waiting: make(chan struct{}), joined: make(chan string)}
	wz := newWizard(testContext(t), runner, ap, nil, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	w := test.NewTempWindow(t, wz.Content())
	w.Resize(fyne.NewSize(1100, 760))
	wz.channel.SetSelected("Wi-Fi (SoftAP)")
	test.Tap(wz.next) // to listening mode
	test.Tap(wz.next) // to joining
	if got := wz.title.Text; got != "Join Photon Wi-Fi" {
		t.Fatalf("page = %q", got)
	}
	q.runOne(t) // found, join failed: the person is asked to join
	if diff := cmp.Diff("Photon-7QXK", wz.apName.Text); diff != "" {
		t.Errorf("network shown (-want +got):\n%s", diff)
	}
	if !strings.Contains(wz.apStatus.Text, "join the network shown above") || !wz.next.Disabled() {
		t.Errorf("before joining: status %q, Next disabled %v", wz.apStatus.Text, wz.next.Disabled())
	}
	shoot(t, "wizard-softap-join", w.Canvas())
	test.AssertImageMatches(t, "wizard-softap-join.png", w.Canvas().Capture())
	recv(t, ap.waiting)
	go func() { ap.joined <- "Photon-7QXK" }()
	q.runOne(t) // the wizard notices
	if !strings.Contains(wz.apStatus.Text, "has joined Photon-7QXK") || wz.next.Disabled() {
		t.Errorf("after joining: status %q, Next disabled %v", wz.apStatus.Text, wz.next.Disabled())
	}
	test.Tap(wz.next)
	run := startWizardRun(t, q, runner)
	if got := recv(t, runner.reqs); got.Channel != provisioning.ChannelSoftAP {
		t.Errorf("channel = %q, want softap", got.Channel)
	}
	res := wizEv("", provisioning.EventResult, "Online")
	res.Slot = "softap"
	res.Outcome = provisioning.OutcomePass
	run.emit(res)
	run.end()
	if !strings.Contains(wz.body.Text, "return this computer to your usual Wi-Fi network") {
		t.Errorf("finish page does not remind to return to the usual network: %q", wz.body.Text)
	}
}

// countingAP joins by itself when auto is set, and otherwise waits for the
// person; it counts what the wizard asks of it.
type countingAP struct {
	auto    bool
	mu      sync.Mutex
	waits   int
	stopped int // waits that ended because the wizard stopped them
	leaves  int
	joined  chan string
}

func (a *countingAP) Find(ctx context.Context) (string, error) { return "Photon-7QXK", nil }
func (a *countingAP) Join(ctx context.Context, ssid string) error {
	if a.auto {
		return nil
	}
	return errors.New("no permission to change networks")
}
func (a *countingAP) WaitJoined(ctx context.Context) (string, error) {
	a.mu.Lock()
	a.waits++
	a.mu.Unlock()
	select {
	case s := <-a.joined:
		return s, nil
	case <-ctx.Done():
		a.mu.Lock()
		a.stopped++
		a.mu.Unlock()
		return "", ctx.Err()
	}
}
func (a *countingAP) Leave(ctx context.Context) error {
	a.mu.Lock()
	a.leaves++
	a.mu.Unlock()
	return nil
}
func (a *countingAP) counts() (waits, stopped, leaves int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.waits, a.stopped, a.leaves
}

// Back from the join page stops the wait for the person, and a second
// visit starts from scratch (Next off until joined); after an automatic
// join, Back returns the computer to its own network.
func TestWizardSoftAPBackStopsTheJoin(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	ap := &countingAP{joined: make(chan string)}
	wz := newWizard(testContext(t), newScriptedRunner(), ap, nil, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	test.NewTempWindow(t, wz.Content())
	wz.channel.SetSelected("Wi-Fi (SoftAP)")
	test.Tap(wz.next) // listening mode
	test.Tap(wz.next) // join page: the station cannot join, the person is asked
	q.runOne(t)
	waitFor(t, "the wait for the person", func() bool { w, _, _ := ap.counts(); return w == 1 })
	test.Tap(wz.back)
	waitFor(t, "the wait to stop", func() bool { _, s, _ := ap.counts(); return s == 1 })
	test.Tap(wz.next) // join page again
	if !wz.next.Disabled() {
		t.Error("Next is offered on a second visit before anything was joined")
	}
	q.runOne(t)
	waitFor(t, "a single new wait", func() bool { w, _, _ := ap.counts(); return w == 2 })
	go func() { ap.joined <- "" }() // the OS could not name the network: the one found is meant
	q.runOne(t)
	if !strings.Contains(wz.apStatus.Text, "has joined Photon-7QXK") || wz.next.Disabled() {
		t.Errorf("after joining: %q, Next disabled %v", wz.apStatus.Text, wz.next.Disabled())
	}

	ap2 := &countingAP{auto: true}
	wz2 := newWizard(testContext(t), newScriptedRunner(), ap2, nil, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	test.NewTempWindow(t, wz2.Content())
	wz2.channel.SetSelected("Wi-Fi (SoftAP)")
	test.Tap(wz2.next)
	test.Tap(wz2.next)
	q.runOne(t) // joined by the station
	if wz2.next.Disabled() {
		t.Fatal("the automatic join did not enable Next")
	}
	test.Tap(wz2.back)
	waitFor(t, "the computer to leave the Photon's network", func() bool { _, _, l := ap2.counts(); return l == 1 })
}

// A failed SoftAP attempt after a join by hand reminds the person to go
// back to their own network, on the failure page itself.
func TestWizardSoftAPFailureReminds(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	runner := newScriptedRunner()
	ap := &countingAP{joined: make(chan string)}
	wz := newWizard(testContext(t), runner, ap, nil, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	test.NewTempWindow(t, wz.Content())
	wz.channel.SetSelected("Wi-Fi (SoftAP)")
	test.Tap(wz.next)
	test.Tap(wz.next)
	q.runOne(t)
	go func() { ap.joined <- "Photon-7QXK" }()
	q.runOne(t)
	test.Tap(wz.next)
	run := startWizardRun(t, q, runner)
	recv(t, runner.reqs)
	fail := wizEv(provisioning.StepWiFi, provisioning.EventFailed, "The Photon did not take the Wi-Fi settings.")
	fail.Action = "Hold SETUP until it blinks dark blue and try again."
	run.emit(fail)
	res := wizEv("", provisioning.EventResult, fail.Message)
	res.Outcome, res.Action = provisioning.OutcomeFail, fail.Action
	run.emit(res)
	run.end()
	if got := wz.action.Text; !strings.Contains(got, fail.Action) || !strings.Contains(got, "return this computer to your usual Wi-Fi network: it is still on Photon-7QXK") {
		t.Errorf("failure action = %q, want the action and the reminder", got)
	}
}

// waitFor polls cond (bounded): for fakes touched by the wizard's own
// goroutines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// findButton finds a visible button by its text anywhere on the canvas.
func findButton(t *testing.T, c fyne.Canvas, text string) *widget.Button {
	t.Helper()
	for _, o := range fynetest.Objects(c.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	t.Fatalf("no button %q on screen", text)
	return nil
}

package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/provisioning"
)

// fakeStation records the bench's intents.
type fakeStation struct {
	calls    chan string
	startErr error
}

func newFakeStation() *fakeStation { return &fakeStation{calls: make(chan string, 16)} }

func (f *fakeStation) Start(ctx context.Context, profile string) error {
	f.calls <- "start " + profile
	return f.startErr
}
func (f *fakeStation) Stop(ctx context.Context) error { f.calls <- "stop"; return nil }
func (f *fakeStation) Retry(ctx context.Context, slot string) error {
	f.calls <- "retry " + slot
	return nil
}
func (f *fakeStation) Claim(ctx context.Context, slot string) error {
	f.calls <- "claim " + slot
	return nil
}

// fakeLibrary is an in-memory profile store.
type fakeLibrary struct {
	mu       sync.Mutex // the screens call it from worker goroutines, tests from theirs
	profiles map[string]provisioning.Profile
	saveErr  error // when set, Save refuses with it
}

func newFakeLibrary(ps ...provisioning.Profile) *fakeLibrary {
	l := &fakeLibrary{profiles: map[string]provisioning.Profile{}}
	for _, p := range ps {
		l.profiles[p.Name] = p
	}
	return l
}

func (l *fakeLibrary) List() ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var names []string
	for n := range l.profiles {
		names = append(names, n)
	}
	sortStrings(names)
	return names, nil
}
func (l *fakeLibrary) Load(name string) (provisioning.Profile, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.profiles[name]
	if !ok {
		return p, errNotFound
	}
	return p, nil
}
func (l *fakeLibrary) Save(p provisioning.Profile) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.saveErr != nil {
		return l.saveErr
	}
	l.profiles[p.Name] = p
	return nil
}
func (l *fakeLibrary) Delete(ctx context.Context, name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.profiles[name]; !ok {
		return errNotFound
	}
	delete(l.profiles, name)
	return nil
}
func (l *fakeLibrary) Duplicate(ctx context.Context, from, to string) (provisioning.Profile, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.profiles[from]
	if !ok {
		return p, errNotFound
	}
	if _, ok := l.profiles[to]; ok {
		return p, errors.New("exists")
	}
	p.Name = to
	l.profiles[to] = p
	return p, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

var lineProfile = provisioning.Profile{
	Name: "Line 3 thermostats", Product: "12345", ClientID: "thermo-1234", SSID: "Factory-Floor",
	Security: provisioning.SecurityWPA2, Customer: provisioning.CustomerGenerated, Channel: provisioning.ChannelSerial,
}

func expectCall(t *testing.T, q *uiQueue, f *fakeStation, want string) {
	t.Helper()
	var got string
	q.until(t, "station call "+want, func() bool {
		select {
		case got = <-f.calls:
			return true
		default:
			return false
		}
	})
	if got != want {
		t.Fatalf("station call = %q, want %q", got, want)
	}
}

// ev builds an event at a time offset into the shift.
func ev(sec int, slot string, step provisioning.Step, kind provisioning.EventKind, msg string) provisioning.Event {
	return provisioning.Event{Time: shiftStart.Add(time.Duration(sec) * time.Second), Slot: slot, Port: "/dev/" + slot,
		Step: step, Kind: kind, Message: msg, Progress: -1}
}

// benchRig is a bench on a fake station in a 1280x800 test window.
type benchRig struct {
	q   *uiQueue
	clk *fixedClock
	st  *fakeStation
	ctx context.Context
	b   *Bench
	w   fyne.Window
}

func newBenchRig(t *testing.T) benchRig {
	r := benchRig{q: newUIQueue(t), clk: &fixedClock{t: shiftStart}, st: newFakeStation(), ctx: testContext(t)}
	r.b = newBench(r.ctx, r.st, newFakeLibrary(lineProfile), nil, r.clk.now, r.q.do, "", nil)
	r.w = test.NewTempWindow(t, r.b.Content())
	r.w.Resize(fyne.NewSize(1280, 800))
	return r
}

// start taps Start bench and waits for the bench to run.
func (r benchRig) start(t *testing.T) {
	t.Helper()
	test.Tap(r.b.startStop)
	expectCall(t, r.q, r.st, "start Line 3 thermostats")
	r.q.until(t, "bench running", func() bool { return r.b.running })
}

func TestBenchEndToEnd(t *testing.T) {
	lightApp(t)
	r := newBenchRig(t)
	q, clk, st, ctx, b, w := r.q, r.clk, r.st, r.ctx, r.b, r.w
	shoot(t, "bench-empty", w.Canvas())

	r.start(t)
	if got := b.startStop.Text; got != "Stop bench" {
		t.Errorf("button = %q, want Stop bench", got)
	}

	events := make(chan provisioning.Event)
	go b.Run(ctx, events, nil)
	id1 := "3c0021000447363339343137"
	e := ev(1, "ttyACM0", provisioning.StepDetect, provisioning.EventStarted, "Photon found")
	e.DeviceID = id1
	for _, e := range []provisioning.Event{
		e,
		ev(2, "ttyACM0", provisioning.StepIdentify, provisioning.EventDone, "Listening mode confirmed"),
		ev(3, "ttyACM0", provisioning.StepImport, provisioning.EventDone, "Added to the product"),
		ev(3, "ttyACM0", provisioning.StepCustomer, provisioning.EventDone, "Customer ready"),
		ev(4, "ttyACM0", provisioning.StepDeliverCode, provisioning.EventDone, "Claim code given to the device"),
		ev(4, "ttyACM0", provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials"),
		ev(5, "ttyACM1", provisioning.StepIdentify, provisioning.EventStarted, "Checking the device is in listening mode"),
	} {
		applyNow(t, q, events, e)
	}
	clk.t = shiftStart.Add(9 * time.Second)
	shoot(t, "bench-working", w.Canvas())

	fail := ev(12, "ttyACM1", provisioning.StepIdentify, provisioning.EventFailed, "The device is not in listening mode.")
	fail.Action = "Hold SETUP about 3 seconds until the LED blinks dark blue, then tap Retry."
	applyNow(t, q, events, fail)
	res := ev(12, "ttyACM1", "", provisioning.EventResult, "")
	res.Outcome = provisioning.OutcomeFail
	applyNow(t, q, events, res)
	applyNow(t, q, events, ev(13, "ttyACM0", provisioning.StepVerify, provisioning.EventStarted, "Waiting for the device to reach the cloud (blinking green, then cyan)"))
	pass := ev(40, "ttyACM0", provisioning.StepVerify, provisioning.EventResult, "Online in the product")
	pass.Outcome = provisioning.OutcomePass
	applyNow(t, q, events, pass)
	clk.t = shiftStart.Add(45 * time.Second)

	t1 := b.Tile("ttyACM1")
	if diff := cmp.Diff([]string{"FAIL", "The device is not in listening mode.", "Hold SETUP about 3 seconds until the LED blinks dark blue, then tap Retry."},
		[]string{t1.phase.Text, t1.message.Text, t1.action.Text}); diff != "" {
		t.Errorf("failed tile (-want +got):\n%s", diff)
	}
	if !t1.retry.Visible() {
		t.Error("failed tile shows no Retry button")
	}
	if got := b.attention.Text; got != "Needs attention: ttyACM1" || !b.attentionRow.Visible() {
		t.Errorf("top bar attention = %q (visible %v)", got, b.attentionRow.Visible())
	}
	t0 := b.Tile("ttyACM0")
	if diff := cmp.Diff([]string{"PASS", "Unplug and plug in the next one", "39343137"[2:]},
		[]string{t0.phase.Text, t0.action.Text, t0.idTail.Text}); diff != "" {
		t.Errorf("passed tile (-want +got):\n%s", diff)
	}
	if t0.retry.Visible() {
		t.Error("passed tile shows Retry")
	}
	shoot(t, "bench-pass-fail", w.Canvas())
	test.AssertImageMatches(t, "bench.png", w.Canvas().Capture())

	dark := theme.VariantDark
	fyne.CurrentApp().Settings().SetTheme(&StationTheme{Forced: &dark})
	b.refreshTop()
	for _, tl := range b.tiles {
		tl.Refresh()
	}
	shoot(t, "bench-dark", w.Canvas())
	light := theme.VariantLight
	fyne.CurrentApp().Settings().SetTheme(&StationTheme{Forced: &light})
	b.refreshTop()
	for _, tl := range b.tiles {
		tl.Refresh()
	}

	test.Tap(t1.retry)
	expectCall(t, q, st, "retry ttyACM1")
	q.until(t, "retry acknowledged", func() bool { return !t1.retry.Disabled() })
	applyNow(t, q, events, ev(60, "ttyACM1", provisioning.StepIdentify, provisioning.EventStarted, "Checking the device is in listening mode"))
	if got := t1.phase.Text; got != "WORKING" {
		t.Errorf("retried tile phase = %q, want WORKING", got)
	}
	if b.attention.Text != "" {
		t.Error("the top bar still asks for attention after the retry started")
	}
	pass1 := ev(90, "ttyACM1", "", provisioning.EventResult, "Online in the product")
	pass1.Outcome = provisioning.OutcomePass
	applyNow(t, q, events, pass1)
	clk.t = shiftStart.Add(2 * time.Minute)
	// Two Photons, both passed at last (ttyACM1 on its Retry): nothing
	// failed. The rate is over the 2 min the bench ran, busy or idle.
	got := b.Counters()
	want := provisioning.Counters{Passed: 2, Failed: 0, Running: 2 * time.Minute, PerHour: 60}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counters (-want +got):\n%s", diff)
	}
	b.Tick()
	if got := b.rate.value.Text; got != "60" {
		t.Errorf("devices per hour = %q, want 60", got)
	}

	test.Tap(b.startStop)
	expectCall(t, q, st, "stop")
	q.until(t, "bench stopped", func() bool { return !b.running })
	// Stopped for an hour: the rate holds still.
	clk.t = clk.t.Add(time.Hour)
	b.Tick()
	if got := b.Counters(); got != want {
		t.Errorf("counters %+v after an hour stopped, want %+v", got, want)
	}
}

// applyNow sends an event through the bridge and runs the one piece of UI
// work the bridge queues for it.
func applyNow(t *testing.T, q *uiQueue, events chan<- provisioning.Event, e provisioning.Event) {
	t.Helper()
	go func() { events <- e }()
	q.runOne(t)
}

var errNotFound = errors.New("profile not found")

func TestBenchShowsDevicesPluggedWhileStopped(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	b := newBench(testContext(t), newFakeStation(), newFakeLibrary(lineProfile), nil, (&fixedClock{t: shiftStart}).now, q.do, "", nil)
	test.NewTempWindow(t, b.Content())
	e := ev(0, "/dev/ttyACM0", provisioning.StepDetect, provisioning.EventStarted, "A Photon is connected on /dev/ttyACM0.")
	e.Slot, e.Port, e.DeviceID = "/dev/ttyACM0", "/dev/ttyACM0", "3c0021000447363339343137"
	b.Apply(e)
	tl := b.Tile("/dev/ttyACM0")
	if diff := cmp.Diff([]string{"WAITING", "Photon connected. Press Start bench to set it up.", "343137"},
		[]string{tl.phase.Text, tl.message.Text, tl.idTail.Text}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	d := e
	d.Kind, d.Step, d.DeviceID = provisioning.EventDetached, "", ""
	b.Apply(d)
	if got := tl.message.Text; got != "Plug in a Photon that is blinking dark blue" {
		t.Errorf("after unplugging: %q", got)
	}
}

// TestBenchCompactTiles fills a 16-port hub: the tiles turn compact, and
// the failed ones are named in the top bar.
func TestBenchCompactTiles(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	b := newBench(testContext(t), newFakeStation(), newFakeLibrary(lineProfile), nil, (&fixedClock{t: shiftStart}).now, q.do, "", nil)
	b.setRunning(true)
	w := test.NewTempWindow(t, b.Content())
	w.Resize(fyne.NewSize(1920, 1080))
	for i := 0; i < 16; i++ {
		e := ev(i, fmt.Sprintf("ttyACM%d", i), provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials")
		e.DeviceID = fmt.Sprintf("3c00210004473633393431%02d", i)
		b.Apply(e)
		if got := b.Tile(e.Slot).compact; got != (i >= compactAbove) {
			t.Fatalf("with %d slots compact = %v", i+1, got)
		}
		if i%5 == 1 {
			f := e
			f.Kind, f.Message, f.Action = provisioning.EventFailed, "The device is not in listening mode.", "Hold SETUP about 3 seconds until the LED blinks dark blue, then tap Retry."
			b.Apply(f)
		}
	}
	if got, want := b.attention.Text, "Needs attention: ttyACM1, ttyACM6, ttyACM11"; got != want {
		t.Errorf("attention = %q, want %q", got, want)
	}
	// Sixteen tiles leave out their chips and fit a 1920x1080 screen.
	if tl := b.Tile("ttyACM0"); !tl.dense || tl.chipRow.Visible() {
		t.Error("with sixteen slots the tiles still show their step chips")
	}
	if grid, view := b.grid.Size(), b.scroll.Size(); grid.Height > view.Height+0.5 {
		t.Errorf("sixteen tiles need %v of height, %v is visible: the bench scrolls", grid.Height, view.Height)
	}
	if !b.Tile("ttyACM0").compact || b.Tile("ttyACM0").verdict.Visible() || !b.Tile("ttyACM0").badgeBox.Visible() {
		t.Error("the first tile did not turn compact once the hub filled")
	}
	shoot(t, "bench-16", w.Canvas())
}

// The waiting tile says the one next thing to do: make a profile, choose
// one, or press Start bench.
func TestBenchWaitingTileSaysWhatToDo(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	for _, tc := range []struct {
		name     string
		profiles []provisioning.Profile
		want     string
	}{
		{"no profile at all", nil, "There is no job profile yet: a supervisor creates one on the Profiles screen"},
		{"one profile, chosen by itself", []provisioning.Profile{lineProfile}, "Press Start bench, then plug in a Photon that is blinking dark blue"},
		{"two profiles, none chosen", []provisioning.Profile{lineProfile, {Name: "Spares"}}, "Choose a profile, press Start bench, then plug in a Photon that is blinking dark blue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(testContext(t), newFakeStation(), newFakeLibrary(tc.profiles...), nil, (&fixedClock{t: shiftStart}).now, q.do, "", nil)
			if got := b.waiting.message.Text; got != tc.want {
				t.Errorf("waiting tile says %q, want %q", got, tc.want)
			}
		})
	}
}

// An unplug or a stop ends the attempt with an interrupted result: not a
// failure in the shift counters, and an unplugged port's tile stays empty.
func TestBenchInterruptedResultsAreNotFailures(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	b := newBench(testContext(t), newFakeStation(), newFakeLibrary(lineProfile), nil, (&fixedClock{t: shiftStart}).now, q.do, "", nil)
	b.setRunning(true)
	for i, slot := range []string{"ttyACM0", "ttyACM1"} {
		e := ev(i, slot, provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials")
		e.DeviceID = fmt.Sprintf("3c00210004473633393431%02d", i)
		b.Apply(e)
	}
	// ttyACM0 is unplugged: the station says so, then the attempt ends.
	b.Apply(provisioning.Event{Time: shiftStart, Slot: "ttyACM0", Kind: provisioning.EventDetached})
	res := provisioning.Event{Time: shiftStart, Slot: "ttyACM0", Kind: provisioning.EventResult, Outcome: provisioning.OutcomeFail,
		Interrupted: true, Message: "The Photon was unplugged before it was finished; the journal keeps how far it got."}
	b.Apply(res)
	if got := b.Tile("ttyACM0").Slot().Phase; got != PhaseWaiting {
		t.Errorf("the unplugged port's tile is %v, want waiting", got)
	}
	// ttyACM1 is stopped by the operator: its tile offers Retry.
	stop := res
	stop.Slot, stop.Outcome, stop.Interrupted = "ttyACM1", provisioning.OutcomeStopped, false
	stop.Message, stop.Action = "Stopped before the Photon was finished.", provisioning.StoppedAction
	b.Apply(stop)
	if got := b.Tile("ttyACM1").Slot().Phase; got != PhaseStopped {
		t.Errorf("the stopped tile is %v, want stopped with Retry", got)
	}
	if c := b.Counters(); c.Failed != 0 || c.Passed != 0 {
		t.Errorf("counters %+v: an unplug or a stop is not a failure", c)
	}
	if strings.Contains(b.attention.Text, "ttyACM0") {
		t.Errorf("the empty port needs attention: %q", b.attention.Text)
	}
}

// When the station stops the bench by itself (the profile's OAuth client
// was refused), the bench says why in its banner and offers Start again.
func TestBenchHaltedByTheStation(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	b := newBench(testContext(t), newFakeStation(), newFakeLibrary(lineProfile), nil, (&fixedClock{t: shiftStart}).now, q.do, "", nil)
	b.SetProfile(lineProfile)
	b.setRunning(true)
	b.refreshTop()
	for i, slot := range []string{"ttyACM0", "ttyACM1", "ttyACM2"} {
		e := ev(i, slot, provisioning.StepPreflight, provisioning.EventStarted, "Asking the Particle Cloud for a product token.")
		e.DeviceID = fmt.Sprintf("3c00210004473633393431%02d", i)
		b.Apply(e)
	}
	msg := "The profile's OAuth client ID or secret is wrong: a supervisor fixes it on the Profiles screen."
	fail := ev(3, "ttyACM0", provisioning.StepRecord, provisioning.EventResult, msg)
	fail.Outcome = provisioning.OutcomeFail
	b.Apply(fail)
	for _, slot := range []string{"ttyACM1", "ttyACM2"} {
		stop := ev(3, slot, provisioning.StepRecord, provisioning.EventResult, "Stopped: the profile's OAuth client ID or secret is wrong.")
		stop.Outcome, stop.Interrupted = provisioning.OutcomeFail, true
		b.Apply(stop)
	}
	b.Apply(provisioning.Event{Time: shiftStart.Add(3 * time.Second), Kind: provisioning.EventHalted, Message: msg, Progress: -1})
	if b.running {
		t.Error("the bench still counts as running")
	}
	if !b.banner.Visible() || !strings.Contains(b.banner.Text, "The bench stopped: "+msg) {
		t.Errorf("banner %q (visible %v)", b.banner.Text, b.banner.Visible())
	}
	if got := b.startStop.Text; got != "Start bench" {
		t.Errorf("button %q, want Start bench", got)
	}
	if c := b.Counters(); c.Failed != 1 {
		t.Errorf("counters %+v: one failure, the others stopped with the bench", c)
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		w := test.NewTempWindow(t, b.Content())
		w.Resize(size)
		shoot(t, fmt.Sprintf("bench-halted-%.0fx%.0f", size.Width, size.Height), w.Canvas())
	}
}

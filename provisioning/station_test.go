package provisioning

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/internal/clock"
)

// hub is a fake USB hub: the ports the PortWatcher reports, and the
// Photon behind each.
type hub struct {
	mu     sync.Mutex
	ports  []Port
	photon map[string]*fakePhoton
}

func (h *hub) Ports(ctx context.Context) ([]Port, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Port(nil), h.ports...), nil
}

func (h *hub) plug(path string, ph *fakePhoton) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.photon == nil {
		h.photon = map[string]*fakePhoton{}
	}
	h.photon[path] = ph
	// The USB serial number gives the device ID, as on Device OS 0.6.0+.
	h.ports = append(h.ports, Port{Path: path, DeviceID: ph.id, Location: fmt.Sprintf("1-1.%d", len(h.ports)+1)})
}

func (h *hub) unplug(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, p := range h.ports {
		if p.Path == path {
			h.ports = append(h.ports[:i], h.ports[i+1:]...)
			return
		}
	}
}

func (h *hub) open(ctx context.Context, p Port) (DeviceChannel, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.photon[p.Path], nil
}

// stationBench is a station over a bench's pipeline and a fake hub.
type stationBench struct {
	*bench
	hub     *hub
	station *Station
	events  <-chan Event
}

func newStationBench(t *testing.T, opts ...func(*Pipeline)) *stationBench {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: "unit-{device_id}@acme.example"})
	for _, o := range opts {
		o(b.pipeline)
	}
	sb := &stationBench{bench: b, hub: &hub{}}
	st, err := New(Config{Pipeline: b.pipeline, Ports: sb.hub, Open: sb.hub.open, ScanInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sb.station = st
	events, cancel := st.Subscribe()
	t.Cleanup(cancel)
	sb.events = events
	t.Cleanup(st.Stop)
	return sb
}

// photon adds a device to the cloud and plugs a fake Photon for it.
// Options configure the fake before it is plugged (the station may open
// it at once).
func (sb *stationBench) photon(path string, n int, opts ...func(*fakePhoton)) *fakePhoton {
	id := fmt.Sprintf("3b00210017473532363430%02x", n)
	sb.cloud.AddDevice(cloudtest.Device{ID: id})
	ph := newFakePhoton(sb.cloud, id)
	for _, o := range opts {
		o(ph)
	}
	sb.hub.plug(path, ph)
	return ph
}

// held makes a fake wait in Identify until released or stopped.
func held(ph *fakePhoton) {
	ph.hold = make(chan struct{})
	ph.entered = make(chan struct{})
}

// await reads events until every slot named has the kind wanted (a
// result with the outcome, or a detach), and returns those events.
func (sb *stationBench) await(t *testing.T, kind EventKind, slots ...string) map[string]Event {
	t.Helper()
	got := map[string]Event{}
	timeout := time.After(10 * time.Second)
	for len(got) < len(slots) {
		select {
		case e := <-sb.events:
			if e.Kind != kind {
				continue
			}
			for _, s := range slots {
				if e.Slot == s {
					got[s] = e
				}
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s on %v; got %v; slots %+v", kind, slots, got, sb.station.Slots())
		}
	}
	return got
}

func slotByName(st *Station, name string) (SlotStatus, bool) {
	for _, s := range st.Slots() {
		if s.Slot == name {
			return s, true
		}
	}
	return SlotStatus{}, false
}

// Every connected Photon runs at once, and one slot's failure (even a
// panic) never disturbs another.
func TestStationRunsSlotsInIsolation(t *testing.T) {
	sb := newStationBench(t)
	sb.photon("/dev/ttyACM0", 1)
	sb.photon("/dev/ttyACM1", 2, func(ph *fakePhoton) { ph.listening = false })
	sb.photon("/dev/ttyACM2", 3, func(ph *fakePhoton) { ph.panicky = true })
	sb.photon("/dev/ttyACM3", 4)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM0", "/dev/ttyACM1", "/dev/ttyACM2", "/dev/ttyACM3")
	for slot, want := range map[string]Outcome{"/dev/ttyACM0": OutcomePass, "/dev/ttyACM1": OutcomeFail, "/dev/ttyACM2": OutcomeFail, "/dev/ttyACM3": OutcomePass} {
		if res[slot].Outcome != want {
			t.Errorf("%s: %s (%s)", slot, res[slot].Outcome, res[slot].Message)
		}
	}
	if !strings.Contains(res["/dev/ttyACM2"].Message, "internal error") {
		t.Errorf("panic message: %q", res["/dev/ttyACM2"].Message)
	}
	// The slots and counters are settled before the result event goes out.
	s0, _ := slotByName(sb.station, "/dev/ttyACM0")
	s1, _ := slotByName(sb.station, "/dev/ttyACM1")
	if s0.State != SlotPassed || s1.State != SlotFailed || s1.Step != StepIdentify || !strings.Contains(s1.Action, "dark blue") {
		t.Errorf("slots: %+v / %+v", s0, s1)
	}
	c := sb.station.Counters()
	if c.Passed != 2 || c.Failed != 2 || c.PerHour <= 0 {
		t.Errorf("counters %+v", c)
	}
}

// A Photon plugged in while the bench runs starts by itself; unplugging
// is noticed and stops its attempt, with a record.
func TestStationPlugAndUnplug(t *testing.T) {
	sb := newStationBench(t)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sb.photon("/dev/ttyACM5", 5)
	if res := sb.await(t, EventResult, "/dev/ttyACM5"); res["/dev/ttyACM5"].Outcome != OutcomePass {
		t.Fatalf("auto-start: %+v", res)
	} else if loc := res["/dev/ttyACM5"].Location; loc != "1-1.1" {
		t.Errorf("result event location %q, want the hub position 1-1.1", loc)
	}
	stuck := sb.photon("/dev/ttyACM6", 6, held)
	select {
	case <-stuck.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the new Photon did not start")
	}
	sb.hub.unplug("/dev/ttyACM6")
	if det := sb.await(t, EventDetached, "/dev/ttyACM6"); det["/dev/ttyACM6"].Location != "1-1.2" {
		t.Errorf("detach event location %q, want 1-1.2", det["/dev/ttyACM6"].Location)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM6")
	if res["/dev/ttyACM6"].Outcome != OutcomeStopped || !strings.Contains(res["/dev/ttyACM6"].Message, "unplugged") {
		t.Errorf("unplugged result: %+v", res["/dev/ttyACM6"])
	}
	if _, ok := slotByName(sb.station, "/dev/ttyACM6"); ok {
		t.Error("the unplugged slot is still listed")
	}
	recorded := false
	for _, r := range sb.journal.Records() {
		recorded = recorded || (r.Port == "/dev/ttyACM6" && r.Finished())
	}
	if !recorded {
		t.Error("the unplugged attempt has no final record")
	}
	if c := sb.station.Counters(); c.Passed != 1 || c.Failed != 0 {
		t.Errorf("counters %+v: an unplugged device is not a failure", c)
	}
	if !res["/dev/ttyACM6"].Interrupted {
		t.Error("the unplugged attempt's result is not marked interrupted")
	}
}

// A Photon swapped for another on the same port between two scans: the
// first one's late news never reaches the second one's slot, and the second
// starts only once the first has let go of the port.
func TestStationSwapOnOnePort(t *testing.T) {
	sb := newStationBench(t)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := sb.photon("/dev/ttyACM7", 7, held)
	select {
	case <-first.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the first Photon did not start")
	}
	firstID := first.id
	sb.hub.mu.Lock() // the swap happens between two scans
	for i, p := range sb.hub.ports {
		if p.Path == "/dev/ttyACM7" {
			sb.hub.ports = append(sb.hub.ports[:i], sb.hub.ports[i+1:]...)
		}
	}
	sb.hub.mu.Unlock()
	second := sb.photon("/dev/ttyACM7", 8)
	res := sb.await(t, EventResult, "/dev/ttyACM7")["/dev/ttyACM7"]
	if res.DeviceID != second.id || res.Outcome != OutcomePass {
		t.Fatalf("the port's result is %s for %s (%s), want the second Photon's PASS", res.Outcome, res.DeviceID, res.Message)
	}
	st, _ := slotByName(sb.station, "/dev/ttyACM7")
	if st.DeviceID != second.id || st.State != SlotPassed {
		t.Errorf("slot %+v, want the second Photon passed", st)
	}
	if c := sb.station.Counters(); c.Passed != 1 || c.Failed != 0 {
		t.Errorf("counters %+v: the swapped-out Photon is not a failure", c)
	}
	// Nothing the first attempt said after the swap reached anyone.
	drain := time.After(100 * time.Millisecond)
	for {
		select {
		case e := <-sb.events:
			if e.DeviceID == firstID && e.Kind != EventDetached {
				t.Errorf("late news of the swapped-out Photon: %+v", e)
			}
			continue
		case <-drain:
		}
		break
	}
}

// Stop one slot, the others go on; retry it; stop all.
func TestStationStopRetry(t *testing.T) {
	sb := newStationBench(t)
	a := sb.photon("/dev/ttyACM0", 1, held)
	b := sb.photon("/dev/ttyACM1", 2, held)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-a.entered
	<-b.entered
	sb.station.StopSlot("/dev/ttyACM0")
	s, _ := slotByName(sb.station, "/dev/ttyACM0")
	if s.State != SlotStopped || s.Outcome != OutcomeStopped || !strings.Contains(s.Message, "Stopped") {
		t.Errorf("stopped slot: %+v", s)
	}
	close(b.hold) // the other slot was not disturbed
	if res := sb.await(t, EventResult, "/dev/ttyACM1"); res["/dev/ttyACM1"].Outcome != OutcomePass {
		t.Fatalf("other slot: %+v", res)
	}
	// Retry the stopped one.
	a.hold = nil
	a.entered = nil
	if err := sb.station.Retry("/dev/ttyACM0"); err != nil {
		t.Fatal(err)
	}
	if res := sb.await(t, EventResult, "/dev/ttyACM0"); res["/dev/ttyACM0"].Outcome != OutcomePass {
		t.Fatalf("retry: %+v", res)
	}
	if err := sb.station.Retry("/dev/ttyACM9"); err == nil {
		t.Error("retry of an empty port")
	}
	// Two Photons passed (one after a stop), none failed; an idle hour
	// of the running bench counts towards the rate.
	idle := sb.station.Counters()
	if idle.Passed != 2 || idle.Failed != 0 || idle.PerHour <= 0 {
		t.Errorf("counters %+v, want 2 passed, 0 failed and a rate", idle)
	}
	sb.clock.Advance(time.Hour)
	if c := sb.station.Counters(); c.Running != idle.Running+time.Hour || c.PerHour >= idle.PerHour {
		t.Errorf("counters %+v after an idle hour running, want an hour more than %+v", c, idle)
	}
	// Stop all while two run.
	c := sb.photon("/dev/ttyACM2", 3, held)
	d := sb.photon("/dev/ttyACM3", 4, held)
	<-c.entered
	<-d.entered
	sb.clock.Advance(time.Hour)
	if r := sb.station.Counters().Running; r < idle.Running+2*time.Hour {
		t.Errorf("ran %v, want two hours more than %v", r, idle.Running)
	}
	sb.station.Stop()
	stopped := sb.station.Counters()
	sb.clock.Advance(time.Hour)
	if c := sb.station.Counters(); c != stopped || c.Passed != 2 || c.Failed != 0 {
		t.Errorf("counters %+v after an hour stopped, want %+v: stops are not failures and stopped time does not count", c, stopped)
	}
	if sb.station.Running() {
		t.Error("still running")
	}
	for _, name := range []string{"/dev/ttyACM2", "/dev/ttyACM3"} {
		s, _ := slotByName(sb.station, name)
		if s.State != SlotStopped || !strings.Contains(s.Message, "Stopped") {
			t.Errorf("%s after stop: %+v", name, s)
		}
	}
	if n := len(sb.journal.Interrupted()); n != 0 {
		t.Errorf("%d attempts left unfinished by a stop", n)
	}
	if err := sb.station.Retry("/dev/ttyACM2"); err == nil {
		t.Error("retry while the bench is stopped")
	}
}

// After a 429 every slot holds back until the cloud's Retry-After.
func TestStationSharedBackoff(t *testing.T) {
	sb := newStationBench(t)
	// Let the 429 reach the station: the client does not retry it itself.
	client := &cloud.Client{BaseURL: sb.cloud.URL(), Clock: sb.clock, Timeout: 5 * time.Second, Retry: cloud.RetryPolicy{MaxAttempts: 1}}
	sb.pipeline.Cloud = NewCloudAPI(client)
	sb.cloud.InjectRateLimit("POST", "/v1/products/:product/devices", 1, 40*time.Second)
	// One request at a time, so no import is in flight when the 429 lands.
	sb.pipeline.Limit = NewCloudLimit(1, sb.clock)
	for i := 0; i < 4; i++ {
		sb.photon(fmt.Sprintf("/dev/ttyACM%d", i), i)
	}
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM0", "/dev/ttyACM1", "/dev/ttyACM2", "/dev/ttyACM3")
	for s, e := range res {
		if e.Outcome != OutcomePass {
			t.Errorf("%s: %s", s, e.Message)
		}
	}
	if sb.pipeline.Limit.Holds() != 1 {
		t.Errorf("%d holds, want 1", sb.pipeline.Limit.Holds())
	}
	// No import started inside the hold window.
	var limited time.Time
	for _, r := range sb.cloud.Requests() {
		if r.Status == 429 {
			limited = r.Time
			continue
		}
		if !limited.IsZero() && r.Method == "POST" && strings.HasSuffix(r.Path, "/devices") &&
			r.Time.After(limited) && r.Time.Before(limited.Add(40*time.Second)) {
			t.Errorf("import at %s, inside the hold after the 429 at %s", r.Time.Format(time.TimeOnly), limited.Format(time.TimeOnly))
		}
	}
	if limited.IsZero() {
		t.Fatal("no 429 was served")
	}
}

// manualClock moves only when told; After fires once the clock passes.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
	waiting chan struct{} // gets a value for every After call
}

type manualWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) NewTimer(d time.Duration) clock.Timer { return chanTimer(c.after(d)) }

// chanTimer is a timer that fires when its channel delivers.
type chanTimer <-chan time.Time

func (t chanTimer) C() <-chan time.Time { return t }
func (t chanTimer) Stop() bool          { return false }

func (c *manualClock) after(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, manualWaiter{c.now.Add(d), ch})
	if c.waiting != nil {
		c.waiting <- struct{}{}
	}
	return ch
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
}

// CloudLimit: a 429 seen by one caller holds every caller until the
// Retry-After has passed, then the refused call is repeated.
func TestCloudLimitSharedHold(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), waiting: make(chan struct{}, 4)}
	l := NewCloudLimit(2, clk)
	ctx := context.Background()
	calls := make(chan string, 10)
	first := true
	var mu sync.Mutex
	errc := make(chan error, 2)
	go func() {
		errc <- l.do(ctx, func(context.Context) error {
			calls <- "a"
			mu.Lock()
			defer mu.Unlock()
			if first {
				first = false
				return &cloud.Error{Kind: cloud.KindRateLimited, StatusCode: 429, RetryAfter: 30 * time.Second}
			}
			return nil
		})
	}()
	if got := <-calls; got != "a" {
		t.Fatal(got)
	}
	<-clk.waiting // a waits out the hold
	go func() {
		errc <- l.do(ctx, func(context.Context) error { calls <- "b"; return nil })
	}()
	<-clk.waiting // b waits too
	select {
	case c := <-calls:
		t.Fatalf("%s ran during the hold", c)
	default:
	}
	clk.Advance(29 * time.Second)
	select {
	case c := <-calls:
		t.Fatalf("%s ran before the Retry-After", c)
	default:
	}
	clk.Advance(time.Second)
	for i := 0; i < 2; i++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	close(calls)
	var ran []string
	for c := range calls {
		ran = append(ran, c)
	}
	if len(ran) != 2 {
		t.Errorf("after the hold ran %v", ran)
	}
}

// A call that gives up on a 429 still closes the gate for the other
// slots: they must not hammer a cloud that just said "slow down".
func TestCloudLimitHoldsAfterTheLast429(t *testing.T) {
	clk := newTestClock()
	l := NewCloudLimit(2, clk)
	calls := 0
	err := l.do(context.Background(), func(context.Context) error {
		calls++
		return &cloud.Error{Kind: cloud.KindRateLimited, StatusCode: 429, RetryAfter: 30 * time.Second}
	})
	if !cloud.IsRateLimited(err) {
		t.Fatalf("err = %v, want the 429", err)
	}
	if want := rateLimitRetries + 1; calls != want {
		t.Errorf("%d calls, want %d", calls, want)
	}
	if got, want := l.HoldUntil().Sub(clk.Now()), 30*time.Second; got != want {
		t.Errorf("after giving up, the gate is held for %s, want %s", got, want)
	}
	if got, want := l.Holds(), rateLimitRetries+1; got != want {
		t.Errorf("%d holds, want %d", got, want)
	}
}

// Retry straight from the result event: the slot is settled before the
// event goes out, so the station never answers "still running".
func TestStationRetryRightAfterResult(t *testing.T) {
	sb := newStationBench(t)
	ph := sb.photon("/dev/ttyACM0", 7, func(ph *fakePhoton) { ph.listening = false })
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		res := sb.await(t, EventResult, "/dev/ttyACM0")
		if res["/dev/ttyACM0"].Outcome != OutcomeFail {
			t.Fatalf("round %d: %+v", i, res)
		}
		if err := sb.station.Retry("/dev/ttyACM0"); err != nil {
			t.Fatalf("round %d: retry right after the result: %v", i, err)
		}
	}
	ph.mu.Lock()
	ph.listening = true
	ph.mu.Unlock()
	// The last retry may already have failed; retry until it passes.
	for i := 0; ; i++ {
		res := sb.await(t, EventResult, "/dev/ttyACM0")
		if res["/dev/ttyACM0"].Outcome == OutcomePass {
			break
		}
		if i > 2 {
			t.Fatalf("never passed: %+v", res)
		}
		if err := sb.station.Retry("/dev/ttyACM0"); err != nil {
			t.Fatal(err)
		}
	}
	// One Photon, whose latest attempt passed: 1 passed, 0 failed.
	if c := sb.station.Counters(); c.Passed != 1 || c.Failed != 0 {
		t.Errorf("counters %+v", c)
	}
}

// When the context given to Start ends (the window closes, a supervisor's
// deadline), the bench stops by itself: Retry does not start a slot on the
// dead context, and Start works again.
func TestStationStopsWhenItsContextEnds(t *testing.T) {
	sb := newStationBench(t)
	a := sb.photon("/dev/ttyACM0", 1, held)
	ctx, cancel := context.WithCancel(context.Background())
	if err := sb.station.Start(ctx); err != nil {
		t.Fatal(err)
	}
	<-a.entered
	cancel()
	if res := sb.await(t, EventResult, "/dev/ttyACM0"); res["/dev/ttyACM0"].Outcome != OutcomeStopped ||
		!strings.Contains(res["/dev/ttyACM0"].Message, "Stopped") {
		t.Fatalf("slot after the context ended: %+v", res)
	}
	if sb.station.Running() {
		t.Error("the bench still says it runs after its context ended")
	}
	if err := sb.station.Retry("/dev/ttyACM0"); err == nil {
		t.Error("retry started a slot on the ended context")
	}
	if c := sb.station.Counters(); c.Failed != 0 || c.Passed != 0 {
		t.Errorf("counters %+v: a stop is not a failure, and the bench is stopped", c)
	}
	// Start again: the stopped slot starts over on the new run.
	a.hold = nil
	a.entered = nil
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatalf("start after the context ended: %v", err)
	}
	if res := sb.await(t, EventResult, "/dev/ttyACM0"); res["/dev/ttyACM0"].Outcome != OutcomePass {
		t.Fatalf("after the restart: %+v", res)
	}
	if n := len(sb.journal.Interrupted()); n != 0 {
		t.Errorf("%d attempts left unfinished", n)
	}
}

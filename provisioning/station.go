package provisioning

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Port is one Photon the PortWatcher sees: a USB serial port, and the
// device ID when the USB serial number holds it.
type Port struct {
	Path     string `json:"path"`
	DeviceID string `json:"device_id,omitempty"`
	// Location is where the Photon sits on USB ("1-1.3": the computer's
	// port 1, port 3 of the hub there), when the OS tells; the tile shows
	// it so the technician finds the device on the hub.
	Location string `json:"location,omitempty"`
}

// PortWatcher lists the Photons connected now. The station asks it every
// Config.ScanInterval and diffs the answers to notice plugging and
// unplugging. The adapter over serialio is SerialPorts.
type PortWatcher interface {
	Ports(ctx context.Context) ([]Port, error)
}

// PortWatcherFunc adapts a function to PortWatcher.
type PortWatcherFunc func(ctx context.Context) ([]Port, error)

// Ports calls f.
func (f PortWatcherFunc) Ports(ctx context.Context) ([]Port, error) { return f(ctx) }

// Config wires a Station.
type Config struct {
	// Pipeline runs every slot's device; its Limit is shared by the slots.
	Pipeline *Pipeline
	// Ports lists connected Photons.
	Ports PortWatcher
	// Open opens the device channel of a port (for example SerialOpener).
	Open func(ctx context.Context, p Port) (DeviceChannel, error)
	// ScanInterval is how often Ports is asked (0: one second).
	ScanInterval time.Duration
	// ScanTimeout bounds one Ports call (0: five seconds).
	ScanTimeout time.Duration
}

// SlotState is where a slot is.
type SlotState string

// The states of a slot.
const (
	SlotIdle    SlotState = "idle"    // a Photon is connected; the bench is not running
	SlotRunning SlotState = "running" // its pipeline runs
	SlotPassed  SlotState = "passed"  // PASS: unplug it and plug in the next one
	SlotFailed  SlotState = "failed"  // FAIL: see Message and Action; Retry starts again
	// SlotStopped: the attempt was stopped before its verdict; Retry (or
	// plugging the Photon in again) goes on with it.
	SlotStopped SlotState = "stopped"
	// SlotProvisioned: the Photon was done already (OutcomeProvisioned);
	// unplug it, or, when Claimable, claim it through the cloud (Claim).
	SlotProvisioned SlotState = "provisioned"
)

// SlotStatus is a snapshot of one slot, for the bench tiles.
type SlotStatus struct {
	Slot        string
	Port        Port
	DeviceID    string
	State       SlotState
	Step        Step          // the current (or failed) step
	StepStarted time.Time     // when Step started
	Progress    float64       // of the current step, 0..1, or -1 when unknown
	Remaining   time.Duration // before the current step's timeout, when known
	Message     string
	Action      string
	Outcome     Outcome
	Attempt     string // the journal attempt ID of the last run
	// Claimable: an already-provisioned Photon the cloud shows online in
	// the product but not owned by the job's customer (see Claim).
	Claimable bool
}

// slot is one connected Photon.
type slot struct {
	status SlotStatus
	cancel context.CancelCauseFunc // of the running attempt
	done   chan struct{}           // closed when the running attempt ends
	// after, when set, is closed when the attempt of the Photon this slot
	// replaced on the same port has let go of the port.
	after chan struct{}
	// missed counts the scans in a row that did not list the port.
	missed int
}

// missedScansForUnplug is how many scans in a row must miss a port before
// its Photon counts as unplugged: one empty or partial listing (a hub
// reset, Windows installing a driver) is not an unplug. A console read
// that fails because the device went away counts at once.
const missedScansForUnplug = 2

// errUnplugged is the cause of an attempt cancelled by unplugging.
var errUnplugged = errors.New("the Photon was unplugged")

// errHalted is the cause of an attempt stopped because another slot's
// attempt found the profile's OAuth client refused.
var errHalted = errors.New("the bench stopped: the profile's OAuth client was refused")

// errJournalHalted is the cause of an attempt stopped because another
// slot's attempt could not write the journal.
var errJournalHalted = errors.New("the bench stopped: the station cannot write its journal")

// haltCause is why the result res stops the whole bench (errHalted or
// errJournalHalted), or nil: a refused OAuth client would be refused for
// every Photon, and without a journal the station does nothing at all.
func haltCause(res Result) error {
	err := res.Err()
	switch {
	case errors.Is(err, ErrBadClientCredentials):
		return errHalted
	case errors.Is(err, ErrJournalWrite):
		return errJournalHalted
	}
	return nil
}

// errStoppedByOperator is the cause of an attempt stopped from the UI.
var errStoppedByOperator = errors.New("stopped by the operator")

// Station runs one pipeline per connected Photon at once: a bench. It
// notices plugging and unplugging, starts new devices by itself while
// running, and isolates slots from each other (a panic or failure in one
// never stops another). All methods are safe for concurrent use.
type Station struct {
	cfg Config

	mu    sync.Mutex
	slots map[string]*slot
	// leaving holds, per port, the end of the attempt of a Photon just
	// unplugged from it, for the next Photon on that port to wait for.
	leaving     map[string]chan struct{}
	running     bool
	runCtx      context.Context
	cancelRun   context.CancelFunc
	watchDone   chan struct{}
	tally       Tally
	subscribers map[*subscriber]struct{}
	wg          sync.WaitGroup
	// halt is the result that made the station stop its bench by itself
	// (the profile's OAuth client was refused, or the journal could not
	// be written), nil while it runs.
	halt *Event
}

// New checks cfg and returns a stopped Station.
func New(cfg Config) (*Station, error) {
	if cfg.Pipeline == nil {
		return nil, errors.New("station: no pipeline")
	}
	if cfg.Ports == nil {
		return nil, errors.New("station: no port watcher")
	}
	if cfg.Open == nil {
		return nil, errors.New("station: no way to open a device channel")
	}
	if cfg.ScanInterval <= 0 {
		cfg.ScanInterval = time.Second
	}
	if cfg.ScanTimeout <= 0 {
		cfg.ScanTimeout = 5 * time.Second
	}
	cfg.Pipeline.init()
	return &Station{cfg: cfg, slots: map[string]*slot{}, leaving: map[string]chan struct{}{}, subscribers: map[*subscriber]struct{}{}}, nil
}

// Start runs the bench until ctx ends or Stop is called: every connected
// Photon starts at once and every newly plugged one starts by itself.
func (s *Station) Start(ctx context.Context) error {
	s.mu.Lock()
	for s.watchDone != nil && !s.runningLocked() {
		// The last run may still be winding down (its context ended on
		// its own): let its slots finish first, so none runs twice.
		prev := s.watchDone
		s.mu.Unlock()
		<-prev
		s.mu.Lock()
		if s.watchDone == prev {
			s.watchDone = nil
		}
	}
	if s.running {
		s.mu.Unlock()
		return errors.New("the bench is already running")
	}
	s.tallyRunningLocked(true)
	s.halt = nil
	s.runCtx, s.cancelRun = context.WithCancel(ctx)
	s.watchDone = make(chan struct{})
	runCtx, done := s.runCtx, s.watchDone
	for name, sl := range s.slots {
		if sl.status.State != SlotPassed && sl.status.State != SlotProvisioned {
			s.startLocked(name, sl)
		}
	}
	s.mu.Unlock()
	go s.watch(runCtx, done)
	return nil
}

// Watch only notices plugging and unplugging without running anything:
// the bench view's "waiting" tiles before Start. It returns when ctx ends.
func (s *Station) Watch(ctx context.Context) {
	t := time.NewTicker(s.cfg.ScanInterval)
	defer t.Stop()
	for {
		s.scan(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watch scans for plugging and unplugging while the bench runs. When its
// context ends without Stop (the context given to Start ended), it marks
// the bench stopped itself and waits for the slots, so Start works again
// and Retry does not start a slot on a dead context.
func (s *Station) watch(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(s.cfg.ScanInterval)
	defer t.Stop()
	for {
		s.scan(ctx)
		select {
		case <-ctx.Done():
			s.mu.Lock()
			if s.watchDone == done {
				s.tallyRunningLocked(false)
			}
			s.mu.Unlock()
			s.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// scan asks the watcher once and applies the differences.
func (s *Station) scan(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, s.cfg.ScanTimeout)
	ports, err := s.cfg.Ports.Ports(sctx)
	cancel()
	if err != nil {
		return // a failed scan changes nothing; the next one retries
	}
	seen := map[string]Port{}
	for _, p := range ports {
		seen[p.Path] = p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, sl := range s.slots {
		p, ok := seen[name]
		switch {
		case !ok:
			if sl.missed++; sl.missed < missedScansForUnplug {
				continue
			}
		case p.DeviceID == "" || sl.status.Port.DeviceID == "" || p.DeviceID == sl.status.Port.DeviceID:
			sl.missed = 0
			continue
		}
		// Unplugged, or another Photon on the same port between scans.
		s.detachLocked(name, sl)
	}
	for _, p := range ports {
		if _, ok := s.slots[p.Path]; ok {
			continue
		}
		sl := &slot{status: SlotStatus{Slot: p.Path, Port: p, DeviceID: p.DeviceID, State: SlotIdle, Progress: -1,
			Message: "A Photon is connected."}}
		if prev, ok := s.leaving[p.Path]; ok {
			sl.after = prev
			delete(s.leaving, p.Path)
		}
		s.slots[p.Path] = sl
		s.broadcastLocked(Event{Time: s.cfg.Pipeline.Clock.Now(), Slot: p.Path, Port: p.Path, Location: p.Location, DeviceID: p.DeviceID,
			Step: StepDetect, Kind: EventStarted, Progress: -1, Message: "A Photon is connected on " + p.Path + "."})
		if s.runningLocked() {
			s.startLocked(p.Path, sl)
		}
	}
}

// detachLocked forgets a slot whose Photon went away, stopping its run.
func (s *Station) detachLocked(name string, sl *slot) {
	if sl.cancel != nil {
		sl.cancel(errUnplugged)
	}
	delete(s.slots, name)
	s.tally.Detached(name)
	if sl.done != nil {
		s.leaving[name] = sl.done // a new Photon on this port waits for it
	}
	s.broadcastLocked(Event{Time: s.cfg.Pipeline.Clock.Now(), Slot: name, Port: sl.status.Port.Path, Location: sl.status.Port.Location,
		DeviceID: sl.status.DeviceID, Kind: EventDetached, Progress: -1, Message: "The Photon on " + name + " was unplugged."})
}

// startLocked runs the pipeline for one slot on its own goroutine.
func (s *Station) startLocked(name string, sl *slot) {
	s.launchLocked(name, sl, s.cfg.Pipeline.RunDevice)
}

// launchLocked runs one attempt of a slot (the pipeline, or the claim of
// an online Photon) on its own goroutine.
func (s *Station) launchLocked(name string, sl *slot, run func(context.Context, Device, func(Event)) Result) {
	ctx, cancel := context.WithCancelCause(s.runCtx)
	sl.cancel = cancel
	sl.done = make(chan struct{})
	sl.status.State = SlotRunning
	sl.status.Outcome = OutcomePending
	sl.status.Message, sl.status.Action = "Starting.", ""
	sl.status.Step, sl.status.Progress, sl.status.Remaining = StepDetect, -1, 0
	port := sl.status.Port
	done := sl.done
	after := sl.after
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		defer cancel(nil)
		if after != nil {
			// The Photon unplugged from this port may still hold it.
			t := time.NewTimer(portReleaseWait)
			select {
			case <-after:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		res, final := s.runSlot(ctx, sl, name, port, run)
		s.mu.Lock()
		defer s.mu.Unlock()
		if cause := haltCause(res); cause != nil {
			if s.halt != nil {
				// Another slot already told: the bench stops for one
				// reason, not sixteen failures.
				final.Interrupted = true
			} else {
				s.halt = &final
				go s.haltFor(final, s.watchDone, cause)
			}
			// A journal that cannot be written is the station's fault,
			// found before the Photon was touched: not its failure.
			final.Interrupted = final.Interrupted || cause == errJournalHalted
		}
		cur, taken := s.slots[name]
		current := taken && cur == sl
		if current && !res.Canceled && deviceKind(res.cause) == DeviceUnplugged {
			// The console itself says the Photon went away: that is an
			// unplug now, not after the scans notice.
			res.Message, res.Action = unpluggedMessage, unpluggedAction
			final.Message, final.Action, final.Interrupted = res.Message, res.Action, true
			s.detachLocked(name, sl)
			current, taken = false, false
		}
		if current || !taken {
			// After the status and counters below. The result of an
			// unplugged Photon's attempt is still told, unless another
			// Photon already took the port: it is not that one's news.
			defer s.broadcastLocked(final)
		}
		if current {
			sl.cancel = nil
			sl.status.Attempt = res.Attempt
			if res.DeviceID != "" {
				sl.status.DeviceID = res.DeviceID
			}
			sl.status.Outcome = res.Outcome
			sl.status.Message, sl.status.Action = res.Message, res.Action
			sl.status.Progress, sl.status.Remaining = -1, 0
			sl.status.Claimable = res.Claimable
			switch res.Outcome {
			case OutcomePass:
				sl.status.State = SlotPassed
			case OutcomeProvisioned:
				sl.status.State = SlotProvisioned
			case OutcomeStopped:
				sl.status.State = SlotStopped
			default:
				sl.status.State = SlotFailed
				if res.FailedStep != "" {
					sl.status.Step = res.FailedStep
				}
			}
		}
		final.Slot = name
		s.tally.Result(final)
	}()
}

// runSlot runs one attempt, turning a panic into a FAIL of this slot only.
// It holds the attempt's result event back and returns it, so the slot's
// status and the counters are updated before anyone hears of the result.
func (s *Station) runSlot(ctx context.Context, sl *slot, name string, port Port, run func(context.Context, Device, func(Event)) Result) (res Result, final Event) {
	defer func() {
		if r := recover(); r != nil {
			res = Result{Outcome: OutcomeFail, DeviceID: port.DeviceID,
				Message: "The station hit an internal error on this Photon; the other slots go on.",
				Action:  "Press Retry; if it repeats, report it with the details.",
				Details: fmt.Sprint(r)}
			final = Event{Time: s.cfg.Pipeline.Clock.Now(), Slot: name, Port: port.Path, Location: port.Location, DeviceID: port.DeviceID,
				Kind: EventResult, Outcome: OutcomeFail, Progress: -1, Message: res.Message, Action: res.Action}
		}
	}()
	dev := Device{Slot: name, Port: port.Path, DeviceID: port.DeviceID,
		Open: func(ctx context.Context) (DeviceChannel, error) { return s.cfg.Open(ctx, port) }}
	res = run(ctx, dev, func(e Event) {
		e.Location = port.Location
		if e.Kind == EventResult {
			final = e
			return
		}
		s.broadcastFrom(sl, e)
	})
	if res.Canceled {
		// Only an attempt that really ended by the cancel is relabelled:
		// one that had finished keeps its own verdict.
		final.Interrupted = true
		switch context.Cause(ctx) {
		case errUnplugged:
			res.Message, res.Action = unpluggedMessage, unpluggedAction
		case errHalted:
			res.Message, res.Action = "Stopped: the profile's OAuth client ID or secret is wrong.", "A supervisor fixes it on the Profiles screen; then start the bench again."
		case errJournalHalted:
			res.Message, res.Action = "Stopped: the station cannot write its journal.", "Check that the disk is not full and the journal file is writable; then start the bench again."
		}
	}
	final.Message, final.Action = res.Message, res.Action
	return res, final
}

// What a slot whose Photon was unplugged during its attempt says.
const (
	unpluggedMessage = "The Photon was unplugged before it was finished; the journal keeps how far it got."
	unpluggedAction  = "Plug it back in (blinking dark blue); it starts again by itself."
)

// portReleaseWait bounds how long a Photon plugged into a port waits for
// the attempt of the one unplugged from it to let go of the port.
const portReleaseWait = 10 * time.Second

// broadcastFrom passes on an event of slot sl's attempt, unless another
// Photon has taken sl's port since: the late news of the unplugged one must
// not land on the new one's tile.
func (s *Station) broadcastFrom(sl *slot, e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, taken := s.slots[e.Slot]; taken && cur != sl {
		return
	}
	s.broadcastLocked(e)
}

// Stop stops every slot and the port watcher and waits for them. Slots
// stay listed (idle, or with their last result). After the context given
// to Start ended, it waits for the run to wind down.
func (s *Station) Stop() { s.stop(errStoppedByOperator) }

// stop is Stop with the cause its slots' attempts are cancelled with.
func (s *Station) stop(cause error) {
	s.mu.Lock()
	if !s.running {
		done := s.watchDone
		s.mu.Unlock()
		if done != nil {
			<-done
		}
		return
	}
	s.tallyRunningLocked(false)
	for _, sl := range s.slots {
		if sl.cancel != nil {
			sl.cancel(cause)
		}
	}
	s.cancelRun()
	done := s.watchDone
	s.mu.Unlock()
	<-done
	s.wg.Wait()
}

// haltFor stops the run whose watcher ends run because of the result
// final (for cause: errHalted or errJournalHalted), and tells every
// subscriber why in one EventHalted. It runs on its own goroutine: Stop
// waits for the slots, one of which reported it.
func (s *Station) haltFor(final Event, run chan struct{}, cause error) {
	s.mu.Lock()
	current := s.watchDone == run
	s.mu.Unlock()
	if !current {
		return // the run it belongs to ended; a newer one is not stopped
	}
	s.stop(cause)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watchDone != run && s.running {
		return // started again meanwhile: the news is stale
	}
	s.broadcastLocked(Event{Time: s.cfg.Pipeline.Clock.Now(), Kind: EventHalted, Progress: -1,
		Message: final.Message, Action: final.Action, Details: final.Details, JournalFailed: cause == errJournalHalted})
}

// Halted returns the event that stopped the bench by itself since the last
// Start, if any.
func (s *Station) Halted() (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.halt == nil {
		return Event{}, false
	}
	return *s.halt, true
}

// Running tells whether the bench runs: Start was called, and neither
// Stop nor the end of Start's context stopped it.
func (s *Station) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runningLocked()
}

// runningLocked is Running with s.mu held. A run whose context ended is
// over even before its watcher has marked it stopped: nothing new may
// start on a dead context.
func (s *Station) runningLocked() bool {
	return s.running && s.runCtx.Err() == nil
}

// StopSlot stops one slot's attempt; the others go on. It waits until the
// attempt has written its final record.
func (s *Station) StopSlot(name string) {
	s.mu.Lock()
	sl, ok := s.slots[name]
	if !ok || sl.cancel == nil {
		s.mu.Unlock()
		return
	}
	sl.cancel(errStoppedByOperator)
	done := sl.done
	s.mu.Unlock()
	<-done
}

// Retry starts a slot again after PASS, FAIL or a stop. The bench must be
// running.
func (s *Station) Retry(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.slots[name]
	if !ok {
		return fmt.Errorf("no Photon on %s", name)
	}
	if !s.runningLocked() {
		return errors.New("start the bench first")
	}
	if sl.cancel != nil {
		return fmt.Errorf("the Photon on %s is still running", name)
	}
	s.startLocked(name, sl)
	return nil
}

// Claim claims the Photon of an already-provisioned slot to the job's
// customer through the cloud (Pipeline.ClaimOnline), when the slot is
// Claimable. The bench must be running; the result comes as events.
func (s *Station) Claim(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.slots[name]
	switch {
	case !ok:
		return fmt.Errorf("no Photon on %s", name)
	case !s.runningLocked():
		return errors.New("start the bench first")
	case sl.cancel != nil:
		return fmt.Errorf("the Photon on %s is still running", name)
	case sl.status.State != SlotProvisioned || !sl.status.Claimable:
		return fmt.Errorf("the Photon on %s is not one to claim through the cloud", name)
	}
	s.launchLocked(name, sl, s.cfg.Pipeline.ClaimOnline)
	return nil
}

// Slots returns a snapshot of every slot, sorted by name.
func (s *Station) Slots() []SlotStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlotStatus, 0, len(s.slots))
	for _, sl := range s.slots {
		out = append(out, sl.status)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slot < out[j].Slot })
	return out
}

// Counters returns the shift counters: the Photons whose latest attempt
// since the station was made passed or failed, and the rate over the time
// it ran.
func (s *Station) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tally.Counters(s.cfg.Pipeline.Clock.Now())
}

// tallyRunningLocked tells the tally whether the bench runs from now on.
func (s *Station) tallyRunningLocked(running bool) {
	s.running = running
	s.tally.Running(s.cfg.Pipeline.Clock.Now(), running)
}

// Subscribe returns a channel of every Event from now on, and a function
// that ends the subscription: events after it are not queued, those queued
// before it are still delivered, then the channel closes (read it until
// then, so its goroutine ends). Events are queued per subscriber without
// bound, so a slow reader never holds up a slot; read Slots for the current
// state at any time.
func (s *Station) Subscribe() (<-chan Event, func()) {
	sub := newSubscriber()
	s.mu.Lock()
	s.subscribers[sub] = struct{}{}
	s.mu.Unlock()
	var once sync.Once
	return sub.out, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subscribers, sub)
			s.mu.Unlock()
			sub.close()
		})
	}
}

// broadcast updates the slot from e and hands e to every subscriber.
func (s *Station) broadcast(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broadcastLocked(e)
}

func (s *Station) broadcastLocked(e Event) {
	if sl, ok := s.slots[e.Slot]; ok && e.Kind != EventDetached {
		st := &sl.status
		if e.DeviceID != "" {
			st.DeviceID = e.DeviceID
		}
		switch e.Kind {
		case EventStarted:
			if e.Step != st.Step {
				st.StepStarted = e.Time
			}
			st.Step, st.Progress, st.Remaining = e.Step, -1, 0
			st.Message, st.Action = e.Message, ""
		case EventProgress:
			st.Step, st.Progress, st.Remaining, st.Message = e.Step, e.Progress, e.Remaining, e.Message
		case EventDone, EventSkipped:
			st.Message = e.Message
			st.Progress = 1
		case EventFailed:
			st.Step, st.Message, st.Action = e.Step, e.Message, e.Action
		}
	}
	for sub := range s.subscribers {
		sub.push(e)
	}
}

// subscriber is one unbounded event queue.
type subscriber struct {
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	closed bool
	out    chan Event
}

func newSubscriber() *subscriber {
	sub := &subscriber{wake: make(chan struct{}, 1), out: make(chan Event)}
	go sub.pump()
	return sub
}

func (sub *subscriber) push(e Event) {
	sub.mu.Lock()
	if !sub.closed {
		sub.queue = append(sub.queue, e)
	}
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

func (sub *subscriber) close() {
	sub.mu.Lock()
	sub.closed = true
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

// pump delivers queued events in order until the subscriber is closed and
// its queue is empty.
func (sub *subscriber) pump() {
	defer close(sub.out)
	for {
		sub.mu.Lock()
		if len(sub.queue) == 0 {
			closed := sub.closed
			sub.mu.Unlock()
			if closed {
				return
			}
			<-sub.wake
			continue
		}
		// Look at the head; take it off only once it is delivered, so a
		// slow reader costs no copying of the queue.
		e := sub.queue[0]
		sub.mu.Unlock()
		select {
		case sub.out <- e:
			sub.mu.Lock()
			sub.queue[0] = Event{}
			sub.queue = sub.queue[1:]
			sub.mu.Unlock()
		case <-sub.wake:
			// closed (or more events) while waiting for the reader:
			// re-check with e still at the head.
		}
	}
}

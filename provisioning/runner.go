package provisioning

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// attempt is one RunDevice call: the runner that owns its record, its
// events, its journal writes and its concurrent branches. The steps
// (steps_device.go, steps_cloud.go, verify.go, resume.go) are functions of
// it that take and return values; the runner's state is only what every
// step reports into.
type attempt struct {
	p      *Pipeline
	dev    Device
	emitFn func(Event)

	// abandoned is set when a step failed and the concurrent branch is
	// being stopped: its cancellation is not a failure.
	abandoned atomic.Bool
	// finished is set once finish has begun writing the final record.
	finished atomic.Bool

	mu sync.Mutex // guards rec and secrets; never held while emitting
	// emitMu keeps the events of one goroutine in order and hands them to
	// emitFn one at a time.
	emitMu sync.Mutex
	// jmu keeps the journal's versions of the record in the order they
	// were taken: concurrent steps end concurrently, and an older version
	// written last would be what a resume reads.
	jmu     sync.Mutex
	rec     Record
	secrets []string // values to scrub from every message

	ch DeviceChannel // opened by identify, closed by run
	// halt cancels the attempt's steps, with the journal's error as the
	// cause, when a write fails: a step running beside the one whose
	// write failed (identify's questions while the product token's end
	// was written) stops before it sends the Photon anything more.
	halt context.CancelCauseFunc
}

// secret registers a value to scrub from messages.
func (a *attempt) secret(v string) {
	a.mu.Lock()
	a.secrets = append(a.secrets, v)
	a.mu.Unlock()
}

// scrub removes every known secret from s.
func (a *attempt) scrub(s string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return scrubSecrets(s, a.secrets)
}

func scrubSecrets(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[hidden]")
		}
	}
	return s
}

// update changes the record under the lock.
func (a *attempt) update(f func(r *Record)) {
	a.mu.Lock()
	f(&a.rec)
	a.mu.Unlock()
}

// emit sends an event with the attempt's identity filled in. The event is
// built under the lock and handed on outside it, so a slow receiver (the
// wizard waits for the UI thread) never holds up the other branch.
func (a *attempt) emit(e Event) {
	a.mu.Lock()
	e.Time = a.p.Clock.Now()
	e.Slot = a.dev.Slot
	e.Port = a.dev.Port
	e.DeviceID = a.rec.DeviceID
	e.Attempt = a.rec.Attempt
	e.Message = scrubSecrets(e.Message, a.secrets)
	e.Action = scrubSecrets(e.Action, a.secrets)
	e.Details = scrubSecrets(e.Details, a.secrets)
	a.mu.Unlock()
	if e.Kind != EventProgress && e.Progress == 0 {
		e.Progress = -1
	}
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	a.emitFn(e)
}

// begin starts a step.
func (a *attempt) begin(s Step, msg string) {
	a.update(func(r *Record) {
		r.Steps = append(r.Steps, StepEntry{Step: s, Started: a.p.Clock.Now(), Outcome: StepRunning})
	})
	a.emit(Event{Step: s, Kind: EventStarted, Message: msg})
}

// end closes a step and journals the record; only once the record is
// committed is the step's end announced. A journal that cannot be written stops the attempt: the
// station never acts without a record.
func (a *attempt) end(s Step, out StepOutcome, msg string, ev *Evidence) error {
	a.jmu.Lock()
	a.mu.Lock()
	now := a.p.Clock.Now()
	msg = scrubSecrets(msg, a.secrets)
	found := false
	for i := len(a.rec.Steps) - 1; i >= 0; i-- {
		if a.rec.Steps[i].Step == s && a.rec.Steps[i].Outcome == StepRunning {
			a.rec.Steps[i].Ended, a.rec.Steps[i].Outcome, a.rec.Steps[i].Message = now, out, msg
			found = true
			break
		}
	}
	if !found {
		a.rec.Steps = append(a.rec.Steps, StepEntry{Step: s, Started: now, Ended: now, Outcome: out, Message: msg})
	}
	a.mu.Unlock()
	jerr := a.journalLocked(s)
	a.jmu.Unlock()
	// A step is done only once its row is committed: a failed write
	// announces no "done" (the attempt fails with the journal's error).
	if out != StepFailed && jerr == nil {
		kind := EventDone
		if out == StepSkipped {
			kind = EventSkipped
		}
		a.emit(Event{Step: s, Kind: kind, Message: msg, Progress: 1, Evidence: ev})
	}
	return jerr
}

// beginRecorded starts a step and journals that it started before it does
// anything: a device step whose dialogue the device cannot abort (serial
// 'C' and 'w' read a line with no timeout), so the next attempt on the port
// knows where an interrupted one left the device (identify).
func (a *attempt) beginRecorded(s Step, msg string) error {
	a.begin(s, msg)
	a.jmu.Lock()
	err := a.journalLocked(s)
	a.jmu.Unlock()
	if err != nil {
		return a.fail(s, err)
	}
	return nil
}

// journalLocked appends the record's current version (a.jmu held); a write
// that fails is step s's error.
func (a *attempt) journalLocked(s Step) error {
	a.mu.Lock()
	snap := a.snapshot()
	a.mu.Unlock()
	if a.p.Journal == nil || a.finished.Load() {
		// Once the final record is written, a late step of a concurrent
		// branch must not append an older version after it.
		return nil
	}
	if jerr := a.p.Journal.Append(snap); jerr != nil {
		se := journalWriteError(s, jerr)
		a.abandoned.Store(true) // the steps it cancels end as skipped
		if a.halt != nil {
			a.halt(se)
		}
		return se
	}
	return nil
}

// ErrJournalWrite is in the cause of every attempt stopped because the
// station could not write its journal (errors.Is): the bench stops for it.
var ErrJournalWrite = errors.New("the station cannot write its journal")

// journalWriteError is a failed journal write in step s, in the
// technician's words.
func journalWriteError(s Step, err error) *StepError {
	return &StepError{Step: s, Message: "The station could not write its journal, so it stopped before doing anything unrecorded.",
		Action: "Check that the disk is not full and the journal file is writable, then retry.", Detail: err.Error(),
		Err: fmt.Errorf("%w: %w", ErrJournalWrite, err)}
}

// snapshot copies the record (a.mu held), steps in pipeline order
// (concurrent steps start in any order).
func (a *attempt) snapshot() Record {
	r := a.rec
	r.Steps = append([]StepEntry(nil), a.rec.Steps...)
	sort.SliceStable(r.Steps, func(i, j int) bool { return stepIndex(r.Steps[i].Step) < stepIndex(r.Steps[j].Step) })
	return r
}

func stepIndex(s Step) int {
	for i, x := range Steps {
		if x == s {
			return i
		}
	}
	return len(Steps)
}

func (a *attempt) done(s Step, msg string) error { return a.end(s, StepDone, msg, nil) }

// skip closes step s as skipped, announcing its start first when it had
// not begun.
func (a *attempt) skip(s Step, msg string) error {
	a.mu.Lock()
	started := false
	for _, r := range a.rec.Steps {
		if r.Step == s && r.Outcome == StepRunning {
			started = true
		}
	}
	a.mu.Unlock()
	if !started {
		a.emit(Event{Step: s, Kind: EventStarted, Message: msg})
	}
	return a.end(s, StepSkipped, msg, nil)
}

// skipAll skips several steps for one reason.
func (a *attempt) skipAll(msg string, steps ...Step) error {
	for _, s := range steps {
		if err := a.skip(s, msg); err != nil {
			return err
		}
	}
	return nil
}

// fail closes step s as failed with the technician's words for err, and
// returns the *StepError (which finish reports).
func (a *attempt) fail(s Step, err error) error {
	if a.abandoned.Load() && isCanceled(err) {
		a.end(s, StepSkipped, "Stopped because another step failed.", nil)
		return err
	}
	var se *StepError
	if !errors.As(err, &se) {
		se = a.explain(s, err)
	} else {
		c := *se // the source's error is shared by other attempts
		se = &c
		if se.Step == "" {
			se.Step = s
		}
	}
	se.Message = a.scrub(se.Message)
	se.Action = a.scrub(se.Action)
	se.Detail = a.scrub(se.Detail)
	if se.Detail == "" && se.Err != nil {
		se.Detail = a.scrub(se.Err.Error())
	}
	a.update(func(r *Record) {
		if r.FailedStep == "" {
			r.FailedStep = s
		}
	})
	jerr := a.end(s, StepFailed, se.Message, nil)
	a.emit(Event{Step: s, Kind: EventFailed, Message: se.Message, Action: se.Action, Details: se.Detail})
	if jerr != nil {
		return jerr
	}
	return se
}

// branch is a step sequence running beside the attempt's main line.
type branch struct {
	done   chan error
	cancel context.CancelFunc
}

// fork runs f on its own goroutine with its own cancel. A panic in f is
// the attempt's internal error, not the end of the whole station.
func (a *attempt) fork(ctx context.Context, f func(context.Context) error) *branch {
	bctx, cancel := context.WithCancel(ctx)
	b := &branch{done: make(chan error, 1), cancel: cancel}
	go func() {
		defer cancel()
		defer func() {
			if r := recover(); r != nil {
				b.done <- internalError(r)
			}
		}()
		b.done <- f(bctx)
	}()
	return b
}

// wait returns the branch's error once it has ended (again on every call).
func (b *branch) wait() error {
	err := <-b.done
	b.done <- err
	return err
}

// abandon stops a branch after another step failed and waits for it: its
// steps end as skipped, not failed.
func (a *attempt) abandon(b *branch) {
	if b == nil {
		return
	}
	a.abandoned.Store(true)
	b.cancel()
	b.wait()
}

// internalError is a recovered panic in the technician's words; the raw
// value is kept for the details only.
func internalError(r any) *StepError {
	return &StepError{Message: "The station hit an internal error on this Photon; the other slots go on.",
		Action: "Press Retry; if it repeats, report it with the details.", Detail: fmt.Sprint(r)}
}

// run runs the attempt's body (the pipeline's steps, or the claim of an
// online Photon); every path ends in finish.
func (a *attempt) run(ctx context.Context, body func(context.Context) error) (res Result) {
	defer func() {
		if a.ch != nil {
			a.ch.Close()
		}
	}()
	// A panic (a bug) still closes the journal record, so the attempt is
	// not mistaken for one interrupted by a crash; then it goes on up (the
	// station turns it into a FAIL of this slot only).
	defer func() {
		if r := recover(); r != nil {
			if !a.finished.Load() {
				a.abandoned.Store(true) // concurrent cloud steps end as skipped
				a.finish(ctx, internalError(r))
			}
			panic(r)
		}
	}()
	bctx, halt := context.WithCancelCause(ctx)
	defer halt(nil)
	a.halt = halt
	err := body(bctx)
	if cause := context.Cause(bctx); errors.Is(cause, ErrJournalWrite) && ctx.Err() == nil {
		// A journal write failed, perhaps in a step beside the one
		// that returned: that is what stopped the attempt.
		err = cause
	}
	return a.finish(ctx, err)
}

// StoppedAction is what a technician does about an attempt stopped from
// the bench (or by a signal); other stops (an unplug, RESET inside the
// Wi-Fi questions) keep words of their own.
const StoppedAction = "Plug it in again, or press Retry, to finish it."

// finish writes the final record version and returns the Result. A
// failed, stopped or panicking attempt may end on the Photon's network:
// the computer goes back to its own first, before the result is told.
func (a *attempt) finish(ctx context.Context, err error) Result {
	a.leaveNetwork(ctx)
	if n := a.dev.Network; n != nil {
		defer n.endAttempt()
	}
	a.finished.Store(true)
	canceled := false
	a.jmu.Lock()
	a.mu.Lock()
	rec := &a.rec
	rec.Ended = a.p.Clock.Now()
	var known *provisioned
	switch {
	case err == nil:
		rec.Outcome = OutcomePass
		rec.Message = "Photon " + rec.DeviceID + " is provisioned and verified in the cloud."
		if rec.Evidence != nil && rec.Evidence.Kind == EvidenceOwner {
			rec.Message = "Photon " + rec.DeviceID + " is claimed to " + rec.Customer + "; the cloud shows it as the owner."
		}
		rec.Action = "Unplug it and plug in the next one."
		rec.FailedStep = ""
	case errors.As(err, &known):
		rec.Outcome = OutcomeProvisioned
		rec.Message, rec.Action = scrubSecrets(known.message, a.secrets), scrubSecrets(known.action, a.secrets)
		rec.FailedStep = ""
	default:
		se := &StepError{}
		if !errors.As(err, &se) {
			se = &StepError{Message: err.Error()}
		}
		// A stop inside the serial Wi-Fi questions keeps its words: the
		// Photon waits there for RESET (unless it was unplugged, which
		// resets it).
		insideWiFi := deviceKind(err) == DeviceInsideWiFi && !errors.Is(context.Cause(ctx), errUnplugged)
		if insideWiFi {
			rec.LeftIn = StepWiFi
		}
		rec.Outcome = OutcomeFail
		if ctx.Err() != nil && (isCanceled(err) || insideWiFi) {
			// Stopped, not failed: the journal says so and the next
			// attempt on this Photon goes on from here (resume.go).
			rec.Outcome = OutcomeStopped
			canceled = true
			if !insideWiFi {
				se = &StepError{Step: se.Step, Message: "Stopped before the Photon was finished.", Action: StoppedAction, Err: err}
			}
		}
		rec.Message = scrubSecrets(se.Message, a.secrets)
		rec.Action = scrubSecrets(se.Action, a.secrets)
		rec.Details = scrubSecrets(se.Detail, a.secrets)
		// The failed step is the one whose message the record gives (a
		// concurrent step may have failed first, for its own reason).
		if se.Step != "" {
			rec.FailedStep = se.Step
		}
	}
	for i := range rec.Steps {
		if rec.Steps[i].Outcome == StepRunning {
			// Begun but never finished: a concurrent step cut short.
			rec.Steps[i].Outcome, rec.Steps[i].Ended, rec.Steps[i].Message = StepSkipped, rec.Ended, "Not finished."
		}
	}
	rec.Steps = append(rec.Steps, StepEntry{Step: StepRecord, Started: rec.Ended, Ended: rec.Ended, Outcome: StepDone})
	snap := a.snapshot()
	a.mu.Unlock()
	res := Result{Attempt: snap.Attempt, DeviceID: snap.DeviceID, Customer: snap.Customer, Outcome: snap.Outcome,
		FailedStep: snap.FailedStep, Message: snap.Message, Action: snap.Action, Details: snap.Details,
		Canceled: canceled, Claimable: known != nil && known.claimable, Record: snap, cause: err}
	if a.p.Journal != nil {
		if jerr := a.p.Journal.Append(snap); jerr != nil {
			res.Outcome = OutcomeFail
			res.Message = "The station could not write the final journal record."
			res.Action = "Check that the disk is not full and the journal file is writable."
			res.Details = jerr.Error()
			res.cause = journalWriteError(StepRecord, jerr)
		}
	}
	a.jmu.Unlock()
	a.emit(Event{Step: StepRecord, Kind: EventResult, Outcome: res.Outcome, Message: res.Message, Action: res.Action,
		Details: res.Details, Progress: 1, Claimable: res.Claimable})
	return res
}

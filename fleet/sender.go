package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/provisioning"
)

// State is where the sender stands with the fleet database.
type State string

// The sender's states.
const (
	StateConnecting State = "connecting" // the first connection is being made
	StateConnected  State = "connected"  // connected; everything acknowledged is sent
	StateOffline    State = "offline"    // the last try failed; it tries again later
	StateReadOnly   State = "read-only"  // a newer station's schema: nothing is sent
)

// Status is what the bench shows about the fleet database.
type Status struct {
	State State
	// Waiting is how many attempts wait to be sent (-1: the local journal
	// could not say).
	Waiting int
	// Err is the last failure in plain words (a *Problem), nil when
	// connected.
	Err error
}

func (s Status) String() string {
	out := string(s.State)
	if s.Waiting != 0 {
		out += fmt.Sprintf(", %d waiting", s.Waiting)
	}
	if s.Err != nil {
		out += ": " + s.Err.Error()
	}
	return out
}

func (s Status) same(o Status) bool {
	errText := func(e error) string {
		if e == nil {
			return ""
		}
		return e.Error()
	}
	return s.State == o.State && s.Waiting == o.Waiting && errText(s.Err) == errText(o.Err)
}

// SenderOptions configure a Sender. Outbox is required.
type SenderOptions struct {
	Outbox Outbox
	// Wake is signalled after each local write (the journal's Changed).
	Wake <-chan struct{}
	// Report receives each new Status, from the sender's goroutine; it
	// must return quickly (hand the value to the UI and go).
	Report func(Status)
	Clock  clock.Clock
	// MinBackoff and MaxBackoff bound the wait between tries while the
	// database cannot be reached: it doubles from Min up to Max (1 s and
	// 1 min when zero).
	MinBackoff, MaxBackoff time.Duration
	// Recheck is how often an idle sender looks at the outbox without a
	// wake-up, for attempts another process wrote (1 min when zero).
	Recheck time.Duration
	// Batch is how many attempts are read from the outbox at once (100).
	Batch int
}

// Sender delivers the outbox to the fleet database in the background. The
// bench never waits on it: Run goes on its own goroutine, and provisioning
// only writes the local journal.
type Sender struct {
	cfg  *Config
	opts SenderOptions
	clk  clock.Clock
	last Status
	sent bool // a Status was reported
}

// NewSender returns a sender of opts.Outbox to the database cfg names.
func NewSender(cfg *Config, opts SenderOptions) *Sender {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(time.Minute, opts.MinBackoff)
	}
	if opts.Recheck <= 0 {
		opts.Recheck = time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	return &Sender{cfg: cfg, opts: opts, clk: clock.Or(opts.Clock)}
}

// Run sends until ctx ends: it connects, sends what waits, then waits for
// a wake-up; when the database cannot be reached it tries again after a
// backoff, and what waits stays in the outbox meanwhile.
func (s *Sender) Run(ctx context.Context) {
	var db *DB
	closeDB := func() {
		if db != nil {
			db.Close()
			db = nil
		}
	}
	defer closeDB()
	backoff := s.opts.MinBackoff
	// offline reports err and waits the backoff; false: ctx ended.
	offline := func(err error) bool {
		closeDB()
		if ctx.Err() != nil {
			return false
		}
		s.report(StateOffline, err)
		ok := s.pause(ctx, backoff, StateOffline, err)
		backoff = min(2*backoff, s.opts.MaxBackoff)
		return ok
	}
	s.report(StateConnecting, nil)
	for ctx.Err() == nil {
		if db == nil {
			d, err := Open(ctx, s.cfg)
			if err != nil {
				if !offline(err) {
					return
				}
				continue
			}
			db = d
		}
		if err := db.ReadOnly(); err != nil {
			closeDB()
			s.report(StateReadOnly, err)
			s.pause(ctx, -1, StateReadOnly, err) // until the station is updated and restarted
			return
		}
		more, err := s.sendBatch(ctx, db)
		if err != nil {
			if !offline(err) {
				return
			}
			continue
		}
		backoff = s.opts.MinBackoff
		s.report(StateConnected, nil) // the count goes down batch by batch
		if more {
			continue
		}
		if !s.idle(ctx) {
			return
		}
	}
}

// sendBatch delivers one batch from the outbox; more says the outbox may
// hold others.
func (s *Sender) sendBatch(ctx context.Context, db *DB) (more bool, err error) {
	recs, err := s.opts.Outbox.UnsentRecords(s.opts.Batch)
	if err != nil {
		return false, fmt.Errorf("cannot read the local journal's unsent attempts: %w", err)
	}
	for _, r := range recs {
		if err := deliverAndMark(ctx, db, s.opts.Outbox, r); err != nil {
			return false, err
		}
	}
	return len(recs) == s.opts.Batch, nil
}

// deliverAndMark delivers one change and marks it sent in the outbox.
func deliverAndMark(ctx context.Context, db *DB, outbox Outbox, r provisioning.Record) error {
	if _, err := db.Deliver(ctx, r); err != nil {
		return err
	}
	if err := outbox.MarkSent(r.Attempt, r.Revision); err != nil {
		return fmt.Errorf("the fleet database has attempt %s, and the local journal could not note it (it will be sent again, harmlessly): %w", r.Attempt, err)
	}
	return nil
}

// idle waits for a wake-up, the recheck period or the end of ctx.
func (s *Sender) idle(ctx context.Context) bool {
	t := s.clk.NewTimer(s.opts.Recheck)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	case <-s.opts.Wake:
		s.report(StateConnected, nil) // what waits now, before it is sent
		return true
	}
}

// pause waits d (forever when d < 0) or until ctx ends, refreshing the
// waiting count when the journal changes meanwhile. It reports false when
// ctx ended.
func (s *Sender) pause(ctx context.Context, d time.Duration, st State, err error) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := s.clk.NewTimer(d)
		defer t.Stop()
		timeout = t.C()
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timeout:
			return true
		case <-s.opts.Wake:
			s.report(st, err)
		}
	}
}

// report sends the status to Report when it changed.
func (s *Sender) report(st State, err error) {
	n, cerr := s.opts.Outbox.UnsentCount()
	if cerr != nil {
		n = -1
	}
	now := Status{State: st, Waiting: n, Err: err}
	if s.sent && now.same(s.last) {
		return
	}
	s.last, s.sent = now, true
	if s.opts.Report != nil {
		s.opts.Report(now)
	}
}

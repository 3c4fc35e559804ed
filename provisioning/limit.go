package provisioning

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/internal/clock"
)

// CloudLimit is shared by every slot of a station: it caps how many cloud
// requests run at once, keeps the station inside Particle's request budget
// (Budget), and after a 429 holds every slot back until the cloud's
// Retry-After has passed. The zero value is unusable; use NewCloudLimit.
type CloudLimit struct {
	sem   chan struct{}
	clock clock.Clock
	mu    sync.Mutex
	until time.Time
	// holds counts the 429s that closed the gate (for tests and the UI).
	holds int
	// limited is the 429 that set until, told to callers who cannot
	// wait that long.
	limited error
	all     window
	tokens  window
}

// Budget is how many requests a station sends in a sliding window:
// Particle allows 10,000 requests per 5 minutes per IP on all routes, and
// 100 per 5 minutes on the token route (particle-cloud-api.md §0.6).
type Budget struct {
	All    int
	Tokens int
	Window time.Duration
}

// ParticleBudget is the budget of Particle's documented limits, with a
// little to spare for the other programs behind the same IP.
var ParticleBudget = Budget{All: 9000, Tokens: 90, Window: 5 * time.Minute}

// DefaultCloudConcurrency is how many cloud requests a station runs at
// once: a full hub of sixteen Photons makes its two branches of requests side by side.
const DefaultCloudConcurrency = 32

// NewCloudLimit returns a limit of n concurrent requests (n <= 0 means
// DefaultCloudConcurrency) on clock clk (nil: system clock), within
// ParticleBudget.
func NewCloudLimit(n int, clk clock.Clock) *CloudLimit {
	if n <= 0 {
		n = DefaultCloudConcurrency
	}
	l := &CloudLimit{sem: make(chan struct{}, n), clock: clock.Or(clk)}
	l.SetBudget(ParticleBudget)
	return l
}

// SetBudget replaces the request budget (tests use small ones).
func (l *CloudLimit) SetBudget(b Budget) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = window{max: b.All, span: b.Window}
	l.tokens = window{max: b.Tokens, span: b.Window}
}

// HoldUntil returns when the shared back-off ends (zero or past: open).
func (l *CloudLimit) HoldUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until
}

// Holds reports how many times a 429 closed the gate.
func (l *CloudLimit) Holds() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holds
}

func (l *CloudLimit) hold(d time.Duration, err error) {
	if d <= 0 {
		d = 2 * time.Second
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.clock.Now().Add(d)
	if t.After(l.until) {
		l.until, l.limited = t, err
	}
	l.holds++
}

// rateLimitRetries is how many extra times a call refused with 429 is
// repeated once the shared hold has passed (the cloud client already
// retried it within its own bounds).
const rateLimitRetries = 2

// do runs f, one request to any route, under the limit.
func (l *CloudLimit) do(ctx context.Context, f func(context.Context) error) error {
	return l.run(ctx, false, f)
}

// doToken runs f, one request to the token route, under the limit.
func (l *CloudLimit) doToken(ctx context.Context, f func(context.Context) error) error {
	return l.run(ctx, true, f)
}

// run waits out any shared hold and the budget, takes a slot, and repeats
// f after a 429 once the hold has passed, a bounded number of times.
func (l *CloudLimit) run(ctx context.Context, token bool, f func(context.Context) error) error {
	for try := 0; ; try++ {
		if err := l.admit(ctx, token); err != nil {
			return err
		}
		select {
		case l.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if l.HoldUntil().After(l.clock.Now()) {
			// A 429 closed the gate while this call waited for a slot.
			<-l.sem
			try--
			continue
		}
		err := func() error {
			defer func() { <-l.sem }() // even if f panics: a lost slot would starve every slot
			return f(ctx)
		}()
		if err == nil || !cloud.IsRateLimited(err) {
			return err
		}
		// Every 429 closes the gate for the other slots, even the one
		// this call gives up on.
		ra, _ := cloud.RetryAfter(err)
		l.hold(ra, err)
		if try >= rateLimitRetries {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && l.clock == clock.System && time.Until(dl) < ra {
			// Waiting would outlast the step: say so now. (Deadlines are
			// in real time, so this applies only on the real clock.)
			return err
		}
	}
}

// admit waits until the shared hold has passed and the budget has room,
// and then counts the request.
func (l *CloudLimit) admit(ctx context.Context, token bool) error {
	for {
		l.mu.Lock()
		now := l.clock.Now()
		d := l.until.Sub(now)
		if d <= 0 {
			d = l.all.wait(now)
			if token {
				d = max(d, l.tokens.wait(now))
			}
		}
		if d <= 0 {
			l.all.add(now)
			if token {
				l.tokens.add(now)
			}
			l.mu.Unlock()
			return nil
		}
		var limited error
		if l.until.After(now) {
			limited = l.limited
		}
		l.mu.Unlock()
		if dl, ok := ctx.Deadline(); ok && limited != nil && l.clock == clock.System && time.Until(dl) < d {
			// The cloud's hold outlasts the caller: say so now, as the
			// rate limit it is, instead of sleeping into the deadline.
			return limited
		}
		if err := clock.Sleep(ctx, l.clock, d); err != nil {
			return err
		}
	}
}

// window counts requests in a sliding span of time.
type window struct {
	max  int
	span time.Duration
	at   []time.Time // oldest first
}

// wait returns how long until one more request fits (0: now).
func (w *window) wait(now time.Time) time.Duration {
	if w.max <= 0 || w.span <= 0 {
		return 0
	}
	w.drop(now)
	if len(w.at) < w.max {
		return 0
	}
	return w.at[0].Add(w.span).Sub(now)
}

func (w *window) add(now time.Time) {
	if w.max > 0 && w.span > 0 {
		w.at = append(w.at, now)
	}
}

func (w *window) drop(now time.Time) {
	i := 0
	for i < len(w.at) && !w.at[i].Add(w.span).After(now) {
		i++
	}
	if i > 0 {
		w.at = append(w.at[:0], w.at[i:]...)
	}
}

// isCanceled tells a context end apart from a real failure.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

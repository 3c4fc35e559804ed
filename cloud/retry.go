package cloud

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// RetryPolicy bounds how a request whose repeat is harmless is retried after
// a 429, a 5xx or a network error. The zero value is the default policy.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, the first included.
	// 0 means 4; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; it doubles for each
	// further retry. 0 means 500ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff. 0 means 30s.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits out by
	// itself; a longer one is returned to the caller as a rate-limit error
	// (a request fails with it, an event stream ends with it).
	// 0 means 2 minutes.
	MaxRetryAfter time.Duration
	// Jitter spreads a backoff delay d so that many stations do not retry
	// in step. nil means a uniformly random delay in [d/2, d].
	Jitter func(d time.Duration) time.Duration
}

// DefaultRetryPolicy is the policy a zero RetryPolicy stands for.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:   4,
	BaseDelay:     500 * time.Millisecond,
	MaxDelay:      30 * time.Second,
	MaxRetryAfter: 2 * time.Minute,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.MaxRetryAfter > 0 {
		d.MaxRetryAfter = p.MaxRetryAfter
	}
	d.Jitter = p.Jitter
	return d
}

// Backoff returns the wait before retry number n (0 for the first retry):
// BaseDelay doubled n times, capped at MaxDelay, then jittered.
func (p RetryPolicy) Backoff(n int) time.Duration {
	p = p.withDefaults()
	d := p.BaseDelay
	for i := 0; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if p.Jitter != nil {
		return p.Jitter(d)
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryable reports whether an attempt that failed with err is worth
// repeating (for a request whose repeat is harmless).
func retryable(err *Error) bool {
	switch err.Kind {
	case KindRateLimited, KindServerError, KindNetwork:
		return true
	}
	return false
}

// maxRetryAfter caps a Retry-After however it is written, so a broken or
// hostile answer cannot ask for an absurd wait.
const maxRetryAfter = 7 * 24 * time.Hour

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP
// date. It returns 0 when the header is absent or unreadable, and at most
// maxRetryAfter.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	} else if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
		return maxRetryAfter // too many seconds to count: the longest wait
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}

// RateGate lets several clients share one rate-limit back-off. A station that
// provisions many devices gives every client the same *RateGate: when one
// request gets a 429, every client holds its next request until the
// Retry-After (or the backoff) has passed, instead of each hammering the API.
// The zero value is ready; a RateGate is safe for concurrent use.
type RateGate struct {
	mu    sync.Mutex
	until time.Time
}

// Hold keeps the gate closed until t (it never shortens an existing hold).
func (g *RateGate) Hold(t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.until) {
		g.until = t
	}
}

// Until returns the time the gate opens; a zero or past time means open.
func (g *RateGate) Until() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until
}

// Wait blocks until the gate is open or ctx is done.
func (g *RateGate) Wait(ctx context.Context, clk clock.Clock) error {
	for {
		d := g.Until().Sub(clk.Now())
		if d <= 0 {
			return ctx.Err()
		}
		if err := clock.Sleep(ctx, clk, d); err != nil {
			return err
		}
	}
}

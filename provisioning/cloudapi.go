package provisioning

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/photon-station/photon-station/cloud"
)

// Token is an access token the pipeline holds for one attempt. String hides
// the value.
type Token struct {
	Value     string
	ExpiresAt time.Time // zero when unknown or never
}

func (t Token) String() string   { return "Token{hidden}" }
func (t Token) GoString() string { return "Token{hidden}" }

// CloudDevice is what the pipeline needs to know about a product device.
type CloudDevice struct {
	ID     string
	Name   string
	Online bool
	// Owner is the e-mail of the user or customer that owns the device,
	// empty when unclaimed.
	Owner string
	// LastHeard is when the cloud last heard from the device (zero when
	// never, or not reported). The online flag alone can be stale for a
	// while after a device drops into listening mode; verification needs
	// contact newer than the Wi-Fi step.
	LastHeard time.Time
}

// ImportResult is the cloud's answer to importing device IDs into a product.
type ImportResult struct {
	Updated   []string // imported now
	Existing  []string // already in this product
	Invalid   []string // unknown IDs, or devices in another product
	Nonmember []string // devices owned by a user who is not a member of the product
}

// CloudAPI is the part of the Particle Cloud the pipeline uses. Errors are
// *cloud.Error values (or wrap them), classified with cloud.IsX; the
// adapter over *cloud.Client is NewCloudAPI.
type CloudAPI interface {
	// ProductToken gets a product bearer token (client credentials grant).
	ProductToken(ctx context.Context, clientID, clientSecret string) (Token, error)
	// ProductDevice looks a device up in the product; cloud.IsNotFound
	// when it is not in the product.
	ProductDevice(ctx context.Context, tok Token, product, deviceID string) (CloudDevice, error)
	// ImportDevice adds a device to the product.
	ImportDevice(ctx context.Context, tok Token, product, deviceID string) (ImportResult, error)
	// CreateCustomer creates a two-legged shadow customer (no_password) and
	// returns its token; cloud.IsCustomerExists when it already exists.
	CreateCustomer(ctx context.Context, product, clientID, clientSecret, customer string) (Token, error)
	// CustomerToken gets a token for an existing customer (scope=customer=...).
	CustomerToken(ctx context.Context, clientID, clientSecret, customer string) (Token, error)
	// CreateClaimCode asks for a claim code with a customer token.
	CreateClaimCode(ctx context.Context, customerToken Token, product string) (string, error)
	// RenameDevice sets the device's name through the product route.
	RenameDevice(ctx context.Context, tok Token, product, deviceID, name string) error
	// CallFunction calls a device function through the product route.
	CallFunction(ctx context.Context, tok Token, product, deviceID, function, arg string) (int, error)
	// GetVariable reads a device variable through the product route, as text.
	GetVariable(ctx context.Context, tok Token, product, deviceID, name string) (string, error)
}

// CloudLimit is shared by every slot of a station: it caps how many cloud
// requests run at once and, after a 429, holds every slot back until the
// cloud's Retry-After has passed. The zero value is unusable; use
// NewCloudLimit.
type CloudLimit struct {
	sem   chan struct{}
	clock Clock
	mu    sync.Mutex
	until time.Time
	// Holds counts the 429s that closed the gate (for tests and the UI).
	holds int
}

// DefaultCloudConcurrency is how many cloud requests a station runs at once.
const DefaultCloudConcurrency = 4

// NewCloudLimit returns a limit of n concurrent requests (n <= 0 means
// DefaultCloudConcurrency) on clock clk (nil: system clock).
func NewCloudLimit(n int, clk Clock) *CloudLimit {
	if n <= 0 {
		n = DefaultCloudConcurrency
	}
	if clk == nil {
		clk = SystemClock
	}
	return &CloudLimit{sem: make(chan struct{}, n), clock: clk}
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

func (l *CloudLimit) hold(d time.Duration) {
	if d <= 0 {
		d = 2 * time.Second
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.clock.Now().Add(d)
	if t.After(l.until) {
		l.until = t
	}
	l.holds++
}

// rateLimitRetries is how many extra times a call refused with 429 is
// repeated once the shared hold has passed (the cloud client already
// retried it within its own bounds).
const rateLimitRetries = 2

// do runs f under the limit: it waits out any shared hold, takes a slot,
// and repeats f after a 429 once the hold has passed, a bounded number of
// times.
func (l *CloudLimit) do(ctx context.Context, f func(context.Context) error) error {
	for try := 0; ; try++ {
		for {
			d := l.HoldUntil().Sub(l.clock.Now())
			if d <= 0 {
				break
			}
			if err := wait(ctx, l.clock, d); err != nil {
				return err
			}
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
		l.hold(ra)
		if try >= rateLimitRetries {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && l.clock == SystemClock && time.Until(dl) < ra {
			// Waiting would outlast the step: say so now. (Deadlines are
			// in real time, so this applies only on the real clock.)
			return err
		}
	}
}

// isCanceled tells a context end apart from a real failure.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

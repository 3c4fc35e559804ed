package provisioning

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/internal/clock"
)

// ErrBadClientCredentials is what every caller of a TokenSource gets once the
// cloud has refused the profile's OAuth client ID or secret: the source asks
// no more (Particle blocks an IP for 30 minutes after 10 failed token
// requests in a row), and a station stops its bench.
var ErrBadClientCredentials = errors.New("the profile's OAuth client ID or secret is wrong")

// badCredentials is the technician's words for ErrBadClientCredentials.
func badCredentials(cause error) *StepError {
	e := &StepError{ // the step is the caller's: the error is shared by every step that asks
		Message: "The profile's OAuth client ID or secret is wrong: a supervisor fixes it on the Profiles screen.",
		Action:  "Stop here and call a supervisor; retrying does not help until the profile is fixed.",
		Err:     errors.Join(ErrBadClientCredentials, cause)}
	if cause != nil {
		e.Detail = cause.Error()
	}
	return e
}

// tokenRenewMargin is how long before its expiry a token is renewed.
const tokenRenewMargin = 10 * time.Minute

// TokenSource is one product OAuth client's cloud session: the product
// token shared by every slot, the wizard and the device tools of a station
// (one token request however many ask at once, reused until close to its
// expiry, renewed once when the cloud stops accepting it), and the tokens
// of the customers its jobs claim to. After the first "bad client
// credentials" answer to a product token request it asks the cloud nothing
// more and every call returns an error wrapping ErrBadClientCredentials
// (customer token answers never count: the cloud's words for an unknown
// customer are not documented). Create it with NewTokenSource;
// it is safe for concurrent use.
type TokenSource struct {
	api      CloudAPI
	clientID string
	secret   string
	clock    clock.Clock
	limit    *CloudLimit

	mu        sync.Mutex
	product   Token
	flight    *tokenFlight // the product token request under way
	bad       error        // sticky bad-credentials error
	customers map[string]Token
	requests  int
}

// tokenFlight is one token request that several callers wait for.
type tokenFlight struct {
	done chan struct{}
	tok  Token
	err  error
}

// maxCachedCustomers bounds the customer tokens kept (a job with one
// customer per device would otherwise keep one per Photon).
const maxCachedCustomers = 64

// NewTokenSource returns the session of the OAuth client clientID (whose
// secret is secret) on api, its waits on clk (nil: the system clock) and
// its requests under limit (nil: a limit of its own).
func NewTokenSource(api CloudAPI, clientID, secret string, clk clock.Clock, limit *CloudLimit) *TokenSource {
	clk = clock.Or(clk)
	if limit == nil {
		limit = NewCloudLimit(0, clk)
	}
	return &TokenSource{api: api, clientID: clientID, secret: secret, clock: clk, limit: limit, customers: map[string]Token{}}
}

// ClientID is the OAuth client the source gets tokens for.
func (ts *TokenSource) ClientID() string { return ts.clientID }

// Requests counts the token requests the source has sent (product and
// customer), for tests and figures.
func (ts *TokenSource) Requests() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.requests
}

// Bad returns the sticky bad-credentials error, or nil.
func (ts *TokenSource) Bad() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.bad
}

// Product returns the product token, asking the cloud only when there is
// none yet or it is close to expiry.
func (ts *TokenSource) Product(ctx context.Context) (Token, error) {
	return ts.product0(ctx, "")
}

// Renew returns a product token other than stale (which the cloud refused):
// the first caller with that token asks for a new one, and every caller
// that also held it gets the new one.
func (ts *TokenSource) Renew(ctx context.Context, stale Token) (Token, error) {
	return ts.product0(ctx, stale.Value)
}

func (ts *TokenSource) product0(ctx context.Context, stale string) (Token, error) {
	for {
		ts.mu.Lock()
		if ts.bad != nil {
			err := ts.bad
			ts.mu.Unlock()
			return Token{}, err
		}
		t := ts.product
		if t.Value != "" && t.Value != stale && !expiresSoon(t, ts.clock.Now()) {
			ts.mu.Unlock()
			return t, nil
		}
		f := ts.flight
		if f == nil {
			f = &tokenFlight{done: make(chan struct{})}
			ts.flight = f
			ts.mu.Unlock()
			go ts.fetchProduct(context.WithoutCancel(ctx), f)
		} else {
			ts.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return Token{}, ctx.Err()
		case <-f.done:
		}
		if f.err != nil {
			return Token{}, f.err
		}
		if f.tok.Value != stale {
			return f.tok, nil
		}
		// The flight ended with the very token this caller was refused
		// with (it started before the refusal): ask again.
	}
}

// fetchProduct runs one product token request for every caller waiting on
// f. It is detached from the caller that started it: the others still
// want the answer when that one gives up.
func (ts *TokenSource) fetchProduct(ctx context.Context, f *tokenFlight) {
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeouts.Cloud)
	defer cancel()
	var tok Token
	err := ts.limit.doToken(ctx, func(ctx context.Context) (err error) {
		// A panic here (a bug) would end the whole station: it is the
		// waiting attempts' internal error instead.
		defer func() {
			if r := recover(); r != nil {
				err = internalError(r)
			}
		}()
		ts.count()
		t, err := ts.api.ProductToken(ctx, ts.clientID, ts.secret)
		if err == nil && t.Value == "" {
			err = errors.New("the Particle Cloud answered the token request without a token")
		}
		tok = t
		return err
	})
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err != nil && cloud.IsBadCredentials(err) {
		ts.bad = badCredentials(err)
		err = ts.bad
	}
	if err == nil {
		ts.product = tok
	}
	f.tok, f.err = tok, err
	ts.flight = nil
	close(f.done)
}

func (ts *TokenSource) count() {
	ts.mu.Lock()
	ts.requests++
	ts.mu.Unlock()
}

// expiresSoon tells whether t expires within tokenRenewMargin of now (both
// on this computer's clock: ExpiresAt is reckoned from the answer's
// expires_in on arrival).
func expiresSoon(t Token, now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Add(tokenRenewMargin).Before(t.ExpiresAt)
}

// Customer returns a token for the shadow customer, creating the customer
// first when create is set. A customer whose creation the cloud refuses is
// recognised as existing when the cloud then grants its token, whatever the
// refusal said; otherwise the creation's error is returned. It reports
// whether the customer was created now.
func (ts *TokenSource) Customer(ctx context.Context, product, customer string, create bool) (tok Token, created bool, err error) {
	ts.mu.Lock()
	if ts.bad != nil {
		err := ts.bad
		ts.mu.Unlock()
		return Token{}, false, err
	}
	if t, ok := ts.customers[customer]; ok && !expiresSoon(t, ts.clock.Now()) {
		ts.mu.Unlock()
		return t, false, nil
	}
	ts.mu.Unlock()
	if create {
		var createErr error
		err := ts.limit.do(ctx, func(ctx context.Context) error {
			ts.count()
			t, err := ts.api.CreateCustomer(ctx, product, ts.clientID, ts.secret, customer)
			tok, createErr = t, err
			return err
		})
		switch {
		case err == nil:
			ts.keepCustomer(customer, tok)
			return tok, true, nil
		case !refusedOnItsMerits(err):
			return Token{}, false, err
		}
		// The cloud's answer for a customer scope naming nobody is not
		// documented (it may read like bad credentials): a refused token
		// here only means the creation's refusal stands.
		if tok, err = ts.customerToken(ctx, customer); err != nil {
			if !refusedOnItsMerits(err) && !cloud.IsBadCredentials(err) {
				return Token{}, false, err
			}
			return Token{}, false, createErr
		}
		return tok, false, nil
	}
	tok, err = ts.customerToken(ctx, customer)
	return tok, false, err
}

func (ts *TokenSource) customerToken(ctx context.Context, customer string) (Token, error) {
	var tok Token
	err := ts.limit.doToken(ctx, func(ctx context.Context) error {
		ts.count()
		t, err := ts.api.CustomerToken(ctx, ts.clientID, ts.secret, customer)
		tok = t
		return err
	})
	if err != nil {
		return Token{}, err
	}
	ts.keepCustomer(customer, tok)
	return tok, nil
}

func (ts *TokenSource) keepCustomer(customer string, t Token) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.customers) >= maxCachedCustomers {
		clear(ts.customers)
	}
	ts.customers[customer] = t
}

// refusedOnItsMerits tells a refusal of the request itself (a 4xx the
// cloud gave after reading it) from one that says nothing about it: a
// network failure, a 5xx, a rate limit, a cancellation or bad credentials.
func refusedOnItsMerits(err error) bool {
	switch {
	case isCanceled(err), cloud.IsBadCredentials(err), cloud.IsRateLimited(err),
		cloud.IsServerError(err), cloud.IsNetwork(err):
		return false
	}
	var ce *cloud.Error
	return errors.As(err, &ce)
}

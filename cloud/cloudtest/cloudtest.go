// Package cloudtest is an in-memory fake of the Particle Cloud REST API,
// served over real HTTP by an httptest server on loopback.
//
// It exists so the cloud client, the provisioning engine, the headless
// commands and the GUI's demo mode can all run against something that is
// as strict as api.particle.io (docs/particle-cloud-api.md): the three token
// carriers and their exact errors, form-only /oauth/token, product tokens
// limited to their product, customer tokens kept off product management,
// single-use claim codes valid one hour, import semantics, pagination,
// 408 "timed out" for offline devices and Server-Sent Events framing.
//
// The package speaks HTTP and JSON only; it deliberately does not import the
// cloud client, so the client is tested against the wire format and not
// against its own types.
//
// Tests and the demo drive the fake through exported hooks and read back
// what happened. All methods are safe for concurrent use. Time comes from
// Options.Now (ManualClock fits), so tests move the clock instead of sleeping.
//
//   - Serve: New, NewUnstarted, URL, HTTPClient, Handler, Close.
//   - Accounts: AddUser (password, optional MFA OTP), AddOrg, AddProduct,
//     AddOAuthClient, AddCustomer, AddToken, UserToken, ProductToken,
//     CustomerToken, RevokeToken.
//   - Devices: AddDevice (variables, functions as Go callbacks), SetOnline,
//     SetOwner, SetVariable, SetFunction, AddVitals, Publish (a device
//     event), DeviceOnline (a device joins, presenting a claim code).
//   - Faults: InjectFault (status, headers, body, N times, per method and
//     path pattern; or a dropped connection; or a request that never
//     answers), InjectRateLimit (429 with Retry-After), ClearFaults,
//     DropStreams (end every event stream).
//   - Read back: Device, ClaimCodes, Customers, Transfers, OAuthClients,
//     Events, OpenStreams, StreamsChanged, Requests, RequestLogged, ResetRequests,
//     SecretsInURLs.
package cloudtest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// DefaultTokenLifetime is the lifetime of a token when the request names no
// expires_in: 90 days, as on the real cloud.
const DefaultTokenLifetime = 7776000 * time.Second

// RefreshTokenLifetime is how long a refresh token stays usable (14 days).
const RefreshTokenLifetime = 14 * 24 * time.Hour

// ClaimCodeLifetime is how long a claim code can be presented by a device.
const ClaimCodeLifetime = time.Hour

// DefaultKeepAlive is the keep-alive interval of event streams when
// Options.KeepAlive is zero. It stays under the 12 s that particle-api-js
// tolerates.
const DefaultKeepAlive = 9 * time.Second

// Options configures a Cloud. The zero value is ready to use.
type Options struct {
	// Now is the fake's clock: token expiry, claim-code lifetime, refresh
	// tokens, MFA tokens and timestamps all read it. Nil means time.Now.
	// ManualClock.Now fits here.
	Now func() time.Time

	// KeepAlive is the interval between keep-alive lines on event streams.
	// Zero means DefaultKeepAlive.
	KeepAlive time.Duration

	// NoDefaultClients leaves out the built-in user OAuth clients
	// "particle", "particle-api" and "particle-cli" (secret equal to the id)
	// that the real cloud accepts for developer logins.
	NoDefaultClients bool

	// LoginLockout turns on the real cloud's lockout: after
	// LoginLockoutThreshold consecutive failed /oauth/token requests, every
	// token request answers 429 rate_limit_exceeded (with Retry-After) for
	// LoginLockoutTime. Off by default so tests of error paths do not trip it.
	LoginLockout bool

	// Latency delays every answer, so the demo's progress bars move as they
	// would against the real cloud. Zero (tests) answers at once.
	Latency time.Duration

	// DeviceTimeout is how long a variable or function call to an
	// unresponsive device (SetUnresponsive) waits before the real cloud's
	// 408 "timed out" (about 30 s there). Zero holds the call until the
	// client gives up, which is what tests want.
	DeviceTimeout time.Duration
}

// Cloud is a fake Particle Cloud. Create it with New; it serves until Close.
type Cloud struct {
	opts   Options
	server *httptest.Server
	routes []route

	mu        sync.Mutex
	users     map[string]*user // by lower-case e-mail
	orgs      []*org           // in insertion order
	products  []*product       // in insertion order
	clients   map[string]*oauthClient
	devices   map[string]*device // by lower-case id
	tokens    map[string]*token
	refreshes map[string]*refreshToken
	mfaTokens map[string]*mfaToken
	claims    map[string]*claimCode
	claimLog  []*claimCode
	transfers []TransferRequest
	faults    []*faultState
	requests  []*Request
	secrets   map[string]bool // every secret ever issued, for SecretsInURLs
	events    []Event
	subs      map[*subscriber]struct{}
	streams   chan struct{} // closed and replaced when a stream opens or closes
	closed    chan struct{}
	closeOnce sync.Once
	nextID    int

	logged        chan struct{} // closed and replaced per logged request
	loginFailures int
	lockedUntil   time.Time
}

// New starts a fake cloud on a loopback httptest server. Close it when done
// (t.Cleanup(c.Close) in tests).
func New(opts Options) *Cloud {
	c := newCloud(opts)
	c.server = httptest.NewServer(c.Handler())
	return c
}

// NewUnstarted builds a fake cloud without a server, for callers (the demo)
// that serve Handler themselves. URL returns "" for it.
func NewUnstarted(opts Options) *Cloud {
	return newCloud(opts)
}

func newCloud(opts Options) *Cloud {
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	c := &Cloud{
		opts:      opts,
		users:     map[string]*user{},
		clients:   map[string]*oauthClient{},
		devices:   map[string]*device{},
		tokens:    map[string]*token{},
		refreshes: map[string]*refreshToken{},
		mfaTokens: map[string]*mfaToken{},
		claims:    map[string]*claimCode{},
		secrets:   map[string]bool{},
		subs:      map[*subscriber]struct{}{},
		streams:   make(chan struct{}),
		closed:    make(chan struct{}),
		logged:    make(chan struct{}),
		nextID:    1000,
	}
	if !opts.NoDefaultClients {
		for _, id := range []string{"particle", "particle-api", "particle-cli"} {
			c.clients[id] = &oauthClient{OAuthClient: OAuthClient{ID: id, Secret: id, Name: id, Type: "installed"}}
		}
	}
	c.routes = c.buildRoutes()
	return c
}

// URL is the base URL of the running server, e.g. "http://127.0.0.1:41234",
// to use in place of https://api.particle.io.
func (c *Cloud) URL() string {
	if c.server == nil {
		return ""
	}
	return c.server.URL
}

// HTTPClient returns an http.Client that talks to the server.
func (c *Cloud) HTTPClient() *http.Client {
	if c.server == nil {
		return http.DefaultClient
	}
	return c.server.Client()
}

// Handler returns the fake's HTTP handler, for serving it elsewhere (demo
// mode) or calling it in-process.
func (c *Cloud) Handler() http.Handler { return http.HandlerFunc(c.serveHTTP) }

// Close ends every open event stream and stops the server. It is safe to
// call more than once.
func (c *Cloud) Close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		if c.server != nil {
			c.server.CloseClientConnections()
			c.server.Close()
		}
	})
}

func (c *Cloud) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now().UTC()
	}
	return time.Now().UTC()
}

// ManualClock is a clock that moves only when told, for Options.Now.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{t: start} }

// Now returns the clock's current time.
func (m *ManualClock) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Advance moves the clock forward by d.
func (m *ManualClock) Advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}

// Set moves the clock to t.
func (m *ManualClock) Set(t time.Time) {
	m.mu.Lock()
	m.t = t
	m.mu.Unlock()
}

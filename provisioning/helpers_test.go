package provisioning

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/internal/clock"
)

// testClock is an instant clock: every wait advances it and returns at once,
// so timeouts of minutes run in microseconds. It serves as both the
// pipeline's Clock and the cloud client's.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *testClock) NewTimer(d time.Duration) clock.Timer {
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return firedTimer{ch}
}

type firedTimer struct{ c <-chan time.Time }

func (t firedTimer) C() <-chan time.Time { return t.c }
func (t firedTimer) Stop() bool          { return false }

// Test fixtures: one product with its OAuth client, and secrets that the
// leak test hunts for.
const (
	productID    = 4711
	productSlug  = "acme-sensor"
	clientID     = "acme-sensor-4711"
	clientSecret = "c5e7f00dfeedbeef0badc0de1234567890abcdef"
	wifiSSID     = "Factory Floor"
	wifiPassword = "hunter2-correct-horse"
	customerMail = "line3@acme.example"
)

// bench is a cloudtest server, a pipeline on it and a journal.
type bench struct {
	t        *testing.T
	cloud    *cloudtest.Cloud
	clock    *testClock
	pipeline *Pipeline
	journal  *Journal
	api      *recordingAPI
	dir      string
	mu       sync.Mutex
	events   []Event
	waiters  map[string]chan struct{}
	// onEvent, when set, sees every event as it is emitted (on the
	// emitting goroutine).
	onEvent func(Event)
}

// newBench builds a bench with profile p (zero fields filled with defaults).
func newBench(t *testing.T, p Profile) *bench {
	t.Helper()
	return newBenchWith(t, p, benchOptions{})
}

// benchOptions vary a bench.
type benchOptions struct {
	// live runs the pipeline and the cloud client on the system clock
	// (the instant clock would time out a wait for an event at once):
	// for tests of the event stream, with verification timeouts of
	// seconds.
	live bool
	// cloudAhead is how far the fake cloud's clock is ahead of the
	// station's (negative: behind).
	cloudAhead time.Duration
}

// newBenchWith builds a bench with profile p and options o.
func newBenchWith(t *testing.T, p Profile, o benchOptions) *bench {
	t.Helper()
	b := &bench{t: t, clock: newTestClock(), dir: t.TempDir()}
	stationNow := b.clock.Now
	if o.live {
		stationNow = time.Now
	}
	b.cloud = cloudtest.New(cloudtest.Options{Now: func() time.Time { return stationNow().Add(o.cloudAhead) }})
	t.Cleanup(b.cloud.Close)
	b.cloud.AddProduct(cloudtest.Product{ID: productID, Slug: productSlug, Name: "Acme Sensor"})
	b.cloud.AddOAuthClient(cloudtest.OAuthClient{ID: clientID, Secret: clientSecret, Name: "bench", ProductID: productID})
	j, err := OpenJournal(filepath.Join(b.dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	b.journal = j
	if p.Name == "" {
		p.Name = "Line 3"
	}
	if p.Product == "" {
		p.Product = productSlug
	}
	if p.ClientID == "" {
		p.ClientID = clientID
	}
	if p.SSID == "" {
		p.SSID = wifiSSID
	}
	if p.Security == "" {
		p.Security = SecurityWPA2
	}
	if p.Customer == "" {
		p.Customer = CustomerNone
	}
	if p.Channel == "" {
		p.Channel = ChannelSerial
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("test profile: %v", err)
	}
	var clk clock.Clock = b.clock
	if o.live {
		clk = clock.System
	}
	client := &cloud.Client{BaseURL: b.cloud.URL(), Clock: clk, Timeout: 5 * time.Second,
		Retry: cloud.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, Jitter: func(d time.Duration) time.Duration { return d }}}
	// The event stream keeps real time: on the instant clock its
	// keep-alive timeout would fire at once, over and over, and every
	// reopening would move the clock on for everyone.
	streams := NewCloudAPI(&cloud.Client{BaseURL: b.cloud.URL(), Timeout: 5 * time.Second})
	b.api = &recordingAPI{CloudAPI: realTimeStreams{CloudAPI: NewCloudAPI(client), streams: streams}}
	b.pipeline = &Pipeline{
		Profile:      p,
		Credentials:  Credentials{ClientSecret: clientSecret, WiFiPassword: wifiPassword},
		Cloud:        b.api,
		Journal:      j,
		Station:      "bench-1",
		Operator:     "kim",
		Clock:        clk,
		Timeouts:     Timeouts{Identify: 5 * time.Second, Cloud: 10 * time.Second, DeliverCode: 5 * time.Second, WiFi: 5 * time.Second},
		PollInterval: 3 * time.Second,
	}
	return b
}

// run provisions one fake Photon and returns the result.
func (b *bench) run(ph *fakePhoton) Result {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return b.pipeline.RunDevice(ctx, Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0",
		Open: func(context.Context) (DeviceChannel, error) { return ph, ph.openErr }}, b.record)
}

// runUSB provisions one fake Photon whose USB serial number gave usbID
// ("" for a port that reports none).
func (b *bench) runUSB(ph *fakePhoton, usbID string) Result {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return b.pipeline.RunDevice(ctx, Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0", DeviceID: usbID,
		Open: func(context.Context) (DeviceChannel, error) { return ph, ph.openErr }}, b.record)
}

func (b *bench) record(e Event) {
	if b.onEvent != nil {
		b.onEvent(e)
	}
	b.mu.Lock()
	b.events = append(b.events, e)
	if ch, ok := b.waiters[string(e.Step)+"/"+string(e.Kind)]; ok {
		close(ch)
		delete(b.waiters, string(e.Step)+"/"+string(e.Kind))
	}
	b.mu.Unlock()
}

// next returns a channel closed when the next event of this step and kind
// is emitted.
func (b *bench) next(s Step, k EventKind) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.waiters == nil {
		b.waiters = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	b.waiters[string(s)+"/"+string(k)] = ch
	return ch
}

func (b *bench) eventJSON() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out, err := json.Marshal(b.events)
	if err != nil {
		b.t.Fatal(err)
	}
	return string(out)
}

// stepOutcomes lists "step:outcome" of a record, for compact comparisons.
func stepOutcomes(r Record) []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, string(s.Step)+":"+string(s.Outcome))
	}
	return out
}

// realTimeStreams is a CloudAPI whose event streams come from another
// client (one on the system clock).
type realTimeStreams struct {
	CloudAPI
	streams CloudAPI
}

func (r realTimeStreams) ProductEvents(ctx context.Context, tok Token, product string, hooks StreamHooks) iter.Seq2[StatusEvent, error] {
	return r.streams.ProductEvents(ctx, tok, product, hooks)
}

// recordingAPI remembers every token and claim code the cloud handed out,
// for the leak test.
type recordingAPI struct {
	CloudAPI
	mu     sync.Mutex
	values []string
}

func (r *recordingAPI) keep(v string) {
	r.mu.Lock()
	r.values = append(r.values, v)
	r.mu.Unlock()
}

func (r *recordingAPI) secrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.values...)
}

func (r *recordingAPI) ProductToken(ctx context.Context, id, secret string) (Token, error) {
	t, err := r.CloudAPI.ProductToken(ctx, id, secret)
	r.keep(t.Value)
	return t, err
}

func (r *recordingAPI) CreateCustomer(ctx context.Context, product, id, secret, customer string) (Token, error) {
	t, err := r.CloudAPI.CreateCustomer(ctx, product, id, secret, customer)
	r.keep(t.Value)
	return t, err
}

func (r *recordingAPI) CustomerToken(ctx context.Context, id, secret, customer string) (Token, error) {
	t, err := r.CloudAPI.CustomerToken(ctx, id, secret, customer)
	r.keep(t.Value)
	return t, err
}

func (r *recordingAPI) CreateClaimCode(ctx context.Context, tok Token, product string) (string, error) {
	c, err := r.CloudAPI.CreateClaimCode(ctx, tok, product)
	r.keep(c)
	return c, err
}

// fakePhoton is an in-process DeviceChannel: a Photon in listening mode
// that, given the right Wi-Fi password, goes online in the fake cloud with
// the claim code it holds (as firmware does on its first handshake).
type fakePhoton struct {
	mu        sync.Mutex
	id        string // what 'i' reports (any case)
	listening bool
	cloud     *cloudtest.Cloud
	password  string // the network's real password
	// outOfRange: the device leaves listening mode but never finds the
	// network (instead of falling back to listening mode on a wrong
	// password, as a Photon does).
	outOfRange bool

	openErr     error
	identifyErr error
	claimErr    error
	wifiErr     error
	onIdentify  func()
	// beforeOnline runs just before the device reaches the cloud.
	beforeOnline func()
	// online, when set, is what the device does to reach the cloud with
	// the claim code it holds, instead of cloudtest's DeviceOnline.
	online func(claimCode string)
	// hold, when set, makes Identify wait for it (or the context) first,
	// and entered is closed when Identify is reached.
	hold    chan struct{}
	entered chan struct{}
	panicky bool

	claimCode string
	writes    []string // "claim-code", "wifi"
	closed    bool
}

func newFakePhoton(c *cloudtest.Cloud, id string) *fakePhoton {
	return &fakePhoton{id: id, listening: true, cloud: c, password: wifiPassword}
}

func (f *fakePhoton) Identify(ctx context.Context) (DeviceInfo, error) {
	if f.entered != nil {
		close(f.entered)
	}
	if f.hold != nil {
		select {
		case <-ctx.Done():
			return DeviceInfo{}, ctx.Err()
		case <-f.hold:
		}
	}
	if f.panicky {
		panic("firmware from outer space")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onIdentify != nil {
		f.onIdentify()
	}
	if f.identifyErr != nil {
		return DeviceInfo{}, f.identifyErr
	}
	if !f.listening {
		return DeviceInfo{}, &DeviceError{Kind: DeviceNotListening, Message: "app output"}
	}
	return DeviceInfo{ID: f.id, MAC: "6c:0b:84:00:11:22", Firmware: "2.3.1"}, nil
}

func (f *fakePhoton) SetClaimCode(ctx context.Context, code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.claimErr != nil {
		return f.claimErr
	}
	f.writes = append(f.writes, "claim-code")
	f.claimCode = code
	return nil
}

func (f *fakePhoton) ConfigureWiFi(ctx context.Context, w WiFiCredentials) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.wifiErr != nil {
		return f.wifiErr
	}
	f.writes = append(f.writes, "wifi")
	f.listening = !f.outOfRange && w.Password != f.password
	if w.Password == f.password && !f.outOfRange {
		if f.beforeOnline != nil {
			f.beforeOnline()
		}
		if f.online != nil {
			f.online(f.claimCode)
		} else if err := f.cloud.DeviceOnline(f.id, f.claimCode); err != nil && !errors.Is(err, cloudtest.ErrUnknownDevice) {
			f.writes = append(f.writes, "claim refused: "+err.Error())
		}
		f.claimCode = ""
	}
	return nil
}

func (f *fakePhoton) InListeningMode(ctx context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listening, nil
}

func (f *fakePhoton) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

func (f *fakePhoton) written() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.writes...)
}

// containsAny reports the first of secrets found in s.
func containsAny(s string, secrets []string) (string, bool) {
	for _, v := range secrets {
		if len(v) >= 6 && strings.Contains(s, v) {
			return v, true
		}
	}
	return "", false
}

package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// The demo's fixed names. None of them is a secret: the secrets are made
// fresh for every World.
const (
	ProductID   = 31337
	ProductSlug = "demo-thermostats"
	ProductName = "Demo Thermostats"
	OrgSlug     = "demo-factory"
	ClientID    = "demo-thermostats-2611"
	UserEmail   = "trainee@demo-factory.example"
	// UserPassword and UserCode sign the demo's supervisor in on the
	// Profiles screen (the fake cloud asks for a two-step code). They open
	// only the simulated cloud of one demo run.
	UserPassword      = "photon-demo"
	UserCode          = "123456"
	ProfileName       = "Demo Thermostats"
	SoftAPProfileName = "Demo Thermostats (SoftAP)"
	WiFiSSID          = "Factory-WiFi"
	CustomerPattern   = "customer-{device_id}@demo-thermostats.example"
	NamePattern       = "thermostat-{last6}"
	StationName       = "demo-bench"
	OperatorName      = "trainee"
	JournalFile       = provisioning.JournalFile
	ProfilesDir       = "profiles"
	statusVariable    = "status"
	statusReady       = "ready"
	minStoredTimeout  = 10 * time.Second // the shortest VerifyTimeout a stored profile may hold
)

// Options tunes the demo's timing. For every duration, zero takes the
// realistic default the GUI uses (so progress bars visibly move) and a
// negative value means none at all; tests start from FastOptions.
type Options struct {
	// Tray is how many fresh Photons the demo has in its tray: after a
	// slot passes, it unplugs that Photon (SwapAfter later) and plugs the
	// next one into the same port (PlugGap later). Zero: no tray.
	Tray int
	// Ports is how many USB ports the demo bench has, 1 to MaxPorts
	// (zero: DefaultPorts), each holding a Photon at the start.
	Ports int

	CloudLatency  time.Duration // every fake cloud answer (default 250 ms)
	ScanDelay     time.Duration // each silent Wi-Fi scan of a Photon (default 1.5 s)
	OnlineDelay   time.Duration // from leaving listening mode to reaching the cloud (default 4 s)
	VerifyTimeout time.Duration // how long verification waits (default 40 s)
	PollInterval  time.Duration // verification's first polling wait while the event stream is down (default 1 s)
	// FallBackAfter is how long a Photon given the wrong Wi-Fi password
	// tries before it falls back into listening mode (default 8 s).
	FallBackAfter time.Duration
	SwapAfter     time.Duration // from PASS to the Photon being unplugged (default 4 s)
	PlugGap       time.Duration // from unplugging to the next Photon (default 2 s)
	ScanInterval  time.Duration // how often the station looks at the ports (default 500 ms)
	// ChatterEvery is how often the Photon running its application prints
	// a sensor line (default 2 s).
	ChatterEvery time.Duration
	// PublishEvery is how often the demo's online product devices publish
	// a "temperature" event, for the live event stream (default 5 s).
	PublishEvery time.Duration

	// ManualSetup keeps the Photon that runs its application out of
	// listening mode until HoldSetup is called. Without it the demo plays
	// the technician who follows the tile's advice: the Photon is found in
	// listening mode when it is opened again (Retry, or the wizard).
	ManualSetup bool

	// SerialTimeouts bound the station's serial console (zero fields:
	// serialio's defaults). Timeouts bound the pipeline's steps.
	SerialTimeouts serialio.Timeouts
	Timeouts       provisioning.Timeouts

	// Logf receives one line per notable thing the demo does itself
	// (a Photon plugged, unplugged, back in listening mode). Nil: none.
	Logf func(format string, args ...any)
}

// FastOptions are timings for tests: the same flow in well under a second
// per device, with the serial and step timeouts shortened to match.
func FastOptions() Options {
	return Options{
		CloudLatency:  -1,
		ScanDelay:     -1,
		OnlineDelay:   20 * time.Millisecond,
		VerifyTimeout: 2500 * time.Millisecond,
		PollInterval:  20 * time.Millisecond,
		FallBackAfter: 50 * time.Millisecond,
		SwapAfter:     20 * time.Millisecond,
		PlugGap:       20 * time.Millisecond,
		ScanInterval:  20 * time.Millisecond,
		PublishEvery:  -1,
		ChatterEvery:  20 * time.Millisecond,
		SerialTimeouts: serialio.Timeouts{Answer: 400 * time.Millisecond, Claimed: 200 * time.Millisecond,
			ModuleInfo: time.Second, Scan: 2 * time.Second, Prompt: 2 * time.Second, Save: 2 * time.Second},
		Timeouts: provisioning.Timeouts{Identify: 3 * time.Second, Cloud: 5 * time.Second,
			DeliverCode: 3 * time.Second, WiFi: 5 * time.Second},
	}
}

// pick applies the zero-is-default, negative-is-none rule.
func pick(v, def time.Duration) time.Duration {
	switch {
	case v < 0:
		return 0
	case v == 0:
		return def
	}
	return v
}

func (o Options) withDefaults() Options {
	o.CloudLatency = pick(o.CloudLatency, 250*time.Millisecond)
	o.ScanDelay = pick(o.ScanDelay, 1500*time.Millisecond)
	o.OnlineDelay = pick(o.OnlineDelay, 4*time.Second)
	o.VerifyTimeout = pick(o.VerifyTimeout, 40*time.Second)
	o.PollInterval = pick(o.PollInterval, time.Second)
	o.FallBackAfter = pick(o.FallBackAfter, 8*time.Second)
	o.SwapAfter = pick(o.SwapAfter, 4*time.Second)
	o.PlugGap = pick(o.PlugGap, 2*time.Second)
	o.ScanInterval = pick(o.ScanInterval, 500*time.Millisecond)
	o.PublishEvery = pick(o.PublishEvery, 5*time.Second)
	o.ChatterEvery = pick(o.ChatterEvery, 2*time.Second)
	if o.VerifyTimeout <= 0 {
		o.VerifyTimeout = time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 10 * time.Millisecond
	}
	if o.ScanInterval <= 0 {
		o.ScanInterval = 10 * time.Millisecond
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Ports == 0 {
		o.Ports = DefaultPorts
	}
	return o
}

// Product names the demo product.
type Product struct {
	ID   int
	Slug string
	Name string
}

// World is the running demo: every part the GUI wires into its screens.
// Fields are set by Start and must not be changed.
type World struct {
	Cloud *cloudtest.Cloud
	// API is a client of the fake cloud without a token (the pipeline's
	// and the wizard's base client); UserClient carries the demo user's
	// token and ProductClient a product token, for the Device tools tabs.
	API           *cloud.Client
	UserClient    *cloud.Client
	ProductClient *cloud.Client
	Product       Product
	// Fleet is the product's devices already in the field.
	Fleet []Fleet

	// Profile is the bench's job (USB serial) as the Pipeline runs it;
	// SoftAPProfile is the same job over SoftAP, for the wizard. Both are
	// saved in Profiles with their secrets in Secrets (a stored profile's
	// VerifyTimeout is at least the 10 s a profile file may hold).
	Profile       provisioning.Profile
	SoftAPProfile provisioning.Profile
	Profiles      *provisioning.ProfileStore
	Secrets       provisioning.Secrets
	Journal       *provisioning.Journal
	// Supervisor is the demo user's sign-in, signed in at the start so
	// the Device tools' user tabs work; the Profiles screen can sign out and
	// in again with UserPassword and UserCode.
	Supervisor *provisioning.Supervisor
	Pipeline   *provisioning.Pipeline
	Station    *provisioning.Station
	// Sessions shares each profile's product token and event stream
	// between the bench, the wizard and the device tools.
	Sessions *provisioning.CloudSessions

	// Photons are the four Photons on the bench at the start, in port
	// order: two good ones, one running its application (not in listening
	// mode) and one whose network refuses the profile's Wi-Fi password.
	// Bench lists what is plugged in now (the tray swaps Photons).
	Photons []*serialtest.Photon
	// SoftAP is the Photon for the wizard's SoftAP path; point a
	// softap.Client at SoftAP.Addr() (SoftAPDevice does).
	SoftAP *softaptest.Device
	// AP stands for the laptop's Wi-Fi: the wizard's PhotonAP.
	AP *AccessPoints

	// Ports and Open are the Station's port watcher and device opener.
	Ports provisioning.PortWatcher
	Open  func(ctx context.Context, p provisioning.Port) (provisioning.DeviceChannel, error)

	opt         Options
	batch       string // random hex that makes this World's device IDs unique
	wifiPass    string
	clientSec   string
	ctx         context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	unsubscribe func()

	mu       sync.Mutex
	bench    map[string]*benchSlot // by port path
	paths    []string
	all      []*serialtest.Photon // every Photon ever made, for Close
	timers   []*time.Timer
	trayLeft int
	serial   int // Photons made so far, for IDs
	closed   bool
}

// DefaultDir is where `photon-station -demo` keeps the demo's profiles
// and journal: a "demo" folder beside the station's own files
// (os.UserConfigDir()/photon-station/demo), so a demo run never mixes its
// attempts into the real journal and a supervisor can still find them.
func DefaultDir() (string, error) {
	d, err := provisioning.DefaultConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "demo"), nil
}

// Start builds the demo world. dir holds the demo's profile store
// (dir/profiles) and journal (dir/journal.db); it is created if needed.
// ctx bounds the setup only: the World runs until Close. The Station is
// returned stopped: the GUI's Start button (or a test) starts it.
func Start(ctx context.Context, dir string, opt Options) (*World, error) {
	if dir == "" {
		return nil, errors.New("demo: no folder for the demo's profiles and journal")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if opt.Ports < 0 || opt.Ports > MaxPorts {
		return nil, fmt.Errorf("demo: a bench of %d ports; the demo has 1 to %d", opt.Ports, MaxPorts)
	}
	opt = opt.withDefaults()
	w := &World{opt: opt, bench: map[string]*benchSlot{}, trayLeft: opt.Tray,
		Product: Product{ID: ProductID, Slug: ProductSlug, Name: ProductName}}
	var err error
	if w.batch, err = randomHex(4); err != nil {
		return nil, err
	}
	if w.clientSec, err = randomHex(20); err != nil {
		return nil, err
	}
	pw, err := randomHex(6)
	if err != nil {
		return nil, err
	}
	w.wifiPass = "factory-" + pw
	w.ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))

	ok := false
	defer func() {
		if !ok {
			w.Close()
		}
	}()
	w.Cloud = cloudtest.New(cloudtest.Options{Latency: opt.CloudLatency})
	w.seedCloud()
	w.API = &cloud.Client{BaseURL: w.Cloud.URL(), Timeout: 30 * time.Second}
	w.UserClient = w.API.WithToken(w.Cloud.UserToken(UserEmail))
	w.ProductClient = w.API.WithToken(w.Cloud.ProductToken(ProductID))

	if err := w.setupProfiles(ctx, dir); err != nil {
		return nil, err
	}
	if err := w.signIn(ctx); err != nil {
		return nil, err
	}
	// A demo folder from before the database keeps its attempts.
	if w.Journal, err = provisioning.OpenStationJournal(filepath.Join(dir, JournalFile), filepath.Join(dir, "journal.jsonl")); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	creds, err := provisioning.ResolveCredentials(ctx, w.Secrets, w.Profile)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	limit := provisioning.NewCloudLimit(0, nil)
	w.Sessions = &provisioning.CloudSessions{API: provisioning.NewCloudAPI(w.API), Limit: limit}
	cs := w.Sessions.For(w.Profile, creds.ClientSecret)
	w.Pipeline = &provisioning.Pipeline{
		Profile:      w.Profile,
		Credentials:  creds,
		Cloud:        w.Sessions.API,
		Journal:      w.Journal,
		Station:      StationName,
		Operator:     OperatorName,
		Timeouts:     opt.Timeouts,
		PollInterval: opt.PollInterval,
		Limit:        limit,
		Tokens:       cs.Tokens,
		Watcher:      cs.Watcher,
	}

	w.plugInitialBench()
	w.Ports = provisioning.PortWatcherFunc(w.ports)
	w.Open = w.open
	if w.Station, err = provisioning.New(provisioning.Config{Pipeline: w.Pipeline, Ports: w.Ports, Open: w.Open,
		ScanInterval: opt.ScanInterval}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if w.SoftAP, err = softaptest.New(softaptest.WithDeviceID(w.newDeviceID()), softaptest.WithWiFiPassword(w.wifiPass),
		softaptest.WithOnline(w.online), softaptest.WithNetworks(softapNetworks()...),
		softaptest.WithDelays(softapDelays(opt))); err != nil {
		return nil, fmt.Errorf("demo: SoftAP Photon: %w", err)
	}
	w.Cloud.AddDevice(cloudtest.Device{ID: w.SoftAP.DeviceID(), SystemFirmware: "2.3.1"})
	w.AP = newAccessPoints(w.SoftAP.DeviceID(), w.softAPToListening)

	events, unsubscribe := w.Station.Subscribe()
	w.unsubscribe = unsubscribe
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.runTray(events)
	}()
	if opt.PublishEvery > 0 {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.publishTemperatures()
		}()
	}
	ok = true
	return w, nil
}

// signIn signs the demo's supervisor in, password then two-step code,
// as a person does on the Profiles screen.
func (w *World) signIn(ctx context.Context) error {
	w.Supervisor = &provisioning.Supervisor{API: w.API, Secrets: w.Secrets}
	_, err := w.Supervisor.SignIn(ctx, UserEmail, UserPassword)
	if errors.Is(err, provisioning.ErrCodeNeeded) {
		_, err = w.Supervisor.SignInCode(ctx, UserCode)
	}
	if err != nil {
		return fmt.Errorf("demo: signing the supervisor in: %w", err)
	}
	return nil
}

// setupProfiles stores the demo's secrets in memory and saves both demo
// profiles in dir/profiles.
func (w *World) setupProfiles(ctx context.Context, dir string) error {
	sec := &provisioning.MemorySecrets{}
	w.Secrets = sec
	base := provisioning.Profile{
		Name:            ProfileName,
		Product:         ProductSlug,
		ClientID:        ClientID,
		SSID:            WiFiSSID,
		Security:        provisioning.SecurityWPA2,
		Cipher:          provisioning.CipherAES,
		Customer:        provisioning.CustomerEmail,
		CustomerPattern: CustomerPattern,
		Channel:         provisioning.ChannelSerial,
		VerifyTimeout:   w.opt.VerifyTimeout,
		NamePattern:     NamePattern,
		Notes:           "Demo job: simulated Photons and a simulated Particle Cloud. Nothing here touches real devices or accounts.",
		PostCheck:       &provisioning.PostCheck{Kind: provisioning.PostCheckVariable, Name: statusVariable, Expect: statusReady},
	}
	w.Profile = base
	w.SoftAPProfile = base
	w.SoftAPProfile.Name = SoftAPProfileName
	w.SoftAPProfile.Channel = provisioning.ChannelSoftAP

	store, err := provisioning.NewProfileStore(filepath.Join(dir, ProfilesDir), sec)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	w.Profiles = store
	for _, p := range []provisioning.Profile{w.Profile, w.SoftAPProfile} {
		stored := p
		stored.VerifyTimeout = max(stored.VerifyTimeout, minStoredTimeout)
		if err := store.Save(stored); err != nil {
			return fmt.Errorf("demo: saving profile %q: %w", p.Name, err)
		}
		if err := sec.Set(ctx, p.Name, provisioning.SecretClientSecret, w.clientSec); err != nil {
			return err
		}
		if err := sec.Set(ctx, p.Name, provisioning.SecretWiFiPassword, w.wifiPass); err != nil {
			return err
		}
	}
	return nil
}

// PipelineFor returns a pipeline that runs profile p against the demo's
// cloud and journal, sharing the station's cloud limit: the wizard's runner.
func (w *World) PipelineFor(ctx context.Context, p provisioning.Profile) (*provisioning.Pipeline, error) {
	creds, err := provisioning.ResolveCredentials(ctx, w.Secrets, p)
	if err != nil {
		return nil, err
	}
	cs := w.Sessions.For(p, creds.ClientSecret)
	return &provisioning.Pipeline{
		Profile:      p,
		Credentials:  creds,
		Cloud:        w.Pipeline.Cloud,
		Journal:      w.Journal,
		Station:      StationName,
		Operator:     OperatorName,
		Timeouts:     w.opt.Timeouts,
		PollInterval: w.opt.PollInterval,
		Limit:        w.Pipeline.Limit,
		Tokens:       cs.Tokens,
		Watcher:      cs.Watcher,
	}, nil
}

// softapDelays are the SoftAP Photon's delays: with the default Options
// they are softaptest.Realistic (a scan twice as long as a silent serial
// scan, configure-ap scanning again, the serial Photons' online and
// fall-back times).
func softapDelays(o Options) softaptest.Delays {
	return softaptest.Delays{ScanAP: 2 * o.ScanDelay, ConfigureAP: 2 * o.ScanDelay, Join: o.OnlineDelay, FallBack: o.FallBackAfter}
}

// softAPToListening plays the technician who follows the wizard's advice:
// a SoftAP Photon that left listening mode (it joined the factory network
// after an earlier run) is put back into it by holding SETUP, so its access
// point is there when the wizard looks for it.
func (w *World) softAPToListening() error {
	if w.SoftAP.Listening() {
		return nil
	}
	w.logf("demo: SETUP held on the SoftAP Photon: its access point is back")
	return w.SoftAP.EnterListeningMode()
}

// SoftAPDevice is the wizard's SoftAP Photon as a provisioning.Device:
// the laptop is taken to be on its access point already (see AP).
func (w *World) SoftAPDevice() provisioning.Device {
	client := &softap.Client{Addr: w.SoftAP.Addr()}
	return provisioning.Device{Slot: "softap", Open: func(context.Context) (provisioning.DeviceChannel, error) {
		return provisioning.NewSoftAPChannel(client), nil
	}}
}

// SerialDevice is the Photon on a bench port as a provisioning.Device, for
// the wizard's USB path.
func (w *World) SerialDevice(path string) (provisioning.Device, error) {
	w.mu.Lock()
	bs, ok := w.bench[path]
	w.mu.Unlock()
	if !ok {
		return provisioning.Device{}, fmt.Errorf("no Photon is connected on %s", path)
	}
	port := bs.port
	return provisioning.Device{Slot: path, Port: path, DeviceID: port.DeviceID,
		Open: func(ctx context.Context) (provisioning.DeviceChannel, error) { return w.open(ctx, port) }}, nil
}

// Close stops the station and every simulated part, and closes the
// journal. It is safe to call more than once.
func (w *World) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	if w.Station != nil {
		w.Station.Stop()
	}
	if w.cancel != nil {
		w.cancel()
	}
	if w.unsubscribe != nil {
		w.unsubscribe()
	}
	w.wg.Wait()
	w.mu.Lock()
	for _, t := range w.timers {
		t.Stop()
	}
	photons := w.all
	w.mu.Unlock()
	for _, p := range photons {
		p.Close()
	}
	var errs []error
	if w.SoftAP != nil {
		errs = append(errs, w.SoftAP.Close())
	}
	if w.Sessions != nil {
		w.Sessions.Close()
	}
	if w.Cloud != nil {
		w.Cloud.Close()
	}
	if w.Journal != nil {
		errs = append(errs, w.Journal.Close())
	}
	return errors.Join(errs...)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return hex.EncodeToString(b), nil
}

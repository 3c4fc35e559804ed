package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/demo"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/usbports"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/ui"
	"github.com/photon-station/photon-station/ui/devicetools"
	"github.com/photon-station/photon-station/ui/lang"
)

// station is what the GUI's screens are wired to: the real bench (USB
// ports, the OS keyring, the Particle Cloud) or the demo's simulated one.
// Both give the engine's own types; the adapters below turn them into the
// ui package's small interfaces.
type station struct {
	title    string
	profile  string // the profile the bench shows first ("" for the last used)
	profiles *provisioning.ProfileStore
	secrets  provisioning.Secrets
	journal  *provisioning.Journal
	api      *cloud.Client // no token: the pipelines' and Test connection's base client
	// sessions shares each profile's product token and event stream
	// between the bench, the wizard and the device tools.
	sessions *provisioning.CloudSessions
	// account is the supervisor's Particle sign-in; the device tools'
	// user routes use its token.
	account *provisioning.Supervisor

	// pipelineFor builds the pipeline of a stored profile.
	pipelineFor func(ctx context.Context, profile string) (*provisioning.Pipeline, error)
	// newStation builds the bench station of a profile.
	newStation func(ctx context.Context, pl *provisioning.Pipeline) (*provisioning.Station, error)
	// serialDevice and softAPDevice hand one Photon to the wizard.
	serialDevice func(ctx context.Context, path string) (provisioning.Device, error)
	softAPDevice func() provisioning.Device

	ap        ui.PhotonAP
	ports     ui.PortFinder
	console   ui.ConsoleOpener
	toolsFrom devicetools.Source
	close     func()
	world     *demo.World // the simulated bench, in demo mode

	// bench is the bench the screens drive (set by deps); shutdown stops
	// it before close releases the journal.
	bench *ui.StationBench
	// fleet sends the journal to the fleet database and keeps its
	// retention (made by deps); shutdown stops it before close.
	fleet *fleetLink
}

// shutdownTimeout bounds how long closing the app waits for the bench's
// attempts in flight to end and write their journal records.
const shutdownTimeout = 30 * time.Second

// shutdown stops the bench, waiting (at most shutdownTimeout, or until ctx
// ends) for its attempts to end and write their records, and then releases
// the station: closing the journal under a running attempt would lose its
// record.
func (s *station) shutdown(ctx context.Context) {
	if s.bench != nil {
		ctx, cancel := context.WithTimeout(ctx, shutdownTimeout)
		s.bench.Stop(ctx)
		cancel()
	}
	if s.fleet != nil {
		s.fleet.Close()
	}
	s.close()
}

// deps turns the station into the screens' dependencies.
func (s *station) deps() ui.Deps {
	bench := &ui.StationBench{NewStation: func(ctx context.Context, profile string) (ui.StationRunner, error) {
		pl, err := s.pipelineFor(ctx, profile)
		if err != nil {
			return nil, err
		}
		if pl.Profile.Channel == provisioning.ChannelSoftAP {
			return nil, errors.New(lang.L("The bench sends Wi-Fi over USB: pick a USB serial profile, or use One device for SoftAP."))
		}
		return s.newStation(ctx, pl)
	}}
	s.bench = bench
	d := ui.Deps{
		Station:        bench,
		Events:         bench.Events(),
		Profiles:       s.profiles,
		Secrets:        s.secrets,
		Journal:        s.journal,
		TestConnection: ui.ConnectionTesterFunc(s.testConnection),
		OneDevice:      ui.OneDeviceFunc(s.provisionOne),
		PhotonAP:       s.ap,
		Ports:          s.ports,
		Console:        s.console,
		Title:          s.title,
		Profile:        s.profile,
	}
	if s.account != nil {
		d.Account = s.account
	}
	if s.journal != nil {
		if s.fleet == nil {
			s.fleet = &fleetLink{journal: s.journal, secrets: s.secrets, log: os.Stderr}
		}
		d.Fleet = s.fleet
	}
	if s.toolsFrom != nil {
		src := s.toolsFrom
		if s.account != nil {
			src = signedInTools{Source: src, account: s.account}
		}
		// While a supervisor has locked the station, nobody at the bench
		// may use the supervisor's account.
		src = devicetools.WhileUnlocked(src, ui.EditingLocked)
		d.DeviceTools = func(w fyne.Window) fyne.CanvasObject { return devicetools.New(w, src) }
	}
	return d
}

// provisionOne runs the one-device wizard's attempt.
func (s *station) provisionOne(ctx context.Context, req ui.OneDeviceRequest, emit func(provisioning.Event)) error {
	pl, err := s.pipelineFor(ctx, req.Profile)
	if err != nil {
		return err
	}
	if req.ClaimDeviceID != "" {
		// The claim of an already-provisioned Photon through the cloud:
		// nothing is opened on the device.
		dev := provisioning.Device{Slot: req.Port, Port: req.Port, DeviceID: req.ClaimDeviceID}
		return pl.ClaimOnline(ctx, dev, emit).Err()
	}
	var dev provisioning.Device
	switch req.Channel {
	case provisioning.ChannelSoftAP:
		dev = s.softAPDevice()
	default:
		if dev, err = s.serialDevice(ctx, req.Port); err != nil {
			return err
		}
	}
	res := pl.RunDevice(ctx, dev, emit)
	if res.Outcome == provisioning.OutcomeProvisioned {
		return nil // a verdict the wizard shows, not a failure to start
	}
	return res.Err()
}

// testConnection is the profile editor's "Test connection": a product
// token from the profile's OAuth client, then what the cloud knows of the
// product. typedSecret is the secret just typed ("" uses the stored one).
func (s *station) testConnection(ctx context.Context, p provisioning.Profile, typedSecret string) (ui.ConnectionReport, error) {
	secret := typedSecret
	if secret == "" {
		var err error
		if secret, err = s.secrets.Get(ctx, p.Name, provisioning.SecretClientSecret); err != nil {
			return ui.ConnectionReport{}, err
		}
	}
	found, err := provisioning.CheckConnection(ctx, s.api, p, secret)
	if err != nil {
		return ui.ConnectionReport{}, err
	}
	return ui.ConnectionReport{ProductName: found.ProductName, Platform: found.Platform,
		Devices: found.Devices, Customers: found.Customers}, nil
}

// realStation wires the bench to USB ports, the OS keyring and the cloud
// at PARTICLE_API_URL (default https://api.particle.io).
func realStation() (*station, error) {
	base := os.Getenv("PARTICLE_API_URL")
	if base == "" {
		base = cloud.DefaultBaseURL
	}
	if err := cloud.CheckBaseURL(base); err != nil {
		return nil, fmt.Errorf("PARTICLE_API_URL: %w", err)
	}
	// The keychain is the source of a profile's secrets; the environment
	// stands in only on a computer without one (headless commands let the
	// environment win: cmd_provision.go).
	secrets := provisioning.KeychainSecrets{Store: provisioning.Keyring{}}
	dir, err := provisioning.DefaultProfileDir()
	if err != nil {
		return nil, err
	}
	store, err := provisioning.NewProfileStore(dir, secrets)
	if err != nil {
		return nil, err
	}
	journal, err := provisioning.OpenDefaultJournal()
	if err != nil {
		return nil, err
	}
	// The wizard's SoftAP Photon: its network's owner holds every cloud
	// request while the computer is on a Photon's access point.
	ap := provisioning.NewDeviceNetwork(provisioning.JoinerOf(&softap.Joiner{}), nil)
	api := ap.Guard(&cloud.Client{BaseURL: base})
	limit := provisioning.NewCloudLimit(0, nil)
	sessions := &provisioning.CloudSessions{API: provisioning.NewCloudAPI(api), Limit: limit}
	s := &station{
		title: lang.L("Photon Station"), profiles: store, secrets: secrets, journal: journal, api: api,
		sessions: sessions,
		account:  &provisioning.Supervisor{API: api, Secrets: secrets},
		pipelineFor: func(ctx context.Context, name string) (*provisioning.Pipeline, error) {
			p, err := store.Load(name)
			if err != nil {
				return nil, err
			}
			creds, err := provisioning.ResolveCredentials(ctx, secrets, p)
			if err != nil {
				return nil, err
			}
			cs := sessions.For(p, creds.ClientSecret)
			return &provisioning.Pipeline{Profile: p, Credentials: creds, Cloud: sessions.API,
				Journal: journal, Station: hostname(), Operator: operator(), Limit: limit,
				Tokens: cs.Tokens, Watcher: cs.Watcher}, nil
		},
		newStation: func(_ context.Context, pl *provisioning.Pipeline) (*provisioning.Station, error) {
			return provisioning.New(provisioning.Config{Pipeline: pl, Ports: provisioning.SerialPorts{Enumerate: usbports.List}, Open: provisioning.SerialOpener()})
		},
		serialDevice: func(ctx context.Context, path string) (provisioning.Device, error) {
			if path == "" {
				return provisioning.Device{}, errors.New(lang.L("Pick the USB port of the Photon first."))
			}
			// Named by its USB serial number, like a bench slot, so an
			// already-provisioned Photon is recognised.
			return provisioning.SerialDevice(ctx, provisioning.SerialPorts{Enumerate: usbports.List}, path), nil
		},
		softAPDevice: ap.Device,
		ap:           ap,
		ports:        ui.PortFinderFunc(serialPhotons),
		console:      ui.ConsoleOpenerFunc(openSerialConsole),
		close: func() {
			sessions.Close()
			journal.Close()
		},
	}
	s.toolsFrom = &profileTools{s: s, current: func() string {
		if a := fyne.CurrentApp(); a != nil {
			return a.Preferences().String(ui.PrefBenchProfile)
		}
		return ""
	}}
	return s, nil
}

// demoStation wires the bench to the demo's simulated Photons and cloud,
// keeping the demo's profiles and journal in dir.
func demoStation(ctx context.Context, dir string, opt demo.Options) (*station, error) {
	w, err := demo.Start(ctx, dir, opt)
	if err != nil {
		return nil, err
	}
	s := &station{
		title: lang.L("Photon Station (demo)"), profile: w.Profile.Name, profiles: w.Profiles, secrets: w.Secrets, journal: w.Journal, api: w.API,
		account: w.Supervisor,
		pipelineFor: func(ctx context.Context, name string) (*provisioning.Pipeline, error) {
			if name == w.Profile.Name {
				return w.Pipeline, nil
			}
			p, err := w.Profiles.Load(name)
			if err != nil {
				return nil, err
			}
			return w.PipelineFor(ctx, p)
		},
		newStation: func(_ context.Context, pl *provisioning.Pipeline) (*provisioning.Station, error) {
			if pl == w.Pipeline {
				return w.Station, nil
			}
			return provisioning.New(provisioning.Config{Pipeline: pl, Ports: w.Ports, Open: w.Open})
		},
		serialDevice: func(_ context.Context, path string) (provisioning.Device, error) { return w.SerialDevice(path) },
		softAPDevice: w.SoftAPDevice,
		ap:           demoAP{w.AP},
		ports:        w.PortFinder(),
		console:      w,
		toolsFrom:    devicetools.StaticSource{ProductClient: w.ProductClient, ProductID: w.Product.Slug, Customers: w.CustomerClient},
		close:        func() { w.Close() },
		world:        w,
	}
	return s, nil
}

// demoAP gives the demo's simulated Wi-Fi radio the wizard's WaitJoined:
// in the demo the laptop is on whichever network it last joined.
type demoAP struct{ *demo.AccessPoints }

func (a demoAP) WaitJoined(ctx context.Context) (string, error) { return a.Current(ctx) }

// Leave puts the demo laptop back on the factory network.
func (a demoAP) Leave(ctx context.Context) error { return a.Join(ctx, demo.WiFiSSID) }

// serialPhotons lists the USB serial ports that hold a Photon, with the
// device ID and USB position the OS tells.
func serialPhotons(ctx context.Context) ([]provisioning.Port, error) {
	ports, err := serialio.Detect(ctx, usbports.List)
	if err != nil {
		return nil, err
	}
	var out []provisioning.Port
	for _, p := range ports {
		if p.Mode == serialio.ModeSerial {
			out = append(out, provisioning.Port{Path: p.Path, DeviceID: p.DeviceID, Location: p.Location})
		}
	}
	return out, nil
}

// openSerialConsole streams a port's raw output for the serial monitor.
func openSerialConsole(ctx context.Context, port string) (io.ReadWriteCloser, error) {
	c, err := serialio.Open(ctx, port)
	if err != nil {
		return nil, err
	}
	return newConsoleStream(c), nil
}

// consoleStreamLimit bounds what a stream holds for a reader that has
// fallen behind; beyond it, output is dropped rather than blocking the
// console's reader.
const consoleStreamLimit = 1 << 20

// consoleStream is a console's output as an io.ReadWriteCloser (writes go
// to the device through the same open console). The console's
// monitor callback must not block, so output is buffered here; when the
// port stops (unplugged), Read returns the console's error after the
// buffered output.
type consoleStream struct {
	c    *serialio.Console
	stop func()

	mu   sync.Mutex
	buf  []byte
	err  error
	wake chan struct{}
	once sync.Once
}

func newConsoleStream(c *serialio.Console) *consoleStream {
	s := &consoleStream{c: c, wake: make(chan struct{})}
	s.stop = c.Monitor(s.write)
	go func() {
		<-c.Done()
		err := c.Err()
		if err == nil {
			err = io.EOF
		}
		s.end(err)
	}()
	return s
}

func (s *consoleStream) signalLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
}

func (s *consoleStream) write(p []byte) {
	s.mu.Lock()
	if len(s.buf)+len(p) <= consoleStreamLimit {
		s.buf = append(s.buf, p...)
	}
	s.signalLocked()
	s.mu.Unlock()
}

func (s *consoleStream) end(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.signalLocked()
	s.mu.Unlock()
}

func (s *consoleStream) Read(p []byte) (int, error) {
	for {
		s.mu.Lock()
		if len(s.buf) > 0 {
			n := copy(p, s.buf)
			s.buf = s.buf[n:]
			s.mu.Unlock()
			return n, nil
		}
		if s.err != nil {
			err := s.err
			s.mu.Unlock()
			return 0, err
		}
		wake := s.wake
		s.mu.Unlock()
		<-wake
	}
}

// Write sends p to the device through the open console.
func (s *consoleStream) Write(p []byte) (int, error) {
	if err := s.c.Send(context.Background(), p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close stops the stream and closes the port.
func (s *consoleStream) Close() error {
	s.once.Do(func() {
		s.stop()
		s.end(io.EOF)
		s.c.Close()
	})
	return nil
}

// signedInTools gives the device tools' user routes the signed-in
// supervisor's token; the product routes stay with Source.
type signedInTools struct {
	devicetools.Source
	account *provisioning.Supervisor
}

// UserCloud returns a client with the supervisor's token, or
// devicetools.ErrNotSignedIn (which the tools explain) when nobody is.
func (t signedInTools) UserCloud(ctx context.Context) (*cloud.Client, error) {
	c, err := t.account.Client(ctx)
	switch {
	case errors.Is(err, provisioning.ErrNotSignedIn):
		return nil, devicetools.ErrNotSignedIn
	case errors.Is(err, provisioning.ErrKeyringUnavailable):
		return nil, devicetools.Problem(lang.L("Nobody can be signed in: the system keychain, which keeps the sign-in, is not available on this computer."), err)
	}
	return c, err
}

// profileTools gives the device tools a product token from the job
// profile the bench shows (the one it last started, or else the first
// stored), reusing the token until shortly before it expires. User routes
// go through signedInTools.
type profileTools struct {
	s *station
	// current names the bench's profile; nil or "" means the first stored.
	current func() string
}

func (t *profileTools) pick() (provisioning.Profile, error) {
	names, err := t.s.profiles.List()
	if err != nil {
		return provisioning.Profile{}, err
	}
	if len(names) == 0 {
		return provisioning.Profile{}, devicetools.ErrNoProduct
	}
	name := names[0]
	if t.current != nil {
		if cur := t.current(); slices.Contains(names, cur) {
			name = cur
		}
	}
	return t.s.profiles.Load(name)
}

func (t *profileTools) Product() string {
	p, err := t.pick()
	if err != nil {
		return ""
	}
	return p.Product
}

// UserCloud: a job profile carries no user token; signedInTools wraps
// profileTools with the supervisor's sign-in.
func (t *profileTools) UserCloud(context.Context) (*cloud.Client, error) {
	return nil, devicetools.ErrNotSignedIn
}

// tokens is the bench's token source for the profile the tools work on.
func (t *profileTools) tokens(ctx context.Context) (provisioning.Profile, *provisioning.TokenSource, error) {
	p, err := t.pick()
	if err != nil {
		return p, nil, err
	}
	secret, err := t.s.secrets.Get(ctx, p.Name, provisioning.SecretClientSecret)
	switch {
	case errors.Is(err, provisioning.ErrSecretNotFound):
		return p, nil, devicetools.Problem(lang.L("The job profile {{.Name}} has no client secret in the keychain. A supervisor enters it on the Profiles screen.", map[string]any{"Name": p.Name}), err)
	case errors.Is(err, provisioning.ErrKeyringUnavailable):
		return p, nil, devicetools.Problem(lang.L("The client secret of the job profile {{.Name}} cannot be read: this computer has no keychain. The Profiles screen says how to get one.", map[string]any{"Name": p.Name}), err)
	case err != nil:
		return p, nil, devicetools.Problem(err.Error(), err)
	}
	return p, t.s.sessions.For(p, secret).Tokens, nil
}

func (t *profileTools) ProductCloud(ctx context.Context) (*cloud.Client, error) {
	_, ts, err := t.tokens(ctx)
	if err != nil {
		return nil, err
	}
	// The bench's own token: the device tools never ask for another.
	tok, err := ts.Product(ctx)
	if err != nil {
		return nil, err
	}
	return t.s.api.WithToken(tok.Value), nil
}

// CustomerCloud returns a client with the token of the product's customer
// email, through the profile's OAuth client (the shadow customer is
// created when it does not exist yet).
func (t *profileTools) CustomerCloud(ctx context.Context, email string) (*cloud.Client, error) {
	p, ts, err := t.tokens(ctx)
	if err != nil {
		return nil, err
	}
	tok, _, err := ts.Customer(ctx, p.Product, email, true)
	if err != nil {
		return nil, err
	}
	return t.s.api.WithToken(tok.Value), nil
}

package provisioning

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// e2e is the whole pipeline in-process over the real protocol code: the
// cloud client against cloudtest over loopback HTTP, serialio against the
// serialtest emulator (pipe or pseudo-terminal), softap against softaptest.
type e2e struct {
	t        *testing.T
	cloud    *cloudtest.Cloud
	pipeline *Pipeline
}

func newE2E(t *testing.T, p Profile) *e2e {
	t.Helper()
	c := cloudtest.New(cloudtest.Options{})
	t.Cleanup(c.Close)
	c.AddProduct(cloudtest.Product{ID: productID, Slug: productSlug, Name: "Acme Sensor"})
	c.AddOAuthClient(cloudtest.OAuthClient{ID: clientID, Secret: clientSecret, Name: "bench", ProductID: productID})
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	p.Name, p.Product, p.ClientID = "e2e", productSlug, clientID
	if p.Customer == "" {
		p.Customer = CustomerNone
	}
	p.VerifyTimeout = 10 * time.Second
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return &e2e{t: t, cloud: c, pipeline: &Pipeline{
		Profile:      p,
		Credentials:  Credentials{ClientSecret: clientSecret, WiFiPassword: wifiPassword},
		Cloud:        NewCloudAPI(&cloud.Client{BaseURL: c.URL(), Timeout: 5 * time.Second}),
		Journal:      j,
		Station:      "e2e",
		Timeouts:     Timeouts{Identify: 10 * time.Second, Cloud: 10 * time.Second, DeliverCode: 10 * time.Second, WiFi: 20 * time.Second},
		PollInterval: 10 * time.Millisecond,
	}}
}

func (e *e2e) run(dev Device) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return e.pipeline.RunDevice(ctx, dev, nil)
}

// online is the emulators' "device reached the cloud" callback.
func (e *e2e) online(id, claimCode string) {
	if err := e.cloud.DeviceOnline(id, claimCode); err != nil {
		e.t.Errorf("device online: %v", err)
	}
}

func (e *e2e) check(res Result, id, owner string) {
	e.t.Helper()
	if res.Outcome != OutcomePass {
		e.t.Fatalf("FAIL at %s: %s %s (%s)", res.FailedStep, res.Message, res.Action, res.Details)
	}
	d, ok := e.cloud.Device(id)
	if !ok || d.ProductID != productID || !d.Online || d.Owner != owner {
		e.t.Errorf("cloud state: %+v", d)
	}
	if leak := e.cloud.SecretsInURLs(); len(leak) > 0 {
		e.t.Errorf("secrets in URLs: %v", leak)
	}
}

var serialTimeouts = serialio.WithTimeouts(serialio.Timeouts{Answer: 2 * time.Second, Scan: 5 * time.Second, Prompt: 5 * time.Second, Save: 5 * time.Second})

func TestEndToEndSerial(t *testing.T) {
	for _, tc := range []struct {
		name     string
		customer bool
		pty      bool
	}{
		{"pipe, no customer", false, false},
		{"pipe, customer", true, false},
		{"pseudo-terminal, no customer", false, true},
		{"pseudo-terminal, customer", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Profile{SSID: wifiSSID, Security: SecurityWPA2, Channel: ChannelSerial}
			owner := ""
			if tc.customer {
				p.Customer, p.CustomerPattern, owner = CustomerEmail, customerMail, customerMail
			}
			e := newE2E(t, p)
			id := e.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373536"})
			ph := serialtest.New(serialtest.Config{DeviceID: id, Password: wifiPassword, OnOnline: e.online,
				Networks: map[string]serialio.Security{wifiSSID: serialio.SecurityWPA2}})
			t.Cleanup(func() { ph.Close() })
			dev := Device{Slot: "pipe", Open: func(ctx context.Context) (DeviceChannel, error) {
				return &SerialChannel{Console: serialio.NewConsole(ph.Pipe(), serialio.WithPortName("pipe"), serialTimeouts)}, nil
			}}
			if tc.pty {
				path, err := ph.PTY()
				if err != nil {
					t.Skipf("no pseudo-terminal: %v", err)
				}
				dev = Device{Slot: path, Port: path, Open: func(ctx context.Context) (DeviceChannel, error) {
					return OpenSerial(ctx, path, serialTimeouts)
				}}
			}
			res := e.run(dev)
			e.check(res, id, owner)
			rec := ph.Received()
			if rec.SSID != wifiSSID || rec.Password != wifiPassword || !rec.WiFiSaved {
				t.Errorf("device got SSID %q, saved %v", rec.SSID, rec.WiFiSaved)
			}
			if tc.customer != (rec.ClaimCode != "") {
				t.Errorf("claim code delivered = %v, want %v", rec.ClaimCode != "", tc.customer)
			}
			if res.Record.MAC != serialtest.DefaultMAC || res.Record.Firmware != "2.3.1" {
				t.Errorf("identify: MAC %q firmware %q", res.Record.MAC, res.Record.Firmware)
			}
		})
	}
}

func TestEndToEndSoftAP(t *testing.T) {
	for _, tc := range []struct {
		name      string
		customer  bool
		transport softap.Transport
	}{
		{"tcp, no customer", false, softap.TCP},
		{"tcp, customer", true, softap.TCP},
		{"http, customer", true, softap.HTTP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Profile{SSID: "Workshop", Security: SecurityWPA2, Channel: ChannelSoftAP}
			owner := ""
			if tc.customer {
				p.Customer, p.CustomerPattern, owner = CustomerGenerated, "@acme.example", "generated"
			}
			e := newE2E(t, p)
			id := e.cloud.AddDevice(cloudtest.Device{ID: "320020001847333531323135"})
			dev, err := softaptest.New(softaptest.WithDeviceID(id), softaptest.WithWiFiPassword(wifiPassword), softaptest.WithOnline(e.online))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { dev.Close() })
			client := &softap.Client{Addr: dev.Addr(), Transport: tc.transport, Timeouts: softap.Timeouts{Command: 2 * time.Second, ConfigureAP: 5 * time.Second}}
			res := e.run(Device{Slot: "softap", Open: func(context.Context) (DeviceChannel, error) { return NewSoftAPChannel(client), nil }})
			if owner == "generated" {
				owner = res.Customer
			}
			e.check(res, id, owner)
			rec := dev.Record()
			if rec.SSID != "Workshop" || rec.Password != wifiPassword || rec.Connects != 1 {
				t.Errorf("device record: SSID %q, connects %d", rec.SSID, rec.Connects)
			}
			if tc.customer != (rec.ClaimCode != "") {
				t.Errorf("claim code delivered = %v", rec.ClaimCode != "")
			}
		})
	}
}

// Faults through the real protocol code: the messages the lower layers'
// errors turn into, and nothing written to the device where it must not be.
func TestEndToEndFaults(t *testing.T) {
	type setup struct {
		cfg      serialtest.Config
		cloudDev cloudtest.Device
		profile  Profile
		unplug   bool
	}
	tests := []struct {
		name    string
		setup   setup
		step    Step
		message string
		action  string
		wrote   bool // whether the device got a claim code or Wi-Fi
	}{
		{"not in listening mode (application output)", setup{cfg: serialtest.Config{NotListening: true}},
			StepIdentify, "not in listening mode", "dark blue", false},
		{"silent device", setup{cfg: serialtest.Config{Silent: true}},
			StepIdentify, "does not answer", "dark blue", false},
		{"device in another product", setup{cloudDev: cloudtest.Device{ProductID: 99}, profile: Profile{Customer: CustomerEmail, CustomerPattern: customerMail}},
			StepImport, "another product", "supervisor", false},
		{"owned by someone else", setup{cloudDev: cloudtest.Device{Owner: "stranger@example.com"}, profile: Profile{Customer: CustomerEmail, CustomerPattern: customerMail}},
			StepImport, "not a member of this product", "release", false},
		{"wrong Wi-Fi password", setup{cfg: serialtest.Config{Password: "the-real-password"}},
			StepVerify, "Wi-Fi password", "", true},
		{"device refuses to save the credentials", setup{cfg: serialtest.Config{SaveFails: true}},
			StepWiFi, "could not save", "Retry", false},
		// A customer per device: its claim code is asked for after
		// identify (a fixed customer's is asked for while identify runs,
		// and the unplug could then land in identify).
		{"unplugged in the middle", setup{unplug: true, profile: Profile{Customer: CustomerEmail, CustomerPattern: "unit-{device_id}@acme.example"}},
			StepDeliverCode, "unplugged", "Plug it back in", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.setup.profile
			p.SSID, p.Security, p.Channel = wifiSSID, SecurityWPA2, ChannelSerial
			e := newE2E(t, p)
			e.pipeline.Profile.VerifyTimeout = 300 * time.Millisecond
			e.pipeline.Timeouts.Identify = time.Second
			if tc.setup.cloudDev.ProductID == 99 {
				e.cloud.AddProduct(cloudtest.Product{ID: 99, Name: "Other"})
			}
			cd := tc.setup.cloudDev
			cd.ID = "3a001d000247343339373536"
			id := e.cloud.AddDevice(cd)
			cfg := tc.setup.cfg
			cfg.DeviceID, cfg.OnOnline = id, e.online
			ph := serialtest.New(cfg)
			t.Cleanup(func() { ph.Close() })
			var console *serialio.Console
			if tc.setup.unplug {
				e.pipeline.Cloud = unplugOnClaimCode{CloudAPI: e.pipeline.Cloud, unplug: ph.Unplug}
			}
			res := e.run(Device{Slot: "pipe", Port: "pipe", Open: func(ctx context.Context) (DeviceChannel, error) {
				console = serialio.NewConsole(ph.Pipe(), serialio.WithPortName("pipe"),
					serialio.WithTimeouts(serialio.Timeouts{Answer: 300 * time.Millisecond, Claimed: 200 * time.Millisecond, Scan: time.Second, Prompt: time.Second, Save: time.Second}))
				return &SerialChannel{Console: console}, nil
			}})
			if res.Outcome != OutcomeFail || res.FailedStep != tc.step {
				t.Fatalf("%s at %s: %s (%s)", res.Outcome, res.FailedStep, res.Message, res.Details)
			}
			if !strings.Contains(res.Message, tc.message) || !strings.Contains(res.Action, tc.action) {
				t.Errorf("message %q / action %q", res.Message, res.Action)
			}
			rec := ph.Received()
			if wrote := rec.ClaimCode != "" || rec.SSID != ""; wrote != tc.wrote {
				t.Errorf("device written = %v (%+v), want %v", wrote, rec.SSID, tc.wrote)
			}
			// Nothing lost: the journal's final record matches.
			recs := e.pipeline.Journal.(*Journal).Records()
			if len(recs) != 1 || recs[0].Outcome != OutcomeFail || recs[0].FailedStep != tc.step {
				t.Errorf("journal: %+v", recs)
			}
			if d, _ := e.cloud.Device(id); d.Online {
				t.Error("the device is online after a failure")
			}
		})
	}
}

// unplugOnClaimCode pulls the cable right after the claim code is issued,
// so the device vanishes in the middle of the deliver-code step.
type unplugOnClaimCode struct {
	CloudAPI
	unplug func()
}

func (u unplugOnClaimCode) CreateClaimCode(ctx context.Context, tok Token, product string) (string, error) {
	c, err := u.CloudAPI.CreateClaimCode(ctx, tok, product)
	u.unplug()
	return c, err
}

// The station over the real serial code: Photons on pseudo-terminals,
// found by a scripted USB enumeration, provisioned at once.
func TestEndToEndStationPTY(t *testing.T) {
	e := newE2E(t, Profile{SSID: wifiSSID, Security: SecurityWPA2, Channel: ChannelSerial, Customer: CustomerEmail, CustomerPattern: "unit-{device_id}@acme.example"})
	var ids []string
	var paths []string
	var details []*serialio.ListedPort
	for i := 0; i < 3; i++ {
		id := e.cloud.AddDevice(cloudtest.Device{ID: "3a001d00024734333937353" + string(rune('0'+i))})
		ph := serialtest.New(serialtest.Config{DeviceID: id, Password: wifiPassword, OnOnline: e.online})
		t.Cleanup(func() { ph.Close() })
		path, err := ph.PTY()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		ids, paths = append(ids, id), append(paths, path)
		details = append(details, ph.PortDetails(path))
	}
	ports := SerialPorts{Enumerate: func(ctx context.Context) ([]*serialio.ListedPort, error) { return details, nil }}
	st, err := New(Config{Pipeline: e.pipeline, Ports: ports, Open: SerialOpener(serialTimeouts), ScanInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := st.Subscribe()
	defer cancel()
	if err := st.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	results := map[string]Outcome{}
	timeout := time.After(30 * time.Second)
	for len(results) < 3 {
		select {
		case ev := <-events:
			if ev.Kind == EventResult {
				results[ev.Slot] = ev.Outcome
			}
		case <-timeout:
			t.Fatalf("results so far: %v", results)
		}
	}
	want := map[string]Outcome{}
	for _, p := range paths {
		want[p] = OutcomePass
	}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	for _, id := range ids {
		if d, _ := e.cloud.Device(id); !d.Online || d.Owner != "unit-"+id+"@acme.example" {
			t.Errorf("%s: %+v", id, d)
		}
	}
}

// The adapters sort the lower layers' errors into the kinds the pipeline
// words for the technician. (A real busy or forbidden pseudo-terminal
// cannot be made here: root bypasses both checks.)
func TestAdapterErrorKinds(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		err  error
		want DeviceErrorKind
	}{
		{&serialio.Error{Kind: serialio.ErrPortBusy}, DevicePortBusy},
		{&serialio.Error{Kind: serialio.ErrPermissionDenied}, DevicePermissionDenied},
		{&serialio.Error{Kind: serialio.ErrPortNotFound}, DevicePortNotFound},
		{&serialio.Error{Kind: serialio.ErrUnplugged}, DeviceUnplugged},
		{&serialio.Error{Kind: serialio.ErrNotListening}, DeviceNotListening},
		{&serialio.Error{Kind: serialio.ErrSilent}, DeviceSilent},
		{&serialio.Error{Kind: serialio.ErrCredentialsNotSaved}, DeviceRejected},
		{&serialio.Error{Kind: serialio.ErrClaimCodeRejected}, DeviceRejected},
		{&serialio.Error{Kind: serialio.ErrEnterpriseNetwork}, DeviceUnsupported},
		{&serialio.Error{Kind: serialio.ErrInvalidInput}, DeviceBadInput},
		{&serialio.Error{Kind: serialio.ErrProtocol}, DeviceFault},
	}
	for _, tc := range tests {
		t.Run(tc.err.(*serialio.Error).Kind.Error(), func(t *testing.T) {
			if got := deviceKind(serialError(ctx, "/dev/ttyACM0", tc.err)); got != tc.want {
				t.Errorf("kind %d, want %d", got, tc.want)
			}
		})
	}
	softTests := []struct {
		err  error
		want DeviceErrorKind
	}{
		{&softap.TransportError{Command: "device-id", Addr: "192.168.0.1:5609", Err: errors.New("refused")}, DeviceUnreachable},
		{softap.ErrSSIDLength, DeviceBadInput},
		{softap.ErrPasswordLength, DeviceBadInput},
		{softap.ErrNetworkNotFound, DeviceRejected},
		{softap.ErrKeyUnavailable, DeviceUnsupported},
		{&softap.ProtocolError{Command: "set", Detail: "junk"}, DeviceFault},
	}
	for _, tc := range softTests {
		if got := deviceKind(softapError(ctx, tc.err)); got != tc.want {
			t.Errorf("%v: kind %d, want %d", tc.err, got, tc.want)
		}
	}
	// A context that ended stays a context error (a step timeout).
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := serialError(cctx, "p", &serialio.Error{Kind: serialio.ErrSilent}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

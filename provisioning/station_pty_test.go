package provisioning

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// The bench on real pseudo-terminals: serialio opens and reads the
// emulated Photon's pty as it opens a USB port, and the tests' port
// watchers list the pty paths (enumeration never lists ptys).

// ptyPhoton is an emulated Photon on a pseudo-terminal, in the cloud.
func ptyPhoton(t *testing.T, e *e2e, cfg serialtest.Config) (*serialtest.Photon, string) {
	t.Helper()
	cfg.DeviceID = e.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373536"})
	cfg.Password, cfg.OnOnline = wifiPassword, e.online
	cfg.Networks = map[string]serialio.Security{wifiSSID: serialio.SecurityWPA2}
	ph := serialtest.New(cfg)
	t.Cleanup(func() { ph.Close() })
	path, err := ph.PTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return ph, path
}

// ptyStation is a station over e's pipeline, opening ports with serialio.
func ptyStation(t *testing.T, e *e2e, ports PortWatcher) *stationBench {
	t.Helper()
	st, err := New(Config{Pipeline: e.pipeline, Ports: ports, Open: SerialOpener(serialTimeouts),
		ScanInterval: 2 * time.Millisecond, ScanTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := st.Subscribe()
	t.Cleanup(cancel)
	t.Cleanup(st.Stop)
	return &stationBench{station: st, events: events}
}

func ptyProfile() Profile {
	return Profile{SSID: wifiSSID, Security: SecurityWPA2, Channel: ChannelSerial, Customer: CustomerEmail, CustomerPattern: customerMail}
}

// A Photon that passed and is still plugged in (running its application)
// when the bench starts is already provisioned: nothing written, no FAIL.
func TestStationPTYPassedPhotonStillPluggedIn(t *testing.T) {
	e := newE2E(t, ptyProfile())
	ph, path := ptyPhoton(t, e, serialtest.Config{})
	id := ph.DeviceID()
	usb := PortWatcherFunc(func(context.Context) ([]Port, error) { return []Port{{Path: path, DeviceID: id}}, nil })
	e.check(e.run(SerialDevice(t.Context(), usb, path, serialTimeouts)), id, customerMail)
	written := ph.Received()
	e.cloud.SetOnline(id, false) // the journal alone knows it passed

	sb := ptyStation(t, e, usb)
	if err := sb.station.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, path)[path]
	if res.Outcome != OutcomeProvisioned {
		t.Fatalf("%s: %s", res.Outcome, res.Message)
	}
	if got := ph.Received(); got != written {
		t.Errorf("the device got %+v after it passed, had %+v", got, written)
	}
	sb.station.Stop()
	noFailureAfterPass(t, e.pipeline.Journal.(*Journal), id)
}

// One empty scan between two full ones while the Photon is inside the
// Wi-Fi questions cancels nothing: the attempt passes.
func TestStationPTYOneEmptyScanMidDialogue(t *testing.T) {
	e := newE2E(t, ptyProfile())
	atPassword, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ph, path := ptyPhoton(t, e, serialtest.Config{OnPrompt: func(p string) {
		if p == "Password: " {
			once.Do(func() { close(atPassword) })
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
	}})
	full := []Port{{Path: path, DeviceID: ph.DeviceID()}}
	scans := make(chan []Port)
	sb := ptyStation(t, e, PortWatcherFunc(func(ctx context.Context) ([]Port, error) {
		select {
		case p := <-scans:
			return p, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}))
	if err := sb.station.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	sendScan(t, scans, full)
	go func() { // full scans until the Photon is at its password question
		for {
			select {
			case <-atPassword:
				return
			case scans <- full:
			}
		}
	}()
	select {
	case <-atPassword:
	case <-time.After(20 * time.Second):
		t.Fatalf("the Photon was never asked for its password; slots %+v", sb.station.Slots())
	}
	sendScan(t, scans, nil) // one empty scan
	sendScan(t, scans, full)
	sendScan(t, scans, full) // the scans above are applied now
	if s, ok := slotByName(sb.station, path); !ok || s.State != SlotRunning {
		t.Fatalf("after one empty scan: %+v (listed %v), want still running", s, ok)
	}
	close(release)
	go func() {
		for {
			select {
			case scans <- full:
			case <-time.After(10 * time.Second):
				return
			}
		}
	}()
	res := sb.await(t, EventResult, path)[path]
	if res.Outcome != OutcomePass {
		t.Errorf("%s at %s: %s", res.Outcome, res.Step, res.Message)
	}
	if !ph.Received().WiFiSaved {
		t.Error("the Photon did not store its Wi-Fi settings")
	}
}

// The Photon's pty closed under the station (the emulator's side, as a
// pulled cable ends a USB port) while the listing still shows it: the
// console's failed read is an unplug at once, not a FAIL.
func TestStationPTYClosedUnderTheStationIsAnUnplug(t *testing.T) {
	e := newE2E(t, ptyProfile())
	atPassword, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ph, path := ptyPhoton(t, e, serialtest.Config{OnPrompt: func(p string) {
		if p == "Password: " {
			once.Do(func() { close(atPassword) })
			<-release
		}
	}})
	var mu sync.Mutex
	listed := []Port{{Path: path, DeviceID: ph.DeviceID()}}
	sb := ptyStation(t, e, PortWatcherFunc(func(context.Context) ([]Port, error) {
		mu.Lock()
		defer mu.Unlock()
		return listed, nil
	}))
	if err := sb.station.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-atPassword:
	case <-time.After(20 * time.Second):
		t.Fatalf("the Photon was never asked for its password; slots %+v", sb.station.Slots())
	}
	ph.Unplug()
	close(release)
	det := sb.await(t, EventDetached, path)[path]
	mu.Lock()
	listed = nil // gone from the listing only after the console said so
	mu.Unlock()
	res := sb.await(t, EventResult, path)[path]
	if det.Kind != EventDetached || !res.Interrupted || !strings.Contains(res.Message, "unplugged") {
		t.Errorf("result %+v, want an interrupted unplug", res)
	}
}

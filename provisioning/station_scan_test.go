package provisioning

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/serialio/serialtest"
)

// scripted makes the station's scans answer what the test sends, one
// answer per scan, so a test knows exactly which listings it saw. A send
// returns once the station asked: the scan before it has been applied.
func (sb *stationBench) scripted() chan<- []Port {
	scans := make(chan []Port)
	sb.station.cfg.Ports = PortWatcherFunc(func(ctx context.Context) ([]Port, error) {
		select {
		case p := <-scans:
			return p, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	return scans
}

// listing is what the hub lists now.
func (sb *stationBench) listing() []Port {
	sb.hub.mu.Lock()
	defer sb.hub.mu.Unlock()
	return append([]Port(nil), sb.hub.ports...)
}

func sendScan(t *testing.T, scans chan<- []Port, ports []Port) {
	t.Helper()
	select {
	case scans <- ports:
	case <-time.After(10 * time.Second):
		t.Fatal("the station stopped scanning")
	}
}

// One empty or partial listing (a hub reset, a driver being installed)
// between two full ones cancels nothing; two in a row are an unplug.
func TestStationOneMissedScanIsNoUnplug(t *testing.T) {
	sb := newStationBench(t)
	scans := sb.scripted()
	first := sb.photon("/dev/ttyACM0", 1, held)
	sb.photon("/dev/ttyACM1", 2, held)
	full := sb.listing()
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sendScan(t, scans, full)
	select {
	case <-first.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the Photon did not start")
	}
	sendScan(t, scans, nil)      // empty
	sendScan(t, scans, full)     // full again
	sendScan(t, scans, full[1:]) // partial: ttyACM0 missing once
	sendScan(t, scans, full)
	sendScan(t, scans, full) // the scans above are applied now
	for _, name := range []string{"/dev/ttyACM0", "/dev/ttyACM1"} {
		if st, ok := slotByName(sb.station, name); !ok || st.State != SlotRunning {
			t.Errorf("%s after one missed scan: %+v (listed %v), want still running", name, st, ok)
		}
	}
	// ttyACM1 is missing from two scans in a row: unplugged.
	sendScan(t, scans, full[:1])
	sendScan(t, scans, full[:1])
	sendScan(t, scans, full[:1])
	det := sb.await(t, EventDetached, "/dev/ttyACM1")
	if det["/dev/ttyACM1"].Kind != EventDetached {
		t.Fatalf("no detach: %+v", det)
	}
	close(first.hold)
	go func() {
		for {
			select {
			case scans <- full[:1]:
			case <-time.After(10 * time.Second):
				return
			}
		}
	}()
	res := sb.await(t, EventResult, "/dev/ttyACM0")["/dev/ttyACM0"]
	if res.Outcome != OutcomePass {
		t.Errorf("the Photon that missed one scan ended %s: %s", res.Outcome, res.Message)
	}
	sb.station.Stop()
	for _, r := range sb.journal.Records() {
		if r.Port == "/dev/ttyACM0" && r.Outcome != OutcomePass {
			t.Errorf("ttyACM0 has a %s record: %s", r.Outcome, r.Message)
		}
	}
}

// A console read that fails because the Photon went away is an unplug at
// once, before any scan misses the port: no FAIL, not counted.
func TestStationConsoleUnplugIsAnUnplugAtOnce(t *testing.T) {
	sb := newStationBench(t)
	scans := sb.scripted()
	sb.photon("/dev/ttyACM0", 1, func(ph *fakePhoton) {
		ph.identifyErr = &DeviceError{Kind: DeviceUnplugged, Port: "/dev/ttyACM0", Message: "The Photon on /dev/ttyACM0 was unplugged."}
	})
	full := sb.listing()
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sendScan(t, scans, full)
	// Only this one scan listed it, and it still does: the detach comes
	// from the console.
	det := sb.await(t, EventDetached, "/dev/ttyACM0")["/dev/ttyACM0"]
	res := sb.await(t, EventResult, "/dev/ttyACM0")["/dev/ttyACM0"]
	if det.Kind != EventDetached || !res.Interrupted || !strings.Contains(res.Message, "unplugged") {
		t.Errorf("result %+v, want an interrupted unplug", res)
	}
	if _, ok := slotByName(sb.station, "/dev/ttyACM0"); ok {
		t.Error("the slot is still listed")
	}
	if c := sb.station.Counters(); c.Failed != 0 {
		t.Errorf("counters %+v: an unplugged Photon is not a failure", c)
	}
}

// A Photon whose application enables a second USB serial interface is one
// slot: the bench's port watcher lists its first interface only.
func TestSerialPortsListAPhotonWithTwoInterfacesOnce(t *testing.T) {
	ph := serialtest.New(serialtest.Config{DeviceID: "3a001d000247343339373536"})
	defer ph.Close()
	var bus serialtest.Bus
	bus.Plug("COM7", ph)
	bus.Plug("COM8", ph) // the same device's second CDC interface
	ports, err := SerialPorts{Enumerate: bus.Enumerate}.Ports(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 1 || ports[0].Path != "COM7" || ports[0].DeviceID != "3a001d000247343339373536" {
		t.Errorf("ports %+v, want the Photon once, on COM7", ports)
	}
}

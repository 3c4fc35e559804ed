package serialio_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/serialio"
)

var serialNumberCases = []struct {
	name, sn, want string
	ok             bool
}{
	{"bare lower", "3a001d000247343339373536", "3a001d000247343339373536", true},
	{"bare upper", "3A001D000247343339373536", "3a001d000247343339373536", true},
	{"windows PNP device ID", `USB\VID_2B04&PID_C006\3A001D000247343339373536`, "3a001d000247343339373536", true},
	{"windows enumerator plus form", `USB\VID_2B04+PID_C006+3A001D000247343339373536`, "3a001d000247343339373536", true},
	{"windows interface instance", `USB\VID_2B04&PID_C006&MI_00\6&1A2B3C4D&0&0000`, "", false},
	{"old fixed serial", "00000000050C", "", false},
	{"25 hex digits", "3a001d0002473433393735361", "", false},
	{"empty", "", "", false},
}

func TestDeviceIDFromSerialNumber(t *testing.T) {
	for _, tc := range serialNumberCases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := serialio.DeviceIDFromSerialNumber(tc.sn)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzDeviceIDFromSerialNumber(f *testing.F) {
	for _, tc := range serialNumberCases {
		f.Add(tc.sn)
	}
	f.Fuzz(func(t *testing.T, sn string) {
		id, ok := serialio.DeviceIDFromSerialNumber(sn)
		if ok && !lowerID.MatchString(id) {
			t.Fatalf("%q gave %q", sn, id)
		}
	})
}

func TestClassify(t *testing.T) {
	id := "3a001d000247343339373536"
	for _, tc := range []struct {
		name string
		in   serialio.ListedPort
		want serialio.Port
		ok   bool
	}{
		{"photon", serialio.ListedPort{Name: "/dev/ttyACM0", IsUSB: true, VID: "2B04", PID: "C006", SerialNumber: id},
			serialio.Port{Path: "/dev/ttyACM0", DeviceID: id, Mode: serialio.ModeSerial, Platform: "Photon", VID: 0x2B04, PID: 0xC006, SerialNumber: id}, true},
		{"lower-case IDs", serialio.ListedPort{Name: "/dev/ttyACM1", IsUSB: true, VID: "2b04", PID: "c006", SerialNumber: "00000000050C"},
			serialio.Port{Path: "/dev/ttyACM1", Mode: serialio.ModeSerial, Platform: "Photon", VID: 0x2B04, PID: 0xC006, SerialNumber: "00000000050C"}, true},
		{"P1", serialio.ListedPort{Name: "COM7", IsUSB: true, VID: "2B04", PID: "C008", SerialNumber: id},
			serialio.Port{Path: "COM7", DeviceID: id, Mode: serialio.ModeSerial, Platform: "P1", VID: 0x2B04, PID: 0xC008, SerialNumber: id}, true},
		{"DFU", serialio.ListedPort{Name: "usb:1-2", IsUSB: true, VID: "2B04", PID: "D006", SerialNumber: id},
			serialio.Port{Path: "usb:1-2", DeviceID: id, Mode: serialio.ModeDFU, Platform: "Photon", VID: 0x2B04, PID: 0xD006, SerialNumber: id}, true},
		{"electron is not ours", serialio.ListedPort{Name: "/dev/ttyACM2", IsUSB: true, VID: "2B04", PID: "C00A"}, serialio.Port{}, false},
		{"other vendor", serialio.ListedPort{Name: "/dev/ttyUSB0", IsUSB: true, VID: "0403", PID: "6001"}, serialio.Port{}, false},
		{"not USB", serialio.ListedPort{Name: "/dev/ttyS0"}, serialio.Port{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := serialio.Classify(&tc.in)
			if ok != tc.ok {
				t.Fatalf("ok = %v", ok)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	dfu, _ := serialio.Classify(&serialio.ListedPort{Name: "usb:1-2", IsUSB: true, VID: "2B04", PID: "D006"})
	if dfu.Advice() == "" {
		t.Error("a DFU-mode device gets no advice")
	}
}

// scriptedBus is a USB bus whose contents the test changes.
type scriptedBus struct {
	mu    sync.Mutex
	ports []*serialio.ListedPort
	err   error
	polls chan struct{}
}

func (b *scriptedBus) set(err error, ports ...*serialio.ListedPort) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ports, b.err = ports, err
}

func (b *scriptedBus) enumerate(ctx context.Context) ([]*serialio.ListedPort, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ports, b.err
}

func photonAt(path, id string) *serialio.ListedPort {
	return &serialio.ListedPort{Name: path, IsUSB: true, VID: "2B04", PID: "C006", SerialNumber: id}
}

func nextEvent(t *testing.T, ch <-chan serialio.Event) serialio.Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no watcher event within 5 s")
		return serialio.Event{}
	}
}

func TestWatcherReportsArrivalsAndDepartures(t *testing.T) {
	idA, idB := "3a001d000247343339373536", "1f0044000a47343432313031"
	bus := &scriptedBus{}
	bus.set(nil, photonAt("/dev/ttyACM0", idA))
	w := &serialio.Watcher{Enumerate: bus.enumerate, Interval: time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	events := make(chan serialio.Event)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, events) }()

	type ev struct {
		Kind serialio.EventKind
		Path string
		ID   string
	}
	got := func() ev {
		e := nextEvent(t, events)
		return ev{e.Kind, e.Port.Path, e.Port.DeviceID}
	}
	if diff := cmp.Diff(ev{serialio.Arrived, "/dev/ttyACM0", idA}, got()); diff != "" {
		t.Fatalf("present at start (-want +got):\n%s", diff)
	}
	bus.set(nil, photonAt("/dev/ttyACM0", idA), photonAt("/dev/ttyACM1", idB))
	if diff := cmp.Diff(ev{serialio.Arrived, "/dev/ttyACM1", idB}, got()); diff != "" {
		t.Fatalf("second plugged in (-want +got):\n%s", diff)
	}
	// A flaky listing is reported once and makes nobody depart.
	bus.set(errors.New("sysfs hiccup"))
	if e := nextEvent(t, events); e.Kind != serialio.ListFailed || e.Err == nil {
		t.Fatalf("got %+v, want ListFailed", e)
	}
	bus.set(nil, photonAt("/dev/ttyACM1", idB))
	if diff := cmp.Diff(ev{serialio.Departed, "/dev/ttyACM0", idA}, got()); diff != "" {
		t.Fatalf("first unplugged (-want +got):\n%s", diff)
	}
	// Another device on a reused path is a departure and an arrival.
	bus.set(nil, photonAt("/dev/ttyACM1", idA))
	if diff := cmp.Diff(ev{serialio.Departed, "/dev/ttyACM1", idB}, got()); diff != "" {
		t.Fatalf("swap departure (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ev{serialio.Arrived, "/dev/ttyACM1", idA}, got()); diff != "" {
		t.Fatalf("swap arrival (-want +got):\n%s", diff)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

func TestWatcherReportsWithinASecondByDefault(t *testing.T) {
	bus := &scriptedBus{}
	w := &serialio.Watcher{Enumerate: bus.enumerate} // default interval
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	events := make(chan serialio.Event, 4)
	go w.Run(ctx, events)
	bus.set(nil, photonAt("/dev/ttyACM0", "3a001d000247343339373536"))
	start := time.Now()
	e := nextEvent(t, events)
	if e.Kind != serialio.Arrived || time.Since(start) > time.Second {
		t.Errorf("got %v after %v, want an arrival within a second", e.Kind, time.Since(start))
	}
}

// fakeSysfsTTY builds a /sys/class/tty whose ttys link into a USB tree the
// way Linux's do: class/tty/ttyACM0/device -> devices/.../1-1.3/1-1.3:1.0.
func fakeSysfsTTY(t *testing.T, ttys map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for tty, usb := range ttys {
		// "1-1.3:1.2" names the interface; "1-1.3" means its first, :1.0.
		usb, ifname, named := strings.Cut(usb, ":")
		if !named {
			ifname = "1.0"
		}
		iface := filepath.Join(root, "devices", "pci0000:00", "usb1", usb, usb+":"+ifname)
		if usb == "" {
			iface = filepath.Join(root, "devices", "platform", "serial8250")
		}
		if err := os.MkdirAll(iface, 0o755); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "class", "tty", tty)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(iface, filepath.Join(dir, "device")); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "class", "tty")
}

func TestUSBLocationFromSysfs(t *testing.T) {
	root := fakeSysfsTTY(t, map[string]string{"ttyACM0": "1-1.3", "ttyACM1": "2-4", "ttyACM2": "1-1.4.2", "ttyS0": ""})
	for tty, want := range map[string]string{"ttyACM0": "1-1.3", "ttyACM1": "2-4", "ttyACM2": "1-1.4.2", "ttyS0": "", "ttyACM9": "", "../x": ""} {
		if got := serialio.UsbLocationForTest(root, tty); got != want {
			t.Errorf("%s: %q, want %q", tty, got, want)
		}
	}
	for loc, want := range map[string][3]string{"1-1.3": {"1", "3", "ok"}, "2-4": {"4", "", "ok"}, "1-1.4.2": {"1", "4.2", "ok"}, "usb:1-2": {"", "", ""}, "": {"", "", ""}} {
		c, h, ok := serialio.HubPort(loc)
		if got := [3]string{c, h, map[bool]string{true: "ok"}[ok]}; got != want {
			t.Errorf("HubPort(%q) = %v, want %v", loc, got, want)
		}
	}
}

func TestDetectAddsUSBLocationOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("USB positions come from Linux sysfs")
	}
	defer serialio.SetSysClassTTYForTest(fakeSysfsTTY(t, map[string]string{"ttyACM0": "1-1.3"}))()
	ports, err := serialio.Detect(t.Context(), func(context.Context) ([]*serialio.ListedPort, error) {
		return []*serialio.ListedPort{{Name: "/dev/ttyACM0", IsUSB: true, VID: "2B04", PID: "C006", SerialNumber: "3a001d000247343339373536"}}, nil
	})
	if err != nil || len(ports) != 1 || ports[0].Location != "1-1.3" {
		t.Fatalf("ports %+v, %v", ports, err)
	}
}

// A Photon whose application enables a second USB serial interface lists
// two CDC ports with one serial number; the bench must see one Photon, on
// the first interface (the setup console), wherever the OS numbered it.
func TestDetectKeepsTheFirstInterfaceOfAPhoton(t *testing.T) {
	const id = "3a001d000247343339373536"
	const other = "3a001d000247343339370000"
	port := func(name, sn string) *serialio.ListedPort {
		return &serialio.ListedPort{Name: name, IsUSB: true, VID: "2B04", PID: "C006", SerialNumber: sn}
	}
	paths := func(ports []serialio.Port) []string {
		var out []string
		for _, p := range ports {
			out = append(out, p.Path)
		}
		return out
	}
	t.Run("same serial number", func(t *testing.T) {
		defer serialio.SetSysClassTTYForTest(t.TempDir())() // no USB positions known
		ports, err := serialio.Detect(t.Context(), func(context.Context) ([]*serialio.ListedPort, error) {
			return []*serialio.ListedPort{port("COM10", id), port("COM9", id), port("COM4", other)}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := paths(ports), []string{"COM4", "COM9"}; !slices.Equal(got, want) {
			t.Errorf("ports %v, want %v", got, want)
		}
	})
	t.Run("old firmware serial numbers join nothing", func(t *testing.T) {
		defer serialio.SetSysClassTTYForTest(t.TempDir())()
		ports, err := serialio.Detect(t.Context(), func(context.Context) ([]*serialio.ListedPort, error) {
			return []*serialio.ListedPort{port("/dev/ttyACM0", "00000000050C"), port("/dev/ttyACM1", "00000000050C")}, nil
		})
		if err != nil || len(ports) != 2 {
			t.Errorf("ports %v, %v; want both Photons", paths(ports), err)
		}
	})
	t.Run("lowest interface at one USB position", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("USB interfaces come from Linux sysfs")
		}
		// The second interface got the lower tty number (it enumerated
		// first after a hub reset); the serial numbers do not hold an ID.
		defer serialio.SetSysClassTTYForTest(fakeSysfsTTY(t, map[string]string{
			"ttyACM0": "1-1.3:1.3", "ttyACM1": "1-1.3:1.0", "ttyACM2": "1-1.4:1.0"}))()
		ports, err := serialio.Detect(t.Context(), func(context.Context) ([]*serialio.ListedPort, error) {
			return []*serialio.ListedPort{port("/dev/ttyACM0", "00000000050C"), port("/dev/ttyACM1", "00000000050C"),
				port("/dev/ttyACM2", "00000000050C")}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := paths(ports), []string{"/dev/ttyACM1", "/dev/ttyACM2"}; !slices.Equal(got, want) {
			t.Errorf("ports %v, want %v", got, want)
		}
	})
}

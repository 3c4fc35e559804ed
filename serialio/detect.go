package serialio

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// USB identifiers of the devices the station works with (photon-serial.md
// section 1.1). The CDC PID is 0xC000|platform and the DFU PID 0xD000|platform.
const (
	VendorParticle   uint16 = 0x2B04
	ProductPhoton    uint16 = 0xC006
	ProductP1        uint16 = 0xC008
	ProductPhotonDFU uint16 = 0xD006
	ProductP1DFU     uint16 = 0xD008
)

// Mode is how a Photon presents itself on USB.
type Mode int

// USB modes. ModeSerial covers normal, listening and safe mode alike (the
// PID does not change); only the console can tell listening mode apart.
const (
	ModeSerial Mode = iota + 1 // CDC serial port: the console is reachable
	ModeDFU                    // bootloader (blinking yellow): no serial port
)

func (m Mode) String() string {
	switch m {
	case ModeSerial:
		return "serial"
	case ModeDFU:
		return "dfu"
	}
	return "unknown"
}

// Port is a Photon (or P1) found on USB.
type Port struct {
	// Path is the serial port to open ("/dev/ttyACM0", "COM5"). A DFU-mode
	// device has no serial port; Path is then its USB location ("usb:1-2").
	Path string
	// DeviceID is the 24-hex-digit device ID from the USB serial number,
	// lower-cased; empty when the serial number does not hold it (Device
	// OS before 0.6.0, or a Windows interface instance ID).
	DeviceID string
	Mode     Mode
	// Platform is "Photon" or "P1".
	Platform     string
	VID, PID     uint16
	SerialNumber string
	// Location is where the device sits on USB, as Linux names it: "1-1.3"
	// is bus 1, the computer's port 1, then port 3 of the hub plugged
	// there. Empty where the OS does not tell (macOS, Windows).
	Location string
}

// Key identifies this device on this port, for telling arrivals from
// departures: the same path with a different device is a new arrival.
func (p Port) Key() string { return p.Path + "\x00" + p.SerialNumber }

// Advice is what a technician should do about the port, or "" when it is
// ready for the console.
func (p Port) Advice() string {
	switch {
	case p.Mode == ModeDFU:
		return "This " + p.Platform + " is in DFU mode (blinking yellow). Press its RESET button, then hold SETUP about 3 seconds until it blinks dark blue."
	case p.DeviceID == "":
		return "The USB serial number does not hold the device ID (firmware older than 0.6.0); the station will ask the device itself."
	}
	return ""
}

// ListedPort is one port as the operating system lists it: its name
// (/dev/ttyACM0, COM7, or usb:1-2 for a DFU device with no serial port) and
// the USB identifiers it reports, as text.
type ListedPort struct {
	Name         string
	IsUSB        bool
	VID, PID     string
	SerialNumber string
	Product      string
}

// Enumerate lists USB serial ports with their VID, PID and serial number. It
// is the seam between detection and the operating system: package usbports
// has the real one, and tests pass a scripted function.
type Enumerate func(ctx context.Context) ([]*ListedPort, error)

// errNoEnumerate is Detect's answer when it is given nothing to list with.
var errNoEnumerate = errors.New("serialio: no way to list ports was given")

// parseUSBID reads a VID or PID as the enumerators print it ("2B04",
// "2b04", "0x2B04").
func parseUSBID(s string) (uint16, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if s == "" || len(s) > 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 16)
	return uint16(v), err == nil
}

// DeviceIDFromSerialNumber extracts the device ID from a USB serial number:
// the bare 24-hex-digit form (Device OS 0.6.0+ on Linux and macOS) or a
// Windows PNP device ID such as USB\VID_2B04&PID_C006\3A001D000247343339373536.
// It returns false for serial numbers without an ID (the fixed 00000000050C
// of older firmware, or an interface instance ID like 6&1A2B3C&0&0000).
func DeviceIDFromSerialNumber(sn string) (string, bool) {
	tokens := strings.FieldsFunc(sn, func(r rune) bool {
		return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	})
	for _, t := range tokens {
		if len(t) == DeviceIDLength && isHex(t) {
			return strings.ToLower(t), true
		}
	}
	return "", false
}

// Classify turns one enumerated port into a Port when it is a Photon or P1
// (serial or DFU), and reports false for anything else.
func Classify(d *ListedPort) (Port, bool) {
	if d == nil || !d.IsUSB {
		return Port{}, false
	}
	vid, ok1 := parseUSBID(d.VID)
	pid, ok2 := parseUSBID(d.PID)
	if !ok1 || !ok2 || vid != VendorParticle {
		return Port{}, false
	}
	p := Port{Path: d.Name, VID: vid, PID: pid, SerialNumber: d.SerialNumber}
	switch pid {
	case ProductPhoton:
		p.Mode, p.Platform = ModeSerial, "Photon"
	case ProductP1:
		p.Mode, p.Platform = ModeSerial, "P1"
	case ProductPhotonDFU:
		p.Mode, p.Platform = ModeDFU, "Photon"
	case ProductP1DFU:
		p.Mode, p.Platform = ModeDFU, "P1"
	default:
		return Port{}, false
	}
	p.DeviceID, _ = DeviceIDFromSerialNumber(d.SerialNumber)
	return p, true
}

// Detect lists the Photons on USB now, one port per Photon (the first
// interface of one with two USB serial interfaces), sorted by path.
func Detect(ctx context.Context, enum Enumerate) ([]Port, error) {
	if enum == nil {
		return nil, errNoEnumerate
	}
	list, err := enum(ctx)
	if err != nil {
		return nil, err
	}
	var found []listed
	for _, d := range list {
		if p, ok := Classify(d); ok {
			var iface usbInterface
			if loc, dfu := strings.CutPrefix(p.Path, "usb:"); dfu {
				p.Location = loc
			} else if runtime.GOOS == "linux" {
				p.Location, iface = usbPosition(sysClassTTY, filepath.Base(p.Path))
			}
			found = append(found, listed{Port: p, iface: iface})
		}
	}
	out := firstInterfaces(found)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// listed is a classified port and, on Linux, its USB interface.
type listed struct {
	Port
	iface usbInterface
}

// usbInterface is a USB interface's place in its device, from the sysfs
// name 1-1.3:1.2 (configuration 1, interface 2); known is false where the
// OS does not tell.
type usbInterface struct {
	config, number int
	known          bool
}

// before orders interfaces of one device: the lower configuration and
// interface number first.
func (i usbInterface) before(j usbInterface) bool {
	if i.config != j.config {
		return i.config < j.config
	}
	return i.number < j.number
}

// firstInterfaces keeps one port per Photon. A Photon whose application
// enables a second USB serial interface (USBSerial1) lists two CDC ports
// with the same USB serial number at the same USB position; the setup
// console is the first interface, so the one with the lowest interface
// number stays (or, where the OS does not tell interface numbers, the port
// with the lower number: the first interface enumerates first). Ports are
// the same Photon when their serial numbers hold the same device ID, or
// when they sit at the same USB position; a serial number without an ID
// (older firmware gives every Photon the same one) joins nothing.
func firstInterfaces(found []listed) []Port {
	key := func(l listed) []string {
		var k []string
		if l.Mode != ModeSerial {
			return nil
		}
		if l.DeviceID != "" {
			k = append(k, "id:"+l.DeviceID)
		}
		if l.Location != "" {
			k = append(k, "at:"+l.Location)
		}
		return k
	}
	keep := make([]bool, len(found))
	for i := range found {
		keep[i] = true
	}
	for i := range found {
		for j := range found {
			if i == j || !keep[i] || !keep[j] || !sharesKey(key(found[i]), key(found[j])) {
				continue
			}
			if firstOf(found[j], found[i]) {
				keep[i] = false
			}
		}
	}
	var out []Port
	for i, l := range found {
		if keep[i] {
			out = append(out, l.Port)
		}
	}
	return out
}

// sharesKey tells whether two key lists have a key in common.
func sharesKey(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// firstOf tells whether a is the earlier interface of the device a and b
// both belong to.
func firstOf(a, b listed) bool {
	if a.iface.known && b.iface.known && a.iface != b.iface {
		return a.iface.before(b.iface)
	}
	return portOrder(a.Path, b.Path)
}

var trailingNumber = regexp.MustCompile(`^(.*?)([0-9]+)$`)

// portOrder orders port names by their trailing number (COM3 before COM10,
// ttyACM2 before ttyACM10), then as text.
func portOrder(a, b string) bool {
	ma, mb := trailingNumber.FindStringSubmatch(a), trailingNumber.FindStringSubmatch(b)
	if ma != nil && mb != nil && ma[1] == mb[1] {
		na, _ := strconv.Atoi(ma[2])
		nb, _ := strconv.Atoi(mb[2])
		if na != nb {
			return na < nb
		}
	}
	return a < b
}

// sysClassTTY is where Linux lists serial devices; tests point it at a
// fake tree.
var sysClassTTY = "/sys/class/tty"

var usbPathPattern = regexp.MustCompile(`^[0-9]+-[0-9]+(\.[0-9]+)*$`)

var usbInterfacePattern = regexp.MustCompile(`^([0-9]+)\.([0-9]+)$`)

// usbPosition finds the USB position of a tty under a sysfs class folder:
// root/ttyACM0/device links to the USB interface (…/1-1.3/1-1.3:1.0),
// whose name before the colon is the position ("" when there is none) and
// after it the interface (1.0: configuration 1, interface 0).
func usbPosition(root, tty string) (string, usbInterface) {
	if tty == "" || tty == "." || strings.ContainsAny(tty, `/\`) {
		return "", usbInterface{}
	}
	target, err := filepath.EvalSymlinks(filepath.Join(root, tty, "device"))
	if err != nil {
		return "", usbInterface{}
	}
	loc, ifname, _ := strings.Cut(filepath.Base(target), ":")
	if !usbPathPattern.MatchString(loc) {
		return "", usbInterface{}
	}
	var iface usbInterface
	if m := usbInterfacePattern.FindStringSubmatch(ifname); m != nil {
		iface.config, _ = strconv.Atoi(m[1])
		iface.number, _ = strconv.Atoi(m[2])
		iface.known = true
	}
	return loc, iface
}

// HubPort splits a USB Location into what a technician can find: the
// computer's port and, when the device is behind a hub, its port on the
// hub ("3", or "4.2" behind two hubs). ok is false for a location that is
// not a USB path.
func HubPort(location string) (computerPort, hubPort string, ok bool) {
	if !usbPathPattern.MatchString(location) {
		return "", "", false
	}
	_, path, _ := strings.Cut(location, "-")
	computerPort, hubPort, _ = strings.Cut(path, ".")
	return computerPort, hubPort, true
}

// EventKind says what happened on the bus.
type EventKind int

// Watcher events.
const (
	Arrived    EventKind = iota + 1 // a Photon appeared (or changed mode)
	Departed                        // a Photon went away
	ListFailed                      // enumerating ports failed (Err says why)
)

func (k EventKind) String() string {
	switch k {
	case Arrived:
		return "arrived"
	case Departed:
		return "departed"
	case ListFailed:
		return "list failed"
	}
	return "unknown"
}

// Event is one change the Watcher saw.
type Event struct {
	Kind EventKind
	Port Port  // for Arrived and Departed
	Err  error // for ListFailed
}

// Watcher reports Photons arriving on and departing from USB by polling the
// port list. Its zero value polls the real system every 500 ms, so a change
// is reported well within a second.
type Watcher struct {
	// Enumerate lists ports; nil means SystemPorts.
	Enumerate Enumerate
	// Interval between polls; zero means 500 ms.
	Interval time.Duration
}

// Run polls until ctx ends, sending an event per change on events. The
// devices present at the start are reported as arrivals. A failed listing
// is reported once per distinct error and changes nothing, so a flaky
// enumeration never makes devices blink out. Run returns ctx's error.
func (w *Watcher) Run(ctx context.Context, events chan<- Event) error {
	interval := w.Interval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	known := map[string]Port{}
	lastErr := ""
	send := func(e Event) bool {
		select {
		case events <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		ports, err := Detect(ctx, w.Enumerate)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err.Error() != lastErr {
				lastErr = err.Error()
				if !send(Event{Kind: ListFailed, Err: err}) {
					return ctx.Err()
				}
			}
		} else {
			lastErr = ""
			now := map[string]Port{}
			for _, p := range ports {
				now[p.Key()] = p
			}
			var gone []Port
			for k, p := range known {
				if _, ok := now[k]; !ok {
					gone = append(gone, p)
				}
			}
			sort.Slice(gone, func(i, j int) bool { return gone[i].Path < gone[j].Path })
			for _, p := range gone {
				if !send(Event{Kind: Departed, Port: p}) {
					return ctx.Err()
				}
				delete(known, p.Key())
			}
			for _, p := range ports {
				if old, ok := known[p.Key()]; ok && old == p {
					continue
				}
				if !send(Event{Kind: Arrived, Port: p}) {
					return ctx.Err()
				}
				known[p.Key()] = p
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

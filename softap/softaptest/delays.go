package softaptest

import (
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// Delays are how long the emulated Photon takes, on its clock. The zero
// value answers at once, which most tests want.
type Delays struct {
	// ScanAP is how long scan-ap takes: the device runs a fresh Wi-Fi
	// scan and answers when it completes.
	ScanAP time.Duration
	// ConfigureAP is how long configure-ap takes: on 0.7.0 and later the
	// device scans for the network to learn its security (sniff_security,
	// up to 30 s) before it stores anything.
	ConfigureAP time.Duration
	// Join is how long a Photon with good credentials takes from
	// connect-ap's reply to reaching the cloud (the online callback).
	Join time.Duration
	// FallBack is how long a Photon that cannot join (wrong password,
	// nothing configured) takes from connect-ap's reply to being back in
	// listening mode with its access point up. The firmware gives up a
	// join after at most 60 s (wlan_connect_finalize).
	FallBack time.Duration
}

// Realistic are the delays of a Photon on a bench, for the demo: a scan of
// a few seconds, configure-ap scanning again, seconds to reach the cloud.
// The scan durations are not documented (docs/softap.md, "The emulator");
// these are within what the reference clients allow (softap-setup-js: 8 s
// per request, particle-cli: scan retried 10 times 2 s apart).
var Realistic = Delays{
	ScanAP:      3 * time.Second,
	ConfigureAP: 3 * time.Second,
	Join:        4 * time.Second,
	FallBack:    8 * time.Second,
}

// WithDelays sets how long the device takes (see Delays and Realistic).
func WithDelays(dl Delays) Option { return func(d *Device) { d.delays = dl } }

// WithClock makes the device wait on c instead of real time, so a test can
// hold a slow device in the middle of a command and release it.
func WithClock(c clock.Clock) Option { return func(d *Device) { d.clock = c } }

// Delays returns the delays the device was given.
func (d *Device) Delays() Delays { return d.delays }

// delayFor is how long command takes before its reply.
func (d *Device) delayFor(command string) time.Duration {
	if l, ok := d.latency[command]; ok {
		return l
	}
	switch command {
	case "scan-ap":
		return d.delays.ScanAP
	case "configure-ap":
		return d.delays.ConfigureAP
	}
	return 0
}

// sleep waits w on the device's clock; false means the device was closed.
func (d *Device) sleep(w time.Duration) bool {
	if w <= 0 {
		select {
		case <-d.done:
			return false
		default:
			return true
		}
	}
	t := d.clock.NewTimer(w)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-d.done:
		return false
	}
}

// Package softaptest emulates a Photon in listening mode on loopback: the
// SoftAP setup protocol over raw TCP and HTTP, as the firmware (device-os
// 2.3.x, hal/src/photon/softap.cpp and wlan_hal.cpp) serves it, quirks
// included. Tests and the station's demo mode point a softap.Client at
// Device.Addr().
//
// One listener serves both transports: the emulator tells them apart by the
// first bytes (an HTTP request line has a space before any LF; a raw TCP
// request's command name ends in LF), so a single host:port works for
// softap.Client whichever transport it uses. The listener stands for the
// Photon's access point: it is open only while the Photon is in listening
// mode.
//
// Faithful behaviour: strict flat-JSON requests (an unknown key or a wrong
// type gets no JSON back), the device ID in upper case, a fresh RSA-1024 key
// sent as 294 bytes (SPKI plus zero padding), real PKCS#1 v1.5 decryption of
// the password, result codes -2/-3/-4 and 1, WPA Enterprise configurations
// stored (PEAP and EAP-TLS, the private key decrypted with the AES key sent
// in "ek"), SSIDs written into scan-ap unescaped, the first raw TCP
// connection left open after its reply (device-os #1252) unless
// WithFirstConnectionClosed is given, one HTTP request per connection
// answered with "Connection: close", and the access point taken down right
// after connect-ap's reply: it comes back only when the Photon falls back to
// listening mode (it could not join) or EnterListeningMode is called. With
// WithDelays (Realistic, for the demo) scan-ap, configure-ap and the join
// take seconds on the Device's clock.
package softaptest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/softap"
)

// DefaultNetworks is the scan list a Device reports unless WithNetworks is
// given: two access points of one WPA2 network, an open one and a WEP one.
var DefaultNetworks = []softap.Network{
	{SSID: "Workshop", RSSI: -48, Code: softap.SecWPA2AESPSK, Channel: 6, MaxDataRate: 54000},
	{SSID: "Workshop", RSSI: -71, Code: softap.SecWPA2AESPSK, Channel: 11, MaxDataRate: 54000},
	{SSID: "Guest", RSSI: -60, Code: softap.SecOpen, Channel: 1, MaxDataRate: 54000},
	{SSID: "OldPrinter", RSSI: -80, Code: softap.SecWEPPSK, Channel: 3, MaxDataRate: 11000},
}

// Record is what the device was given, for tests to assert on. Strings hold
// the bytes the device stored, exactly.
type Record struct {
	ClaimCode string // from set
	SSID      string // from the last successful configure-ap
	Sec       int64  // its "sec"
	Channel   int    // its "ch"
	Password  string // its password (PEAP: the user's password), decrypted
	// Enterprise is the last WPA Enterprise configuration stored; the
	// device keeps one.
	Enterprise *Enterprise
	// Configured counts successful configure-ap requests; Connects counts
	// connect-ap requests.
	Configured int
	Connects   int
	// Commands lists every request as "tcp device-id" or "http scan-ap",
	// including rejected ones.
	Commands []string
}

// Option changes a Device's behaviour.
type Option func(*Device)

// WithDeviceID sets the 24-hex-digit device ID (any case).
func WithDeviceID(id string) Option { return func(d *Device) { d.id = strings.ToUpper(id) } }

// WithClaimed sets the device's claim flag ("c":"1").
func WithClaimed() Option { return func(d *Device) { d.claimed = true } }

// WithNetworks sets the scan list, one entry per access point; entries with
// an empty SSID are hidden networks and are not reported, as on the device.
func WithNetworks(nets ...softap.Network) Option {
	return func(d *Device) { d.networks = append([]softap.Network(nil), nets...) }
}

// WithFirstConnectionClosed turns off the #1252 quirk: the first raw TCP
// connection is closed after its reply like all others.
func WithFirstConnectionClosed() Option { return func(d *Device) { d.keepFirstOpen = false } }

// WithWiFiPassword makes the device come online only when the decrypted
// configure-ap password equals pw; otherwise it falls back to listening
// mode and its access point returns, as a Photon given a wrong password
// does.
func WithWiFiPassword(pw string) Option { return func(d *Device) { d.correctPassword = &pw } }

// WithOnline sets the callback run when the device "comes online" after
// connect-ap. It gets the device ID in the cloud's lower case and the claim
// code it was given (empty if none). It runs on the device's own goroutine
// once the join delay has passed.
func WithOnline(f func(deviceID, claimCode string)) Option { return func(d *Device) { d.online = f } }

// WithoutKey makes public-key answer {"r":1}, as a device without a key does.
func WithoutKey() Option { return func(d *Device) { d.noKey = true } }

// WithConnectReplyLost makes connect-ap reset the connection instead of
// replying, as happens when the access point goes down at once.
func WithConnectReplyLost() Option { return func(d *Device) { d.dropConnectReply = true } }

// WithKey uses a given RSA-1024 private key instead of a fresh one.
func WithKey(k *rsa.PrivateKey) Option { return func(d *Device) { d.key = k } }

// WithStall makes the device read the named command's request and then
// never answer, to exercise client timeouts. Close releases it.
func WithStall(command string) Option { return func(d *Device) { d.stall[command] = true } }

// WithRequestHook calls f for every request the device reads, before it
// answers, so tests can wait for a request without polling.
func WithRequestHook(f func(transport, command string)) Option {
	return func(d *Device) { d.hook = f }
}

// WithAccessPointHook calls f each time the access point goes down (up
// false: after connect-ap) or comes back (up true: the Photon fell back to
// listening mode), after the change took effect, so tests can wait for it.
func WithAccessPointHook(f func(up bool)) Option { return func(d *Device) { d.apHook = f } }

// WithLatency makes the device take d before answering the named command,
// on the Device's clock. It overrides WithDelays for that command.
func WithLatency(command string, d time.Duration) Option {
	return func(d2 *Device) { d2.latency[command] = d }
}

// Device is an emulated Photon in listening mode. It is safe for concurrent
// use; Close stops it.
type Device struct {
	// Set at construction, read-only afterwards.
	id               string
	networks         []softap.Network
	keepFirstOpen    bool
	correctPassword  *string
	online           func(deviceID, claimCode string)
	noKey            bool
	dropConnectReply bool
	key              *rsa.PrivateKey
	stall            map[string]bool
	hook             func(transport, command string)
	apHook           func(up bool)
	latency          map[string]time.Duration
	delays           Delays
	clock            clock.Clock
	tcpLocked        func() // test hook: the TCP service was taken
	addr             string // the access point's host:port, kept across its restarts
	httpLn           *chanListener
	httpSrv          *http.Server

	tcpMu sync.Mutex // the firmware's TCP server is single-threaded
	apMu  sync.Mutex // one restart of the access point at a time

	mu        sync.Mutex
	claimed   bool
	rec       Record
	firstSeen bool
	conns     map[net.Conn]bool
	ln        net.Listener // nil while the access point is down
	isOnline  bool
	apErr     error // the access point could not come back
	closed    bool
	done      chan struct{}
	wg        sync.WaitGroup
}

// New starts a Device on a loopback port, in listening mode.
func New(opts ...Option) (*Device, error) {
	d := &Device{
		id:            "3B0021001747353236343033",
		networks:      append([]softap.Network(nil), DefaultNetworks...),
		keepFirstOpen: true,
		stall:         map[string]bool{},
		latency:       map[string]time.Duration{},
		conns:         map[net.Conn]bool{},
		done:          make(chan struct{}),
		addr:          "127.0.0.1:0",
	}
	for _, o := range opts {
		o(d)
	}
	d.clock = clock.Or(d.clock)
	if _, err := hex.DecodeString(d.id); err != nil || len(d.id) != 24 {
		return nil, fmt.Errorf("softaptest: device ID %q is not 24 hex digits", d.id)
	}
	if d.key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			return nil, fmt.Errorf("softaptest: generating the device key: %w", err)
		}
		d.key = k
	}
	ln, err := net.Listen("tcp", d.addr)
	if err != nil {
		return nil, err
	}
	d.addr = ln.Addr().String()
	d.httpLn = &chanListener{addr: ln.Addr(), conns: make(chan net.Conn), done: d.done}
	d.httpSrv = &http.Server{Handler: http.HandlerFunc(d.serveHTTP), ConnContext: withConn}
	d.wg.Add(1)
	go func() { defer d.wg.Done(); _ = d.httpSrv.Serve(d.httpLn) }()
	d.mu.Lock()
	d.serve(ln)
	d.mu.Unlock()
	return d, nil
}

// Addr is the host:port serving both transports. It stays the same when the
// access point goes down and comes back.
func (d *Device) Addr() string { return d.addr }

// DeviceID is the device ID in the cloud's lower case.
func (d *Device) DeviceID() string { return strings.ToLower(d.id) }

// PublicKey is the device's public key, for tests that encrypt by hand.
func (d *Device) PublicKey() *rsa.PublicKey { return &d.key.PublicKey }

// Record returns a copy of what the device was given so far.
func (d *Device) Record() Record {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.rec
	r.Commands = append([]string(nil), d.rec.Commands...)
	if e := d.rec.Enterprise; e != nil {
		c := *e
		r.Enterprise = &c
	}
	return r
}

// Online reports whether the device came online after connect-ap.
func (d *Device) Online() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.isOnline
}

// Close stops the device and closes every connection, including the first
// TCP connection it left open and any stalled one. It returns an error if
// the access point could not come back on its port after a fallback.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.done)
	for c := range d.conns {
		c.Close()
	}
	ln := d.ln
	d.ln = nil
	err := d.apErr
	d.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	_ = d.httpSrv.Close()
	d.wg.Wait()
	return err
}

func (d *Device) track(c net.Conn) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	d.conns[c] = true
	return true
}

func (d *Device) untrack(c net.Conn) {
	d.mu.Lock()
	delete(d.conns, c)
	d.mu.Unlock()
	c.Close()
}

func (d *Device) note(transport, command string) {
	d.mu.Lock()
	d.rec.Commands = append(d.rec.Commands, transport+" "+command)
	d.mu.Unlock()
	if d.hook != nil {
		d.hook(transport, command)
	}
}

// String describes the device for logs.
func (d *Device) String() string {
	return "softaptest device " + d.DeviceID() + " at " + d.Addr()
}

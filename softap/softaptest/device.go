// Package softaptest emulates a Photon in listening mode on loopback: the
// SoftAP setup protocol over raw TCP and HTTP, as the firmware (device-os
// 2.3.x, hal/src/photon/softap.cpp) serves it, quirks included. Tests and the
// station's demo mode point a softap.Client at Device.Addr().
//
// One listener serves both transports: the emulator tells them apart by the
// first bytes (an HTTP request line has a space before any LF; a raw TCP
// request's command name ends in LF), so a single host:port works for
// softap.Client whichever transport it uses.
//
// Faithful behaviour: strict flat-JSON requests (an unknown key or a wrong
// type gets no JSON back), the device ID in upper case, a fresh RSA-1024 key
// sent as 294 bytes (SPKI plus zero padding), real PKCS#1 v1.5 decryption of
// the password, result codes -2/-3/-4, SSIDs written into scan-ap unescaped,
// and the first raw TCP connection left open after its reply (device-os
// #1252), unless WithFirstConnectionClosed is given.
package softaptest

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

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

// Record is what the device was given, for tests to assert on.
type Record struct {
	ClaimCode string // from set
	SSID      string // from the last successful configure-ap
	Sec       int64  // its "sec"
	Channel   int    // its "ch"
	Password  string // its password, decrypted
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
// configure-ap password equals pw; otherwise it stays in listening mode, as a
// Photon given a wrong password does.
func WithWiFiPassword(pw string) Option { return func(d *Device) { d.correctPassword = &pw } }

// WithOnline sets the callback run when the device "comes online" after
// connect-ap. It gets the device ID in the cloud's lower case and the claim
// code it was given (empty if none). It runs on the request's goroutine after
// the reply.
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

// WithLatency makes the device take d before answering the named command,
// as a real scan-ap or configure-ap takes seconds; demo mode uses it. Close
// cuts the wait short. Tests should not need it.
func WithLatency(command string, d time.Duration) Option {
	return func(d2 *Device) { d2.latency[command] = d }
}

// Device is an emulated Photon in listening mode. It is safe for concurrent
// use; Close stops it.
type Device struct {
	// Set at construction, read-only afterwards.
	id               string
	claimed          bool
	networks         []softap.Network
	keepFirstOpen    bool
	correctPassword  *string
	online           func(deviceID, claimCode string)
	noKey            bool
	dropConnectReply bool
	key              *rsa.PrivateKey
	stall            map[string]bool
	hook             func(transport, command string)
	latency          map[string]time.Duration
	tcpLocked        func() // test hook: the TCP service was taken
	ln               net.Listener
	httpLn           *chanListener
	httpSrv          *http.Server

	tcpMu sync.Mutex // the firmware's TCP server is single-threaded

	mu        sync.Mutex
	rec       Record
	firstSeen bool
	conns     map[net.Conn]bool
	isOnline  bool
	closed    bool
	done      chan struct{}
	wg        sync.WaitGroup
}

// New starts a Device on a loopback port.
func New(opts ...Option) (*Device, error) {
	d := &Device{
		id:            "3B0021001747353236343033",
		networks:      append([]softap.Network(nil), DefaultNetworks...),
		keepFirstOpen: true,
		stall:         map[string]bool{},
		latency:       map[string]time.Duration{},
		conns:         map[net.Conn]bool{},
		done:          make(chan struct{}),
	}
	for _, o := range opts {
		o(d)
	}
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.ln = ln
	d.httpLn = &chanListener{addr: ln.Addr(), conns: make(chan net.Conn), done: d.done}
	d.httpSrv = &http.Server{Handler: http.HandlerFunc(d.serveHTTP)}
	d.wg.Add(2)
	go func() { defer d.wg.Done(); d.acceptLoop() }()
	go func() { defer d.wg.Done(); _ = d.httpSrv.Serve(d.httpLn) }()
	return d, nil
}

// Addr is the host:port serving both transports.
func (d *Device) Addr() string { return d.ln.Addr().String() }

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
	return r
}

// Online reports whether the device came online after connect-ap.
func (d *Device) Online() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.isOnline
}

// Close stops the device and closes every connection, including the first
// TCP connection it left open and any stalled one.
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
	d.mu.Unlock()
	err := d.ln.Close()
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

func (d *Device) acceptLoop() {
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		if !d.track(c) {
			c.Close()
			return
		}
		d.wg.Add(1)
		go func() { defer d.wg.Done(); d.route(c) }()
	}
}

// route sniffs the first bytes: a space before any LF or NUL means an HTTP
// request line ("GET /version HTTP/1.1"); otherwise it is a raw TCP command.
func (d *Device) route(c net.Conn) {
	br := bufio.NewReader(c)
	for n := 1; n <= 31; n++ {
		b, err := br.Peek(n)
		if err != nil {
			d.untrack(c)
			return
		}
		switch b[n-1] {
		case ' ':
			select {
			case d.httpLn.conns <- &sniffedConn{Conn: c, r: br, onClose: func() { d.untrack(c) }}:
			case <-d.done:
				d.untrack(c)
			}
			return
		case '\n', 0:
			n = 32
		}
	}
	d.serveTCP(c, br)
}

// serveTCP handles one raw TCP request as SimpleProtocolDispatcher does.
func (d *Device) serveTCP(c net.Conn, br *bufio.Reader) {
	d.tcpMu.Lock()
	if d.tcpLocked != nil {
		d.tcpLocked()
	}
	var buf []byte
	var command string
	var body []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			d.tcpMu.Unlock()
			d.untrack(c)
			return
		}
		buf = append(buf, b)
		cmd, bd, err := softap.ParseFrame(buf)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			continue
		}
		if err != nil {
			// A corrupt length: the real device misreads it; answer nothing.
			d.note("tcp", cmd)
			d.tcpMu.Unlock()
			d.untrack(c)
			return
		}
		command, body = cmd, bd
		break
	}
	d.note("tcp", command)
	if d.stall[command] {
		d.tcpMu.Unlock()
		<-d.done
		d.untrack(c)
		return
	}
	reply, known, parsed, after := d.handle(command, body)
	if !known {
		d.tcpMu.Unlock()
		d.untrack(c)
		return
	}
	if command == "connect-ap" && d.dropConnectReply {
		d.tcpMu.Unlock()
		resetConn(c)
		d.untrack(c)
		after()
		return
	}
	out := "\n\n"
	if parsed {
		out += reply
	}
	_, _ = c.Write([]byte(out))
	d.mu.Lock()
	leaveOpen := d.keepFirstOpen && !d.firstSeen
	d.firstSeen = true
	d.mu.Unlock()
	d.tcpMu.Unlock()
	if !leaveOpen {
		d.untrack(c)
	}
	after()
}

// resetConn closes a TCP connection with RST, as a vanished peer looks.
func resetConn(c net.Conn) {
	type lingerer interface{ SetLinger(int) error }
	if tc, ok := c.(lingerer); ok {
		_ = tc.SetLinger(0)
	}
	if sc, ok := c.(*sniffedConn); ok {
		resetConn(sc.Conn)
	}
}

var httpCommands = map[string]bool{
	"version": true, "device-id": true, "scan-ap": true, "public-key": true,
	"set": true, "configure-ap": true, "connect-ap": true,
}

func (d *Device) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	switch {
	case path == "":
		w.Header().Set("Location", "/index")
		w.WriteHeader(http.StatusFound)
		return
	case path == "index":
		w.Header().Set("Location", "/hello")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	case path == "hello":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "Soft AP Setup")
		return
	case !httpCommands[path]:
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return
	}
	d.note("http", path)
	if d.stall[path] {
		select {
		case <-d.done:
		case <-r.Context().Done():
		}
		return
	}
	reply, _, parsed, after := d.handle(path, body)
	if path == "connect-ap" && d.dropConnectReply {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				resetConn(c)
				c.Close()
			}
		}
		after()
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if parsed {
		_, _ = io.WriteString(w, reply)
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // the firmware always answers chunked
	}
	after()
}

// handle runs one command. known is false for names the device does not
// have (no bytes at all are written); parsed is false when the request JSON
// was rejected (no JSON is written). after runs once the reply is out.
func (d *Device) handle(command string, body []byte) (reply string, known, parsed bool, after func()) {
	after = func() {}
	if l := d.latency[command]; l > 0 {
		t := time.NewTimer(l)
		select {
		case <-t.C:
		case <-d.done:
			t.Stop()
		}
	}
	switch command {
	case "version":
		return `{"v":2}`, true, true, after
	case "device-id":
		c := "0"
		d.mu.Lock()
		if d.claimed {
			c = "1"
		}
		d.mu.Unlock()
		return `{"id":"` + d.id + `","c":"` + c + `"}`, true, true, after
	case "scan-ap":
		return d.scanReply(), true, true, after
	case "public-key":
		if d.noKey {
			return `{"r":1}`, true, true, after
		}
		der, err := x509.MarshalPKIXPublicKey(&d.key.PublicKey)
		if err != nil {
			return `{"r":1}`, true, true, after
		}
		padded := make([]byte, softap.PublicKeyLength)
		copy(padded, der)
		return `{"b":"` + strings.ToUpper(hex.EncodeToString(padded)) + `","r":0}`, true, true, after
	case "set":
		r, ok := d.set(body)
		return r, true, ok, after
	case "configure-ap":
		r, ok := d.configure(body)
		return r, true, ok, after
	case "connect-ap":
		d.mu.Lock()
		d.rec.Connects++
		d.mu.Unlock()
		return `{"r":0}`, true, true, d.comeOnline
	case "ant-internal", "ant-external":
		// They switch the antenna and answer nothing.
		return "", false, false, after
	}
	return "", false, false, after
}

// scanReply writes the list by hand as the firmware does: SSIDs unescaped.
func (d *Device) scanReply() string {
	var b strings.Builder
	b.WriteString(`{"scans":[`)
	first := true
	for _, n := range d.networks {
		if n.SSID == "" {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, `{"ssid":"%s","rssi":%d,"sec":%d,"ch":%d,"mdr":%d}`, n.SSID, n.RSSI, int64(n.Code), n.Channel, n.MaxDataRate)
	}
	b.WriteString(`]}`)
	return b.String()
}

func (d *Device) set(body []byte) (string, bool) {
	f, ok := parseFlat(body, map[string]kind{"k": kindString, "v": kindString})
	if !ok {
		return "", false
	}
	k, v := f["k"].str, f["v"].str
	if len(k) > 2 {
		k = k[:2]
	}
	if len(v) > 63 {
		v = v[:63]
	}
	if k != "cc" || v == "" {
		return `{"r":-1}`, true
	}
	d.mu.Lock()
	d.rec.ClaimCode = v
	d.mu.Unlock()
	return `{"r":0}`, true
}

// Result codes of configure-ap (photon-softap.md §6). Decryption failures use
// the standard mbedTLS values, which are UNCONFIRMED for the real device.
const (
	rCipherRequired    = -2
	rInvalidSSIDLen    = -3
	rInvalidKeyLen     = -4
	rRSABadInput       = -16512 // -0x4080
	rRSAInvalidPadding = -16640 // -0x4100
)

func (d *Device) configure(body []byte) (string, bool) {
	f, ok := parseFlat(body, map[string]kind{
		"idx": kindNumber, "ssid": kindString, "pwd": kindString, "sec": kindNumber, "ch": kindNumber,
		"eap": kindNumber, "oi": kindString, "ii": kindString, "crt": kindString, "key": kindString,
		"ek": kindString, "ca": kindString,
	})
	if !ok {
		return "", false
	}
	result := func(r int) (string, bool) { return `{"r":` + strconv.Itoa(r) + `}`, true }
	ssid := f["ssid"].str
	password := ""
	if p := f["pwd"].str; p != "" {
		ct := lenientHex(p)
		if len(ct) != d.key.Size() {
			return result(rRSABadInput)
		}
		//lint:ignore SA1019 the emulated firmware decrypts PKCS#1 v1.5, as the real one does.
		pt, err := rsa.DecryptPKCS1v15(nil, d.key, ct)
		if err != nil {
			return result(rRSAInvalidPadding)
		}
		password = string(pt)
	}
	sec := softap.SecurityCode(f["sec"].num)
	family := sec.Family()
	if _, enterprise := f["eap"]; enterprise || family == softap.WPAEnterprise || family == softap.WPA2Enterprise {
		// This emulator stores no enterprise credentials.
		return result(1)
	}
	if family == softap.WPA || family == softap.WPA2 {
		if !d.visible(ssid) {
			return result(rCipherRequired)
		}
	}
	if len(ssid) == 0 || len(ssid) > 32 {
		return result(rInvalidSSIDLen)
	}
	switch family {
	case softap.WPA, softap.WPA2:
		if len(password) < 8 || len(password) > 64 {
			return result(rInvalidKeyLen)
		}
	case softap.WEP:
		if len(password) < 5 || len(password) > 58 {
			return result(rInvalidKeyLen)
		}
	}
	d.mu.Lock()
	d.rec.SSID, d.rec.Sec, d.rec.Channel, d.rec.Password = ssid, int64(sec), int(f["ch"].num), password
	d.rec.Configured++
	d.mu.Unlock()
	return result(0)
}

func (d *Device) visible(ssid string) bool {
	for _, n := range d.networks {
		if n.SSID != "" && n.SSID == ssid {
			return true
		}
	}
	return false
}

// comeOnline runs after connect-ap's reply: the device joins the stored
// network unless its password is wrong, in which case it returns to
// listening mode.
func (d *Device) comeOnline() {
	d.mu.Lock()
	ok := d.rec.Configured > 0 && (d.correctPassword == nil || *d.correctPassword == d.rec.Password)
	if ok {
		d.isOnline = true
		if d.rec.ClaimCode != "" {
			d.claimed = true
		}
	}
	code := d.rec.ClaimCode
	cb := d.online
	d.mu.Unlock()
	if ok && cb != nil {
		cb(strings.ToLower(d.id), code)
	}
}

// lenientHex decodes as the firmware's hex_nibble does: either case, and
// any other character counts as 0. An odd trailing digit is dropped.
func lenientHex(s string) []byte {
	nib := func(c byte) byte {
		switch {
		case c >= '0' && c <= '9':
			return c - '0'
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10
		}
		return 0
	}
	out := make([]byte, 0, len(s)/2)
	for i := 0; i+1 < len(s) && len(out) < 256; i += 2 {
		out = append(out, nib(s[i])<<4|nib(s[i+1]))
	}
	return out
}

type kind int

const (
	kindString kind = iota
	kindNumber
)

type value struct {
	str string // raw bytes between the quotes: the firmware does not unescape
	num int64
}

// parseFlat parses a request as the firmware's jsmn-based parser accepts it:
// a flat object with only the allowed keys, strings as strings and numbers
// as numbers (null allowed for "ch"). Any other shape fails the request.
func parseFlat(body []byte, allowed map[string]kind) (map[string]value, bool) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, false
	}
	out := map[string]value{}
	for k, v := range raw {
		want, ok := allowed[k]
		if !ok || len(v) == 0 {
			return nil, false
		}
		switch {
		case want == kindString && v[0] == '"':
			out[k] = value{str: string(v[1 : len(v)-1])}
		case want == kindNumber && k == "ch" && string(v) == "null":
			out[k] = value{}
		case want == kindNumber && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				fl, ferr := strconv.ParseFloat(string(v), 64)
				if ferr != nil {
					return nil, false
				}
				n = int64(fl)
			}
			out[k] = value{num: n}
		default:
			return nil, false
		}
	}
	return out, true
}

// sniffedConn replays the bytes read while sniffing the transport.
type sniffedConn struct {
	net.Conn
	r       *bufio.Reader
	onClose func()
}

func (c *sniffedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *sniffedConn) Close() error {
	err := c.Conn.Close()
	c.onClose()
	return err
}

// chanListener hands sniffed HTTP connections to the http.Server.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

// String describes the device for logs.
func (d *Device) String() string {
	return "softaptest device " + d.DeviceID() + " at " + d.Addr()
}

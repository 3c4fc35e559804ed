package softap

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// DefaultAddr is the Photon's address on its own access point.
const DefaultAddr = "192.168.0.1"

// The device's ports for each transport.
const (
	TCPPort  = "5609"
	HTTPPort = "80"
)

// Transport selects how requests reach the device. Both carry the same JSON.
type Transport string

// The two SoftAP transports. TCP is what Particle's own tools use.
const (
	TCP  Transport = "tcp"
	HTTP Transport = "http"
)

// Dialer opens connections to the device. *net.Dialer satisfies it; a dialer
// bound to the Photon AP's interface keeps 192.168.0.1 from being routed to
// a home LAN of the same range (see Link.Dialer).
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Timeouts bound each request (one attempt). Zero fields take the defaults,
// which follow photon-softap.md §8: configure-ap scans on the device and may
// take 35 s; connect-ap's reply is often lost as the AP goes down.
type Timeouts struct {
	Command     time.Duration // version, device-id, public-key, set: default 10 s
	ScanAP      time.Duration // default 20 s
	ConfigureAP time.Duration // default 40 s
	ConnectAP   time.Duration // default 5 s
}

func (t Timeouts) forCommand(command string) time.Duration {
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	switch command {
	case cmdScanAP:
		return pick(t.ScanAP, 20*time.Second)
	case cmdConfigureAP:
		return pick(t.ConfigureAP, 40*time.Second)
	case cmdConnectAP:
		return pick(t.ConnectAP, 5*time.Second)
	}
	return pick(t.Command, 10*time.Second)
}

// Client speaks the SoftAP setup protocol to one Photon in listening mode.
// The zero value talks raw TCP to 192.168.0.1:5609 with default timeouts and
// retries. A Client is safe for concurrent use, but the device serves one
// request at a time, so callers normally go step by step.
type Client struct {
	// Addr is the device: a host ("192.168.0.1", the default), whose ports
	// are derived from the transport (5609 for TCP, 80 for HTTP), or a
	// host:port that then serves BOTH transports (the loopback emulator in
	// softaptest multiplexes them on one listener).
	Addr string
	// Transport selects raw TCP (the default) or HTTP.
	Transport Transport
	// Dialer opens connections; nil means a plain net.Dialer. It may be
	// replaced between requests (Link.Dialer after joining the AP), not
	// during one.
	Dialer Dialer
	// Clock paces retries; nil means real time.
	Clock clock.Clock
	// Timeouts bound each attempt.
	Timeouts Timeouts
	// Attempts is how many times an idempotent command is tried (default 4).
	// connect-ap is never repeated.
	Attempts int
	// Backoff is the wait after the first failed attempt; it grows by the
	// same amount each time (default 1 s).
	Backoff time.Duration
	// Logf, when set, receives one line per request. Request bodies are
	// never logged: they hold the claim code and the encrypted password.
	Logf func(format string, args ...any)

	httpOnce sync.Once
	http     *http.Client

	warmMu sync.Mutex
	warmed bool
}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

func (c *Client) clock() clock.Clock { return clock.Or(c.Clock) }

func (c *Client) dialer() Dialer {
	if c.Dialer != nil {
		return c.Dialer
	}
	return &net.Dialer{}
}

func (c *Client) transport() Transport {
	if c.Transport == "" {
		return TCP
	}
	return c.Transport
}

// Endpoint returns the host:port the client dials for a transport.
func (c *Client) Endpoint(t Transport) string {
	addr := c.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if t == HTTP {
		return net.JoinHostPort(addr, HTTPPort)
	}
	return net.JoinHostPort(addr, TCPPort)
}

// Version asks for the protocol version (2 on every firmware since 2015).
// It is a cheap probe that the device is there and in listening mode.
func (c *Client) Version(ctx context.Context) (int, error) {
	b, err := c.do(ctx, cmdVersion, nil, true)
	if err != nil {
		return 0, err
	}
	return ParseVersion(b)
}

// DeviceID returns the device ID (lower case) and the device's claim flag.
func (c *Client) DeviceID(ctx context.Context) (DeviceInfo, error) {
	b, err := c.do(ctx, cmdDeviceID, nil, true)
	if err != nil {
		return DeviceInfo{}, err
	}
	return ParseDeviceID(b)
}

// ScanAP asks the device which Wi-Fi networks it can see, merged to one entry
// per SSID (the strongest), strongest first. It takes a few seconds.
func (c *Client) ScanAP(ctx context.Context) ([]Network, error) {
	b, err := c.do(ctx, cmdScanAP, nil, true)
	if err != nil {
		return nil, err
	}
	nets, err := ParseScan(b)
	if err != nil {
		return nil, err
	}
	return MergeNetworks(nets), nil
}

// PublicKey fetches the device's RSA-1024 key, used to encrypt the Wi-Fi
// password for ConfigureAP.
func (c *Client) PublicKey(ctx context.Context) (*rsa.PublicKey, error) {
	b, err := c.do(ctx, cmdPublicKey, nil, true)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(b)
}

// ClaimCodeLength is the length of every claim code the cloud issues and a
// Photon stores.
const ClaimCodeLength = 63

// SetClaimCode stores a claim code on the device; the device hands it to the
// cloud when it first connects. The code never appears in errors or logs.
func (c *Client) SetClaimCode(ctx context.Context, code string) error {
	if len(code) != ClaimCodeLength {
		return errors.New("a claim code has exactly 63 characters: request a new claim code")
	}
	for _, r := range code {
		if r == '"' || r == '\\' || r < 0x21 || r > 0x7e {
			return errors.New("the claim code holds characters the Photon cannot store: request a new claim code")
		}
	}
	body, err := marshalRequest(struct {
		K string `json:"k"`
		V string `json:"v"`
	}{"cc", code})
	if err != nil {
		return err
	}
	b, err := c.do(ctx, cmdSet, body, true)
	if err != nil {
		return err
	}
	r, err := parseResult(cmdSet, b)
	if err != nil {
		return err
	}
	if r != 0 {
		return &ResultError{Command: cmdSet, Code: r}
	}
	return nil
}

// Credentials are the Wi-Fi network the Photon should join.
type Credentials struct {
	SSID string
	// Security is the family from the job profile. It is used only when
	// Scanned is nil: the device's own scan knows better.
	Security Security
	// Cipher is the profile's cipher for a network the device did not see
	// in its scan ("" is the family's default code), as Security.CodeWith.
	Cipher Cipher
	// Password is the passphrase (WPA/WPA2) or key (WEP); empty for open
	// networks. It is sent RSA-encrypted and never logged.
	Password string
	// Scanned is the device's scan entry for SSID, if it saw the network:
	// its exact security code and channel are sent back.
	Scanned *Network
}

// String never shows the password, so Credentials are safe in a log or an
// error built with %v.
func (c Credentials) String() string {
	pw := ""
	if c.Password != "" {
		pw = "[redacted]"
	}
	scanned := ""
	if c.Scanned != nil {
		scanned = " Scanned:" + c.Scanned.Code.String()
	}
	return fmt.Sprintf("{SSID:%q Security:%s Password:%s%s}", c.SSID, c.Security, pw, scanned)
}

// GoString keeps %#v from printing the password.
func (c Credentials) GoString() string { return "softap.Credentials" + c.String() }

// configureRequest is configure-ap's body, keys in the documented order.
type configureRequest struct {
	Idx  int    `json:"idx"`
	SSID string `json:"ssid"`
	Sec  int64  `json:"sec"`
	Ch   int    `json:"ch"`
	Pwd  string `json:"pwd,omitempty"`
}

// ConfigureAP stores Wi-Fi credentials on the device, with the password
// encrypted (RSA PKCS#1 v1.5, 256 lower-case hex digits) to the key from
// PublicKey. It validates SSID and password first, so a bad profile is
// reported before anything is sent. The device scans for the network while
// it answers, which can take up to 35 s; a wrong password is not detected
// here but only when the device fails to come online.
func (c *Client) ConfigureAP(ctx context.Context, key *rsa.PublicKey, cred Credentials) error {
	if err := checkSSID(cred.SSID); err != nil {
		return err
	}
	code := cred.Security.CodeWith(cred.Cipher)
	ch := 0
	if s := cred.Scanned; s != nil && s.SSID == cred.SSID && s.Code.Family() != UnknownSecurity {
		code, ch = s.Code, s.Channel
	}
	password := cred.Password
	if code.Family() == WEP && (len(password) == 5 || len(password) == 13) {
		// The device hex-decodes every WEP key: a text key goes as hex.
		password = hex.EncodeToString([]byte(password))
	}
	if err := checkPassword(code.Family(), password); err != nil {
		return err
	}
	req := configureRequest{SSID: cred.SSID, Sec: int64(code), Ch: ch}
	if password != "" {
		if key == nil {
			return errors.New("the Photon's device key is missing: fetch it with public-key before configure-ap")
		}
		//lint:ignore SA1019 the Photon firmware decrypts PKCS#1 v1.5 only (photon-softap.md §5.2); OAEP would be refused.
		ct, err := rsa.EncryptPKCS1v15(rand.Reader, key, []byte(password))
		if err != nil {
			// The error text never includes the plaintext.
			return fmt.Errorf("the Wi-Fi password cannot be encrypted for this Photon (is it longer than 117 bytes?): %w", err)
		}
		req.Pwd = hex.EncodeToString(ct)
	}
	body, err := marshalRequest(req)
	if err != nil {
		return err
	}
	b, err := c.do(ctx, cmdConfigureAP, body, true)
	if err != nil {
		return err
	}
	r, err := parseResult(cmdConfigureAP, b)
	if err != nil {
		return err
	}
	if r != 0 {
		return &ResultError{Command: cmdConfigureAP, Code: r}
	}
	return nil
}

// ConnectAP tells the device to leave listening mode and join the configured
// network. The device tears its access point down right after replying, so
// the reply is often lost: when the request was sent but no reply came,
// ConnectAP returns acknowledged=false and no error. Either way only the
// cloud can tell whether the device got online. It is never retried.
func (c *Client) ConnectAP(ctx context.Context) (acknowledged bool, err error) {
	b, sent, err := c.exchange(ctx, cmdConnectAP, []byte(`{"idx":0}`))
	if sent {
		// The device leaves listening mode; if it comes back, its TCP
		// server is a new one whose first connection stays open again.
		c.warmMu.Lock()
		c.warmed = false
		c.warmMu.Unlock()
	}
	if err != nil && ctx.Err() != nil {
		return false, ctx.Err() // the caller stopped waiting: not a lost reply
	}
	if err != nil {
		// Once the request is out, a reset, a timeout or a close without
		// JSON all mean the access point went down: the body is ignored
		// by the device, so it cannot have been rejected.
		var te *TransportError
		if sent && (errors.As(err, &te) || errors.Is(err, ErrRejected)) {
			c.logf("softap: connect-ap sent; the reply was lost as the access point went down (expected)")
			return false, nil
		}
		return false, err
	}
	r, err := parseResult(cmdConnectAP, b)
	if err != nil {
		return false, err
	}
	if r != 0 {
		return false, &ResultError{Command: cmdConnectAP, Code: r}
	}
	return true, nil
}

// do runs one command, retrying transport failures of idempotent commands
// with a growing pause.
func (c *Client) do(ctx context.Context, command string, body []byte, idempotent bool) (json.RawMessage, error) {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	if !idempotent {
		attempts = 1
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	var err error
	for i := 1; ; i++ {
		var b json.RawMessage
		b, _, err = c.exchange(ctx, command, body)
		var te *TransportError
		if err == nil || !errors.As(err, &te) || i >= attempts || ctx.Err() != nil {
			return b, err
		}
		wait := time.Duration(i) * backoff
		c.logf("softap: %s attempt %d failed, retrying in %s: %v", command, i, wait, te.Err)
		if clock.Sleep(ctx, c.clock(), wait) != nil {
			return nil, err
		}
	}
}

// exchange sends one request on a fresh connection and reads one JSON reply,
// without waiting for the device to close (it may not). sent reports that the
// whole request left this machine.
func (c *Client) exchange(ctx context.Context, command string, body []byte) (reply json.RawMessage, sent bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeouts.forCommand(command))
	defer cancel()
	tr := c.transport()
	addr := c.Endpoint(tr)
	c.logf("softap: %s over %s to %s", command, tr, addr)
	switch tr {
	case TCP:
		return c.exchangeTCP(ctx, addr, command, body)
	case HTTP:
		return c.exchangeHTTP(ctx, addr, command, body)
	}
	return nil, false, fmt.Errorf("unknown SoftAP transport %q: use tcp or http", tr)
}

// warmUp spends the device's first TCP connection, which it never closes
// (device-os #1252), on a throw-away version request, as softap-setup-js
// does. Without it a request the device rejects on that connection (it
// writes no JSON) could not be told from a slow answer until the timeout.
func (c *Client) warmUp(ctx context.Context, addr string) {
	c.warmMu.Lock()
	defer c.warmMu.Unlock()
	if c.warmed {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, min(2*time.Second, c.Timeouts.forCommand(cmdVersion)))
	defer cancel()
	conn, err := c.dialer().DialContext(ctx, "tcp", addr)
	if err != nil {
		return // not reached yet: the first connection is still to come
	}
	defer conn.Close()
	c.warmed = true
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if _, err := conn.Write(FrameRequest(cmdVersion, nil)); err != nil {
		return
	}
	_, _ = readReply(ctx, conn, cmdVersion, addr)
}

func (c *Client) exchangeTCP(ctx context.Context, addr, command string, body []byte) (json.RawMessage, bool, error) {
	c.warmUp(ctx, addr)
	conn, err := c.dialer().DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, &TransportError{Command: command, Addr: addr, Err: err}
	}
	defer conn.Close()
	// Closing the connection when ctx ends unblocks the read; ctx.Err() is
	// set by then, so the error names the deadline or the cancellation.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	// The whole request in one write: old firmware looped forever on a
	// request cut short.
	if _, err := conn.Write(FrameRequest(command, body)); err != nil {
		return nil, false, &TransportError{Command: command, Addr: addr, Err: ctxErr(ctx, err)}
	}
	reply, err := readReply(ctx, conn, command, addr)
	return reply, true, err
}

func (c *Client) httpClient() *http.Client {
	c.httpOnce.Do(func() {
		c.http = &http.Client{
			Transport: &http.Transport{
				// Looked up per dial, so a Dialer set after first use (on
				// joining the Photon's AP) takes effect.
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					return c.dialer().DialContext(ctx, network, addr)
				},
				DisableKeepAlives: true, // one request per connection, as the device serves
				Proxy:             nil,  // never send setup traffic through a proxy
			},
			// The device redirects / to /index to /hello; commands never redirect.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
	return c.http
}

func (c *Client) exchangeHTTP(ctx context.Context, addr, command string, body []byte) (json.RawMessage, bool, error) {
	sent := false
	var mu sync.Mutex
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			mu.Lock()
			sent = true
			mu.Unlock()
		}
	}}
	wasSent := func() bool { mu.Lock(); defer mu.Unlock(); return sent }
	url := "http://" + addr + "/" + command
	var req *http.Request
	var err error
	if body == nil {
		// No Content-Type on GET: some boards with this HTTP server do not answer one.
		req, err = http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url, nil)
	} else {
		req, err = http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, url, bytes.NewReader(body))
		if req != nil {
			// The form type keeps browser requests "simple" (CORS); the
			// firmware reads the raw body either way.
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return nil, false, err
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, wasSent(), &TransportError{Command: command, Addr: addr, Err: ctxErr(ctx, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, true, &ProtocolError{Command: command, Detail: "HTTP status " + resp.Status}
	}
	reply, err := readReply(ctx, resp.Body, command, addr)
	return reply, true, err
}

// maxReply bounds a reply; a scan of many networks is a few kilobytes.
const maxReply = 256 << 10

// readReply reads until one complete JSON reply has arrived, EOF, or ctx ends.
// It never needs EOF: on the first TCP connection the device keeps the socket
// open (device-os #1252).
func readReply(ctx context.Context, r io.Reader, command, addr string) (json.RawMessage, error) {
	var buf []byte
	chunk := make([]byte, 4096)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if n > 0 {
			if reply, ok := replyComplete(command, buf); ok {
				return reply, nil
			}
			if len(buf) > maxReply {
				return nil, &ProtocolError{Command: command, Detail: "reply too long"}
			}
		}
		if err == io.EOF {
			if len(bytes.TrimSpace(buf)) == 0 {
				return nil, ErrRejected
			}
			return nil, &ProtocolError{Command: command, Detail: fmt.Sprintf("reply cut short after %d bytes", len(buf))}
		}
		if err != nil {
			return nil, &TransportError{Command: command, Addr: addr, Err: ctxErr(ctx, err)}
		}
	}
}

// ctxErr prefers the context's reason (deadline, cancel) over the socket
// error it caused.
func ctxErr(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil {
		return fmt.Errorf("%w (%v)", ce, err)
	}
	return err
}

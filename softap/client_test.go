package softap_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

var transports = []softap.Transport{softap.TCP, softap.HTTP}

// fakeClock fires every wait at once and records how long each would have been.
type fakeClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time { return time.Unix(0, 0) }
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, 0)
	return ch
}
func (c *fakeClock) NewTimer(d time.Duration) clock.Timer { return chanTimer(c.After(d)) }

// chanTimer is a timer that fires when its channel delivers.
type chanTimer <-chan time.Time

func (t chanTimer) C() <-chan time.Time { return t }
func (t chanTimer) Stop() bool          { return false }

func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// logSink collects Logf lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) Logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// count tells how many recorded requests were for command.
func count(commands []string, command string) int {
	n := 0
	for _, c := range commands {
		if strings.HasSuffix(c, " "+command) {
			n++
		}
	}
	return n
}

func newDevice(t *testing.T, opts ...softaptest.Option) *softaptest.Device {
	t.Helper()
	d, err := softaptest.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func newClient(d *softaptest.Device, tr softap.Transport, logs *logSink) *softap.Client {
	c := &softap.Client{Addr: d.Addr(), Transport: tr, Clock: &fakeClock{}}
	if logs != nil {
		c.Logf = logs.Logf
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestFullSetup walks the whole SoftAP flow over each transport and checks
// what the device ended up with, including the RSA round trip.
func TestFullSetup(t *testing.T) {
	const claim = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"
	const password = "correct horse battery"
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			type online struct{ id, code string }
			got := make(chan online, 1)
			d := newDevice(t,
				softaptest.WithDeviceID("320020001847333531323135"),
				softaptest.WithWiFiPassword(password),
				softaptest.WithOnline(func(id, code string) { got <- online{id, code} }))
			logs := &logSink{}
			c := newClient(d, tr, logs)
			ctx := ctx(t)

			v, err := c.Version(ctx)
			if err != nil || v != 2 {
				t.Fatalf("Version = %d, %v; want 2", v, err)
			}
			info, err := c.DeviceID(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(softap.DeviceInfo{ID: "320020001847333531323135", Claimed: false}, info); diff != "" {
				t.Errorf("DeviceID (-want +got):\n%s", diff)
			}
			nets, err := c.ScanAP(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantNets := []softap.Network{
				{SSID: "Workshop", RSSI: -48, Code: softap.SecWPA2AESPSK, Channel: 6, MaxDataRate: 54000},
				{SSID: "Guest", RSSI: -60, Code: softap.SecOpen, Channel: 1, MaxDataRate: 54000},
				{SSID: "OldPrinter", RSSI: -80, Code: softap.SecWEPPSK, Channel: 3, MaxDataRate: 11000},
			}
			if diff := cmp.Diff(wantNets, nets); diff != "" {
				t.Errorf("ScanAP (-want +got):\n%s", diff)
			}
			key, err := c.PublicKey(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !key.Equal(d.PublicKey()) {
				t.Errorf("PublicKey differs from the device's key")
			}
			if err := c.SetClaimCode(ctx, claim); err != nil {
				t.Fatal(err)
			}
			workshop, _ := softap.FindNetwork(nets, "Workshop")
			err = c.ConfigureAP(ctx, key, softap.Credentials{SSID: "Workshop", Security: softap.WPA2, Password: password, Scanned: &workshop})
			if err != nil {
				t.Fatal(err)
			}
			acked, err := c.ConnectAP(ctx)
			if err != nil || !acked {
				t.Fatalf("ConnectAP = %v, %v; want true, nil", acked, err)
			}
			select {
			case o := <-got:
				if diff := cmp.Diff(online{"320020001847333531323135", claim}, o, cmp.AllowUnexported(online{})); diff != "" {
					t.Errorf("online callback (-want +got):\n%s", diff)
				}
			case <-ctx.Done():
				t.Fatal("device never came online")
			}
			rec := d.Record()
			wantRec := softaptest.Record{
				ClaimCode: claim, SSID: "Workshop", Sec: int64(softap.SecWPA2AESPSK), Channel: 6,
				Password: password, Configured: 1, Connects: 1,
			}
			rec.Commands = nil
			if diff := cmp.Diff(wantRec, rec); diff != "" {
				t.Errorf("device record (-want +got):\n%s", diff)
			}
			if s := logs.String(); strings.Contains(s, password) || strings.Contains(s, claim) {
				t.Errorf("a secret leaked into the log:\n%s", s)
			}
			if !strings.Contains(logs.String(), "configure-ap over "+string(tr)) {
				t.Errorf("log does not name the transport:\n%s", logs.String())
			}
		})
	}
}

// TestConfigureSecurityCode checks which "sec" reaches the device: the
// scanned value when the device saw the network, the table value otherwise.
func TestConfigureSecurityCode(t *testing.T) {
	hidden := softap.Network{SSID: "Lab", RSSI: -50, Code: softap.SecWPATKIPPSK, Channel: 9}
	tests := []struct {
		name    string
		cred    softap.Credentials
		wantSec softap.SecurityCode
		wantCh  int
	}{
		{"scanned wins", softap.Credentials{SSID: "Lab", Security: softap.WPA2, Password: "12345678", Scanned: &hidden}, softap.SecWPATKIPPSK, 9},
		{"table for wpa2", softap.Credentials{SSID: "Lab", Security: softap.WPA2, Password: "12345678"}, softap.SecWPA2MixedPSK, 0},
		{"table for wpa", softap.Credentials{SSID: "Lab", Security: softap.WPA, Password: "12345678"}, softap.SecWPAMixedPSK, 0},
		{"table for wep", softap.Credentials{SSID: "Lab", Security: softap.WEP, Password: "0123456789"}, softap.SecWEPPSK, 0},
		{"table for open", softap.Credentials{SSID: "Lab", Security: softap.Open}, softap.SecOpen, 0},
		{"hidden wpa2 with tkip", softap.Credentials{SSID: "Lab", Security: softap.WPA2, Cipher: softap.CipherTKIP, Password: "12345678"}, softap.SecWPA2TKIPPSK, 0},
		{"hidden wpa with aes", softap.Credentials{SSID: "Lab", Security: softap.WPA, Cipher: softap.CipherAES, Password: "12345678"}, softap.SecWPAAESPSK, 0},
		{"scanned wins over the cipher", softap.Credentials{SSID: "Lab", Security: softap.WPA2, Cipher: softap.CipherAES, Password: "12345678", Scanned: &hidden}, softap.SecWPATKIPPSK, 9},
		{"scan entry for another SSID ignored", softap.Credentials{SSID: "Lab", Security: softap.WPA2, Password: "12345678",
			Scanned: &softap.Network{SSID: "Other", Code: softap.SecWEPPSK}}, softap.SecWPA2MixedPSK, 0},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(string(tr)+"/"+tt.name, func(t *testing.T) {
				d := newDevice(t, softaptest.WithNetworks(hidden))
				c := newClient(d, tr, nil)
				if err := c.ConfigureAP(ctx(t), d.PublicKey(), tt.cred); err != nil {
					t.Fatal(err)
				}
				rec := d.Record()
				got := struct {
					Sec      softap.SecurityCode
					Ch       int
					Password string
				}{softap.SecurityCode(rec.Sec), rec.Channel, rec.Password}
				want := got
				want.Sec, want.Ch, want.Password = tt.wantSec, tt.wantCh, tt.cred.Password
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("device got (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestNonASCIISSID proves the TCP length is counted in UTF-8 bytes: with a
// character count the device would wait for bytes that never come.
func TestNonASCIISSID(t *testing.T) {
	ssids := []string{"Café ☕ Wi-Fi", "Wohnzimmer-Ü", "日本語ネットワーク", "<&>=+/"}
	for _, tr := range transports {
		for _, ssid := range ssids {
			t.Run(string(tr)+"/"+ssid, func(t *testing.T) {
				net := softap.Network{SSID: ssid, RSSI: -40, Code: softap.SecWPA2AESPSK, Channel: 1}
				d := newDevice(t, softaptest.WithNetworks(net))
				c := newClient(d, tr, nil)
				c.Attempts = 1
				c.Timeouts.ConfigureAP = 3 * time.Second
				nets, err := c.ScanAP(ctx(t))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]softap.Network{net}, nets); diff != "" {
					t.Fatalf("scan (-want +got):\n%s", diff)
				}
				err = c.ConfigureAP(ctx(t), d.PublicKey(), softap.Credentials{SSID: ssid, Security: softap.WPA2, Password: "pässwörd-ünïcode", Scanned: &nets[0]})
				if err != nil {
					t.Fatal(err)
				}
				rec := d.Record()
				if rec.SSID != ssid || rec.Password != "pässwörd-ünïcode" {
					t.Errorf("device stored SSID %q password-len %d; want %q and the password", rec.SSID, len(rec.Password), ssid)
				}
			})
		}
	}
}

// TestResultCodes provokes the device's own result codes with hand-made
// requests (local validation would catch them first) and checks the typed
// errors they become.
func TestResultCodes(t *testing.T) {
	visible := softap.Network{SSID: "Visible", RSSI: -40, Code: softap.SecWPA2AESPSK, Channel: 1}
	tests := []struct {
		name     string
		ssid     string
		sec      softap.SecurityCode
		password string // encrypted to the device key when not empty
		wantCode int
		wantErr  error
	}{
		{"not visible", "Elsewhere", softap.SecWPA2AESPSK, "12345678", -2, softap.ErrNetworkNotFound},
		{"empty ssid open", "", softap.SecOpen, "", -3, softap.ErrSSIDLength},
		{"long ssid open", strings.Repeat("x", 33), softap.SecOpen, "", -3, softap.ErrSSIDLength},
		{"short wpa password", "Visible", softap.SecWPA2AESPSK, "1234567", -4, softap.ErrPasswordLength},
		{"long wpa password", "Visible", softap.SecWPA2AESPSK, strings.Repeat("p", 65), -4, softap.ErrPasswordLength},
		{"short wep key", "Visible", softap.SecWEPPSK, "1234", -4, softap.ErrPasswordLength},
		{"ok", "Visible", softap.SecWPA2AESPSK, "12345678", 0, nil},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(string(tr)+"/"+tt.name, func(t *testing.T) {
				d := newDevice(t, softaptest.WithNetworks(visible))
				c := newClient(d, tr, nil)
				pwd := ""
				if tt.password != "" {
					//lint:ignore SA1019 the device protocol is PKCS#1 v1.5.
					ct, err := rsa.EncryptPKCS1v15(rand.Reader, d.PublicKey(), []byte(tt.password))
					if err != nil {
						t.Fatal(err)
					}
					pwd = `,"pwd":"` + hex.EncodeToString(ct) + `"`
				}
				body := fmt.Sprintf(`{"idx":0,"ssid":"%s","sec":%d,"ch":0%s}`, tt.ssid, tt.sec, pwd)
				reply, err := c.DoRaw(ctx(t), "configure-ap", []byte(body))
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf(`{"r":%d}`, tt.wantCode); string(reply) != want {
					t.Errorf("reply %s, want %s", reply, want)
				}
				err = softap.ResultOf("configure-ap", reply)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Errorf("error %v, want %v", err, tt.wantErr)
				}
				var re *softap.ResultError
				if tt.wantErr != nil && (!errors.As(err, &re) || re.Code != tt.wantCode) {
					t.Errorf("error %#v is not a ResultError with code %d", err, tt.wantCode)
				}
				if tt.password != "" && err != nil && strings.Contains(err.Error(), tt.password) {
					t.Errorf("error %q holds the password", err)
				}
			})
		}
	}
}

// TestBadCiphertext: a password the device cannot decrypt becomes
// ErrPasswordRejected.
func TestBadCiphertext(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			d := newDevice(t)
			c := newClient(d, tr, nil)
			other, err := rsa.GenerateKey(rand.Reader, 1024)
			if err != nil {
				t.Fatal(err)
			}
			err = c.ConfigureAP(ctx(t), &other.PublicKey, softap.Credentials{SSID: "Workshop", Security: softap.WPA2, Password: "12345678"})
			if !errors.Is(err, softap.ErrPasswordRejected) {
				t.Fatalf("ConfigureAP with the wrong key: %v, want ErrPasswordRejected", err)
			}
			if strings.Contains(err.Error(), "12345678") {
				t.Errorf("error holds the password: %v", err)
			}
		})
	}
}

// TestLocalValidation: bad SSIDs and passwords are refused before a byte is
// sent, with the same sentinels the device's codes map to.
func TestLocalValidation(t *testing.T) {
	tests := []struct {
		name string
		cred softap.Credentials
		want error
	}{
		{"empty ssid", softap.Credentials{SSID: "", Security: softap.Open}, softap.ErrSSIDLength},
		{"33 bytes in 11 characters", softap.Credentials{SSID: strings.Repeat("€", 11), Security: softap.Open}, softap.ErrSSIDLength},
		{"32 bytes ok length but quote", softap.Credentials{SSID: `Bob's "Lab"`, Security: softap.Open}, softap.ErrSSIDCharacters},
		{"backslash", softap.Credentials{SSID: `back\slash`, Security: softap.Open}, softap.ErrSSIDCharacters},
		{"control", softap.Credentials{SSID: "tab\there", Security: softap.Open}, softap.ErrSSIDCharacters},
		{"invalid utf8", softap.Credentials{SSID: "caf\xe9", Security: softap.Open}, softap.ErrSSIDCharacters},
		{"line separator", softap.Credentials{SSID: "a\u2028b", Security: softap.Open}, softap.ErrSSIDCharacters},
		{"wpa2 short", softap.Credentials{SSID: "Home", Security: softap.WPA2, Password: "1234567"}, softap.ErrPasswordLength},
		{"wpa2 long", softap.Credentials{SSID: "Home", Security: softap.WPA2, Password: strings.Repeat("x", 65)}, softap.ErrPasswordLength},
		{"wpa empty", softap.Credentials{SSID: "Home", Security: softap.WPA}, softap.ErrPasswordLength},
		{"wep short", softap.Credentials{SSID: "Home", Security: softap.WEP, Password: "1234"}, softap.ErrPasswordLength},
		{"open with password", softap.Credentials{SSID: "Home", Security: softap.Open, Password: "secret-123"}, softap.ErrPasswordForOpenNetwork},
		{"scanned enterprise", softap.Credentials{SSID: "Corp", Security: softap.WPA2, Password: "12345678",
			Scanned: &softap.Network{SSID: "Corp", Code: softap.SecWPA2AESEnt}}, softap.ErrEnterpriseUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDevice(t)
			c := newClient(d, softap.TCP, nil)
			err := c.ConfigureAP(ctx(t), d.PublicKey(), tt.cred)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ConfigureAP: %v, want %v", err, tt.want)
			}
			if tt.cred.Password != "" && strings.Contains(err.Error(), tt.cred.Password) {
				t.Errorf("error holds the password: %v", err)
			}
			if cmds := d.Record().Commands; len(cmds) != 0 {
				t.Errorf("device got %v; want nothing sent", cmds)
			}
		})
	}
}

// TestFirstConnectionLeftOpen: the emulator keeps the first TCP connection
// open (#1252); with one attempt only, a client that waited for EOF would
// time out.
func TestFirstConnectionLeftOpen(t *testing.T) {
	d := newDevice(t)
	c := newClient(d, softap.TCP, nil)
	c.Attempts = 1
	c.Timeouts.Command = 2 * time.Second
	start := time.Now()
	for i := range 3 {
		if _, err := c.DeviceID(ctx(t)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("three requests took %s: the client waited for EOF", el)
	}
}

// TestRejected: a request the device cannot parse gets no JSON, which the
// client reports as ErrRejected, not as a network fault, and does not retry.
func TestRejected(t *testing.T) {
	tests := []struct {
		name, command, body string
	}{
		{"unknown key", "configure-ap", `{"idx":0,"ssid":"Workshop","sec":0,"name":"x"}`},
		{"wrong type", "configure-ap", `{"idx":"0","ssid":"Workshop","sec":0}`},
		{"nested", "set", `{"k":"cc","v":{"x":1}}`},
		{"empty body", "set", ``},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(string(tr)+"/"+tt.name, func(t *testing.T) {
				d := newDevice(t)
				c := newClient(d, tr, nil)
				_, err := c.DoRaw(ctx(t), tt.command, []byte(tt.body))
				if !errors.Is(err, softap.ErrRejected) {
					t.Fatalf("got %v, want ErrRejected", err)
				}
				if n := count(d.Record().Commands, tt.command); n != 1 {
					t.Errorf("device saw %d %s requests, want 1 (no retry)", n, tt.command)
				}
			})
		}
	}
	t.Run("tcp/unknown command", func(t *testing.T) {
		d := newDevice(t)
		c := newClient(d, softap.TCP, nil)
		if _, err := c.DoRaw(ctx(t), "provision-keys", nil); !errors.Is(err, softap.ErrRejected) {
			t.Fatalf("got %v, want ErrRejected", err)
		}
	})
}

// failingDialer refuses the next fails dials, then dials for real.
type failingDialer struct {
	mu    sync.Mutex
	fails int
	dials int
}

// failNext makes the next n dials fail and restarts the count.
func (f *failingDialer) failNext(n int) {
	f.mu.Lock()
	f.fails, f.dials = n, 0
	f.mu.Unlock()
}

func (f *failingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	f.mu.Lock()
	f.dials++
	fail := f.dials <= f.fails
	f.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("network is unreachable")}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// TestRetries: idempotent commands are retried after network failures with
// growing pauses from the injected clock; connect-ap is not retried.
func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		fails     int
		attempts  int
		call      func(context.Context, *softap.Client) error
		wantErr   bool
		wantDials int
		wantWaits []time.Duration
	}{
		{"version recovers", 2, 4, func(ctx context.Context, c *softap.Client) error { _, err := c.Version(ctx); return err },
			false, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"scan gives up", 9, 3, func(ctx context.Context, c *softap.Client) error { _, err := c.ScanAP(ctx); return err },
			true, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"connect-ap once", 1, 4, func(ctx context.Context, c *softap.Client) error { _, err := c.ConnectAP(ctx); return err },
			true, 1, nil},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(string(tr)+"/"+tt.name, func(t *testing.T) {
				d := newDevice(t)
				dialer := &failingDialer{}
				clock := &fakeClock{}
				c := &softap.Client{Addr: d.Addr(), Transport: tr, Dialer: dialer, Clock: clock, Attempts: tt.attempts}
				// A first request spends TCP's throw-away warm-up connection.
				if _, err := c.DeviceID(ctx(t)); err != nil {
					t.Fatal(err)
				}
				dialer.failNext(tt.fails)
				err := tt.call(ctx(t), c)
				if (err != nil) != tt.wantErr {
					t.Fatalf("err = %v, want error %v", err, tt.wantErr)
				}
				var te *softap.TransportError
				if err != nil && !errors.As(err, &te) {
					t.Errorf("error %T is not a TransportError", err)
				}
				if dialer.dials != tt.wantDials {
					t.Errorf("dials = %d, want %d", dialer.dials, tt.wantDials)
				}
				if diff := cmp.Diff(tt.wantWaits, clock.Waits()); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestTimeout: a device that never answers is given up on after the
// command's timeout.
func TestTimeout(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			d := newDevice(t, softaptest.WithStall("scan-ap"))
			c := newClient(d, tr, nil)
			c.Attempts = 2
			c.Timeouts.ScanAP = 100 * time.Millisecond
			_, err := c.ScanAP(ctx(t))
			var te *softap.TransportError
			if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want a TransportError for a deadline", err)
			}
			if got := count(d.Record().Commands, "scan-ap"); got != 2 {
				t.Errorf("device saw %d scan requests, want 2", got)
			}
		})
	}
}

// TestCancel: cancelling the caller's context stops at once, with no retry.
func TestCancel(t *testing.T) {
	d := cancelDuringStall(t, "public-key", func(ctx context.Context, c *softap.Client) error { _, err := c.PublicKey(ctx); return err })
	if got := count(d.Record().Commands, "public-key"); got != 1 {
		t.Errorf("device saw %d requests after cancel, want 1", got)
	}
}

// cancelDuringStall runs call against a device that holds cmd unanswered,
// cancels once the device has it, and checks call reports the cancellation.
func cancelDuringStall(t *testing.T, cmd string, call func(ctx context.Context, c *softap.Client) error) *softaptest.Device {
	t.Helper()
	seen := make(chan string, 4)
	d := newDevice(t, softaptest.WithStall(cmd), softaptest.WithRequestHook(func(_, got string) { seen <- got }))
	c := newClient(d, softap.TCP, nil)
	cctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- call(cctx, c) }()
	for got := ""; got != cmd; {
		select {
		case got = <-seen:
		case err := <-done:
			t.Fatalf("returned early: %v", err)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	return d
}

// TestConnectReplyLost: when the AP goes down before the reply, ConnectAP
// reports "not acknowledged" without an error, and the device still joins.
func TestConnectReplyLost(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			online := make(chan string, 1)
			d := newDevice(t, softaptest.WithConnectReplyLost(), softaptest.WithOnline(func(id, _ string) { online <- id }))
			c := newClient(d, tr, nil)
			if err := c.ConfigureAP(ctx(t), d.PublicKey(), softap.Credentials{SSID: "Guest", Security: softap.Open}); err != nil {
				t.Fatal(err)
			}
			acked, err := c.ConnectAP(ctx(t))
			if err != nil || acked {
				t.Fatalf("ConnectAP = %v, %v; want false, nil", acked, err)
			}
			if id := <-online; id != d.DeviceID() {
				t.Errorf("online id %q, want %q", id, d.DeviceID())
			}
		})
	}
}

// TestWrongWiFiPassword: the device accepts a wrong password (r=0) and only
// fails to come online, as a real Photon does.
func TestWrongWiFiPassword(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			called := false
			d := newDevice(t, softaptest.WithWiFiPassword("the-right-one"), softaptest.WithOnline(func(string, string) { called = true }))
			c := newClient(d, tr, nil)
			if err := c.ConfigureAP(ctx(t), d.PublicKey(), softap.Credentials{SSID: "Workshop", Security: softap.WPA2, Password: "the-wrong-one"}); err != nil {
				t.Fatal(err)
			}
			if acked, err := c.ConnectAP(ctx(t)); err != nil || !acked {
				t.Fatalf("ConnectAP = %v, %v", acked, err)
			}
			// The device decides after its reply is out; Close waits for
			// its TCP handlers, so the check below sees that decision.
			d.Close()
			if d.Online() || called {
				t.Errorf("device came online with the wrong password")
			}
		})
	}
}

// TestNoKey: public-key's r=1 becomes ErrKeyUnavailable.
func TestNoKey(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			d := newDevice(t, softaptest.WithoutKey())
			_, err := newClient(d, tr, nil).PublicKey(ctx(t))
			if !errors.Is(err, softap.ErrKeyUnavailable) {
				t.Fatalf("got %v, want ErrKeyUnavailable", err)
			}
		})
	}
}

// TestUnescapedSSIDs: the device writes SSIDs raw; the client reads them
// verbatim even when that breaks the JSON.
func TestUnescapedSSIDs(t *testing.T) {
	nets := []softap.Network{
		{SSID: `Bob's "Lab"`, RSSI: -40, Code: softap.SecWPA2AESPSK, Channel: 1, MaxDataRate: 54000},
		{SSID: `back\slash`, RSSI: -50, Code: softap.SecOpen, Channel: 2, MaxDataRate: 54000},
		{SSID: `a\nb`, RSSI: -55, Code: softap.SecOpen, Channel: 3, MaxDataRate: 54000},
		{SSID: "", RSSI: -20, Code: softap.SecOpen, Channel: 4, MaxDataRate: 54000}, // hidden: not reported
	}
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			d := newDevice(t, softaptest.WithNetworks(nets...))
			got, err := newClient(d, tr, nil).ScanAP(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(nets[:3], got); diff != "" {
				t.Errorf("ScanAP (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClaimCodeValidation: bad claim codes are refused locally, without the
// code in the message.
func TestClaimCodeValidation(t *testing.T) {
	for _, code := range []string{"", strings.Repeat("a", 62), strings.Repeat("a", 64), strings.Repeat("a", 60) + `a"b`, strings.Repeat("a", 60) + `a\b`, strings.Repeat("a", 60) + "a b"} {
		t.Run(code, func(t *testing.T) {
			d := newDevice(t)
			err := newClient(d, softap.TCP, nil).SetClaimCode(ctx(t), code)
			if err == nil {
				t.Fatal("accepted")
			}
			if code != "" && strings.Contains(err.Error(), code) {
				t.Errorf("error holds the claim code: %v", err)
			}
			if n := len(d.Record().Commands); n != 0 {
				t.Errorf("device saw %d requests", n)
			}
		})
	}
}

// TestConcurrentClients: the emulator and the client are safe for concurrent
// use (run with -race).
func TestConcurrentClients(t *testing.T) {
	d := newDevice(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(d, transports[i%2], nil)
			if _, err := c.DeviceID(ctx(t)); err != nil {
				errs <- err
			}
			if _, err := c.ScanAP(ctx(t)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestTransportErrorMessage: a device that is not there gives plain words
// with the address, and the Go detail kept underneath.
func TestTransportErrorMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &softap.Client{Addr: addr, Attempts: 1}
	_, err = c.Version(ctx(t))
	var te *softap.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("got %T %v", err, err)
	}
	if !strings.Contains(err.Error(), "Photon's Wi-Fi network") || !strings.Contains(err.Error(), addr) {
		t.Errorf("message %q lacks the action or the address", err)
	}
	if strings.Contains(err.Error(), "dial tcp") {
		t.Errorf("message %q carries Go detail meant for Details", err)
	}
	if !strings.Contains(te.Details(), "version") || !strings.Contains(te.Details(), "connection refused") {
		t.Errorf("Details %q lacks the command or the Go error", te.Details())
	}
}

// countingDialer counts dials.
type countingDialer struct {
	mu sync.Mutex
	n  int
}

func (c *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// TestDialerReplacedBetweenRequests: the dialer set after joining the AP is
// used from the next request on, over HTTP too.
func TestDialerReplacedBetweenRequests(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			d := newDevice(t)
			c := newClient(d, tr, nil)
			if _, err := c.Version(ctx(t)); err != nil {
				t.Fatal(err)
			}
			cd := &countingDialer{}
			c.Dialer = cd
			if _, err := c.Version(ctx(t)); err != nil {
				t.Fatal(err)
			}
			if cd.n != 1 {
				t.Errorf("new dialer dialed %d times, want 1", cd.n)
			}
		})
	}
}

// TestCredentialsNeverPrintPassword: %v, %+v, %#v and %s of Credentials
// (alone or inside another value) never show the Wi-Fi password.
func TestCredentialsNeverPrintPassword(t *testing.T) {
	const pw = "hunter2-hunter2"
	n := softap.Network{SSID: "Lab", Code: softap.SecWPA2AESPSK}
	cred := softap.Credentials{SSID: "Lab", Security: softap.WPA2, Password: pw, Scanned: &n}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		for name, v := range map[string]any{"value": cred, "pointer": &cred, "nested": struct{ C softap.Credentials }{cred}} {
			if s := fmt.Sprintf(f, v); strings.Contains(s, pw) || !strings.Contains(s, "Lab") {
				t.Errorf("%s of %s = %q", f, name, s)
			}
		}
	}
}

// TestConnectAPCancelled: a caller who stops waiting for connect-ap gets
// the cancellation, not "sent, reply lost", which would read as success.
func TestConnectAPCancelled(t *testing.T) {
	cancelDuringStall(t, "connect-ap", func(ctx context.Context, c *softap.Client) error { _, err := c.ConnectAP(ctx); return err })
}

// TestWEPTextKeySentAsHex: the Photon hex-decodes every WEP key, so a
// 5-character text key reaches it as its 10 hex digits.
func TestWEPTextKeySentAsHex(t *testing.T) {
	d := newDevice(t)
	c := newClient(d, softap.TCP, nil)
	if err := c.ConfigureAP(ctx(t), d.PublicKey(), softap.Credentials{SSID: "Old", Security: softap.WEP, Password: "abcde"}); err != nil {
		t.Fatal(err)
	}
	if got := d.Record().Password; got != "6162636465" {
		t.Errorf("the device got %q, want the key's hex digits", got)
	}
}

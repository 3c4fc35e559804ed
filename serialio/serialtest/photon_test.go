package serialtest_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.bug.st/serial"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

const code63 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrstuvwxyz0"

// host is the computer's side of a raw connection: it records every byte
// the device prints and how many reads it took.
type host struct {
	rw    io.ReadWriteCloser
	mu    sync.Mutex
	buf   bytes.Buffer
	reads int
	err   error
	wake  chan struct{}
}

func newHost(t *testing.T, rw io.ReadWriteCloser) *host {
	h := &host{rw: rw, wake: make(chan struct{})}
	t.Cleanup(func() { rw.Close() })
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := rw.Read(b)
			h.mu.Lock()
			h.buf.Write(b[:n])
			if n > 0 {
				h.reads++
			}
			if err != nil {
				h.err = err
			}
			close(h.wake)
			h.wake = make(chan struct{})
			h.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return h
}

func (h *host) send(t *testing.T, s string) {
	t.Helper()
	if _, err := h.rw.Write([]byte(s)); err != nil {
		t.Fatalf("write %q: %v", s, err)
	}
}

// until waits for the output to contain want and returns all output so far.
func (h *host) until(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		h.mu.Lock()
		out, err, wake := h.buf.String(), h.err, h.wake
		h.mu.Unlock()
		if strings.Contains(out, want) {
			return out
		}
		if err != nil {
			t.Fatalf("connection ended (%v) before %q; got %q", err, want, out)
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("no %q within 5 s; got %q", want, out)
		}
	}
}

// untilClosed waits for the connection to end and returns the output.
func (h *host) untilClosed(t *testing.T) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		h.mu.Lock()
		out, err, wake := h.buf.String(), h.err, h.wake
		h.mu.Unlock()
		if err != nil {
			return out
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("connection still open; got %q", out)
		}
	}
}

func (h *host) reset() {
	h.mu.Lock()
	h.buf.Reset()
	h.reads = 0
	h.mu.Unlock()
}

type transport struct {
	name string
	dial func(t *testing.T, ph *serialtest.Photon) io.ReadWriteCloser
}

var transports = []transport{
	{"pipe", func(t *testing.T, ph *serialtest.Photon) io.ReadWriteCloser { return ph.Pipe() }},
	{"pty", func(t *testing.T, ph *serialtest.Photon) io.ReadWriteCloser {
		path, err := ph.PTY()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		p, err := serial.Open(path, &serial.Mode{BaudRate: 9600})
		if err != nil {
			t.Fatalf("go.bug.st/serial cannot open the emulator's pty: %v", err)
		}
		return p
	}},
}

func each(t *testing.T, cfg serialtest.Config, f func(t *testing.T, ph *serialtest.Photon, h *host)) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			ph := serialtest.New(cfg)
			t.Cleanup(func() { ph.Close() })
			f(t, ph, newHost(t, tr.dial(t, ph)))
		})
	}
}

// step is one exchange: what the host types, and the exact bytes the device
// prints in answer.
type step struct{ send, want string }

func TestConsoleBytes(t *testing.T) {
	id := serialtest.DefaultDeviceID
	for _, tc := range []struct {
		name  string
		cfg   serialtest.Config
		steps []step
	}{
		{"identify format A", serialtest.Config{}, []step{{"i", "Your device id is " + id + "\r\n"}}},
		{"identify format B", serialtest.Config{IdentifyFormat: serialio.FormatB},
			[]step{{"i", "Device ID: " + id + "\r\nDevice Secret: SECRETSECRET123\r\nSerial Number: PHHAAA012345678\r\n"}}},
		{"mac", serialtest.Config{}, []step{{"m", "Your device MAC address is\r\n" + serialtest.DefaultMAC + "\r\n"}}},
		{"version", serialtest.Config{}, []step{{"v", "system firmware version: 2.3.1\n\r\n"}}},
		{"claimed no", serialtest.Config{}, []step{{"c", "Device claimed: no\r\n"}}},
		{"claimed yes", serialtest.Config{Claimed: true}, []step{{"c", "Device claimed: yes\r\n"}}},
		{"module info", serialtest.Config{}, []step{{"s", serialtest.DefaultModuleInfo + "\r\n"}}},
		{"unknown bytes, CR and LF ignored; commands not echoed", serialtest.Config{},
			[]step{{"\r\nkqurZ?v", "system firmware version: 2.3.1\n\r\n"}}},
		{"claim code: prompt, echo, confirmation", serialtest.Config{}, []step{
			{"C", "Enter 63-digit claim code: "},
			{code63 + "\n", code63 + "\r\nClaim code set to: " + code63 + "\r\n"},
		}},
		{"claim code too short", serialtest.Config{}, []step{
			{"C", "Enter 63-digit claim code: "},
			{"abc\n", "abc\r\nSorry, claim code is not 63 characters long. Claim code unchanged.\r\n"},
		}},
		{"backspace and DEL erase; echoed only when something was erased", serialtest.Config{}, []step{
			{"C", "Enter 63-digit claim code: "},
			{"\x08ab\x08\x7fcd\r", "ab\x08\x7fcd\r\nSorry, claim code is not 63 characters long. Claim code unchanged.\r\n"},
		}},
		{"over-long claim code: the 64th byte ends the line", serialtest.Config{}, []step{
			{"C", "Enter 63-digit claim code: "},
			{code63 + "XYZ\n", code63 + "\r\nClaim code set to: " + code63 + "\r\n"},
		}},
		{"full line: a DEL after the 63rd byte ends it, unechoed", serialtest.Config{}, []step{
			{"C", "Enter 63-digit claim code: "},
			{code63 + "\x7f", code63 + "\r\nClaim code set to: " + code63 + "\r\n"},
		}},
		{"wifi, visible WPA2: no security or cipher prompt", serialtest.Config{Networks: map[string]serialio.Security{"Lab": serialio.SecurityWPA2}}, []step{
			{"w", "SSID: "},
			{"Lab\n", "Lab\r\nPassword: "},
			{"secret-pass\n", "secret-pass\r\nThanks! Wait while I save those credentials...\r\n\r\n" + successText},
		}},
		{"wifi, hidden: security and cipher prompts", serialtest.Config{}, []step{
			{"w", "SSID: "},
			{"Hidden\n", "Hidden\r\n" + securityPrompt},
			{"2\n", "2\r\nSecurity Cipher 1=AES, 2=TKIP, 3=AES+TKIP: "},
			{"3\r\n", "3\r\nPassword: "},
			{"secret-pass\n", "secret-pass\r\nThanks! Wait while I save those credentials...\r\n\r\n" + successText},
		}},
		{"wifi, non-enterprise prompt; invalid digits re-prompt", serialtest.Config{BasicSecurityPrompt: true}, []step{
			{"w", "SSID: "},
			{"\n", "\r\nSSID: "}, // empty SSID asks again
			{"Hidden\n", "Hidden\r\nSecurity 0=unsecured, 1=WEP, 2=WPA, 3=WPA2: "},
			{"5\n", "5\r\nSecurity 0=unsecured, 1=WEP, 2=WPA, 3=WPA2: "},
			{"0\n", "0\r\nSecurity Cipher 1=AES, 2=TKIP, 3=AES+TKIP: "},
			{"4\n", "4\r\nSecurity Cipher 1=AES, 2=TKIP, 3=AES+TKIP: "},
			{"1\n", "1\r\nThanks! Wait while I save those credentials...\r\n\r\n" + successText},
		}},
		{"wifi, over-long SSID truncated to 32 bytes", serialtest.Config{}, []step{
			{"w", "SSID: "},
			{strings.Repeat("s", 40) + "\n", strings.Repeat("s", 32) + "\r\n" + securityPrompt},
		}},
		{"wifi, enterprise network found in the scan", serialtest.Config{Networks: map[string]serialio.Security{"Corp": serialio.SecurityWPA2Enterprise}}, []step{
			{"w", "SSID: "},
			{"Corp\n", "Corp\r\nEAP Type 0=PEAP/MSCHAPv2, 1=EAP-TLS: "},
			{"0\n", "0\r\nUsername: "},
		}},
		{"wifi, credentials not saved", serialtest.Config{SaveFails: true, Networks: map[string]serialio.Security{"Lab": serialio.SecurityWPA2}}, []step{
			{"w", "SSID: "},
			{"Lab\n", "Lab\r\nPassword: "},
			{"secret-pass\n", "secret-pass\r\nThanks! Wait while I save those credentials...\r\n\r\nDerp. Sorry, we couldn't save the credentials.\r\n\r\n"},
		}},
		{"application output interleaved", serialtest.Config{ChatterWhileListening: true, Chatter: "tick\r\n"}, []step{
			{"i", "tick\r\nYour device id is " + id + "\r\n"},
			{"C", "tick\r\nEnter 63-digit claim code: "},
		}},
		{"not in listening mode: the application answers", serialtest.Config{NotListening: true, Chatter: "app v1\r\n"},
			[]step{{"i", "app v1\r\n"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			each(t, tc.cfg, func(t *testing.T, ph *serialtest.Photon, h *host) {
				for i, st := range tc.steps {
					h.send(t, st.send)
					got := h.until(t, st.want)
					if diff := cmp.Diff(st.want, got); diff != "" {
						t.Fatalf("step %d (%q) output (-want +got):\n%s", i, st.send, diff)
					}
					h.reset()
				}
			})
		})
	}
}

const (
	securityPrompt = "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2, 4=WPA Enterprise, 5=WPA2 Enterprise: "
	successText    = "Awesome. Now we'll connect!\r\n\r\n" +
		"If you see a pulsing cyan light, your device \r\n" +
		"has connected to the Cloud and is ready to go!\r\n\r\n" +
		"If your LED flashes red or you encounter any other problems,\r\n" +
		"visit https://www.particle.io/support to debug.\r\n\r\n" +
		"    Particle <3 you!\r\n\r\n"
)

func TestTypeAheadIsLost(t *testing.T) {
	t.Run("command after a line", func(t *testing.T) {
		each(t, serialtest.Config{}, func(t *testing.T, ph *serialtest.Photon, h *host) {
			h.send(t, "C")
			h.until(t, "claim code: ")
			h.send(t, code63+"\ni") // 'i' typed ahead: discarded with the buffer
			h.until(t, "Claim code set to: "+code63+"\r\n")
			h.send(t, "m")
			out := h.until(t, serialtest.DefaultMAC+"\r\n")
			if strings.Contains(out, "device id") || ph.Commands() != "Cm" {
				t.Errorf("type-ahead survived: commands %q, output %q", ph.Commands(), out)
			}
		})
	})
	t.Run("answers typed before their prompts", func(t *testing.T) {
		each(t, serialtest.Config{}, func(t *testing.T, ph *serialtest.Photon, h *host) {
			h.send(t, "w")
			h.until(t, "SSID: ")
			h.send(t, "Hidden\n3\n1\nsecret-pass\n")
			out := h.until(t, securityPrompt)
			if out != "SSID: Hidden\r\n"+securityPrompt {
				t.Fatalf("got %q", out)
			}
			if ph.Received().WiFiSaved {
				t.Fatal("typed-ahead answers were used")
			}
			// Answering properly, one prompt at a time, still works.
			h.send(t, "3\n")
			h.until(t, "AES+TKIP: ")
			h.send(t, "1\n")
			h.until(t, "Password: ")
			h.send(t, "secret-pass\n")
			h.until(t, "<3 you!\r\n\r\n")
			want := serialtest.Received{SSID: "Hidden", Security: serialio.SecurityWPA2, Cipher: serialio.CipherAES, Password: "secret-pass", WiFiSaved: true}
			if diff := cmp.Diff(want, ph.Received()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	})
}

func TestFaults(t *testing.T) {
	t.Run("unplug after N bytes", func(t *testing.T) {
		each(t, serialtest.Config{UnplugAfter: 10}, func(t *testing.T, ph *serialtest.Photon, h *host) {
			h.send(t, "i")
			// A pipe delivers all 10 bytes; a pty hang-up may flush what the
			// host had not read yet, as a pulled cable can.
			if out := h.untilClosed(t); !strings.HasPrefix("Your devic", out) {
				t.Errorf("got %q before the unplug, want at most the first 10 bytes", out)
			}
		})
	})
	t.Run("slow output arrives a byte at a time", func(t *testing.T) {
		// 10 ms a byte: a reader descheduled on a loaded machine still sees
		// the 34 bytes in several reads, where unslowed output comes in one.
		each(t, serialtest.Config{ByteDelay: 10 * time.Millisecond}, func(t *testing.T, ph *serialtest.Photon, h *host) {
			h.send(t, "v")
			h.until(t, "2.3.1\n\r\n")
			h.mu.Lock()
			reads := h.reads
			h.mu.Unlock()
			if reads < 4 {
				t.Errorf("%d reads for 34 bytes: output was not slow", reads)
			}
		})
	})
	t.Run("application chatter on a timer", func(t *testing.T) {
		each(t, serialtest.Config{NotListening: true, ChatterEvery: time.Millisecond, Chatter: "x"}, func(t *testing.T, ph *serialtest.Photon, h *host) {
			h.send(t, "i")
			h.until(t, "xxxx")
			if ph.Commands() != "" {
				t.Errorf("application mode ran commands %q", ph.Commands())
			}
		})
	})
}

func TestOnline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		password string // the one that works
		typed    string
		online   bool
	}{
		{"right password", "secret-pass", "secret-pass", true},
		{"wrong password", "secret-pass", "guess-pass", false},
		{"any password", "", "guess-pass", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan [2]string, 2)
			cfg := serialtest.Config{Password: tc.password, Networks: map[string]serialio.Security{"Lab": serialio.SecurityWPA2},
				OnOnline: func(id, code string) { got <- [2]string{id, code} }}
			each(t, cfg, func(t *testing.T, ph *serialtest.Photon, h *host) {
				h.send(t, "C")
				h.until(t, "claim code: ")
				h.send(t, code63+"\n")
				h.until(t, "Claim code set to: "+code63+"\r\n") // never type ahead
				h.send(t, "w")
				h.until(t, "SSID: ")
				h.send(t, "Lab\n")
				h.until(t, "Password: ")
				h.send(t, tc.typed+"\n")
				h.until(t, "<3 you!")
				if ph.Listening() {
					t.Error("still listening after a successful w")
				}
				if tc.online {
					select {
					case g := <-got:
						if g != [2]string{serialtest.DefaultDeviceID, code63} {
							t.Errorf("OnOnline(%q)", g)
						}
					case <-time.After(5 * time.Second):
						t.Fatal("never came online")
					}
				}
				if ph.Online() != tc.online {
					t.Errorf("online = %v, want %v", ph.Online(), tc.online)
				}
				// Out of listening mode, commands no longer answer; back in, they do.
				ph.EnterListening()
				h.reset()
				h.send(t, "c")
				want := "Device claimed: no\r\n"
				if tc.online {
					want = "Device claimed: yes\r\n"
				}
				if out := h.until(t, "\r\n"); out != want {
					t.Errorf("after coming online: %q, want %q", out, want)
				}
			})
		})
	}
}

func TestExitWithoutCredentialsStaysOffline(t *testing.T) {
	cfg := serialtest.Config{Chatter: "app\r\n", OnOnline: func(string, string) { panic("online without credentials") }}
	each(t, cfg, func(t *testing.T, ph *serialtest.Photon, h *host) {
		h.send(t, "x")
		h.send(t, "i") // after 'x' the application gets it and answers
		if out := h.until(t, "app\r\n"); out != "app\r\n" {
			t.Errorf("got %q", out)
		}
		if ph.Listening() || ph.Online() || ph.Commands() != "x" {
			t.Errorf("listening=%v online=%v commands=%q", ph.Listening(), ph.Online(), ph.Commands())
		}
	})
}

func TestPortDetailsClassify(t *testing.T) {
	ph := serialtest.New(serialtest.Config{DeviceID: "1f0044000a47343432313031"})
	p, ok := serialio.Classify(ph.PortDetails("/dev/ttyACM3"))
	if !ok || p.DeviceID != "1f0044000a47343432313031" || p.Mode != serialio.ModeSerial || p.Path != "/dev/ttyACM3" {
		t.Errorf("got %+v, %v", p, ok)
	}
}

func TestReconnectKeepsState(t *testing.T) {
	ph := serialtest.New(serialtest.Config{})
	defer ph.Close()
	for i := range 2 {
		c := serialio.NewConsole(ph.Pipe())
		if i == 0 {
			if err := c.SetClaimCode(t.Context(), code63); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
	}
	if ph.Received().ClaimCode != code63 {
		t.Error("claim code lost across connections")
	}
	ph.Close()
	c := serialio.NewConsole(ph.Pipe())
	defer c.Close()
	if _, err := c.Identify(t.Context()); !errors.Is(err, serialio.ErrUnplugged) {
		t.Errorf("after Close: %v, want ErrUnplugged", err)
	}
}

// TestCloseDoesNotWaitOutOnlineDelay: a device still "connecting" when it
// is closed stops at once instead of holding Close for OnlineDelay.
func TestCloseDoesNotWaitOutOnlineDelay(t *testing.T) {
	called := make(chan struct{}, 1)
	ph := serialtest.New(serialtest.Config{OnlineDelay: time.Hour, OnOnline: func(string, string) { called <- struct{}{} }})
	c := serialio.NewConsole(ph.Pipe())
	defer c.Close()
	if _, err := c.ConfigureWiFi(t.Context(), serialio.Credentials{SSID: "Open", Security: serialio.SecurityOpen}); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { ph.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the online delay")
	}
	select {
	case <-called:
		t.Error("OnOnline ran after Close")
	default:
	}
}

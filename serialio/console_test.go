package serialio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.bug.st/serial"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

const (
	claimCode = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrstuvwxyz0"
	wifiPass  = "correct-horse-battery"
)

// shortTimeouts keep fault tests fast; the emulator answers at once, so
// only waits that are meant to expire are affected.
var shortTimeouts = serialio.Timeouts{
	Answer: 300 * time.Millisecond, Claimed: 300 * time.Millisecond, ModuleInfo: 2 * time.Second,
	Scan: 2 * time.Second, Prompt: 2 * time.Second, Save: 2 * time.Second,
}

// transport connects a Console to an emulated Photon.
type transport struct {
	name    string
	console func(t *testing.T, ph *serialtest.Photon, opts ...serialio.Option) *serialio.Console
	raw     func(t *testing.T, ph *serialtest.Photon) io.ReadWriteCloser
}

func ptyPath(t *testing.T, ph *serialtest.Photon) string {
	t.Helper()
	path, err := ph.PTY()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	return path
}

var transports = []transport{
	{
		name: "pipe",
		console: func(t *testing.T, ph *serialtest.Photon, opts ...serialio.Option) *serialio.Console {
			c := serialio.NewConsole(ph.Pipe(), append([]serialio.Option{serialio.WithPortName("pipe")}, opts...)...)
			t.Cleanup(func() { c.Close() })
			return c
		},
		raw: func(t *testing.T, ph *serialtest.Photon) io.ReadWriteCloser { return ph.Pipe() },
	},
	{
		name: "pty",
		console: func(t *testing.T, ph *serialtest.Photon, opts ...serialio.Option) *serialio.Console {
			c, err := serialio.Open(t.Context(), ptyPath(t, ph), opts...)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		},
		raw: func(t *testing.T, ph *serialtest.Photon) io.ReadWriteCloser {
			p, err := serial.Open(ptyPath(t, ph), &serial.Mode{BaudRate: 9600})
			if err != nil {
				t.Fatalf("serial.Open: %v", err)
			}
			return p
		},
	},
}

// eachTransport runs f against a fresh emulated Photon per transport.
func eachTransport(t *testing.T, cfg serialtest.Config, opts []serialio.Option, f func(t *testing.T, ph *serialtest.Photon, c *serialio.Console)) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			ph := serialtest.New(cfg)
			t.Cleanup(func() { ph.Close() })
			c := tr.console(t, ph, opts...)
			f(t, ph, c)
		})
	}
}

func TestDescribe(t *testing.T) {
	truth, falsity := true, false
	for _, tc := range []struct {
		name string
		cfg  serialtest.Config
		want serialio.Device
	}{
		{"format A", serialtest.Config{},
			serialio.Device{DeviceID: serialtest.DefaultDeviceID, MAC: serialtest.DefaultMAC, FirmwareVersion: "2.3.1", Claimed: &falsity}},
		{"format B, claimed", serialtest.Config{IdentifyFormat: serialio.FormatB, Claimed: true, FirmwareVersion: "1.5.2"},
			serialio.Device{DeviceID: serialtest.DefaultDeviceID, MAC: serialtest.DefaultMAC, FirmwareVersion: "1.5.2", Claimed: &truth}},
		{"slow output, 1 byte per ms", serialtest.Config{ByteDelay: time.Millisecond},
			serialio.Device{DeviceID: serialtest.DefaultDeviceID, MAC: serialtest.DefaultMAC, FirmwareVersion: "2.3.1", Claimed: &falsity}},
		{"application output interleaved", serialtest.Config{ChatterWhileListening: true, IdentifyFormat: serialio.FormatB},
			serialio.Device{DeviceID: serialtest.DefaultDeviceID, MAC: serialtest.DefaultMAC, FirmwareVersion: "2.3.1", Claimed: &falsity}},
		{"firmware before claim codes", serialtest.Config{NoClaimCommands: true, FirmwareVersion: "0.5.3"},
			serialio.Device{DeviceID: serialtest.DefaultDeviceID, MAC: serialtest.DefaultMAC, FirmwareVersion: "0.5.3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Only the claim-flag probe is shortened: slow output must not
			// be mistaken for silence.
			opts := []serialio.Option{serialio.WithTimeouts(serialio.Timeouts{Claimed: 300 * time.Millisecond})}
			eachTransport(t, tc.cfg, opts, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				got, err := c.Describe(t.Context())
				if err != nil {
					t.Fatalf("Describe: %v", err)
				}
				got.Port = ""
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestIdentifyFormatB(t *testing.T) {
	eachTransport(t, serialtest.Config{IdentifyFormat: serialio.FormatB}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		id, err := c.Identify(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if id.DeviceID != serialtest.DefaultDeviceID || id.Format != serialio.FormatB {
			t.Errorf("got %+v", id)
		}
		// The device secret never reaches the transcript (journal, details).
		tr := c.Transcript()
		if strings.Contains(tr, "SECRETSECRET123") || !strings.Contains(tr, "Device Secret: "+serialio.Redacted) {
			t.Errorf("transcript %q", tr)
		}
	})
}

func TestModuleInfo(t *testing.T) {
	eachTransport(t, serialtest.Config{ModuleInfoDelay: 20 * time.Millisecond}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		mi, err := c.ModuleInfo(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := mi.SystemModuleVersion(); mi.Platform != 6 || len(mi.Modules) != 5 || !ok || v != 3103 {
			t.Errorf("got platform %d, %d modules, system %d", mi.Platform, len(mi.Modules), v)
		}
	})
}

func TestModuleInfoNotJSON(t *testing.T) {
	eachTransport(t, serialtest.Config{ModuleInfo: `{"p":"x","m":[]}`}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		if _, err := c.ModuleInfo(t.Context()); !errors.Is(err, serialio.ErrProtocol) {
			t.Errorf("got %v, want ErrProtocol", err)
		}
	})
}

func TestSetClaimCode(t *testing.T) {
	eachTransport(t, serialtest.Config{ByteDelay: 100 * time.Microsecond}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		var mon bytes.Buffer
		var mu sync.Mutex
		stop := c.Monitor(func(b []byte) { mu.Lock(); mon.Write(b); mu.Unlock() })
		defer stop()
		if err := c.SetClaimCode(t.Context(), claimCode); err != nil {
			t.Fatalf("SetClaimCode: %v", err)
		}
		if got := ph.Received().ClaimCode; got != claimCode {
			t.Errorf("device got claim code %q", got)
		}
		// Check the raw stream went through the console, then that the code
		// the device echoed twice is scrubbed everywhere we hand it out.
		if _, err := c.FirmwareVersion(t.Context()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		monitored := mon.String()
		mu.Unlock()
		for name, s := range map[string]string{"transcript": c.Transcript(), "monitor": monitored} {
			if strings.Contains(s, claimCode) || strings.Contains(s, claimCode[:40]) {
				t.Errorf("%s holds the claim code: %q", name, s)
			}
			if !strings.Contains(s, "Claim code set to: "+serialio.Redacted) || !strings.Contains(s, "system firmware version") {
				t.Errorf("%s lost the rest of the output: %q", name, s)
			}
		}
	})
}

func TestSetClaimCodeValidatesFirst(t *testing.T) {
	eachTransport(t, serialtest.Config{}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		err := c.SetClaimCode(t.Context(), claimCode[:62])
		if !errors.Is(err, serialio.ErrInvalidInput) {
			t.Fatalf("got %v, want ErrInvalidInput", err)
		}
		if _, err := c.FirmwareVersion(t.Context()); err != nil { // the device still answers
			t.Fatal(err)
		}
		if got := ph.Commands(); got != "v" {
			t.Errorf("device saw commands %q, want only v", got)
		}
	})
}

func TestSetClaimCodeOldFirmware(t *testing.T) {
	eachTransport(t, serialtest.Config{NoClaimCommands: true}, []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		if err := c.SetClaimCode(t.Context(), claimCode); !errors.Is(err, serialio.ErrUnsupportedFirmware) {
			t.Errorf("got %v, want ErrUnsupportedFirmware", err)
		}
	})
}

func TestConfigureWiFi(t *testing.T) {
	type want struct {
		Report   serialio.WiFiReport
		Received serialtest.Received
		Online   bool
	}
	for _, tc := range []struct {
		name string
		cfg  serialtest.Config
		cred serialio.Credentials
		want want
	}{
		{"visible WPA2: no security or cipher prompt",
			serialtest.Config{Networks: map[string]serialio.Security{"Factory": serialio.SecurityWPA2}, ScanDelay: 10 * time.Millisecond, Password: wifiPass},
			serialio.Credentials{SSID: "Factory", Security: serialio.SecurityWPA2, Password: wifiPass},
			want{serialio.WiFiReport{NetworkVisible: true},
				serialtest.Received{SSID: "Factory", Security: serialio.SecurityWPA2, Cipher: serialio.CipherAES, Password: wifiPass, WiFiSaved: true}, true}},
		{"hidden WPA: security and cipher prompts",
			serialtest.Config{ScanDelay: 5 * time.Millisecond},
			serialio.Credentials{SSID: "Hidden", Security: serialio.SecurityWPA, Cipher: serialio.CipherTKIP, Password: wifiPass},
			want{serialio.WiFiReport{CipherAsked: true},
				serialtest.Received{SSID: "Hidden", Security: serialio.SecurityWPA, Cipher: serialio.CipherTKIP, Password: wifiPass, WiFiSaved: true}, true}},
		{"hidden, non-enterprise firmware prompt",
			serialtest.Config{BasicSecurityPrompt: true},
			serialio.Credentials{SSID: "Hidden", Security: serialio.SecurityWPA2, Password: wifiPass},
			want{serialio.WiFiReport{CipherAsked: true},
				serialtest.Received{SSID: "Hidden", Security: serialio.SecurityWPA2, Cipher: serialio.CipherAES, Password: wifiPass, WiFiSaved: true}, true}},
		{"visible open network: cipher prompt, no password",
			serialtest.Config{Networks: map[string]serialio.Security{"Guest": serialio.SecurityOpen}},
			serialio.Credentials{SSID: "Guest", Security: serialio.SecurityOpen},
			want{serialio.WiFiReport{NetworkVisible: true, CipherAsked: true},
				serialtest.Received{SSID: "Guest", Security: serialio.SecurityOpen, Cipher: serialio.CipherAES, WiFiSaved: true}, true}},
		{"hidden WEP",
			serialtest.Config{},
			serialio.Credentials{SSID: "Old", Security: serialio.SecurityWEP, Password: "0123456789"},
			want{serialio.WiFiReport{CipherAsked: true},
				serialtest.Received{SSID: "Old", Security: serialio.SecurityWEP, Cipher: serialio.CipherAES, Password: "0123456789", WiFiSaved: true}, true}},
		{"hidden WEP with a 5-character text key: sent as hex",
			serialtest.Config{},
			serialio.Credentials{SSID: "Old", Security: serialio.SecurityWEP, Password: "abcde"},
			want{serialio.WiFiReport{CipherAsked: true},
				serialtest.Received{SSID: "Old", Security: serialio.SecurityWEP, Cipher: serialio.CipherAES, Password: "6162636465", WiFiSaved: true}, true}},
		{"SSID that looks like a prompt: echo skipped",
			serialtest.Config{},
			serialio.Credentials{SSID: "Password: SSID: ", Security: serialio.SecurityWPA2, Password: wifiPass},
			want{serialio.WiFiReport{CipherAsked: true},
				serialtest.Received{SSID: "Password: SSID: ", Security: serialio.SecurityWPA2, Cipher: serialio.CipherAES, Password: wifiPass, WiFiSaved: true}, true}},
		{"longest SSID and password",
			serialtest.Config{Networks: map[string]serialio.Security{strings.Repeat("s", 32): serialio.SecurityWPA2}},
			serialio.Credentials{SSID: strings.Repeat("s", 32), Security: serialio.SecurityWPA2, Password: strings.Repeat("p", 64)},
			want{serialio.WiFiReport{NetworkVisible: true},
				serialtest.Received{SSID: strings.Repeat("s", 32), Security: serialio.SecurityWPA2, Cipher: serialio.CipherAES, Password: strings.Repeat("p", 64), WiFiSaved: true}, true}},
		{"slow output with chatter",
			serialtest.Config{ByteDelay: 50 * time.Microsecond, ChatterWhileListening: true},
			serialio.Credentials{SSID: "Hidden", Security: serialio.SecurityWPA2, Password: wifiPass},
			want{serialio.WiFiReport{CipherAsked: true},
				serialtest.Received{SSID: "Hidden", Security: serialio.SecurityWPA2, Cipher: serialio.CipherAES, Password: wifiPass, WiFiSaved: true}, true}},
		{"wrong password: saved, never online",
			serialtest.Config{Networks: map[string]serialio.Security{"Factory": serialio.SecurityWPA2}, Password: wifiPass},
			serialio.Credentials{SSID: "Factory", Security: serialio.SecurityWPA2, Password: "not-the-password"},
			want{serialio.WiFiReport{NetworkVisible: true},
				serialtest.Received{SSID: "Factory", Security: serialio.SecurityWPA2, Cipher: serialio.CipherAES, Password: "not-the-password", WiFiSaved: true}, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			online := make(chan [2]string, 1)
			cfg := tc.cfg
			cfg.OnOnline = func(id, code string) { online <- [2]string{id, code} }
			var logs strings.Builder
			var logMu sync.Mutex
			logf := func(f string, a ...any) { logMu.Lock(); fmt.Fprintf(&logs, f+"\n", a...); logMu.Unlock() }
			eachTransport(t, cfg, []serialio.Option{serialio.WithLogf(logf)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				if err := c.SetClaimCode(t.Context(), claimCode); err != nil {
					t.Fatal(err)
				}
				rep, err := c.ConfigureWiFi(t.Context(), tc.cred)
				if err != nil {
					t.Fatalf("ConfigureWiFi: %v", err)
				}
				if ph.Listening() {
					t.Error("device still in listening mode after a successful w")
				}
				got := want{Report: rep, Received: ph.Received()}
				got.Received.ClaimCode = ""
				if tc.want.Online {
					select {
					case o := <-online:
						got.Online = true
						if o != [2]string{serialtest.DefaultDeviceID, claimCode} {
							t.Errorf("online callback got %q", o)
						}
					case <-time.After(5 * time.Second):
						t.Error("device never came online")
					}
				} else if ph.Online() {
					got.Online = true
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if tc.cred.Password != "" {
					logMu.Lock()
					l := logs.String()
					logMu.Unlock()
					for name, s := range map[string]string{"transcript": c.Transcript(), "log": l} {
						if strings.Contains(s, tc.cred.Password) {
							t.Errorf("%s holds the Wi-Fi password: %q", name, s)
						}
					}
					if !strings.Contains(c.Transcript(), "<3 you!") {
						t.Errorf("transcript lost the device output: %q", c.Transcript())
					}
				}
			})
		})
	}
}

func TestConfigureWiFiRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      serialtest.Config
		cred     serialio.Credentials
		kind     error
		mentions string
	}{
		{"enterprise network", serialtest.Config{Networks: map[string]serialio.Security{"Corp": serialio.SecurityWPA2Enterprise}},
			serialio.Credentials{SSID: "Corp", Security: serialio.SecurityWPA2, Password: wifiPass}, serialio.ErrEnterpriseNetwork, "RESET"},
		{"secured network, no password", serialtest.Config{Networks: map[string]serialio.Security{"Lab": serialio.SecurityWPA2}},
			serialio.Credentials{SSID: "Lab", Security: serialio.SecurityOpen}, serialio.ErrPasswordRequired, "RESET"},
		{"device cannot save", serialtest.Config{SaveFails: true},
			serialio.Credentials{SSID: "Lab", Security: serialio.SecurityWPA2, Password: wifiPass}, serialio.ErrCredentialsNotSaved, "RESET"},
		{"SSID too long: nothing sent", serialtest.Config{},
			serialio.Credentials{SSID: strings.Repeat("x", 33), Security: serialio.SecurityWPA2, Password: wifiPass}, serialio.ErrInvalidInput, "32"},
		{"open network, leftover password too long to type: nothing sent", serialtest.Config{},
			serialio.Credentials{SSID: "Lab", Security: serialio.SecurityOpen, Password: strings.Repeat("p", 65)}, serialio.ErrInvalidInput, "64"},
		{"open network, leftover password with a control character: nothing sent", serialtest.Config{},
			serialio.Credentials{SSID: "Lab", Security: serialio.SecurityOpen, Password: "pass\x7fword"}, serialio.ErrInvalidInput, "control"},
		{"WPA password too short: nothing sent", serialtest.Config{},
			serialio.Credentials{SSID: "Lab", Security: serialio.SecurityWPA2, Password: "short"}, serialio.ErrInvalidInput, "8 to 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachTransport(t, tc.cfg, []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				_, err := c.ConfigureWiFi(t.Context(), tc.cred)
				if !errors.Is(err, tc.kind) {
					t.Fatalf("got %v, want %v", err, tc.kind)
				}
				if !strings.Contains(err.Error(), tc.mentions) {
					t.Errorf("message %q does not mention %q", err, tc.mentions)
				}
				if tc.cred.Password != "" && strings.Contains(err.Error(), tc.cred.Password) {
					t.Errorf("message %q holds the password", err)
				}
				if errors.Is(err, serialio.ErrInvalidInput) && ph.Commands() != "" {
					t.Errorf("device saw %q before validation failed", ph.Commands())
				}
				if ph.Received().WiFiSaved {
					t.Error("device saved credentials")
				}
			})
		})
	}
}

func TestNotListening(t *testing.T) {
	ops := []struct {
		name string
		run  func(ctx context.Context, c *serialio.Console) error
	}{
		{"identify", func(ctx context.Context, c *serialio.Console) error { _, err := c.Identify(ctx); return err }},
		{"mac", func(ctx context.Context, c *serialio.Console) error { _, err := c.MAC(ctx); return err }},
		{"version", func(ctx context.Context, c *serialio.Console) error { _, err := c.FirmwareVersion(ctx); return err }},
		{"claim code", func(ctx context.Context, c *serialio.Console) error { return c.SetClaimCode(ctx, claimCode) }},
		{"wifi", func(ctx context.Context, c *serialio.Console) error {
			_, err := c.ConfigureWiFi(ctx, serialio.Credentials{SSID: "Lab", Security: serialio.SecurityWPA2, Password: wifiPass})
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			eachTransport(t, serialtest.Config{NotListening: true}, []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				err := op.run(t.Context(), c)
				if !serialio.IsNotListening(err) {
					t.Fatalf("got %v, want ErrNotListening", err)
				}
				if !strings.Contains(err.Error(), "SETUP") || !strings.Contains(err.Error(), "dark blue") {
					t.Errorf("message %q does not say how to enter listening mode", err)
				}
				var se *serialio.Error
				if !errors.As(err, &se) || !strings.Contains(se.Details, "temperature=21.5") {
					t.Errorf("details do not show the application output: %+v", se)
				}
				if strings.Contains(err.Error()+se.Details, wifiPass) || strings.Contains(err.Error()+se.Details, claimCode) {
					t.Error("error holds a secret")
				}
			})
		})
	}
	t.Run("then the technician holds SETUP", func(t *testing.T) {
		eachTransport(t, serialtest.Config{NotListening: true, ChatterEvery: time.Millisecond}, []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
			if _, err := c.Identify(t.Context()); !serialio.IsNotListening(err) {
				t.Fatalf("got %v", err)
			}
			ph.EnterListening()
			id, err := c.Identify(t.Context())
			if err != nil || id.DeviceID != serialtest.DefaultDeviceID {
				t.Fatalf("got %+v, %v", id, err)
			}
		})
	})
}

func TestSilentDevice(t *testing.T) {
	eachTransport(t, serialtest.Config{Silent: true}, []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		start := time.Now()
		_, err := c.Describe(t.Context())
		if !serialio.IsSilent(err) {
			t.Fatalf("got %v, want ErrSilent", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v to give up", d)
		}
	})
}

func TestUnplugged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after int
		run   func(ctx context.Context, c *serialio.Console) error
	}{
		{"mid identify answer", 10, func(ctx context.Context, c *serialio.Console) error { _, err := c.Identify(ctx); return err }},
		{"mid module info", 100, func(ctx context.Context, c *serialio.Console) error { _, err := c.ModuleInfo(ctx); return err }},
		{"mid claim code echo", 40, func(ctx context.Context, c *serialio.Console) error { return c.SetClaimCode(ctx, claimCode) }},
		{"mid wifi dialogue", 20, func(ctx context.Context, c *serialio.Console) error {
			_, err := c.ConfigureWiFi(ctx, serialio.Credentials{SSID: "Lab", Security: serialio.SecurityWPA2, Password: wifiPass})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Long timeouts: the unplug must be noticed, not waited out.
			eachTransport(t, serialtest.Config{UnplugAfter: tc.after, ByteDelay: 100 * time.Microsecond}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				start := time.Now()
				err := tc.run(t.Context(), c)
				if !serialio.IsUnplugged(err) {
					t.Fatalf("got %v, want ErrUnplugged", err)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("noticed after %v", d)
				}
				if _, err := c.Identify(t.Context()); !serialio.IsUnplugged(err) {
					t.Errorf("next operation: %v, want ErrUnplugged", err)
				}
			})
		})
	}
}

func TestCancelClosesThePort(t *testing.T) {
	// A scan that would take a minute: cancelling must not wait for it.
	eachTransport(t, serialtest.Config{ScanDelay: time.Minute}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		ctx, cancel := context.WithCancel(t.Context())
		var seen []byte // the monitor runs on one goroutine
		c.Monitor(func(b []byte) {
			seen = append(seen, b...)
			if bytes.Contains(seen, []byte("Hidden\r\n")) { // SSID echoed: the scan has begun
				cancel()
			}
		})
		start := time.Now()
		_, err := c.ConfigureWiFi(ctx, serialio.Credentials{SSID: "Hidden", Security: serialio.SecurityWPA2, Password: wifiPass})
		t.Logf("ConfigureWiFi: %v after %v; transcript %q", err, time.Since(start), c.Transcript())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("cancel took %v", d)
		}
		if _, err := c.Identify(t.Context()); !errors.Is(err, serialio.ErrClosed) {
			t.Errorf("after cancel: %v, want ErrClosed", err)
		}
	})
}

func TestDeadlineBoundsEveryWait(t *testing.T) {
	eachTransport(t, serialtest.Config{Silent: true}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if _, err := c.ModuleInfo(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want DeadlineExceeded", err)
		}
	})
}

func TestExitListening(t *testing.T) {
	eachTransport(t, serialtest.Config{}, []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		if _, err := c.Identify(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := c.ExitListening(t.Context()); err != nil {
			t.Fatal(err)
		}
		// The device printed nothing; its next answer shows it left.
		if _, err := c.Identify(t.Context()); !serialio.IsSilent(err) && !serialio.IsNotListening(err) {
			t.Errorf("after x: %v", err)
		}
		if ph.Listening() || ph.Commands() != "ix" {
			t.Errorf("listening=%v commands=%q", ph.Listening(), ph.Commands())
		}
	})
}

func TestOpenErrors(t *testing.T) {
	_, err := serialio.Open(t.Context(), "/dev/does-not-exist-photon")
	if !errors.Is(err, serialio.ErrPortNotFound) || !serialio.IsUnplugged(err) {
		t.Errorf("missing port: %v", err)
	}
	if !strings.Contains(err.Error(), "plugged in") {
		t.Errorf("message %q gives no action", err)
	}
	ph := serialtest.New(serialtest.Config{})
	defer ph.Close()
	path := ptyPath(t, ph)
	ph.Close() // pulls the cable and waits: the path is gone afterwards
	if _, err := serialio.Open(t.Context(), path); !serialio.IsUnplugged(err) {
		t.Errorf("unplugged pty: %v", err)
	}
}

func TestOpenRefusesCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := serialio.Open(ctx, "/dev/null"); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestOpenBusyAndPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root bypasses exclusive access and file permissions; run as a normal user to check these")
	}
	ph := serialtest.New(serialtest.Config{})
	defer ph.Close()
	path := ptyPath(t, ph)
	c, err := serialio.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := serialio.Open(t.Context(), path); !serialio.IsPortBusy(err) {
		t.Errorf("second open: %v, want ErrPortBusy", err)
	}
	c.Close()
	if err := os.Chmod(path, 0); err != nil {
		t.Skipf("cannot change the pty's mode: %v", err)
	}
	if _, err := serialio.Open(t.Context(), path); !serialio.IsPermissionDenied(err) {
		t.Errorf("open without permission: %v, want ErrPermissionDenied", err)
	}
}

// TestUnplugMidSecretEcho: a cable pulled while the device echoes a claim
// code or a Wi-Fi password must not leave the part already echoed in the
// transcript or the monitor.
func TestUnplugMidSecretEcho(t *testing.T) {
	nets := map[string]serialio.Security{"Lab": serialio.SecurityWPA2}
	for _, tc := range []struct {
		name   string
		after  int // "Enter 63-digit claim code: " is 27 bytes; "SSID: Lab\r\nPassword: " is 21
		secret string
		run    func(ctx context.Context, c *serialio.Console) error
	}{
		{"claim code", 27 + 20, claimCode, func(ctx context.Context, c *serialio.Console) error { return c.SetClaimCode(ctx, claimCode) }},
		{"wifi password", 21 + 12, wifiPass, func(ctx context.Context, c *serialio.Console) error {
			_, err := c.ConfigureWiFi(ctx, serialio.Credentials{SSID: "Lab", Security: serialio.SecurityWPA2, Password: wifiPass})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachTransport(t, serialtest.Config{UnplugAfter: tc.after, ByteDelay: 100 * time.Microsecond, Networks: nets}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				var mu sync.Mutex
				var mon bytes.Buffer
				c.Monitor(func(b []byte) { mu.Lock(); mon.Write(b); mu.Unlock() })
				if err := tc.run(t.Context(), c); !serialio.IsUnplugged(err) {
					t.Fatalf("got %v, want ErrUnplugged", err)
				}
				mu.Lock()
				monitored := mon.String()
				mu.Unlock()
				for name, s := range map[string]string{"transcript": c.Transcript(), "monitor": monitored} {
					if strings.Contains(s, tc.secret[:6]) {
						t.Errorf("%s holds the start of the secret: %q", name, s)
					}
				}
			})
		})
	}
}

// TestDoneAfterUnplug: a view that only watches the port (the serial
// monitor) learns within seconds that the device was unplugged, and why.
func TestDoneAfterUnplug(t *testing.T) {
	eachTransport(t, serialtest.Config{}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		if err := c.Err(); err != nil {
			t.Fatalf("Err before unplugging = %v", err)
		}
		select {
		case <-c.Done():
			t.Fatal("Done before unplugging")
		default:
		}
		ph.Unplug()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed 5 s after unplugging")
		}
		if err := c.Err(); !serialio.IsUnplugged(err) {
			t.Errorf("Err after unplugging = %v, want unplugged", err)
		}
	})
}

// The claim-code input on the device never times out: an operation that
// ends after 'C' but before the code (here: the prompt comes too late) sends
// an empty line, so the next command is heard instead of swallowed as part
// of the code.
func TestClaimCodeInputIsNeverLeftOpen(t *testing.T) {
	busy := serialtest.Config{ClaimPromptDelay: 300 * time.Millisecond}
	eachTransport(t, busy, []serialio.Option{serialio.WithTimeouts(serialio.Timeouts{Answer: 100 * time.Millisecond})},
		func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
			if err := c.SetClaimCode(t.Context(), strings.Repeat("a", 63)); err == nil {
				t.Fatal("the claim code was set though its prompt came too late")
			}
			// The device takes the empty line and says the code is unchanged.
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(c.Transcript(), "Claim code unchanged.") {
				if time.Now().After(deadline) {
					t.Fatalf("the claim-code input was never ended; the device printed:\n%s", c.Transcript())
				}
				time.Sleep(5 * time.Millisecond)
			}
			id, err := c.Identify(t.Context())
			if err != nil || id.DeviceID != serialtest.DefaultDeviceID {
				t.Fatalf("after the interrupted claim code: %+v, %v", id, err)
			}
			if got := ph.Received().ClaimCode; got != "" {
				t.Errorf("a claim code was stored: %q", got)
			}
		})
}

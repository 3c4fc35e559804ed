package serialio_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// An ID line whose value is not a device ID is said to be one, at once,
// not taken for application output ("not in listening mode").
func TestMalformedDeviceID(t *testing.T) {
	for _, bad := range []string{"3a001d00024734333937353g", "3a001d0002473433393735", "3a001d000247343339373536ff"} {
		t.Run(bad, func(t *testing.T) {
			eachTransport(t, serialtest.Config{DeviceID: bad}, nil, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				start := time.Now()
				_, err := c.Identify(t.Context())
				if !errors.Is(err, serialio.ErrNotADeviceID) || serialio.IsNotListening(err) {
					t.Fatalf("got %v, want ErrNotADeviceID", err)
				}
				if !strings.Contains(err.Error(), "not a device ID") {
					t.Errorf("message %q", err)
				}
				var se *serialio.Error
				if errors.As(err, &se) && !strings.Contains(se.Details, bad) {
					t.Errorf("details %q do not show what the device said", se.Details)
				}
				// Default timeouts: the answer is taken as it comes, not
				// waited out.
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("took %v", d)
				}
			})
		})
	}
}

// openClaimCodeLine plays an earlier process that sent 'C' and part of a
// code and died: its port is closed with the device inside the line.
func openClaimCodeLine(t *testing.T, path string) {
	t.Helper()
	raw, err := serial.Open(path, &serial.Mode{BaudRate: 9600})
	if err != nil {
		t.Fatalf("serial.Open: %v", err)
	}
	defer raw.Close()
	raw.SetReadTimeout(100 * time.Millisecond)
	if _, err := raw.Write([]byte("C")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	b := make([]byte, 256)
	for deadline := time.Now().Add(5 * time.Second); !bytes.Contains(got, []byte("Enter 63-digit claim code: ")); {
		if time.Now().After(deadline) {
			t.Fatalf("no claim-code prompt; got %q", got)
		}
		n, _ := raw.Read(b)
		got = append(got, b[:n]...)
	}
	if _, err := raw.Write([]byte("AbCdEf")); err != nil {
		t.Fatal(err)
	}
}

// A claim-code line left open by a process that died is ended with an
// empty line, and the device answers commands again; the code is unchanged.
func TestEndClaimCodeLine(t *testing.T) {
	ph := serialtest.New(serialtest.Config{})
	t.Cleanup(func() { ph.Close() })
	path := ptyPath(t, ph)
	openClaimCodeLine(t, path)

	c, err := serialio.Open(t.Context(), path, serialio.WithTimeouts(shortTimeouts))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ended, err := c.EndClaimCodeLine(t.Context())
	if err != nil || !ended {
		t.Fatalf("EndClaimCodeLine: %v, %v; device printed %q", ended, err, c.Transcript())
	}
	d, err := c.Describe(t.Context())
	if err != nil || d.DeviceID != serialtest.DefaultDeviceID {
		t.Fatalf("after ending the line: %+v, %v", d, err)
	}
	if got := ph.Received().ClaimCode; got != "" {
		t.Errorf("a claim code was stored: %q", got)
	}
	if got := ph.Commands(); got != "Cimvc" {
		t.Errorf("device acted on %q, want Cimvc", got)
	}
}

// With no line open, the empty line is ignored at the menu and the console
// says so after its answer timeout.
func TestEndClaimCodeLineNoneOpen(t *testing.T) {
	eachTransport(t, serialtest.Config{}, []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
		ended, err := c.EndClaimCodeLine(t.Context())
		if err != nil || ended {
			t.Fatalf("EndClaimCodeLine: %v, %v", ended, err)
		}
		if _, err := c.Identify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

// Once 'w' is out, a stop, a deadline or a prompt that never comes leaves
// the device inside the dialogue: the error says RESET (holding SETUP does
// nothing there) and still unwraps to the context's end.
func TestWiFiDialogueLeftOpen(t *testing.T) {
	cred := serialio.Credentials{SSID: "Hidden", Security: serialio.SecurityWPA2, Password: wifiPass}
	for _, tc := range []struct {
		name  string
		cfg   func(stop func()) serialtest.Config
		ctx   func(context.Context) (context.Context, context.CancelFunc)
		cause error
	}{
		{"stopped at the password prompt", func(stop func()) serialtest.Config {
			return serialtest.Config{OnPrompt: func(p string) {
				if p == "Password: " {
					stop()
				}
			}}
		}, context.WithCancel, context.Canceled},
		{"step deadline during the scan", func(func()) serialtest.Config {
			return serialtest.Config{ScanDelay: time.Minute}
		}, func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 500*time.Millisecond)
		}, context.DeadlineExceeded},
		{"no prompt after the scan", func(func()) serialtest.Config {
			return serialtest.Config{ScanDelay: time.Minute}
		}, context.WithCancel, serialio.ErrSilent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var cancel context.CancelFunc // this transport's
			stop := func() {
				mu.Lock()
				defer mu.Unlock()
				cancel()
			}
			eachTransport(t, tc.cfg(stop), []serialio.Option{serialio.WithTimeouts(shortTimeouts)}, func(t *testing.T, ph *serialtest.Photon, c *serialio.Console) {
				mu.Lock()
				ctx, cancelThis := tc.ctx(t.Context())
				cancel = cancelThis
				mu.Unlock()
				defer cancelThis()
				_, err := c.ConfigureWiFi(ctx, cred)
				if !errors.Is(err, serialio.ErrInsideWiFiDialogue) || !errors.Is(err, tc.cause) {
					t.Fatalf("got %v, want ErrInsideWiFiDialogue caused by %v", err, tc.cause)
				}
				msg := err.Error()
				if !strings.Contains(msg, "may still be waiting inside the Wi-Fi questions") || !strings.Contains(msg, "RESET") || strings.Contains(msg, "SETUP") {
					t.Errorf("message %q", msg)
				}
				if strings.Contains(msg, wifiPass) {
					t.Error("message holds the password")
				}
			})
		})
	}
}

func TestParseMalformedIdentify(t *testing.T) {
	for _, tc := range []struct {
		in    string
		value string
		ok    bool
	}{
		{"Your device id is 3a001d000247343339373536\r\n", "", false},
		{"Device ID: 3A001D000247343339373536\r\n", "", false},
		{"Your device id is 3a001d00024734333937353g\r\n", "3a001d00024734333937353g", true},
		{"temperature=21\r\nDevice ID: \r\n", "", true},
		{"Your core id is 3a001d0002473433393735\r\n", "3a001d0002473433393735", true},
		{"Your device id is 3a001d00024734333937353g", "", false}, // the line has not ended
		{"temperature=21.5\r\n", "", false},
	} {
		value, end, ok := serialio.ParseMalformedIdentify([]byte(tc.in))
		if ok != tc.ok || value != tc.value || (ok && end != len(tc.in)) {
			t.Errorf("%q: got %q, %d, %v; want %q, %v", tc.in, value, end, ok, tc.value, tc.ok)
		}
	}
}

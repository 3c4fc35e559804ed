package serialtest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.bug.st/serial"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// TestEchoIsByteForByte: the firmware echoes each byte it stores as it
// came, so UTF-8 text (and any byte >= 0x80) comes back unchanged, and the
// device stores exactly those bytes.
func TestEchoIsByteForByte(t *testing.T) {
	ssid := "Café-Ünterhaus"
	pw := "Straße-€-9\xff"
	each(t, serialtest.Config{}, func(t *testing.T, ph *serialtest.Photon, h *host) {
		h.send(t, "w")
		h.until(t, "SSID: ")
		h.reset()
		h.send(t, ssid+"\n")
		want := ssid + "\r\n" + securityPrompt
		if diff := cmp.Diff(want, h.until(t, securityPrompt)); diff != "" {
			t.Fatalf("SSID echo (-want +got):\n%s", diff)
		}
		h.send(t, "3\n")
		h.until(t, "Security Cipher 1=AES, 2=TKIP, 3=AES+TKIP: ")
		h.send(t, "1\n")
		h.until(t, "Password: ")
		h.reset()
		h.send(t, pw+"\n")
		want = pw + "\r\nThanks!"
		if got := h.until(t, "Thanks!"); !strings.HasPrefix(got, want) {
			t.Fatalf("password echo %q, want %q", got, want)
		}
		h.until(t, "Particle <3 you!\r\n\r\n")
		rec := ph.Received()
		if rec.SSID != ssid || rec.Password != pw {
			t.Errorf("stored SSID %q password %q, want %q %q", rec.SSID, rec.Password, ssid, pw)
		}
	})
}

// TestLineInputSurvivesReopen: the device reads a line with no timeout, so
// a host that closes the port in the middle of the claim code (or the Wi-Fi
// password) finds the device still inside that line when it opens the port
// again.
func TestLineInputSurvivesReopen(t *testing.T) {
	ph := serialtest.New(serialtest.Config{Networks: map[string]serialio.Security{"Lab": serialio.SecurityWPA2}})
	t.Cleanup(func() { ph.Close() })
	path, err := ph.PTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	open := func() *host {
		p, err := serial.Open(path, &serial.Mode{BaudRate: 9600})
		if err != nil {
			t.Fatalf("reopening %s: %v", path, err)
		}
		return newHost(t, p)
	}

	h := open()
	h.send(t, "C")
	h.until(t, "Enter 63-digit claim code: ")
	h.send(t, code63[:20])
	h.until(t, code63[:20])
	h.rw.Close()
	h.untilClosed(t)

	h = open()
	h.send(t, code63[20:]+"\n")
	if got, want := h.until(t, "Claim code set to: "+code63+"\r\n"), code63[20:]+"\r\nClaim code set to: "+code63+"\r\n"; got != want {
		t.Fatalf("after reopening: %q, want %q", got, want)
	}
	h.reset()
	h.send(t, "w")
	h.until(t, "SSID: ")
	h.send(t, "Lab\n")
	h.until(t, "Password: ")
	h.send(t, "secret")
	h.until(t, "secret")
	h.rw.Close()
	h.untilClosed(t)

	h = open()
	h.send(t, "-pass\n")
	h.until(t, "Particle <3 you!\r\n\r\n")
	if rec := ph.Received(); rec.ClaimCode != code63 || rec.Password != "secret-pass" || rec.SSID != "Lab" {
		t.Errorf("stored claim code %q, SSID %q, password %q", rec.ClaimCode, rec.SSID, rec.Password)
	}
}

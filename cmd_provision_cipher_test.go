package main

import (
	"strings"
	"testing"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// TestProvisionHiddenNetworkCipher: provision --cipher answers the Photon's
// cipher question for a hidden network. The network here uses TKIP, with a
// name and password outside ASCII that must reach the Photon byte for byte;
// without --cipher (AES) the Photon never comes online.
func TestProvisionHiddenNetworkCipher(t *testing.T) {
	const ssid, password = "Café-Ünterhaus", "Grüße-ß€-2024"
	for _, tc := range []struct {
		name   string
		extra  []string
		code   int
		cipher serialio.Cipher
	}{
		{"--cipher tkip", []string{"--cipher", "tkip"}, 0, serialio.CipherTKIP},
		{"--cipher TKIP", []string{"--cipher", "TKIP"}, 0, serialio.CipherTKIP},
		{"default aes", nil, 1, serialio.CipherAES},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHeadless(t)
			t.Setenv("WIFI_PASSWORD", password)
			h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
			ph, path := h.photon(serialtest.Config{Password: password,
				HiddenNetworks: map[string]serialio.Cipher{ssid: serialio.CipherTKIP}})
			args := replaceArg(h.provisionArgs(path, tc.extra...), "--ssid", ssid)
			if tc.code != 0 {
				args = replaceArg(args, "--timeout", "1s")
			}
			code, stdout, stderr := h.run(args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			rec := ph.Received()
			if rec.SSID != ssid || rec.Password != password || rec.Cipher != tc.cipher || rec.Security != serialio.SecurityWPA2 {
				t.Errorf("the Photon stored SSID %q password ok=%v, %s/%s; want %q, %s/%s",
					rec.SSID, rec.Password == password, rec.Security, rec.Cipher, ssid, serialio.SecurityWPA2, tc.cipher)
			}
			if strings.Contains(stdout+stderr, password) {
				t.Error("the Wi-Fi password is in the output")
			}
		})
	}
}

func TestProvisionBadCipher(t *testing.T) {
	h := newHeadless(t)
	ph, path := h.photon(serialtest.Config{})
	code, _, stderr := h.run(h.provisionArgs(path, "--cipher", "ccmp")...)
	if code != exitBadUsage || !strings.Contains(stderr, "--cipher") {
		t.Errorf("exit %d, stderr %q; want 2 naming --cipher", code, stderr)
	}
	if got := ph.Commands(); got != "" {
		t.Errorf("the Photon received %q", got)
	}
}

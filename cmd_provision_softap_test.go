package main

import (
	"strings"
	"testing"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// TestProvisionSoftAPNonASCII: `provision --via softap` with a network name
// and a Wi-Fi password beyond ASCII; the emulated Photon stores exactly
// their bytes and, once it joined, its access point is gone.
func TestProvisionSoftAPNonASCII(t *testing.T) {
	const ssid = "Werkstatt Ü ☕ 工場"
	const password = "pässwörd-ünïcode-日本"
	h := newHeadless(t)
	t.Setenv("WIFI_PASSWORD", password)
	id := h.cloud.AddDevice(cloudtest.Device{ID: "320020001847333531323135"})
	dev, err := softaptest.New(softaptest.WithDeviceID(id), softaptest.WithWiFiPassword(password),
		softaptest.WithOnline(func(id, code string) { h.cloud.DeviceOnline(id, code) }),
		softaptest.WithNetworks(softap.Network{SSID: ssid, RSSI: -50, Code: softap.SecWPA2AESPSK, Channel: 3, MaxDataRate: 54000}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	code, stdout, stderr := h.run("provision", "--via", "softap", "--softap-addr", dev.Addr(), "--product", tProduct,
		"--client-id", tClientID, "--ssid", ssid, "--security", "wpa2", "--customer", tCustomer,
		"--api-url", h.cloud.URL(), "--timeout", "10s")
	if code != 0 || !strings.Contains(stdout, "PASS "+id) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if rec := dev.Record(); rec.SSID != ssid || rec.Password != password {
		t.Errorf("the Photon stored SSID % x, want % x; password as given %v", rec.SSID, ssid, rec.Password == password)
	}
	if dev.Listening() {
		t.Error("the Photon's access point is still up after it joined")
	}
	if strings.Contains(stdout+stderr, password) {
		t.Error("the Wi-Fi password is in the output")
	}
	h.assertNoLeaks(stdout, stderr)
}

package provisioning

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// ptyDevice serves ph on a pseudo-terminal and returns the pipeline's
// device for it, opened with go.bug.st/serial as on a bench.
func ptyDevice(t *testing.T, ph *serialtest.Photon) Device {
	t.Helper()
	path, err := ph.PTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return Device{Slot: path, Port: path, Open: func(ctx context.Context) (DeviceChannel, error) {
		return OpenSerial(ctx, path, serialTimeouts)
	}}
}

// TestEndToEndSerialPortHeld: a port another program holds (here a serial
// monitor of this very process, which locks like any other program) fails
// identify at once, naming the holder, and nothing reaches the Photon.
func TestEndToEndSerialPortHeld(t *testing.T) {
	e := newE2E(t, Profile{SSID: wifiSSID, Security: SecurityWPA2, Channel: ChannelSerial})
	id := e.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373536"})
	ph := serialtest.New(serialtest.Config{DeviceID: id})
	t.Cleanup(func() { ph.Close() })
	dev := ptyDevice(t, ph)
	monitor, err := serialio.Open(context.Background(), dev.Port)
	if err != nil {
		t.Fatal(err)
	}
	defer monitor.Close()

	res := e.run(dev)
	if res.Outcome != OutcomeFail || res.FailedStep != StepIdentify {
		t.Fatalf("outcome %s at %s, want FAIL at identify", res.Outcome, res.FailedStep)
	}
	name := filepath.Base(os.Args[0])
	if len(name) > 15 {
		name = name[:15]
	}
	want := fmt.Sprintf("Another program is using %s (%s, pid %d).", dev.Port, name, os.Getpid())
	if res.Message != want {
		t.Errorf("message %q, want %q", res.Message, want)
	}
	if !strings.Contains(res.Action, "Close the other program") {
		t.Errorf("action %q does not say what to do", res.Action)
	}
	if got := ph.Commands(); got != "" {
		t.Errorf("the Photon received %q from the refused run", got)
	}
}

// TestEndToEndSerialHiddenNetworkCipher: a hidden network makes the Photon
// ask for the cipher, and the profile's cipher is the answer: a TKIP access
// point is joined (before profiles had a cipher the station always said AES
// and the Photon never came online).
func TestEndToEndSerialHiddenNetworkCipher(t *testing.T) {
	for _, cipher := range []Cipher{CipherTKIP, CipherAES} {
		t.Run(string(cipher), func(t *testing.T) {
			e := newE2E(t, Profile{SSID: "Hidden-Lab", Security: SecurityWPA2, Cipher: cipher, Channel: ChannelSerial})
			id := e.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373536"})
			ap := serialio.Cipher(cipher)
			ph := serialtest.New(serialtest.Config{DeviceID: id, Password: wifiPassword, OnOnline: e.online,
				HiddenNetworks: map[string]serialio.Cipher{"Hidden-Lab": ap}})
			t.Cleanup(func() { ph.Close() })
			e.check(e.run(ptyDevice(t, ph)), id, "")
			if rec := ph.Received(); rec.Cipher != ap || rec.Security != serialio.SecurityWPA2 {
				t.Errorf("the Photon was told %s/%s, want wpa2/%s", rec.Security, rec.Cipher, ap)
			}
		})
	}
}

// TestEndToEndSerialNonASCII: an SSID and a password outside ASCII reach
// the Photon byte for byte over a pseudo-terminal (the console skips the
// echo of exactly what it typed).
func TestEndToEndSerialNonASCII(t *testing.T) {
	const ssid, password = "Café-Ünterhaus", "Grüße-ß€-2024"
	for _, hidden := range []bool{false, true} {
		t.Run(fmt.Sprintf("hidden=%v", hidden), func(t *testing.T) {
			e := newE2E(t, Profile{SSID: ssid, Security: SecurityWPA2, Channel: ChannelSerial})
			e.pipeline.Credentials.WiFiPassword = password
			id := e.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373536"})
			cfg := serialtest.Config{DeviceID: id, Password: password, OnOnline: e.online}
			if !hidden {
				cfg.Networks = map[string]serialio.Security{ssid: serialio.SecurityWPA2}
			}
			ph := serialtest.New(cfg)
			t.Cleanup(func() { ph.Close() })
			res := e.run(ptyDevice(t, ph))
			e.check(res, id, "")
			rec := ph.Received()
			if rec.SSID != ssid || rec.Password != password || !rec.WiFiSaved {
				t.Errorf("the Photon stored SSID %q (% x), saved %v; want %q (% x)", rec.SSID, rec.SSID, rec.WiFiSaved, ssid, ssid)
			}
		})
	}
}

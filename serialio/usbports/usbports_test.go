package usbports

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/serialio"
)

// Only Particle devices in DFU mode are taken from sysfs: a serial-mode
// Photon is the enumerator's, and another vendor's DFU device is not ours.
func TestSysfsDFUDetection(t *testing.T) {
	root := t.TempDir()
	write := func(dev, name, val string) {
		if err := os.MkdirAll(filepath.Join(root, dev), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dev, name), []byte(val+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1-2", "idVendor", "2b04")
	write("1-2", "idProduct", "d006")
	write("1-2", "serial", "3a001d000247343339373536")
	write("1-3", "idVendor", "2b04")
	write("1-3", "idProduct", "c006") // serial mode: the enumerator lists it
	write("1-4", "idVendor", "0403")
	write("1-4", "idProduct", "d006")
	ports, err := serialio.Detect(t.Context(), func(context.Context) ([]*serialio.ListedPort, error) {
		return sysfsDFU(root), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []serialio.Port{{Path: "usb:1-2", DeviceID: "3a001d000247343339373536", Mode: serialio.ModeDFU, Platform: "Photon", VID: 0x2B04, PID: 0xD006, SerialNumber: "3a001d000247343339373536",
		Location: "1-2"}}
	if diff := cmp.Diff(want, ports); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

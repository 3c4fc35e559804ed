// Package usbports lists the machine's USB serial ports for serialio:
// go.bug.st/serial's enumerator (which needs cgo on macOS, so it is kept
// out of serialio and everything above it) and, on Linux, Particle devices
// in DFU mode found in sysfs, which have no serial port to enumerate.
package usbports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"go.bug.st/serial/enumerator"

	"github.com/photon-station/photon-station/serialio"
)

// List is a serialio.Enumerate over the operating system's ports.
func List(ctx context.Context) ([]*serialio.ListedPort, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	details, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("listing serial ports: %w", err)
	}
	list := make([]*serialio.ListedPort, 0, len(details))
	for _, d := range details {
		list = append(list, &serialio.ListedPort{Name: d.Name, IsUSB: d.IsUSB, VID: d.VID, PID: d.PID,
			SerialNumber: d.SerialNumber, Product: d.Product})
	}
	if runtime.GOOS == "linux" {
		list = append(list, sysfsDFU("/sys/bus/usb/devices")...)
	}
	return list, nil
}

// sysfsDFU finds Particle devices in DFU mode under a sysfs USB devices
// folder.
func sysfsDFU(root string) []*serialio.ListedPort {
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	var out []*serialio.ListedPort
	for _, d := range dirs {
		lp := &serialio.ListedPort{
			Name:         "usb:" + filepath.Base(d),
			IsUSB:        true,
			VID:          strings.ToUpper(readAttr(d, "idVendor")),
			PID:          strings.ToUpper(readAttr(d, "idProduct")),
			SerialNumber: readAttr(d, "serial"),
			Product:      readAttr(d, "product"),
		}
		if p, ok := serialio.Classify(lp); ok && p.Mode == serialio.ModeDFU {
			out = append(out, lp)
		}
	}
	return out
}

func readAttr(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/usbports"
)

const portsUsage = `photon-station ports [--json]

Lists the Photons connected over USB: serial port, device ID (when the USB
serial number holds it), platform and mode, and what to do about a device
that is not ready (DFU mode). With --json, one JSON object per line.`

func init() {
	register(command{name: "ports", usage: portsUsage, run: runPorts})
}

// portEnumerate lists USB serial ports. Tests replace it with emulated
// Photons.
var portEnumerate serialio.Enumerate = usbports.List

// portLine is one line of ports --json.
type portLine struct {
	Path         string `json:"path"`
	DeviceID     string `json:"device_id,omitempty"`
	Platform     string `json:"platform"`
	Mode         string `json:"mode"`
	SerialNumber string `json:"serial_number,omitempty"`
	// Location is the USB position ("1-1.3"), where the OS tells (Linux).
	Location string `json:"location,omitempty"`
	Advice   string `json:"advice,omitempty"`
}

func runPorts(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ports", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, portsUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "photon-station ports: %v (see photon-station ports --help)\n", err)
		return exitBadUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "photon-station ports: unexpected argument %q\n", fs.Arg(0))
		return exitBadUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ports, err := serialio.Detect(ctx, portEnumerate)
	if err != nil {
		fmt.Fprintln(stderr, "photon-station ports: cannot list the USB serial ports: "+oneLine(err.Error()))
		return exitFailed
	}
	for _, p := range ports {
		line := portLine{Path: p.Path, DeviceID: p.DeviceID, Platform: p.Platform, Mode: p.Mode.String(),
			SerialNumber: p.SerialNumber, Location: p.Location, Advice: p.Advice()}
		if *jsonOut {
			b, _ := json.Marshal(line)
			stdout.Write(append(b, '\n'))
			continue
		}
		id := line.DeviceID
		if id == "" {
			id = "(ID unknown)"
		}
		fmt.Fprintf(stdout, "%-16s %-24s %-6s %-6s %s\n", line.Path, id, line.Platform, line.Mode, line.Advice)
	}
	if len(ports) == 0 && !*jsonOut {
		fmt.Fprintln(stdout, "No Photon found on USB. Plug one in with a data cable; on Linux, install Particle's udev rule if it still does not show.")
	}
	return exitOK
}

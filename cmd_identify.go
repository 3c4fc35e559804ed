package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/photon-station/photon-station/serialio"
)

const identifyUsage = `photon-station identify --port PATH [--json]

Asks the Photon on PATH (in listening mode, blinking dark blue) for its
device ID and prints it. With --json, prints one JSON object with device_id,
mac, firmware_version, claimed (null when the firmware cannot tell) and port.

Exit status: 0 identified; 1 the device could not be identified (the reason
is on stderr); 2 bad command line.`

func init() {
	register(command{name: "identify", usage: identifyUsage, run: runIdentify})
}

// identifyOptions configure the console identify opens; tests shorten its
// timeouts so a device that never answers fails fast.
var identifyOptions []serialio.Option

// identifyDeadline bounds the whole command, however the device behaves.
const identifyDeadline = time.Minute

func runIdentify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("identify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	port := fs.String("port", "", "the Photon's serial port (e.g. /dev/ttyACM0, COM5)")
	jsonOut := fs.Bool("json", false, "print one JSON object with device_id, mac, firmware_version, claimed and port")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, identifyUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "photon-station identify: %v (see photon-station identify --help)\n", err)
		return exitBadUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "photon-station identify: unexpected argument %q (see photon-station identify --help)\n", fs.Arg(0))
		return exitBadUsage
	}
	if *port == "" {
		fmt.Fprintln(stderr, "photon-station identify: give the Photon's serial port with --port (photon-station ports lists them)")
		return exitBadUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, identifyDeadline)
	defer cancel()

	fail := func(err error) int {
		msg := err.Error()
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			msg = "the Photon on " + *port + " took too long to answer; unplug it, plug it back in and try again"
		case errors.Is(err, context.Canceled):
			msg = "interrupted"
		}
		fmt.Fprintln(stderr, "photon-station identify: "+oneLine(msg))
		return exitFailed
	}

	c, err := serialio.Open(ctx, *port, identifyOptions...)
	if err != nil {
		return fail(err)
	}
	defer c.Close()

	if !*jsonOut {
		id, err := c.Identify(ctx)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, id.DeviceID)
		return exitOK
	}
	d, err := c.Describe(ctx)
	if err != nil {
		return fail(err)
	}
	d.Port = *port
	b, err := json.Marshal(d)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, string(b))
	return exitOK
}

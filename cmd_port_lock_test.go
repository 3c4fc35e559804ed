package main

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

// TestHeadlessCommandsRefuseAHeldPort: identify and provision on a port
// another program holds (a serial monitor in this process, which locks
// like any other) fail at once, name the holder, and send the Photon
// nothing.
func TestHeadlessCommandsRefuseAHeldPort(t *testing.T) {
	h := newHeadless(t)
	h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	ph, path := h.photon(serialtest.Config{})
	monitor, err := serialio.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer monitor.Close()
	name := filepath.Base(os.Args[0])
	if len(name) > 15 {
		name = name[:15]
	}
	want := fmt.Sprintf("Another program is using %s (%s, pid %d).", path, name, os.Getpid())

	for _, args := range [][]string{{"identify", "--port", path}, h.provisionArgs(path)} {
		code, stdout, stderr := h.run(args...)
		if code != exitFailed || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q\nstdout: %s", args[0], code, stderr, want, stdout)
		}
	}
	if got := ph.Commands(); got != "" {
		t.Errorf("the Photon received %q", got)
	}
}

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

package serialtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

func TestBusDrivesTheWatcher(t *testing.T) {
	var bus serialtest.Bus
	a := serialtest.New(serialtest.Config{DeviceID: "1f0044000a47343432313031"})
	defer a.Close()
	bus.Plug("/dev/ttyACM0", a)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	events := make(chan serialio.Event)
	go (&serialio.Watcher{Enumerate: bus.Enumerate, Interval: time.Millisecond}).Run(ctx, events)
	next := func() serialio.Event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
			return serialio.Event{}
		}
	}
	if e := next(); e.Kind != serialio.Arrived || e.Port.DeviceID != "1f0044000a47343432313031" || e.Port.Path != "/dev/ttyACM0" {
		t.Fatalf("got %+v", e)
	}
	c := serialio.NewConsole(a.Pipe())
	defer c.Close()
	if _, err := c.Identify(t.Context()); err != nil {
		t.Fatal(err)
	}
	bus.Unplug("/dev/ttyACM0")
	if e := next(); e.Kind != serialio.Departed || e.Port.Path != "/dev/ttyACM0" {
		t.Fatalf("got %+v", e)
	}
	if _, err := c.Identify(t.Context()); !serialio.IsUnplugged(err) {
		t.Errorf("console after unplug: %v", err)
	}
	if bus.Photon("/dev/ttyACM0") != nil {
		t.Error("unplugged device still on the bus")
	}
}

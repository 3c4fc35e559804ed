package ui_test

import (
	"context"
	"io"

	"fyne.io/fyne/v2/test"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui"
)

// ExampleNewMainWindow shows the wiring gui.go does. The app there comes
// from fyne.io/fyne/v2/app; here the test app stands in.
func ExampleNewMainWindow() {
	a := test.NewApp() // app.NewWithID(appID) in gui.go
	store, _ := provisioning.NewProfileStore("", &provisioning.MemorySecrets{})
	bench := &ui.StationBench{
		NewStation: func(ctx context.Context, profile string) (ui.StationRunner, error) {
			// Load the profile, build its Pipeline and provisioning.New(cfg).
			return nil, nil
		},
	}
	w := ui.NewMainWindow(a, ui.Deps{
		Station:  bench,
		Events:   bench.Events(),
		Profiles: store,
		Secrets:  store.Secrets,
		Ports: ui.PortFinderFunc(func(ctx context.Context) ([]provisioning.Port, error) {
			return nil, nil // serialio.Detect → paths, device IDs, USB locations
		}),
		Console: ui.ConsoleOpenerFunc(func(ctx context.Context, port string) (io.ReadWriteCloser, error) {
			return nil, nil // serialio.Open: Console.Monitor to read, Console.Send to write
		}),
		OneDevice: ui.OneDeviceFunc(func(ctx context.Context, req ui.OneDeviceRequest, emit func(provisioning.Event)) error {
			return nil // Pipeline.RunDevice(ctx, dev, emit)
		}),
		DeviceTools: nil, // devicetools' tabs
	})
	_ = w // w.ShowAndRun() in gui.go
}

package ui

import (
	"context"
	"io"

	"github.com/photon-station/photon-station/provisioning"
)

// Function adapters, so main can wire the screens with closures over the
// engine's types without declaring a type per seam.

// PortFinderFunc adapts a function to PortFinder.
type PortFinderFunc func(ctx context.Context) ([]provisioning.Port, error)

// Photons calls f.
func (f PortFinderFunc) Photons(ctx context.Context) ([]provisioning.Port, error) {
	return f(ctx)
}

// ConsoleOpenerFunc adapts a function to ConsoleOpener.
type ConsoleOpenerFunc func(ctx context.Context, port string) (io.ReadWriteCloser, error)

// OpenConsole calls f.
func (f ConsoleOpenerFunc) OpenConsole(ctx context.Context, port string) (io.ReadWriteCloser, error) {
	return f(ctx, port)
}

// OneDeviceFunc adapts a function to OneDeviceRunner.
type OneDeviceFunc func(ctx context.Context, req OneDeviceRequest, emit func(provisioning.Event)) error

// ProvisionOne calls f.
func (f OneDeviceFunc) ProvisionOne(ctx context.Context, req OneDeviceRequest, emit func(provisioning.Event)) error {
	return f(ctx, req, emit)
}

// ConnectionTesterFunc adapts a function to ConnectionTester.
type ConnectionTesterFunc func(ctx context.Context, p provisioning.Profile, clientSecret string) (ConnectionReport, error)

// TestConnection calls f.
func (f ConnectionTesterFunc) TestConnection(ctx context.Context, p provisioning.Profile, clientSecret string) (ConnectionReport, error) {
	return f(ctx, p, clientSecret)
}

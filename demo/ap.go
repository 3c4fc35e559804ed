package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
)

// AccessPoints stands for the laptop's Wi-Fi radio in the demo: it sees
// the factory network and the SoftAP Photon's own "Photon-XXXX" access
// point, and joins either at once. It has the method set of the wizard's
// PhotonAP. Joining does not change where the SoftAP emulator is reached
// (always on loopback); it only lets the wizard's pages play out.
type AccessPoints struct {
	photonSSID string
	// toListening brings the Photon's access point back when it is down.
	toListening func() error

	mu      sync.Mutex
	current string
}

func newAccessPoints(deviceID string, toListening func() error) *AccessPoints {
	return &AccessPoints{photonSSID: "Photon-" + strings.ToUpper(deviceID[len(deviceID)-4:]), toListening: toListening, current: WiFiSSID}
}

// Find returns the SSID of the Photon's access point. A Photon that left
// listening mode has no access point: the demo's technician holds SETUP.
func (a *AccessPoints) Find(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := a.toListening(); err != nil {
		return "", err
	}
	return a.photonSSID, nil
}

// Join moves the laptop onto ssid: the Photon's access point or the
// factory network.
func (a *AccessPoints) Join(ctx context.Context, ssid string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ssid != a.photonSSID && ssid != WiFiSSID {
		return fmt.Errorf("no network named %q is in range; choose %s or %s", ssid, a.photonSSID, WiFiSSID)
	}
	a.mu.Lock()
	a.current = ssid
	a.mu.Unlock()
	return nil
}

// Current returns the network the laptop is on.
func (a *AccessPoints) Current(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current, nil
}

// OpenConsole opens the raw console of the Photon on port, for the serial
// monitor: what a Photon running its application prints, or the
// listening-mode console's answers; what is written reaches the Photon.
// Closing it leaves the Photon as it is.
func (w *World) OpenConsole(ctx context.Context, port string) (io.ReadWriteCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	bs, ok := w.bench[port]
	w.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no Photon is connected on %s", port)
	}
	conn := bs.ph.Pipe()
	if bs.kind == NotListening && !bs.ph.Listening() {
		// Opening the port resets USB serial on a real Photon and its
		// application starts printing; the emulator starts once it hears
		// from the host.
		go conn.Write([]byte("\r\n"))
	}
	return conn, nil
}

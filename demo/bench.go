package demo

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// Kind is what a demo Photon is scripted to do on the bench.
type Kind string

// The kinds of demo Photon.
const (
	// Good is a Photon in listening mode that joins the network and the cloud.
	Good Kind = "good"
	// NotListening runs its application (printing sensor chatter) instead of
	// listening mode, until the technician holds SETUP (HoldSetup).
	NotListening Kind = "not-listening"
	// WrongPassword is on a network whose real password differs from the
	// profile's: it saves the credentials, never reaches the cloud and
	// falls back into listening mode.
	WrongPassword Kind = "wrong-password"
)

// BenchPhoton is one Photon plugged into the demo bench.
type BenchPhoton struct {
	Port   provisioning.Port
	Kind   Kind
	Photon *serialtest.Photon
}

// benchSlot is a port with its Photon.
type benchSlot struct {
	port  provisioning.Port
	kind  Kind
	ph    *serialtest.Photon
	opens int // station and wizard openings, to notice a retry
}

// DefaultPorts is the size of the demo bench when Options.Ports is zero;
// MaxPorts is a full hub.
const (
	DefaultPorts = 4
	MaxPorts     = 16
)

// benchKinds is the bench at the start, in port order: every group of
// eight ports has two good Photons, one running its application and one
// on the wrong Wi-Fi password, then four more good ones, so a bench of any
// size shows the scripted failures (4 ports: good, good, not listening,
// wrong password).
func benchKinds(n int) []Kind {
	out := make([]Kind, n)
	for i := range out {
		switch i % 8 {
		case 2:
			out[i] = NotListening
		case 3:
			out[i] = WrongPassword
		default:
			out[i] = Good
		}
	}
	return out
}

// portPaths names the bench's USB ports as this operating system does.
func portPaths(n int) []string {
	out := make([]string, n)
	for i := range out {
		switch runtime.GOOS {
		case "windows":
			out[i] = fmt.Sprintf("COM%d", 3+i)
		case "darwin":
			out[i] = fmt.Sprintf("/dev/cu.usbmodem14%d01", 1+i)
		default:
			out[i] = fmt.Sprintf("/dev/ttyACM%d", i)
		}
	}
	return out
}

func (w *World) plugInitialBench() {
	kinds := benchKinds(w.opt.Ports)
	w.paths = portPaths(len(kinds))
	for i, k := range kinds {
		ph := w.plug(w.paths[i], i+1, k)
		w.Photons = append(w.Photons, ph)
	}
}

// newDeviceID returns the next 24-hex device ID of this World.
func (w *World) newDeviceID() string {
	w.mu.Lock()
	w.serial++
	n := w.serial
	w.mu.Unlock()
	return fmt.Sprintf("3a00%s%012x", w.batch, 0x024734330000+n)
}

// plug makes a Photon of kind k, adds it to the cloud (a fresh Photon
// that is in no product yet) and connects it on path.
func (w *World) plug(path string, hub int, k Kind) *serialtest.Photon {
	id := w.newDeviceID()
	cfg := serialtest.Config{
		DeviceID:    id,
		MAC:         fmt.Sprintf("6c:0b:84:%s:%s:%s", id[18:20], id[20:22], id[22:24]),
		Networks:    map[string]serialio.Security{WiFiSSID: serialio.SecurityWPA2, "Visitors": serialio.SecurityOpen},
		Password:    w.wifiPass,
		ScanDelay:   w.opt.ScanDelay,
		OnOnline:    w.online,
		OnlineDelay: w.opt.OnlineDelay,
	}
	switch k {
	case NotListening:
		cfg.NotListening = true
		cfg.Chatter = "temperature=21.5 setpoint=20.0 heating=on\r\n"
		cfg.ChatterEvery = w.opt.ChatterEvery
	case WrongPassword:
		cfg.Password = "the-office-password" // the network's real password: not the profile's
	}
	ph := serialtest.New(cfg)
	w.Cloud.AddDevice(cloudtest.Device{ID: id, SystemFirmware: "2.3.1"})
	w.mu.Lock()
	w.all = append(w.all, ph)
	w.bench[path] = &benchSlot{kind: k, ph: ph,
		port: provisioning.Port{Path: path, DeviceID: id, Location: fmt.Sprintf("1-1.%d", hub)}}
	w.mu.Unlock()
	w.logf("demo: Photon %s (%s) plugged into %s", id, k, path)
	return ph
}

// ports is the Station's port watcher: the Photons plugged in now.
func (w *World) ports(ctx context.Context) ([]provisioning.Port, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]provisioning.Port, 0, len(w.bench))
	for _, bs := range w.bench {
		out = append(out, bs.port)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Bench lists the Photons plugged in now, in port order.
func (w *World) Bench() []BenchPhoton {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]BenchPhoton, 0, len(w.bench))
	for _, bs := range w.bench {
		out = append(out, BenchPhoton{Port: bs.port, Kind: bs.kind, Photon: bs.ph})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Port.Path < out[j].Port.Path })
	return out
}

// PortFinder lists the bench ports that hold a Photon: it has the method
// set of the wizard's PortFinder.
type PortFinder struct{ w *World }

// PortFinder returns the wizard's view of the bench ports.
func (w *World) PortFinder() PortFinder { return PortFinder{w} }

// Photons lists the ports that hold a Photon now, with each Photon's
// device ID and hub position.
func (f PortFinder) Photons(ctx context.Context) ([]provisioning.Port, error) {
	return f.w.ports(ctx)
}

// HoldSetup is the technician holding SETUP for three seconds on the
// Photon at path: it enters listening mode (blinking dark blue).
func (w *World) HoldSetup(path string) error {
	w.mu.Lock()
	bs, ok := w.bench[path]
	w.mu.Unlock()
	if !ok {
		return fmt.Errorf("no Photon is connected on %s", path)
	}
	bs.ph.EnterListening()
	w.logf("demo: SETUP held on %s: the Photon blinks dark blue", path)
	return nil
}

// open is the Station's device opener: a serial console over an
// in-process pipe to the Photon on the port.
func (w *World) open(ctx context.Context, p provisioning.Port) (provisioning.DeviceChannel, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	bs, ok := w.bench[p.Path]
	if ok && p.DeviceID != "" && p.DeviceID != bs.port.DeviceID {
		ok = false // another Photon is on that port now
	}
	if ok {
		bs.opens++
	}
	w.mu.Unlock()
	if !ok {
		return nil, &provisioning.DeviceError{Kind: provisioning.DeviceUnplugged, Port: p.Path,
			Message: "The Photon on " + p.Path + " was unplugged."}
	}
	if bs.kind == NotListening && bs.opens > 1 && !w.opt.ManualSetup && !bs.ph.Listening() {
		// The technician followed the tile's advice before pressing Retry.
		bs.ph.EnterListening()
		w.logf("demo: the technician held SETUP on %s before the retry", p.Path)
	}
	con := serialio.NewConsole(bs.ph.Pipe(), serialio.WithPortName(p.Path), serialio.WithTimeouts(w.opt.SerialTimeouts))
	ch := &serialChannel{SerialChannel: &provisioning.SerialChannel{Console: con}}
	if bs.kind == WrongPassword {
		ph := bs.ph
		ch.afterWiFi = func() { w.fallBack(p.Path, ph) }
	}
	return ch, nil
}

// serialChannel is the demo's serial DeviceChannel: the real one, plus a
// hook after the Wi-Fi settings are accepted. Embedding the pointer keeps
// provisioning.ListeningChecker.
type serialChannel struct {
	*provisioning.SerialChannel
	afterWiFi func()
}

// ConfigureWiFi sends the credentials and runs the hook on success.
func (c *serialChannel) ConfigureWiFi(ctx context.Context, cred provisioning.WiFiCredentials) error {
	err := c.SerialChannel.ConfigureWiFi(ctx, cred)
	if err == nil && c.afterWiFi != nil {
		c.afterWiFi()
	}
	return err
}

// fallBack makes a Photon that cannot join its network return to listening
// mode after a while, as a real one does.
func (w *World) fallBack(path string, ph *serialtest.Photon) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.timers = append(w.timers, time.AfterFunc(w.opt.FallBackAfter, func() {
		if ph.Online() || w.ctx.Err() != nil {
			return
		}
		ph.EnterListening()
		w.logf("demo: the Photon on %s could not join %s and is back in listening mode", path, WiFiSSID)
	}))
}

// online is what the emulated Photons call when they reach the cloud: the
// firmware registers its variables, then the device connects and presents
// its claim code.
func (w *World) online(id, claimCode string) {
	w.Cloud.SetVariable(id, statusVariable, cloudtest.Variable{Type: "string", Value: statusReady})
	w.Cloud.SetVariable(id, "temp", cloudtest.Variable{Type: "double", Value: 21.5})
	if err := w.Cloud.DeviceOnline(id, claimCode); err != nil {
		w.logf("demo: Photon %s is online but not claimed: %v", id, err)
		return
	}
	w.logf("demo: Photon %s is online", id)
}

// runTray swaps passed Photons for fresh ones while the tray has any.
func (w *World) runTray(events <-chan provisioning.Event) {
	for ev := range events {
		if ev.Kind != provisioning.EventResult || ev.Outcome != provisioning.OutcomePass {
			continue
		}
		w.mu.Lock()
		bs, ok := w.bench[ev.Slot]
		take := ok && w.trayLeft > 0 && !w.closed && (ev.DeviceID == "" || ev.DeviceID == bs.port.DeviceID)
		if take {
			w.trayLeft--
		}
		w.mu.Unlock()
		if !take {
			continue
		}
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.swap(ev.Slot, bs)
		}()
	}
}

// swap unplugs the passed Photon in bs and plugs the next one into the
// same port.
func (w *World) swap(path string, bs *benchSlot) {
	if !w.wait(w.opt.SwapAfter) {
		return
	}
	w.mu.Lock()
	if w.bench[path] != bs {
		w.mu.Unlock()
		return
	}
	delete(w.bench, path)
	w.mu.Unlock()
	bs.ph.Unplug()
	w.logf("demo: Photon %s unplugged from %s", bs.port.DeviceID, path)
	if !w.wait(w.opt.PlugGap) {
		return
	}
	hub := 0
	for i, p := range w.paths {
		if p == path {
			hub = i + 1
		}
	}
	w.plug(path, hub, Good)
}

// wait waits d, or until the World closes (then false).
func (w *World) wait(d time.Duration) bool {
	if d <= 0 {
		return w.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// logf logs through Options.Logf until the World closes: callbacks of the
// emulators and timers may still run while Close tears the world down.
func (w *World) logf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.opt.Logf(format, args...)
	}
}

package serialtest

import (
	"context"
	"sort"
	"sync"

	"github.com/photon-station/photon-station/serialio"
)

// Bus is a scripted USB bus of emulated Photons: its Enumerate method is a
// serialio.Enumerate, so serialio.Detect and serialio.Watcher see devices
// come and go as a test or demo mode plugs and unplugs them.
type Bus struct {
	mu      sync.Mutex
	devices map[string]*Photon
}

// Plug attaches ph to the bus under the port path a host would see.
func (b *Bus) Plug(path string, ph *Photon) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.devices == nil {
		b.devices = map[string]*Photon{}
	}
	b.devices[path] = ph
}

// Unplug removes the device at path from the bus and pulls its cable, so
// open consoles fail with serialio.ErrUnplugged.
func (b *Bus) Unplug(path string) {
	b.mu.Lock()
	ph := b.devices[path]
	delete(b.devices, path)
	b.mu.Unlock()
	if ph != nil {
		ph.Unplug()
	}
}

// Photon returns the device plugged in at path, or nil.
func (b *Bus) Photon(path string) *Photon {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.devices[path]
}

// Enumerate lists the plugged-in devices as go.bug.st/serial's enumerator
// would, sorted by path.
func (b *Bus) Enumerate(ctx context.Context) ([]*serialio.ListedPort, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*serialio.ListedPort, 0, len(b.devices))
	for path, ph := range b.devices {
		out = append(out, ph.PortDetails(path))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

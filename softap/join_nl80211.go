package softap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mdlayher/wifi"
	"github.com/photon-station/photon-station/internal/clock"
)

// nl80211 is the part of *wifi.Client the Joiner uses: the seam a fake
// replaces in tests. On systems other than Linux wifi.New always fails.
type nl80211 interface {
	Interfaces() ([]*wifi.Interface, error)
	BSS(ifi *wifi.Interface) (*wifi.BSS, error)
	AccessPoints(ifi *wifi.Interface) ([]*wifi.BSS, error)
	Scan(ctx context.Context, ifi *wifi.Interface) error
	Connect(ifi *wifi.Interface, ssid string) error
	Disconnect(ifi *wifi.Interface) error
	Close() error
}

func openWifi() (nl80211, error) {
	c, err := wifi.New()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// restoreTimeout bounds putting the laptop back on its own network.
const restoreTimeout = 30 * time.Second

// nl80211Method joins through the Linux kernel. It opens a netlink
// connection per operation, so a Joiner holds nothing open between steps.
type nl80211Method struct {
	j     *Joiner
	open  func() (nl80211, error)
	iface string
}

func (j *Joiner) newNL80211Method() (method, error) {
	open := j.openNL
	if open == nil {
		open = openWifi
	}
	c, err := open()
	if err != nil {
		return nil, err // os.ErrNotExist without nl80211, as on this machine
	}
	defer c.Close()
	ifi, err := stationInterface(c, "")
	if err != nil {
		return nil, err
	}
	return &nl80211Method{j: j, open: open, iface: ifi.Name}, nil
}

// stationInterface picks the Wi-Fi client interface (by name if given).
func stationInterface(c nl80211, name string) (*wifi.Interface, error) {
	ifs, err := c.Interfaces()
	if err != nil {
		return nil, err
	}
	for _, ifi := range ifs {
		if ifi.Type == wifi.InterfaceTypeStation && ifi.Name != "" && (name == "" || ifi.Name == name) {
			return ifi, nil
		}
	}
	return nil, ErrNoWiFi
}

func (m *nl80211Method) kind() JoinMethod { return JoinNL80211 }

// session opens netlink and finds the interface for one operation.
func (m *nl80211Method) session() (nl80211, *wifi.Interface, error) {
	c, err := m.open()
	if err != nil {
		return nil, nil, err
	}
	ifi, err := stationInterface(c, m.iface)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, ifi, nil
}

func (m *nl80211Method) networks(ctx context.Context) ([]PhotonAP, error) {
	c, ifi, err := m.session()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.Scan(ctx, ifi); err != nil {
		// Scanning may need privileges; the kernel's cached results still help.
		m.j.logf("softap: nl80211 scan on %s failed, using cached results: %v", ifi.Name, err)
	}
	bss, err := c.AccessPoints(ifi)
	if err != nil {
		return nil, err
	}
	out := make([]PhotonAP, 0, len(bss))
	for _, b := range bss {
		out = append(out, PhotonAP{SSID: b.SSID, Strength: dBmToPercent(int(b.Signal) / 100), Interface: ifi.Name})
	}
	return out, nil
}

// dBmToPercent maps -100..-50 dBm onto 0..100 %, the usual convention.
func dBmToPercent(dbm int) int {
	return max(0, min(100, 2*(dbm+100)))
}

func associatedSSID(c nl80211, ifi *wifi.Interface) string {
	b, err := c.BSS(ifi)
	if err != nil || b == nil || b.Status != wifi.BSSStatusAssociated {
		return ""
	}
	return b.SSID
}

func (m *nl80211Method) current(ctx context.Context) (string, string, error) {
	c, ifi, err := m.session()
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	return associatedSSID(c, ifi), ifi.Name, nil
}

func (m *nl80211Method) join(ctx context.Context, ssid string) (string, func(context.Context) error, error) {
	c, ifi, err := m.session()
	if err != nil {
		return "", nil, err
	}
	defer c.Close()
	var prev *wifi.BSS
	if b, err := c.BSS(ifi); err == nil && b != nil && b.Status == wifi.BSSStatusAssociated {
		prev = b
	}
	if prev != nil && prev.SSID == ssid {
		return ifi.Name, func(context.Context) error { return nil }, nil
	}
	if prev != nil {
		if err := c.Disconnect(ifi); err != nil {
			return "", nil, permissionAsManual(err)
		}
	}
	restore := func(ctx context.Context) error { return m.restore(ctx, prev) }
	if err := c.Connect(ifi, ssid); err != nil {
		rerr := error(nil)
		if prev != nil {
			rerr = restore(ctx)
		}
		return "", nil, errors.Join(permissionAsManual(err), rerr)
	}
	err = m.j.waitUntil(ctx, func() bool { return associatedSSID(c, ifi) == ssid })
	if err != nil {
		rctx, cancel := restoreContext(ctx)
		defer cancel()
		return "", nil, errors.Join(fmt.Errorf("not associated with %s: %w", ssid, err), restore(rctx))
	}
	return ifi.Name, restore, nil
}

// permissionAsManual turns "operation not permitted" (no CAP_NET_ADMIN)
// into ErrManualJoin: the technician can still join by hand.
func permissionAsManual(err error) error {
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w (nl80211: %v)", ErrManualJoin, err)
	}
	return err
}

// restore leaves the Photon's AP and returns to prev: an open network is
// rejoined directly; for a secured one the system's supplicant reconnects
// with the saved key (the station never holds it), and restore waits for that.
func (m *nl80211Method) restore(ctx context.Context, prev *wifi.BSS) error {
	c, ifi, err := m.session()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Disconnect(ifi); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.j.logf("softap: nl80211 disconnect: %v", err)
	}
	if prev == nil {
		return nil
	}
	if !prev.RSN.IsInitialized() {
		if err := c.Connect(ifi, prev.SSID); err != nil {
			return &JoinError{SSID: prev.SSID, Method: JoinNL80211, Step: "restore", Err: err}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, restoreTimeout)
	defer cancel()
	if err := m.j.waitUntil(ctx, func() bool { return associatedSSID(c, ifi) == prev.SSID }); err != nil {
		return &JoinError{SSID: prev.SSID, Method: JoinNL80211, Step: "restore", Err: err}
	}
	return nil
}

// waitUntil polls done with the Joiner's clock until it holds or ctx ends.
func (j *Joiner) waitUntil(ctx context.Context, done func() bool) error {
	for !done() {
		if clock.Sleep(ctx, j.clock(), j.poll()) != nil {
			return ctx.Err()
		}
	}
	return nil
}

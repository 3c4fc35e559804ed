package softap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// JoinMethod says how the laptop joins a Photon's access point, so the UI
// can tell the technician whether to expect to click anything.
type JoinMethod string

// The ways of joining, tried in this order on each OS.
const (
	// JoinNetworkManager uses nmcli where NetworkManager manages Wi-Fi
	// (most Linux desktops); talking nl80211 behind its back would be undone.
	JoinNetworkManager JoinMethod = "nmcli"
	// JoinNL80211 talks to the Linux kernel directly (github.com/mdlayher/wifi);
	// it needs CAP_NET_ADMIN and an OS DHCP client on the interface.
	JoinNL80211 JoinMethod = "nl80211"
	// JoinNetworksetup uses macOS's networksetup.
	JoinNetworksetup JoinMethod = "networksetup"
	// JoinNetsh uses Windows's netsh wlan.
	JoinNetsh JoinMethod = "netsh"
	// JoinManual asks the technician to join from the Wi-Fi menu;
	// Joiner.WaitJoined notices when they have.
	JoinManual JoinMethod = "manual"
)

// Photon access point facts (photon-softap.md §1).
var (
	photonSubnet = netip.MustParsePrefix("192.168.0.0/24")
	photonAddr   = netip.MustParseAddr("192.168.0.1")
)

// Errors from joining.
var (
	// ErrManualJoin means this laptop cannot join networks by itself here
	// (no nl80211 or no permission, no NetworkManager, no OS tool): the
	// technician joins, and WaitJoined detects it.
	ErrManualJoin = errors.New("this station cannot switch Wi-Fi networks by itself here: " +
		"join the Photon-XXXX network from the laptop's Wi-Fi menu; the station carries on when it sees you are on it")
	// ErrNoPhotonAP means no Photon-* network is in range.
	ErrNoPhotonAP = errors.New("no Photon access point in range: put the Photon into listening mode " +
		"(hold SETUP about 3 s until it blinks dark blue) and bring it closer to the laptop")
	// ErrNoWiFi means the laptop has no usable Wi-Fi interface.
	ErrNoWiFi = errors.New("this laptop has no Wi-Fi interface the station can use: " +
		"turn Wi-Fi on, or set the Photon up over USB")
)

// JoinError says joining or leaving a Photon's access point failed.
type JoinError struct {
	SSID   string
	Method JoinMethod
	Step   string // "join", "address" or "restore"
	Err    error  // the detail from the OS or the kernel
}

// Error gives plain words and the action.
func (e *JoinError) Error() string {
	switch e.Step {
	case "address":
		return fmt.Sprintf("the laptop joined %s but got no address from the Photon: "+
			"reset the Photon into listening mode and try again", e.SSID)
	case "restore":
		name := e.SSID
		if name == "" {
			name = "network"
		} else {
			name = "network " + name
		}
		return fmt.Sprintf("the laptop could not go back to its own Wi-Fi %s: reconnect it from the Wi-Fi menu", name)
	}
	return fmt.Sprintf("the laptop could not join the Photon's network %s: "+
		"check that the Photon is blinking dark blue, or join the network from the Wi-Fi menu", e.SSID)
}

// Details gives the method, the step and what the OS or kernel said.
func (e *JoinError) Details() string {
	return fmt.Sprintf("%s %s %s: %v", e.Method, e.Step, e.SSID, e.Err)
}

// Unwrap returns the detail.
func (e *JoinError) Unwrap() error { return e.Err }

// PhotonAP is a Photon's access point as the laptop sees it.
type PhotonAP struct {
	SSID      string
	Strength  int    // 0 to 100 percent; 0 when unknown
	Interface string // the laptop's Wi-Fi interface that sees it
}

// method is one way of joining. Implementations: nl80211Method, nmcliMethod,
// networksetupMethod, netshMethod.
type method interface {
	kind() JoinMethod
	// networks lists the networks the laptop sees now, scanning if it can.
	networks(ctx context.Context) ([]PhotonAP, error)
	// current returns the SSID the laptop is on ("" if none) and the interface.
	current(ctx context.Context) (ssid, iface string, err error)
	// join associates with the open network ssid and returns how to undo it.
	join(ctx context.Context, ssid string) (iface string, restore func(context.Context) error, err error)
}

// Joiner finds Photon access points and moves the laptop onto one and back.
// The zero value picks the best method for this OS at first use. It is safe
// for concurrent use, but a laptop has one Wi-Fi radio: join one Photon at a
// time.
type Joiner struct {
	// Prefix is the SSID prefix before "-" (default "Photon"; products may
	// change it with SYSTEM_CONFIG_SOFTAP_PREFIX). Matching ignores case.
	Prefix string
	// Clock paces polls; nil means real time.
	Clock clock.Clock
	// JoinTimeout bounds joining plus getting an address (default 45 s).
	JoinTimeout time.Duration
	// Poll is the pause between checks while waiting (default 1 s).
	Poll time.Duration
	// Logf, when set, receives one line per step.
	Logf func(format string, args ...any)

	// Seams, set by tests; zero means the real thing.
	goos   string
	run    runner
	openNL func() (nl80211, error)
	addrs  func() (map[string][]netip.Addr, error)
	probe  func(ctx context.Context, local netip.Addr) error

	mu     sync.Mutex
	chosen method // nil until chosen
}

func (j *Joiner) logf(format string, args ...any) {
	if j.Logf != nil {
		j.Logf(format, args...)
	}
}

func (j *Joiner) clock() clock.Clock { return clock.Or(j.Clock) }

func (j *Joiner) poll() time.Duration {
	if j.Poll > 0 {
		return j.Poll
	}
	return time.Second
}

func (j *Joiner) runner() runner {
	if j.run != nil {
		return j.run
	}
	return execRunner{}
}

func (j *Joiner) os() string {
	if j.goos != "" {
		return j.goos
	}
	return runtime.GOOS
}

// IsPhotonSSID reports whether ssid is a Photon's access point for this prefix.
func (j *Joiner) IsPhotonSSID(ssid string) bool {
	p := j.Prefix
	if p == "" {
		p = "Photon"
	}
	return len(ssid) > len(p)+1 && strings.EqualFold(ssid[:len(p)+1], p+"-")
}

// Method tells how this Joiner will join: an OS tool, the kernel, or the
// technician (JoinManual).
func (j *Joiner) Method(ctx context.Context) JoinMethod {
	if m := j.pick(ctx); m != nil {
		return m.kind()
	}
	return JoinManual
}

// pick chooses the joining method once: NetworkManager when it manages a
// Wi-Fi device, then nl80211, on Linux; the OS tool elsewhere.
func (j *Joiner) pick(ctx context.Context) method {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.chosen != nil {
		return j.chosen
	}
	r := j.runner()
	switch j.os() {
	case "linux":
		if m := newNmcliMethod(ctx, r); m != nil {
			j.chosen = m
			break
		}
		if m, err := j.newNL80211Method(); err == nil {
			j.chosen = m
		} else {
			j.logf("softap: nl80211 unavailable (%v); the technician joins by hand", err)
		}
	case "darwin":
		if m := newNetworksetupMethod(ctx, r); m != nil {
			j.chosen = m
		}
	case "windows":
		if m := newNetshMethod(ctx, r); m != nil {
			j.chosen = m
		}
	}
	return j.chosen
}

// Find lists the Photon access points in range, strongest first. With
// JoinManual it returns ErrManualJoin: only the technician can look.
func (j *Joiner) Find(ctx context.Context) ([]PhotonAP, error) {
	m := j.pick(ctx)
	if m == nil {
		return nil, ErrManualJoin
	}
	all, err := m.networks(ctx)
	if err != nil {
		return nil, fmt.Errorf("looking for Photon access points with %s: %w", m.kind(), err)
	}
	best := map[string]PhotonAP{}
	for _, ap := range all {
		if !j.IsPhotonSSID(ap.SSID) {
			continue
		}
		if old, ok := best[ap.SSID]; !ok || ap.Strength > old.Strength {
			best[ap.SSID] = ap
		}
	}
	out := make([]PhotonAP, 0, len(best))
	for _, ap := range best {
		out = append(out, ap)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Strength != out[b].Strength {
			return out[a].Strength > out[b].Strength
		}
		return out[a].SSID < out[b].SSID
	})
	if len(out) == 0 {
		return nil, ErrNoPhotonAP
	}
	return out, nil
}

// Link is the laptop's connection to one Photon's access point.
type Link struct {
	SSID      string
	Method    JoinMethod
	Interface string     // the laptop's Wi-Fi interface ("" if unknown)
	LocalAddr netip.Addr // the laptop's address from the Photon's DHCP server

	restore func(context.Context) error
}

// Dialer returns a dialer that leaves through the Photon's network: bound to
// the laptop's address there and, on Linux where permitted, to the
// interface, because 192.168.0.1 is also many home routers' address.
func (l *Link) Dialer() Dialer {
	d := &net.Dialer{}
	if l.LocalAddr.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: l.LocalAddr.AsSlice()}
	}
	if l.Interface != "" {
		d.Control = bindToInterface(l.Interface)
	}
	return d
}

// Restore puts the laptop back on the network it was on before Join. It is
// a no-op for a link the technician made by hand.
func (l *Link) Restore(ctx context.Context) error {
	if l.restore == nil {
		return nil
	}
	if err := l.restore(ctx); err != nil {
		return err
	}
	l.restore = nil
	return nil
}

// Join moves the laptop onto the Photon access point ssid, waits for an
// address from the Photon, and returns the Link. Call Link.Restore when done.
// With JoinManual it returns ErrManualJoin; call WaitJoined instead.
func (j *Joiner) Join(ctx context.Context, ssid string) (*Link, error) {
	if !j.IsPhotonSSID(ssid) {
		return nil, fmt.Errorf("%q is not a Photon access point: pick a network named %s-XXXX", ssid, j.prefix())
	}
	m := j.pick(ctx)
	if m == nil {
		return nil, ErrManualJoin
	}
	timeout := j.JoinTimeout
	if timeout <= 0 {
		timeout = 45 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	j.logf("softap: joining %s with %s", ssid, m.kind())
	// Addresses in 192.168.0.x the laptop held before the join (a home
	// network on the same range) prove nothing about the Photon.
	stale := map[netip.Addr]bool{}
	if before, err := j.photonLeases(""); err == nil {
		for _, l := range before {
			stale[l.addr] = true
		}
	}
	iface, restore, err := m.join(ctx, ssid)
	if err != nil {
		if errors.Is(err, ErrManualJoin) {
			return nil, err
		}
		return nil, &JoinError{SSID: ssid, Method: m.kind(), Step: "join", Err: err}
	}
	link := &Link{SSID: ssid, Method: m.kind(), Interface: iface, restore: restore}
	addr, err := j.waitAddress(ctx, iface, stale)
	if err != nil {
		rctx, cancel := restoreContext(ctx)
		rerr := link.Restore(rctx)
		cancel()
		return nil, errors.Join(&JoinError{SSID: ssid, Method: m.kind(), Step: "address", Err: err}, rerr)
	}
	link.LocalAddr = addr
	j.logf("softap: on %s via %s as %s", ssid, iface, addr)
	return link, nil
}

// restoreContext is for putting the laptop back after a join that failed or
// ran out of time: the restore must still run when ctx is done, but it
// gets a deadline of its own, so an OS tool that hangs cannot hang us.
func restoreContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
}

func (j *Joiner) prefix() string {
	if j.Prefix == "" {
		return "Photon"
	}
	return j.Prefix
}

func (j *Joiner) interfaceAddrs() (map[string][]netip.Addr, error) {
	if j.addrs != nil {
		return j.addrs()
	}
	return systemAddrs()
}

// lease is an address the laptop holds in the Photon's subnet.
type lease struct {
	iface string
	addr  netip.Addr
}

// photonLeases lists addresses in the Photon's subnet, on iface if given,
// in interface-name order.
func (j *Joiner) photonLeases(iface string) ([]lease, error) {
	all, err := j.interfaceAddrs()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []lease
	for _, n := range names {
		if iface != "" && n != iface {
			continue
		}
		for _, a := range all[n] {
			a = a.Unmap()
			if photonSubnet.Contains(a) && a != photonAddr {
				out = append(out, lease{n, a})
			}
		}
	}
	return out, nil
}

// waitAddress polls until the interface holds an address from the Photon's
// DHCP server (192.168.0.x). The OS runs DHCP; nl80211 only associates, and
// an OS tool may return before the switch. An address the laptop already
// held before the join (stale) counts only once the Photon answers from it.
func (j *Joiner) waitAddress(ctx context.Context, iface string, stale map[netip.Addr]bool) (netip.Addr, error) {
	for {
		leases, err := j.photonLeases(iface)
		if err != nil {
			return netip.Addr{}, err
		}
		for _, l := range leases {
			if !stale[l.addr] {
				return l.addr, nil
			}
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err := j.probeDevice(pctx, l.addr)
			cancel()
			if err == nil {
				return l.addr, nil // the Photon gave the same address
			}
			j.logf("softap: %s still has %s from before the join, and no Photon answers there", l.iface, l.addr)
		}
		if clock.Sleep(ctx, j.clock(), j.poll()) != nil {
			return netip.Addr{}, fmt.Errorf("no 192.168.0.x address on %s: %w", iface, ctx.Err())
		}
	}
}

// WaitJoined waits until the laptop is on a Photon's access point, for when
// the technician joins by hand. It notices either the OS reporting a
// Photon-* SSID, or an address in 192.168.0.0/24 from which the Photon's
// setup port answers (a home router at 192.168.0.1 does not). The returned
// Link's Restore does nothing: the technician rejoins their network.
func (j *Joiner) WaitJoined(ctx context.Context) (*Link, error) {
	m := j.pick(ctx)
	for {
		link, err := j.joinedNow(ctx, m)
		if err != nil {
			return nil, err
		}
		if link != nil {
			return link, nil
		}
		if clock.Sleep(ctx, j.clock(), j.poll()) != nil {
			return nil, ctx.Err()
		}
	}
}

func (j *Joiner) joinedNow(ctx context.Context, m method) (*Link, error) {
	ssid, iface := "", ""
	if m != nil {
		s, i, err := m.current(ctx)
		if err == nil && j.IsPhotonSSID(s) {
			ssid, iface = s, i
		}
	}
	leases, err := j.photonLeases(iface)
	if err != nil {
		return nil, err
	}
	for _, l := range leases {
		if ssid == "" {
			// No SSID from the OS: make sure it is a Photon, not a home LAN.
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err := j.probeDevice(pctx, l.addr)
			cancel()
			if err != nil {
				j.logf("softap: %s has %s but no Photon answers: %v", l.iface, l.addr, err)
				continue
			}
		}
		return &Link{SSID: ssid, Method: JoinManual, Interface: l.iface, LocalAddr: l.addr}, nil
	}
	return nil, nil
}

func (j *Joiner) probeDevice(ctx context.Context, local netip.Addr) error {
	if j.probe != nil {
		return j.probe(ctx, local)
	}
	c := &Client{Attempts: 1, Dialer: (&Link{LocalAddr: local}).Dialer(), Timeouts: Timeouts{Command: 3 * time.Second}}
	_, err := c.Version(ctx)
	return err
}

// systemAddrs lists the machine's interface addresses.
func systemAddrs() (map[string][]netip.Addr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := map[string][]netip.Addr{}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				out[ifi.Name] = append(out[ifi.Name], p.Addr())
			}
		}
	}
	return out, nil
}

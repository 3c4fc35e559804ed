package softap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/wifi"
	"github.com/photon-station/photon-station/internal/clock"
)

// stepClock fires waits at once, up to limit times (0: no limit); after that
// it never fires, so a context deadline ends the wait.
type stepClock struct {
	mu    sync.Mutex
	limit int
	waits int
}

func (c *stepClock) Now() time.Time { return time.Unix(0, 0) }
func (c *stepClock) After(time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits++
	if c.limit > 0 && c.waits > c.limit {
		return nil
	}
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, 0)
	return ch
}

func (c *stepClock) NewTimer(d time.Duration) clock.Timer { return stepTimer(c.After(d)) }

// stepTimer is a timer that fires when its channel delivers (never, for nil).
type stepTimer <-chan time.Time

func (t stepTimer) C() <-chan time.Time { return t }
func (t stepTimer) Stop() bool          { return false }

// fakeRunner answers scripted command lines and records every call. Each
// command line has a queue of results; the last one repeats.
type fakeRunner struct {
	mu      sync.Mutex
	tools   map[string]bool
	results map[string][]fakeResult
	calls   []string
	files   map[string]string // content of filename= arguments at call time
	undated []string          // calls whose context had no deadline
}

type fakeResult struct {
	out string
	err error
}

// normalise hides arguments that vary from run to run.
func normalise(args []string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if i > 0 && out[i-1] == "--wait" {
			out[i] = "N"
		}
		if strings.HasPrefix(a, "filename=") {
			out[i] = "filename=X"
		}
	}
	return out
}

func (f *fakeRunner) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range args {
		if p, ok := strings.CutPrefix(a, "filename="); ok {
			b, _ := os.ReadFile(p)
			if f.files == nil {
				f.files = map[string]string{}
			}
			f.files[name] = string(b)
		}
	}
	line := strings.Join(append([]string{name}, normalise(args)...), " ")
	f.calls = append(f.calls, line)
	if _, ok := ctx.Deadline(); !ok {
		f.undated = append(f.undated, line)
	}
	q, ok := f.results[line]
	if !ok || len(q) == 0 {
		return nil, fmt.Errorf("unexpected command %q", line)
	}
	r := q[0]
	if len(q) > 1 {
		f.results[line] = q[1:]
	}
	return []byte(r.out), r.err
}

func (f *fakeRunner) lookPath(name string) bool { return f.tools[name] }

// ran reports whether a command line containing part was run.
func (f *fakeRunner) ran(part string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if strings.Contains(c, part) {
			return true
		}
	}
	return false
}

// leaseAfter gives iface the Photon's address once the join command
// (a command line containing join) has run, as the OS's DHCP does, and
// before that the address of the network the laptop was on (none when
// home is not valid).
func leaseAfter(r *fakeRunner, join, iface string, photon, home netip.Addr) func() (map[string][]netip.Addr, error) {
	return func() (map[string][]netip.Addr, error) {
		if r.ran(join) {
			return map[string][]netip.Addr{iface: {photon}}, nil
		}
		if home.IsValid() {
			return map[string][]netip.Addr{iface: {home}}, nil
		}
		return map[string][]netip.Addr{}, nil
	}
}

func (f *fakeRunner) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// fakeNL is a scripted nl80211 with one station interface, wlan0.
type fakeNL struct {
	mu         sync.Mutex
	assoc      *wifi.BSS
	aps        []*wifi.BSS
	scanErr    error
	connectErr error
	discErr    error
	supplicant string // SSID the OS supplicant rejoins after we leave a Photon
	calls      []string
}

var wlan0 = &wifi.Interface{Index: 3, Name: "wlan0", Type: wifi.InterfaceTypeStation}

func (f *fakeNL) record(s string) { f.calls = append(f.calls, s) }

func (f *fakeNL) Interfaces() ([]*wifi.Interface, error) {
	return []*wifi.Interface{{Index: 1, Name: "p2p-dev", Type: wifi.InterfaceTypeP2PDevice}, wlan0}, nil
}

func (f *fakeNL) BSS(*wifi.Interface) (*wifi.BSS, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.assoc == nil {
		return nil, os.ErrNotExist
	}
	b := *f.assoc
	return &b, nil
}

func (f *fakeNL) AccessPoints(*wifi.Interface) ([]*wifi.BSS, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.aps, nil
}

func (f *fakeNL) Scan(context.Context, *wifi.Interface) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("scan")
	return f.scanErr
}

func (f *fakeNL) Connect(_ *wifi.Interface, ssid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("connect " + ssid)
	if f.connectErr != nil {
		return f.connectErr
	}
	f.assoc = &wifi.BSS{SSID: ssid, Status: wifi.BSSStatusAssociated}
	return nil
}

func (f *fakeNL) Disconnect(*wifi.Interface) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("disconnect")
	if f.discErr != nil {
		return f.discErr
	}
	leaving := f.assoc
	f.assoc = nil
	if leaving != nil && strings.HasPrefix(leaving.SSID, "Photon-") && f.supplicant != "" {
		f.assoc = &wifi.BSS{SSID: f.supplicant, Status: wifi.BSSStatusAssociated, RSN: wifi.RSNInfo{Version: 1}}
	}
	return nil
}

func (f *fakeNL) Close() error { return nil }

func (f *fakeNL) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeNL) SSID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.assoc == nil {
		return ""
	}
	return f.assoc.SSID
}

// photonAddrs gives wlan0 a 192.168.0.x lease while associated with a
// Photon, and a home address otherwise.
func photonAddrs(nl *fakeNL) func() (map[string][]netip.Addr, error) {
	return func() (map[string][]netip.Addr, error) {
		a := netip.MustParseAddr("10.0.0.7")
		if strings.HasPrefix(nl.SSID(), "Photon-") {
			a = netip.MustParseAddr("192.168.0.2")
		}
		return map[string][]netip.Addr{"lo": {netip.MustParseAddr("127.0.0.1")}, "wlan0": {a}}, nil
	}
}

func nlJoiner(nl *fakeNL) *Joiner {
	return &Joiner{
		goos:   "linux",
		run:    &fakeRunner{}, // no nmcli
		openNL: func() (nl80211, error) { return nl, nil },
		addrs:  photonAddrs(nl),
		Clock:  &stepClock{},
	}
}

func bss(ssid string, dbm int32) *wifi.BSS { return &wifi.BSS{SSID: ssid, Signal: dbm * 100} }

func TestNL80211Find(t *testing.T) {
	tests := []struct {
		name    string
		aps     []*wifi.BSS
		scanErr error
		want    []PhotonAP
		wantErr error
	}{
		{"photons only, strongest per SSID", []*wifi.BSS{
			bss("Photon-ABC123", -70), bss("Home", -30), bss("Photon-ABC123", -40), bss("photon-xyz9", -60), bss("Photonic", -20), bss("Photon-", -20),
		}, nil, []PhotonAP{{"Photon-ABC123", 100, "wlan0"}, {"photon-xyz9", 80, "wlan0"}}, nil},
		{"scan refused, cached results used", []*wifi.BSS{bss("Photon-Q2W3", -90)}, os.ErrPermission,
			[]PhotonAP{{"Photon-Q2W3", 20, "wlan0"}}, nil},
		{"none", []*wifi.BSS{bss("Home", -30)}, nil, nil, ErrNoPhotonAP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nl := &fakeNL{aps: tt.aps, scanErr: tt.scanErr}
			j := nlJoiner(nl)
			if m := j.Method(t.Context()); m != JoinNL80211 {
				t.Fatalf("Method = %s", m)
			}
			got, err := j.Find(t.Context())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNL80211JoinAndRestore(t *testing.T) {
	tests := []struct {
		name       string
		prev       *wifi.BSS
		supplicant string
		wantCalls  []string
		wantAfter  string
	}{
		{"open previous network rejoined", &wifi.BSS{SSID: "Cafe", Status: wifi.BSSStatusAssociated}, "",
			[]string{"disconnect", "connect Photon-ABC123", "disconnect", "connect Cafe"}, "Cafe"},
		{"secured previous network left to the supplicant", &wifi.BSS{SSID: "Home", Status: wifi.BSSStatusAssociated, RSN: wifi.RSNInfo{Version: 1}}, "Home",
			[]string{"disconnect", "connect Photon-ABC123", "disconnect"}, "Home"},
		{"not connected before", nil, "",
			[]string{"connect Photon-ABC123", "disconnect"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nl := &fakeNL{assoc: tt.prev, supplicant: tt.supplicant}
			j := nlJoiner(nl)
			link, err := j.Join(t.Context(), "Photon-ABC123")
			if err != nil {
				t.Fatal(err)
			}
			want := Link{SSID: "Photon-ABC123", Method: JoinNL80211, Interface: "wlan0", LocalAddr: netip.MustParseAddr("192.168.0.2")}
			got := *link
			got.restore = nil
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.AllowUnexported(Link{})); diff != "" {
				t.Errorf("Link (-want +got):\n%s", diff)
			}
			if err := link.Restore(t.Context()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantCalls, nl.Calls()); diff != "" {
				t.Errorf("nl80211 calls (-want +got):\n%s", diff)
			}
			if got := nl.SSID(); got != tt.wantAfter {
				t.Errorf("after Restore on %q, want %q", got, tt.wantAfter)
			}
			// A second Restore does nothing.
			if err := link.Restore(t.Context()); err != nil || len(nl.Calls()) != len(tt.wantCalls) {
				t.Errorf("second Restore: %v, calls %v", err, nl.Calls())
			}
		})
	}
}

func TestNL80211Failures(t *testing.T) {
	t.Run("no permission means manual", func(t *testing.T) {
		nl := &fakeNL{assoc: &wifi.BSS{SSID: "Home", Status: wifi.BSSStatusAssociated}, discErr: fmt.Errorf("netlink: %w", os.ErrPermission)}
		_, err := nlJoiner(nl).Join(t.Context(), "Photon-ABC123")
		if !errors.Is(err, ErrManualJoin) {
			t.Fatalf("err = %v, want ErrManualJoin", err)
		}
		if nl.SSID() != "Home" {
			t.Errorf("laptop left its network")
		}
	})
	t.Run("connect fails, previous network back", func(t *testing.T) {
		nl := &fakeNL{assoc: &wifi.BSS{SSID: "Cafe", Status: wifi.BSSStatusAssociated}, connectErr: errors.New("busy")}
		_, err := nlJoiner(nl).Join(t.Context(), "Photon-ABC123")
		var je *JoinError
		if !errors.As(err, &je) || je.Step != "join" {
			t.Fatalf("err = %v, want a JoinError at join", err)
		}
	})
	t.Run("no address", func(t *testing.T) {
		nl := &fakeNL{}
		j := nlJoiner(nl)
		j.addrs = func() (map[string][]netip.Addr, error) { return map[string][]netip.Addr{"wlan0": nil}, nil }
		j.Clock = &stepClock{limit: 3}
		j.JoinTimeout = 50 * time.Millisecond
		_, err := j.Join(t.Context(), "Photon-ABC123")
		var je *JoinError
		if !errors.As(err, &je) || je.Step != "address" || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a JoinError at address", err)
		}
		if nl.SSID() != "" {
			t.Errorf("still on %q after a failed join", nl.SSID())
		}
		if !strings.Contains(err.Error(), "reset the Photon") {
			t.Errorf("message lacks the action: %v", err)
		}
	})
	t.Run("not a photon", func(t *testing.T) {
		nl := &fakeNL{}
		if _, err := nlJoiner(nl).Join(t.Context(), "Home"); err == nil || len(nl.Calls()) != 0 {
			t.Fatalf("joined a non-Photon network: %v %v", err, nl.Calls())
		}
	})
	t.Run("no nl80211 means manual", func(t *testing.T) {
		j := &Joiner{goos: "linux", run: &fakeRunner{}, openNL: func() (nl80211, error) {
			return nil, fmt.Errorf("netlink receive: %w", os.ErrNotExist)
		}}
		if m := j.Method(t.Context()); m != JoinManual {
			t.Errorf("Method = %s, want manual", m)
		}
		if _, err := j.Find(t.Context()); !errors.Is(err, ErrManualJoin) {
			t.Errorf("Find: %v", err)
		}
		if _, err := j.Join(t.Context(), "Photon-ABC123"); !errors.Is(err, ErrManualJoin) {
			t.Errorf("Join: %v", err)
		}
	})
	t.Run("no station interface", func(t *testing.T) {
		j := &Joiner{goos: "linux", run: &fakeRunner{}, openNL: func() (nl80211, error) { return noStation{&fakeNL{}}, nil }}
		if m := j.Method(t.Context()); m != JoinManual {
			t.Errorf("Method = %s, want manual", m)
		}
	})
}

type noStation struct{ *fakeNL }

func (noStation) Interfaces() ([]*wifi.Interface, error) { return nil, nil }

func nmcliRunner() *fakeRunner {
	return &fakeRunner{
		tools: map[string]bool{"nmcli": true},
		results: map[string][]fakeResult{
			"nmcli -t -f RUNNING general":                                         {{out: "running\n"}},
			"nmcli -t -f DEVICE,TYPE,STATE device":                                {{out: "lo:loopback:unmanaged\nwlp2s0:wifi:connected\n"}},
			"nmcli -t -f SSID,SIGNAL device wifi list ifname wlp2s0 --rescan yes": {{out: "Home:90\nPhoton-ABC123:70\nPhoton-ABC123:40\nBad\\:Name:10\n:55\n"}},
			"nmcli -t -f UUID,NAME,TYPE,DEVICE connection show --active": {
				{out: "uuid-home:Home\\: upstairs:802-11-wireless:wlp2s0\nuuid-eth:Wired:802-3-ethernet:eth0\n"},
				{out: "uuid-photon:Photon-ABC123:802-11-wireless:wlp2s0\n"},
			},
			"nmcli --wait N device wifi connect Photon-ABC123 ifname wlp2s0":     {{out: "Device 'wlp2s0' successfully activated\n"}},
			"nmcli connection delete uuid uuid-photon":                           {{out: ""}},
			"nmcli --wait N connection up uuid uuid-home":                        {{out: ""}},
			"nmcli -t -f ACTIVE,SSID device wifi list ifname wlp2s0 --rescan no": {{out: "no:Home\nyes:Photon-ABC123\n"}},
		},
	}
}

func TestNmcli(t *testing.T) {
	r := nmcliRunner()
	j := &Joiner{goos: "linux", run: r, Clock: &stepClock{},
		openNL: func() (nl80211, error) {
			t.Error("nl80211 used although NetworkManager manages Wi-Fi")
			return nil, os.ErrNotExist
		},
		// A home LAN on the same range until the join, then the Photon's.
		addrs: leaseAfter(r, "device wifi connect Photon-ABC123", "wlp2s0", netip.MustParseAddr("192.168.0.3"), netip.MustParseAddr("192.168.0.40")),
	}
	if m := j.Method(t.Context()); m != JoinNetworkManager {
		t.Fatalf("Method = %s", m)
	}
	aps, err := j.Find(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]PhotonAP{{"Photon-ABC123", 70, "wlp2s0"}}, aps); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
	link, err := j.Join(t.Context(), "Photon-ABC123")
	if err != nil {
		t.Fatal(err)
	}
	if link.LocalAddr != netip.MustParseAddr("192.168.0.3") || link.Interface != "wlp2s0" {
		t.Errorf("link %+v", link)
	}
	if err := link.Restore(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"nmcli -t -f RUNNING general",
		"nmcli -t -f DEVICE,TYPE,STATE device",
		"nmcli -t -f SSID,SIGNAL device wifi list ifname wlp2s0 --rescan yes",
		"nmcli -t -f UUID,NAME,TYPE,DEVICE connection show --active",
		"nmcli --wait N device wifi connect Photon-ABC123 ifname wlp2s0",
		"nmcli -t -f UUID,NAME,TYPE,DEVICE connection show --active",
		"nmcli connection delete uuid uuid-photon",
		"nmcli --wait N connection up uuid uuid-home",
	}
	if diff := cmp.Diff(want, r.Calls()); diff != "" {
		t.Errorf("nmcli calls (-want +got):\n%s", diff)
	}
}

func TestNmcliNotRunningFallsBackToNL80211(t *testing.T) {
	r := &fakeRunner{tools: map[string]bool{"nmcli": true}, results: map[string][]fakeResult{
		"nmcli -t -f RUNNING general": {{out: "", err: errors.New("exit status 8")}},
	}}
	j := &Joiner{goos: "linux", run: r, openNL: func() (nl80211, error) { return &fakeNL{}, nil }}
	if m := j.Method(t.Context()); m != JoinNL80211 {
		t.Errorf("Method = %s, want nl80211", m)
	}
}

const netshInterfaces = `
There is 1 interface on the system:

    Name                   : Wi-Fi
    Description            : Intel(R) Wi-Fi 6 AX201 160MHz
    GUID                   : 1a2b3c4d-0000-0000-0000-000000000000
    Physical address       : aa:bb:cc:dd:ee:ff
    State                  : connected
    SSID                   : HomeNet
    BSSID                  : 11:22:33:44:55:66
    Network type           : Infrastructure
    Signal                 : 92%
    Profile                : HomeNet Profile

    Hosted network status  : Not available
`

const netshNetworks = "Interface name : Wi-Fi\r\nThere are 3 networks currently visible.\r\n\r\n" +
	"SSID 1 : HomeNet\r\n    Network type            : Infrastructure\r\n    Authentication          : WPA2-Personal\r\n" +
	"    BSSID 1                 : 11:22:33:44:55:66\r\n         Signal             : 92%\r\n" +
	"SSID 2 : Photon-Q2W3E4\r\n    Authentication          : Open\r\n" +
	"    BSSID 1                 : 22:22:33:44:55:66\r\n         Signal             : 40%\r\n" +
	"    BSSID 2                 : 23:22:33:44:55:66\r\n         Signal             : 66%\r\n" +
	"SSID 3 : \r\n    BSSID 1                 : 24:22:33:44:55:66\r\n         Signal             : 10%\r\n"

func TestNetsh(t *testing.T) {
	r := &fakeRunner{tools: map[string]bool{"netsh": true}, results: map[string][]fakeResult{
		"netsh wlan show interfaces":                                               {{out: netshInterfaces}},
		"netsh wlan show networks mode=bssid interface=Wi-Fi":                      {{out: netshNetworks}},
		"netsh wlan add profile filename=X interface=Wi-Fi user=current":           {{out: "Profile Photon-Q2W3E4 is added on interface Wi-Fi.\r\n"}},
		"netsh wlan connect name=Photon-Q2W3E4 ssid=Photon-Q2W3E4 interface=Wi-Fi": {{out: "Connection request was completed successfully.\r\n"}},
		"netsh wlan delete profile name=Photon-Q2W3E4 interface=Wi-Fi":             {{out: ""}},
		"netsh wlan connect name=HomeNet Profile interface=Wi-Fi":                  {{out: ""}},
	}}
	j := &Joiner{goos: "windows", run: r, Clock: &stepClock{},
		addrs: leaseAfter(r, "netsh wlan connect name=Photon-Q2W3E4", "Wi-Fi", netip.MustParseAddr("192.168.0.2"), netip.Addr{})}
	aps, err := j.Find(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]PhotonAP{{"Photon-Q2W3E4", 66, "Wi-Fi"}}, aps); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
	link, err := j.Join(t.Context(), "Photon-Q2W3E4")
	if err != nil {
		t.Fatal(err)
	}
	if err := link.Restore(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"netsh wlan show interfaces",
		"netsh wlan show networks mode=bssid interface=Wi-Fi",
		"netsh wlan show interfaces",
		"netsh wlan add profile filename=X interface=Wi-Fi user=current",
		"netsh wlan connect name=Photon-Q2W3E4 ssid=Photon-Q2W3E4 interface=Wi-Fi",
		"netsh wlan delete profile name=Photon-Q2W3E4 interface=Wi-Fi",
		"netsh wlan connect name=HomeNet Profile interface=Wi-Fi",
	}
	if diff := cmp.Diff(want, r.Calls()); diff != "" {
		t.Errorf("netsh calls (-want +got):\n%s", diff)
	}
	prof := r.files["netsh"]
	for _, s := range []string{"<name>Photon-Q2W3E4</name>", "<authentication>open</authentication>", "<encryption>none</encryption>"} {
		if !strings.Contains(prof, s) {
			t.Errorf("profile lacks %s:\n%s", s, prof)
		}
	}
}

const hardwarePorts = `
Hardware Port: Ethernet
Device: en1
Ethernet Address: aa:aa:aa:aa:aa:aa

Hardware Port: Wi-Fi
Device: en0
Ethernet Address: bb:bb:bb:bb:bb:bb
`

const systemProfiler = `Wi-Fi:

      Software Versions:
          CoreWLAN: 16.0 (1657)
      Interfaces:
        en0:
          Card Type: Wi-Fi  (0x14E4, 0x7BF)
          Status: Connected
          Current Network Information:
            HomeNet:
              PHY Mode: 802.11ac
              Channel: 36 (5GHz, 80MHz)
              Signal / Noise: -52 dBm / -94 dBm
          Other Local Wi-Fi Networks:
            Photon-ABC123:
              PHY Mode: 802.11n
              Channel: 11 (2GHz, 20MHz)
              Security: None
              Signal / Noise: -40 dBm / -90 dBm
            Neighbour: Net:
              Security: WPA2 Personal
              Signal / Noise: -80 dBm / -90 dBm
        awdl0:
          Status: Off
`

func TestNetworksetup(t *testing.T) {
	r := &fakeRunner{tools: map[string]bool{"networksetup": true}, results: map[string][]fakeResult{
		"networksetup -listallhardwareports":                {{out: hardwarePorts}},
		"system_profiler SPAirPortDataType":                 {{out: systemProfiler}},
		"networksetup -getairportnetwork en0":               {{out: "Current Wi-Fi Network: HomeNet\n"}},
		"networksetup -setairportnetwork en0 Photon-ABC123": {{out: ""}},
		"networksetup -setairportnetwork en0 HomeNet":       {{out: ""}},
		"networksetup -setairportnetwork en0 Photon-GONE99": {{out: "Could not find network Photon-GONE99.\n"}},
	}}
	j := &Joiner{goos: "darwin", run: r, Clock: &stepClock{},
		addrs: leaseAfter(r, "networksetup -setairportnetwork en0 Photon-ABC123", "en0", netip.MustParseAddr("192.168.0.2"), netip.Addr{})}
	aps, err := j.Find(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]PhotonAP{{"Photon-ABC123", 100, "en0"}}, aps); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
	link, err := j.Join(t.Context(), "Photon-ABC123")
	if err != nil {
		t.Fatal(err)
	}
	if err := link.Restore(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err = j.Join(t.Context(), "Photon-GONE99")
	var je *JoinError
	if !errors.As(err, &je) || !strings.Contains(je.Details(), "Could not find network") {
		t.Errorf("failed join: %v", err)
	}
	want := []string{
		"networksetup -listallhardwareports",
		"system_profiler SPAirPortDataType",
		"networksetup -getairportnetwork en0",
		"networksetup -setairportnetwork en0 Photon-ABC123",
		"networksetup -setairportnetwork en0 HomeNet",
		"networksetup -getairportnetwork en0",
		"networksetup -setairportnetwork en0 Photon-GONE99",
	}
	if diff := cmp.Diff(want, r.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestWaitJoined: with no way to join, the technician joins by hand; the
// station must not mistake a home LAN on 192.168.0.x for the Photon.
func TestWaitJoined(t *testing.T) {
	t.Run("address and probe", func(t *testing.T) {
		polls := 0
		var probed []string
		j := &Joiner{goos: "plan9", Clock: &stepClock{},
			addrs: func() (map[string][]netip.Addr, error) {
				polls++
				m := map[string][]netip.Addr{"eth0": {netip.MustParseAddr("192.168.0.23")}}
				if polls >= 3 {
					m["wlan0"] = []netip.Addr{netip.MustParseAddr("192.168.0.2")}
				}
				return m, nil
			},
			probe: func(_ context.Context, local netip.Addr) error {
				probed = append(probed, local.String())
				if local.String() == "192.168.0.2" {
					return nil
				}
				return errors.New("connection refused")
			},
		}
		if m := j.Method(t.Context()); m != JoinManual {
			t.Fatalf("Method = %s", m)
		}
		link, err := j.WaitJoined(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if link.Interface != "wlan0" || link.LocalAddr.String() != "192.168.0.2" || link.Method != JoinManual {
			t.Errorf("link %+v", link)
		}
		// eth0 sorts first; it is probed and refused until wlan0 appears.
		if diff := cmp.Diff([]string{"192.168.0.23", "192.168.0.23", "192.168.0.23"}, probed[:3]); diff != "" {
			t.Errorf("probes (-want +got):\n%s", diff)
		}
		if err := link.Restore(t.Context()); err != nil {
			t.Errorf("Restore of a manual link: %v", err)
		}
	})
	t.Run("OS reports the SSID", func(t *testing.T) {
		r := nmcliRunner()
		j := &Joiner{goos: "linux", run: r, Clock: &stepClock{},
			addrs: func() (map[string][]netip.Addr, error) {
				return map[string][]netip.Addr{"eth0": {netip.MustParseAddr("192.168.0.23")}, "wlp2s0": {netip.MustParseAddr("192.168.0.4")}}, nil
			},
			probe: func(context.Context, netip.Addr) error { t.Error("probed although the SSID is known"); return nil },
		}
		link, err := j.WaitJoined(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if link.SSID != "Photon-ABC123" || link.Interface != "wlp2s0" || link.LocalAddr.String() != "192.168.0.4" {
			t.Errorf("link %+v", link)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		j := &Joiner{goos: "plan9", Clock: &stepClock{limit: 2},
			addrs: func() (map[string][]netip.Addr, error) { return nil, nil }}
		go func() {
			cancel()
		}()
		if _, err := j.WaitJoined(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestIsPhotonSSID(t *testing.T) {
	tests := []struct {
		prefix, ssid string
		want         bool
	}{
		{"", "Photon-ABC123", true},
		{"", "photon-abcd", true},
		{"", "Photon-", false},
		{"", "Photonic", false},
		{"", "My Photon-1", false},
		{"P1", "P1-XYZ", true},
		{"P1", "Photon-XYZ", false},
	}
	for _, tt := range tests {
		j := &Joiner{Prefix: tt.prefix}
		if got := j.IsPhotonSSID(tt.ssid); got != tt.want {
			t.Errorf("prefix %q IsPhotonSSID(%q) = %v", tt.prefix, tt.ssid, got)
		}
	}
}

// TestLinkDialer dials through a Link's dialer bound to a loopback address.
func TestLinkDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("\n\n{\"v\":2}"))
			c.Close()
		}
	}()
	link := &Link{Interface: "lo", LocalAddr: netip.MustParseAddr("127.0.0.1")}
	c := &Client{Addr: ln.Addr().String(), Dialer: link.Dialer(), Attempts: 1}
	c.warmed = true // one connection only in this test
	if v, err := c.Version(t.Context()); err != nil || v != 2 {
		t.Fatalf("Version via link dialer = %d, %v", v, err)
	}
}

var terseTests = []struct {
	in   string
	want [][]string
}{
	{"a:b:c\n", [][]string{{"a", "b", "c"}}},
	{"Bad\\:Name:10\n:55\n", [][]string{{"Bad:Name", "10"}, {"", "55"}}},
	{"back\\\\slash:1\r\n\n", [][]string{{`back\slash`, "1"}}},
	{"trailing\\", [][]string{{`trailing\`}}},
	{"", nil},
}

func TestParseTerse(t *testing.T) {
	for _, tt := range terseTests {
		if diff := cmp.Diff(tt.want, parseTerse(tt.in)); diff != "" {
			t.Errorf("parseTerse(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseTerse(f *testing.F) {
	for _, tt := range terseTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, row := range parseTerse(s) {
			if len(row) == 0 {
				t.Fatalf("empty row from %q", s)
			}
		}
	})
}

func TestParseNetsh(t *testing.T) {
	blocks := parseNetshInterfaces(netshInterfaces)
	if len(blocks) != 1 || blocks[0]["Name"] != "Wi-Fi" || blocks[0]["SSID"] != "HomeNet" || blocks[0]["Profile"] != "HomeNet Profile" || blocks[0]["State"] != "connected" {
		t.Errorf("interfaces %v", blocks)
	}
	want := []PhotonAP{{"HomeNet", 92, "Wi-Fi"}, {"Photon-Q2W3E4", 66, "Wi-Fi"}, {"", 10, "Wi-Fi"}}
	if diff := cmp.Diff(want, parseNetshNetworks(netshNetworks, "Wi-Fi")); diff != "" {
		t.Errorf("networks (-want +got):\n%s", diff)
	}
}

func FuzzParseNetsh(f *testing.F) {
	f.Add(netshInterfaces)
	f.Add(netshNetworks)
	f.Fuzz(func(t *testing.T, s string) {
		for _, ap := range parseNetshNetworks(s, "Wi-Fi") {
			if ap.Strength < 0 || ap.Strength > 100 {
				t.Fatalf("strength %d", ap.Strength)
			}
		}
		_ = parseNetshInterfaces(s)
	})
}

func TestParseSystemProfiler(t *testing.T) {
	want := []PhotonAP{{"HomeNet", 96, "en0"}, {"Photon-ABC123", 100, "en0"}, {"Neighbour: Net", 40, "en0"}}
	if diff := cmp.Diff(want, parseSystemProfilerWiFi(systemProfiler, "en0")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := parseHardwarePorts(hardwarePorts); got != "en0" {
		t.Errorf("parseHardwarePorts = %q", got)
	}
}

func FuzzParseSystemProfiler(f *testing.F) {
	f.Add(systemProfiler)
	f.Add(hardwarePorts)
	f.Fuzz(func(t *testing.T, s string) {
		for _, ap := range parseSystemProfilerWiFi(s, "en0") {
			if ap.Strength < 0 || ap.Strength > 100 {
				t.Fatalf("strength %d", ap.Strength)
			}
		}
		_ = parseHardwarePorts(s)
	})
}

func TestOpenProfileEscapes(t *testing.T) {
	b, err := openProfile("Photon-A&B<C>")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<name>Photon-A&amp;B&lt;C&gt;</name>") {
		t.Errorf("profile not escaped:\n%s", b)
	}
}

func TestNmcliRestoreFailure(t *testing.T) {
	r := nmcliRunner()
	r.results["nmcli --wait N connection up uuid uuid-home"] = []fakeResult{{out: "", err: errors.New("exit status 4")}}
	j := &Joiner{goos: "linux", run: r, Clock: &stepClock{},
		addrs: leaseAfter(r, "device wifi connect Photon-ABC123", "wlp2s0", netip.MustParseAddr("192.168.0.3"), netip.Addr{})}
	link, err := j.Join(t.Context(), "Photon-ABC123")
	if err != nil {
		t.Fatal(err)
	}
	err = link.Restore(t.Context())
	var je *JoinError
	if !errors.As(err, &je) || je.Step != "restore" {
		t.Fatalf("err = %v, want a JoinError at restore", err)
	}
	if !strings.Contains(err.Error(), "Home: upstairs") || !strings.Contains(err.Error(), "reconnect it from the Wi-Fi menu") {
		t.Errorf("message %q lacks the network or the action", err)
	}
}

// TestRealJoinerMethod runs method selection against this machine's real
// OS tools and kernel: read-only (it joins nothing). Without Wi-Fi hardware
// (as in CI) wifi.New fails with os.ErrNotExist and the method is manual.
func TestRealJoinerMethod(t *testing.T) {
	j := &Joiner{}
	m := j.Method(t.Context())
	switch m {
	case JoinManual, JoinNL80211, JoinNetworkManager, JoinNetworksetup, JoinNetsh:
	default:
		t.Fatalf("Method = %q", m)
	}
	if _, err := openWifi(); err != nil && m == JoinNL80211 {
		t.Errorf("nl80211 chosen although wifi.New fails: %v", err)
	}
	t.Logf("this machine joins with %s", m)
}

// TestRestoreAfterFailedJoinIsBounded: when joining fails or times out, the
// laptop is put back on its network with a context that outlives the
// join's but still has a deadline, so a hanging OS tool cannot hang us.
func TestRestoreAfterFailedJoinIsBounded(t *testing.T) {
	r := nmcliRunner()
	j := &Joiner{goos: "linux", run: r, Clock: &stepClock{limit: 3}, JoinTimeout: 50 * time.Millisecond,
		addrs: func() (map[string][]netip.Addr, error) {
			return map[string][]netip.Addr{"wlp2s0": {netip.MustParseAddr("10.0.0.7")}}, nil // no lease from the Photon
		}}
	_, err := j.Join(t.Context(), "Photon-ABC123")
	var je *JoinError
	if !errors.As(err, &je) || je.Step != "address" {
		t.Fatalf("err = %v, want a JoinError at address", err)
	}
	const up = "nmcli --wait N connection up uuid uuid-home"
	r.mu.Lock()
	calls, undated := append([]string(nil), r.calls...), append([]string(nil), r.undated...)
	r.mu.Unlock()
	if !slices.Contains(calls, up) {
		t.Fatalf("the home network was not restored: %q", calls)
	}
	if slices.Contains(undated, up) || slices.Contains(undated, "nmcli connection delete uuid uuid-photon") {
		t.Errorf("restore ran without a deadline: %q", undated)
	}
}

// TestJoinIgnoresTheOldNetworksAddress: an OS tool that returns before the
// switch leaves the laptop's address from a home network on 192.168.0.x
// for a while; it does not count as the Photon's until the Photon answers
// from it, and the new lease is taken once DHCP gives it.
func TestJoinIgnoresTheOldNetworksAddress(t *testing.T) {
	r := nmcliRunner()
	home, fresh := netip.MustParseAddr("192.168.0.40"), netip.MustParseAddr("192.168.0.3")
	polls := 0
	var probed []netip.Addr
	j := &Joiner{goos: "linux", run: r, Clock: &stepClock{},
		addrs: func() (map[string][]netip.Addr, error) {
			if r.ran("device wifi connect Photon-ABC123") {
				polls++
				if polls > 3 { // DHCP takes a few polls after the tool returned
					return map[string][]netip.Addr{"wlp2s0": {fresh}}, nil
				}
			}
			return map[string][]netip.Addr{"wlp2s0": {home}}, nil
		},
		probe: func(_ context.Context, local netip.Addr) error {
			probed = append(probed, local)
			return errors.New("connection refused") // the home router is no Photon
		},
	}
	link, err := j.Join(t.Context(), "Photon-ABC123")
	if err != nil {
		t.Fatal(err)
	}
	if link.LocalAddr != fresh {
		t.Errorf("link address %s, want the Photon's lease %s", link.LocalAddr, fresh)
	}
	if len(probed) == 0 || probed[0] != home {
		t.Errorf("probed %v: the old address was taken without asking the Photon", probed)
	}
}

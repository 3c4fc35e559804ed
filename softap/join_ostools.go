package softap

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// netshMethod joins on Windows with netsh wlan. netsh prints localised
// labels on non-English Windows; the parsers read the English ones, and
// when they find nothing the Joiner falls back to JoinManual.
type netshMethod struct {
	r     runner
	iface string // the interface name, e.g. "Wi-Fi"
}

func newNetshMethod(ctx context.Context, r runner) method {
	if !r.lookPath("netsh") {
		return nil
	}
	out, err := r.run(ctx, "netsh", "wlan", "show", "interfaces")
	if err != nil {
		return nil
	}
	for _, b := range parseNetshInterfaces(string(out)) {
		if b["Name"] != "" {
			return &netshMethod{r: r, iface: b["Name"]}
		}
	}
	return nil
}

func (m *netshMethod) kind() JoinMethod { return JoinNetsh }

// parseNetshInterfaces reads "netsh wlan show interfaces": one block of
// "Key : Value" lines per interface, each starting with Name.
func parseNetshInterfaces(out string) []map[string]string {
	var blocks []map[string]string
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, " : ")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "Name" || blocks == nil {
			blocks = append(blocks, map[string]string{})
		}
		blocks[len(blocks)-1][k] = v
	}
	return blocks
}

var netshSSIDLine = regexp.MustCompile(`^SSID \d+ : ?(.*)$`)

// parseNetshNetworks reads "netsh wlan show networks mode=bssid": an
// "SSID n : name" line per network, then per-BSSID "Signal : 80%" lines.
func parseNetshNetworks(out, iface string) []PhotonAP {
	var aps []PhotonAP
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if m := netshSSIDLine.FindStringSubmatch(line); m != nil {
			aps = append(aps, PhotonAP{SSID: m[1], Interface: iface})
			continue
		}
		k, v, ok := strings.Cut(line, " : ")
		if !ok || len(aps) == 0 || strings.TrimSpace(k) != "Signal" {
			continue
		}
		if s, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "%")); err == nil {
			last := &aps[len(aps)-1]
			last.Strength = max(last.Strength, min(100, max(0, s)))
		}
	}
	return aps
}

func (m *netshMethod) networks(ctx context.Context) ([]PhotonAP, error) {
	out, err := m.r.run(ctx, "netsh", "wlan", "show", "networks", "mode=bssid", "interface="+m.iface)
	if err != nil {
		return nil, err
	}
	return parseNetshNetworks(string(out), m.iface), nil
}

func (m *netshMethod) state(ctx context.Context) (map[string]string, error) {
	out, err := m.r.run(ctx, "netsh", "wlan", "show", "interfaces")
	if err != nil {
		return nil, err
	}
	for _, b := range parseNetshInterfaces(string(out)) {
		if b["Name"] == m.iface {
			return b, nil
		}
	}
	return nil, ErrNoWiFi
}

func (m *netshMethod) current(ctx context.Context) (string, string, error) {
	b, err := m.state(ctx)
	if err != nil {
		return "", m.iface, err
	}
	if b["State"] != "connected" {
		return "", m.iface, nil
	}
	return b["SSID"], m.iface, nil
}

// openProfile is a WLAN profile for an open network, as netsh needs one to
// connect.
func openProfile(ssid string) ([]byte, error) {
	type ssidConfig struct {
		Name string `xml:"SSID>name"`
	}
	type profile struct {
		XMLName        xml.Name   `xml:"http://www.microsoft.com/networking/WLAN/profile/v1 WLANProfile"`
		Name           string     `xml:"name"`
		SSIDConfig     ssidConfig `xml:"SSIDConfig"`
		ConnectionType string     `xml:"connectionType"`
		ConnectionMode string     `xml:"connectionMode"`
		Auth           string     `xml:"MSM>security>authEncryption>authentication"`
		Encryption     string     `xml:"MSM>security>authEncryption>encryption"`
		UseOneX        bool       `xml:"MSM>security>authEncryption>useOneX"`
	}
	b, err := xml.MarshalIndent(profile{Name: ssid, SSIDConfig: ssidConfig{Name: ssid}, ConnectionType: "ESS",
		ConnectionMode: "manual", Auth: "open", Encryption: "none"}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

func (m *netshMethod) join(ctx context.Context, ssid string) (string, func(context.Context) error, error) {
	prev := ""
	if b, err := m.state(ctx); err == nil && b["State"] == "connected" {
		prev = b["Profile"]
	}
	prof, err := openProfile(ssid)
	if err != nil {
		return "", nil, err
	}
	f, err := os.CreateTemp("", "photon-ap-*.xml")
	if err != nil {
		return "", nil, err
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(prof)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", nil, werr
	}
	if _, err := m.r.run(ctx, "netsh", "wlan", "add", "profile", "filename="+f.Name(), "interface="+m.iface, "user=current"); err != nil {
		return "", nil, err
	}
	restore := func(ctx context.Context) error {
		var errs []error
		if _, err := m.r.run(ctx, "netsh", "wlan", "delete", "profile", "name="+ssid, "interface="+m.iface); err != nil {
			errs = append(errs, err)
		}
		if prev != "" {
			if _, err := m.r.run(ctx, "netsh", "wlan", "connect", "name="+prev, "interface="+m.iface); err != nil {
				errs = append(errs, &JoinError{SSID: prev, Method: JoinNetsh, Step: "restore", Err: err})
			}
		}
		return errors.Join(errs...)
	}
	if _, err := m.r.run(ctx, "netsh", "wlan", "connect", "name="+ssid, "ssid="+ssid, "interface="+m.iface); err != nil {
		rctx, cancel := restoreContext(ctx)
		defer cancel()
		return "", nil, errors.Join(err, restore(rctx))
	}
	return m.iface, restore, nil
}

// networksetupMethod joins on macOS with networksetup, and scans with
// system_profiler (networksetup cannot scan).
type networksetupMethod struct {
	r   runner
	dev string // e.g. en0
}

func newNetworksetupMethod(ctx context.Context, r runner) method {
	if !r.lookPath("networksetup") {
		return nil
	}
	out, err := r.run(ctx, "networksetup", "-listallhardwareports")
	if err != nil {
		return nil
	}
	if dev := parseHardwarePorts(string(out)); dev != "" {
		return &networksetupMethod{r: r, dev: dev}
	}
	return nil
}

// parseHardwarePorts finds the Wi-Fi device in "networksetup
// -listallhardwareports" ("Hardware Port: Wi-Fi" then "Device: en0").
func parseHardwarePorts(out string) string {
	wifi := false
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Hardware Port":
			wifi = v == "Wi-Fi" || v == "AirPort"
		case "Device":
			if wifi && v != "" {
				return v
			}
		}
	}
	return ""
}

func (m *networksetupMethod) kind() JoinMethod { return JoinNetworksetup }

// parseSystemProfilerWiFi reads the network names and signals under "Current
// Network Information:" and "Other Local Wi-Fi Networks:" in
// "system_profiler SPAirPortDataType". A name is a line ending in ':' one
// level below the section; its "Signal / Noise: -52 dBm / -94 dBm" follows.
func parseSystemProfilerWiFi(out, dev string) []PhotonAP {
	var aps []PhotonAP
	section := -1 // indentation of the section header, -1 outside one
	nameIndent := -1
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimRight(raw, "\r ")
		text := strings.TrimLeft(line, " ")
		if text == "" {
			continue
		}
		indent := len(line) - len(text)
		if section >= 0 && indent <= section {
			section, nameIndent = -1, -1
		}
		if text == "Current Network Information:" || text == "Other Local Wi-Fi Networks:" {
			section = indent
			continue
		}
		if section < 0 {
			continue
		}
		if strings.HasSuffix(text, ":") && (nameIndent < 0 || indent == nameIndent) {
			nameIndent = indent
			aps = append(aps, PhotonAP{SSID: strings.TrimSuffix(text, ":"), Interface: dev})
			continue
		}
		if k, v, ok := strings.Cut(text, ":"); ok && k == "Signal / Noise" && len(aps) > 0 {
			f := strings.Fields(v)
			if len(f) > 0 {
				if dbm, err := strconv.Atoi(f[0]); err == nil {
					aps[len(aps)-1].Strength = dBmToPercent(dbm)
				}
			}
		}
	}
	return aps
}

func (m *networksetupMethod) networks(ctx context.Context) ([]PhotonAP, error) {
	out, err := m.r.run(ctx, "system_profiler", "SPAirPortDataType")
	if err != nil {
		return nil, err
	}
	return parseSystemProfilerWiFi(string(out), m.dev), nil
}

func (m *networksetupMethod) current(ctx context.Context) (string, string, error) {
	out, err := m.r.run(ctx, "networksetup", "-getairportnetwork", m.dev)
	if err != nil {
		return "", m.dev, err
	}
	const p = "Current Wi-Fi Network: "
	s := strings.TrimSpace(string(out))
	if strings.HasPrefix(s, p) {
		return strings.TrimPrefix(s, p), m.dev, nil
	}
	return "", m.dev, nil
}

// setNetwork joins a network. networksetup exits 0 even when it fails and
// says so on stdout, so any output is treated as an error.
func (m *networksetupMethod) setNetwork(ctx context.Context, ssid string) error {
	out, err := m.r.run(ctx, "networksetup", "-setairportnetwork", m.dev, ssid)
	if err != nil {
		return err
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		return fmt.Errorf("networksetup: %s", s)
	}
	return nil
}

func (m *networksetupMethod) join(ctx context.Context, ssid string) (string, func(context.Context) error, error) {
	prev, _, _ := m.current(ctx)
	if err := m.setNetwork(ctx, ssid); err != nil {
		return "", nil, err
	}
	restore := func(ctx context.Context) error {
		if prev == "" || prev == ssid {
			return nil
		}
		// The password of the laptop's own network comes from the keychain.
		if err := m.setNetwork(ctx, prev); err != nil {
			return &JoinError{SSID: prev, Method: JoinNetworksetup, Step: "restore", Err: err}
		}
		return nil
	}
	return m.dev, restore, nil
}

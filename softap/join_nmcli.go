package softap

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// nmcliMethod joins through NetworkManager's command-line client.
type nmcliMethod struct {
	r   runner
	dev string // the Wi-Fi device NetworkManager manages, e.g. wlan0
}

// newNmcliMethod returns the method when NetworkManager runs and manages a
// Wi-Fi device; nil otherwise.
func newNmcliMethod(ctx context.Context, r runner) method {
	if !r.lookPath("nmcli") {
		return nil
	}
	out, err := r.run(ctx, "nmcli", "-t", "-f", "RUNNING", "general")
	if err != nil || strings.TrimSpace(string(out)) != "running" {
		return nil
	}
	out, err = r.run(ctx, "nmcli", "-t", "-f", "DEVICE,TYPE,STATE", "device")
	if err != nil {
		return nil
	}
	for _, f := range parseTerse(string(out)) {
		if len(f) == 3 && f[1] == "wifi" && f[2] != "unmanaged" {
			return &nmcliMethod{r: r, dev: f[0]}
		}
	}
	return nil
}

func (m *nmcliMethod) kind() JoinMethod { return JoinNetworkManager }

func (m *nmcliMethod) networks(ctx context.Context) ([]PhotonAP, error) {
	out, err := m.r.run(ctx, "nmcli", "-t", "-f", "SSID,SIGNAL", "device", "wifi", "list", "ifname", m.dev, "--rescan", "yes")
	if err != nil {
		return nil, err
	}
	var aps []PhotonAP
	for _, f := range parseTerse(string(out)) {
		if len(f) != 2 || f[0] == "" {
			continue
		}
		s, _ := strconv.Atoi(f[1])
		aps = append(aps, PhotonAP{SSID: f[0], Strength: max(0, min(100, s)), Interface: m.dev})
	}
	return aps, nil
}

func (m *nmcliMethod) current(ctx context.Context) (string, string, error) {
	out, err := m.r.run(ctx, "nmcli", "-t", "-f", "ACTIVE,SSID", "device", "wifi", "list", "ifname", m.dev, "--rescan", "no")
	if err != nil {
		return "", m.dev, err
	}
	for _, f := range parseTerse(string(out)) {
		if len(f) == 2 && f[0] == "yes" {
			return f[1], m.dev, nil
		}
	}
	return "", m.dev, nil
}

// activeConnection returns the UUID and name of the connection active on
// the device ("" when none).
func (m *nmcliMethod) activeConnection(ctx context.Context) (uuid, name string, err error) {
	out, err := m.r.run(ctx, "nmcli", "-t", "-f", "UUID,NAME,TYPE,DEVICE", "connection", "show", "--active")
	if err != nil {
		return "", "", err
	}
	for _, f := range parseTerse(string(out)) {
		if len(f) == 4 && f[2] == "802-11-wireless" && f[3] == m.dev {
			return f[0], f[1], nil
		}
	}
	return "", "", nil
}

// waitSeconds turns the context's deadline into nmcli's --wait value.
func waitSeconds(ctx context.Context, def time.Duration) string {
	d := def
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	return strconv.Itoa(max(1, int(d.Seconds())))
}

func (m *nmcliMethod) join(ctx context.Context, ssid string) (string, func(context.Context) error, error) {
	prev, prevName, err := m.activeConnection(ctx)
	if err != nil {
		return "", nil, err
	}
	// NetworkManager associates and runs DHCP; --wait bounds both.
	if _, err := m.r.run(ctx, "nmcli", "--wait", waitSeconds(ctx, 40*time.Second), "device", "wifi", "connect", ssid, "ifname", m.dev); err != nil {
		return "", nil, err
	}
	photon, _, err := m.activeConnection(ctx)
	if err != nil || photon == "" || photon == prev {
		photon = ""
	}
	restore := func(ctx context.Context) error {
		var errs []error
		// Delete the profile nmcli made for the Photon, so NetworkManager
		// never rejoins it by itself; that also leaves its AP.
		if photon != "" {
			if _, err := m.r.run(ctx, "nmcli", "connection", "delete", "uuid", photon); err != nil {
				errs = append(errs, err)
			}
		}
		if prev != "" {
			if _, err := m.r.run(ctx, "nmcli", "--wait", waitSeconds(ctx, restoreTimeout), "connection", "up", "uuid", prev); err != nil {
				errs = append(errs, &JoinError{SSID: prevName, Method: JoinNetworkManager, Step: "restore", Err: err})
			}
		}
		return errors.Join(errs...)
	}
	return m.dev, restore, nil
}

// parseTerse splits nmcli's terse (-t) output into lines of fields: fields
// are separated by ':', and a literal ':' or '\' inside a field is escaped
// with '\'. Empty lines are skipped.
func parseTerse(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		if line == "" {
			continue
		}
		var fields []string
		var b strings.Builder
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case c == '\\' && i+1 < len(line):
				i++
				b.WriteByte(line[i])
			case c == ':':
				fields = append(fields, b.String())
				b.Reset()
			default:
				b.WriteByte(c)
			}
		}
		rows = append(rows, append(fields, b.String()))
	}
	return rows
}

// String describes the method for logs.
func (m *nmcliMethod) String() string { return fmt.Sprintf("nmcli on %s", m.dev) }

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// identifyPhoton starts an emulated Photon on a real pseudo-terminal and
// shortens identify's waits so failing cases fail fast.
func identifyPhoton(t *testing.T, cfg serialtest.Config) (*serialtest.Photon, string) {
	t.Helper()
	old := identifyOptions
	identifyOptions = []serialio.Option{serialio.WithTimeouts(serialio.Timeouts{Answer: 500 * time.Millisecond, Claimed: 300 * time.Millisecond})}
	t.Cleanup(func() { identifyOptions = old })
	ph := serialtest.New(cfg)
	t.Cleanup(func() { ph.Close() })
	path, err := ph.PTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return ph, path
}

func runIdentifyLine(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"identify"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestIdentifyPrintsDeviceID(t *testing.T) {
	for _, format := range []serialio.IdentifyFormat{serialio.FormatA, serialio.FormatB} {
		t.Run(map[serialio.IdentifyFormat]string{serialio.FormatA: "format A", serialio.FormatB: "format B"}[format], func(t *testing.T) {
			_, path := identifyPhoton(t, serialtest.Config{DeviceID: "1f0044000a47343432313031", IdentifyFormat: format})
			code, out, errOut := runIdentifyLine("--port", path)
			if code != 0 || out != "1f0044000a47343432313031\n" || errOut != "" {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}

func TestIdentifyJSON(t *testing.T) {
	_, path := identifyPhoton(t, serialtest.Config{Claimed: true, FirmwareVersion: "1.5.2"})
	code, out, errOut := runIdentifyLine("--port", path, "--json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("want one JSON line, got %q", out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	want := map[string]any{"device_id": serialtest.DefaultDeviceID, "mac": serialtest.DefaultMAC,
		"firmware_version": "1.5.2", "claimed": true, "port": path}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestIdentifyJSONOldFirmwareClaimedNull(t *testing.T) {
	_, path := identifyPhoton(t, serialtest.Config{NoClaimCommands: true, FirmwareVersion: "0.5.3"})
	code, out, _ := runIdentifyLine("--json", "--port", path)
	var got map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if v, ok := got["claimed"]; !ok || v != nil {
		t.Errorf("claimed = %v (present %v), want null", v, ok)
	}
}

func TestIdentifyFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     *serialtest.Config // nil: no device at all
		args    []string
		code    int
		mention string
	}{
		{"not in listening mode", &serialtest.Config{NotListening: true}, nil, 1, "SETUP"},
		{"silent device", &serialtest.Config{Silent: true}, nil, 1, "did not answer"},
		{"unplugged mid-answer", &serialtest.Config{UnplugAfter: 5}, nil, 1, "unplugged"},
		{"no such port", nil, []string{"--port", "/dev/no-such-photon"}, 1, "plugged in"},
		{"missing --port", nil, []string{}, 2, "--port"},
		{"unknown flag", nil, []string{"--port", "x", "--baud", "14400"}, 2, "baud"},
		{"stray argument", nil, []string{"--port", "x", "extra"}, 2, "extra"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.cfg != nil {
				_, path := identifyPhoton(t, *tc.cfg)
				args = []string{"--port", path}
			}
			code, out, errOut := runIdentifyLine(args...)
			if code != tc.code || out != "" {
				t.Errorf("exit %d (want %d), stdout %q", code, tc.code, out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") || !strings.Contains(errOut, tc.mention) {
				t.Errorf("stderr %q: want one line mentioning %q", errOut, tc.mention)
			}
		})
	}
}

func TestIdentifyHelp(t *testing.T) {
	code, out, _ := runIdentifyLine("--help")
	if code != 0 || !strings.Contains(out, "identify --port PATH [--json]") {
		t.Errorf("exit %d, %q", code, out)
	}
}

package main

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/photon-station/photon-station/internal/instance"
	"github.com/photon-station/photon-station/provisioning"
)

// A second start of the desktop app (another process) brings the running
// window to the front and ends at once with exit code 0, instead of a
// second bench on the same ports. The demo keeps its own folder, so a
// demo and the real station take different locks.
func TestSecondGUIStartShowsTheRunningOne(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the user config folder is moved through XDG_CONFIG_HOME, which only Linux reads")
	}
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	real := filepath.Join(config, provisioning.ConfigDirName)
	for _, tc := range []struct{ name, dir, args string }{
		{"station", real, ""},
		{"demo", filepath.Join(real, "demo"), "-demo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			running, err := instance.Acquire(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			defer running.Close()
			shown := make(chan struct{}, 1)
			running.OnShow(func() { shown <- struct{}{} })
			stdout, stderr, code := runCLI(t, tc.args, "XDG_CONFIG_HOME="+config)
			if code != 0 || !strings.Contains(stdout, "Photon Station is already running; its window was brought to the front") {
				t.Fatalf("second start: exit %d, %q %q", code, stdout, stderr)
			}
			select {
			case <-shown:
			default:
				t.Error("the running app was not asked to show its window")
			}
		})
	}
}

package provisioning

import (
	"path/filepath"
	"runtime"
	"testing"
)

// The journal lives in the user data folder, apart from the settings in
// the config folder; the v1 file is looked for where releases left it.
func TestJournalPaths(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the XDG folders are Linux's")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	for _, tc := range []struct{ xdgData, want string }{
		{filepath.Join(home, "data"), filepath.Join(home, "data", "photon-station", "journal.db")},
		{"", filepath.Join(home, ".local", "share", "photon-station", "journal.db")},
		{"relative/data", filepath.Join(home, ".local", "share", "photon-station", "journal.db")},
	} {
		t.Setenv("XDG_DATA_HOME", tc.xdgData)
		if got, err := DefaultJournalPath(); err != nil || got != tc.want {
			t.Errorf("XDG_DATA_HOME=%q: %q, %v; want %q", tc.xdgData, got, err, tc.want)
		}
	}
	if got, err := LegacyJournalPath(); err != nil || got != filepath.Join(home, "cfg", "photon-station", "journal.jsonl") {
		t.Errorf("legacy: %q, %v", got, err)
	}
}

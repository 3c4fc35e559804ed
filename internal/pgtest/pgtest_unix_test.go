//go:build unix

package pgtest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Under root the cluster belongs to an unprivileged user (initdb and the
// server refuse root).
func TestClusterIsNotRoots(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not running as root: the cluster is this user's")
	}
	s := Start(t)
	st, err := os.Stat(filepath.Join(s.Dir(), "data", "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Fatal("the cluster belongs to root")
	}
}

//go:build !unix

package pgtest

import (
	"errors"
	"os/exec"
)

// account is the unprivileged user a cluster runs as under root; only
// Unix has root (and Debian's PostgreSQL).
type account struct{}

func unprivileged() (*account, error) {
	return nil, errors.New("running the cluster as another user is built for Unix only")
}

func (a *account) own(string) error    { return nil }
func (a *account) runAs(cmd *exec.Cmd) {}

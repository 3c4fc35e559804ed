//go:build unix

package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// account is the unprivileged user a cluster runs as under root.
type account syscall.Credential

// unprivileged returns the user nobody.
func unprivileged() (*account, error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("the tests run as root and PostgreSQL refuses root; no user nobody to run it as: %v", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &account{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// own gives path to the account.
func (a *account) own(path string) error { return os.Chown(path, int(a.Uid), int(a.Gid)) }

// runAs makes cmd run as the account.
func (a *account) runAs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: (*syscall.Credential)(a)}
}

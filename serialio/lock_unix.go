//go:build linux || darwin

package serialio

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// lockPort takes an advisory exclusive lock (flock) on the device before the
// port is opened for talking. TIOCEXCL, which go.bug.st/serial sets, keeps
// out only programs without root; the flock keeps out every program that
// locks too (another Photon Station, any root process, particle-cli's
// serialport library), at once instead of after both have talked to the
// Photon. The lock lives on a descriptor of its own, opened without
// blocking and closed on exec, and goes with it when the console closes (or
// the process dies).
func lockPort(path string) (io.Closer, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EBUSY) {
			return nil, busyError(path, portHolder(path), err)
		}
		return nil, openError(path, &os.PathError{Op: "open", Path: path, Err: err})
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, busyError(path, portHolder(path), err)
		}
		return nil, openError(path, &os.PathError{Op: "flock", Path: path, Err: err})
	}
	return os.NewFile(uintptr(fd), path), nil
}

//go:build !linux

package softap

import "syscall"

// bindToInterface is a no-op outside Linux: the dialer is bound by the
// laptop's address on the Photon's network only.
func bindToInterface(string) func(network, address string, c syscall.RawConn) error {
	return nil
}

package softap

import "syscall"

// bindToInterface returns a dial Control that pins the socket to the named
// interface (SO_BINDTODEVICE), so 192.168.0.1 is reached over the Photon's
// access point even when a home LAN uses the same range. Without the
// privilege for it (CAP_NET_RAW) the socket stays bound by address only.
func bindToInterface(iface string) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) {
			// EPERM is expected for unprivileged users; the local address
			// binding still applies.
			_ = syscall.BindToDevice(int(fd), iface)
		})
	}
}

// Package softap sets up a Particle Photon over its SoftAP: the open
// "Photon-XXXX" access point the device raises in listening mode, and the
// setup protocol it serves there over raw TCP (port 5609) and HTTP (port 80).
//
// A Client speaks the protocol (version, device-id, scan-ap, public-key,
// set, configure-ap, connect-ap) with per-command timeouts, retries for
// idempotent commands, and the firmware's quirks handled: UTF-8 byte lengths
// in TCP framing, unescaped SSIDs in scan results, the first TCP connection
// that never closes, and the connect-ap reply that is lost as the access
// point goes down. Device result codes become typed errors (ResultError,
// with sentinels such as ErrNetworkNotFound for errors.Is) whose messages
// are plain words and the action to take; the raw detail is in Details().
// The Wi-Fi password and the claim code never appear in errors or logs.
//
// A Joiner moves the laptop onto a Photon's access point and back: with
// NetworkManager (nmcli) or the kernel (nl80211, github.com/mdlayher/wifi)
// on Linux, networksetup on macOS, netsh on Windows, or, where none of
// those works, by asking the technician and noticing when they have joined
// (WaitJoined). Link.Dialer dials from the access point's interface, since
// 192.168.0.1 is also many home routers' address.
//
// The facts behind this package are in docs/photon-softap.md. Package
// softaptest is a device emulator for tests and demo mode.
package softap

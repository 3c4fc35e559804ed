// Package serialtest is a Particle Photon emulator for tests and demo mode:
// it speaks the listening-mode console of photon-serial.md byte for byte
// over an in-process pipe or a real pseudo-terminal that go.bug.st/serial
// (and so serialio.Open) can open.
//
// Like the real device it does not echo menu commands, echoes every byte
// typed into a line, prints "\r\n" after the line and then discards whatever
// else was already received (type-ahead is lost), answers 'i' in either
// format, scans silently after the SSID, asks for the security type only for
// networks it cannot see, and leaves listening mode after a successful 'w'.
// Fault modes cover a device running its application (not in listening
// mode, printing chatter), slow 1-byte-per-millisecond output, a device that
// is unplugged after N bytes, and a silent device. It records what it was
// given and calls back when it "comes online", which tests and demo mode
// wire to the fake cloud. All timings are fields, so tests stay fast.
package serialtest

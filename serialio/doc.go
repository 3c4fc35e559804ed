// Package serialio finds Particle Photons on USB and speaks their
// listening-mode console (the dark-blue blinking state) over the USB serial
// port, as described in photon-serial.md.
//
// Detection reads the USB vendor and product IDs and the USB serial number,
// which holds the device ID on Device OS 0.6.0 and later, so a Photon can be
// named before a single byte is sent. A Watcher polls for arrivals and
// departures behind the Enumerate seam so tests can script the bus.
//
// A Console drives one port: identify ('i'), MAC ('m'), firmware version
// ('v'), module info ('s'), claim flag ('c'), claim code ('C'), Wi-Fi
// credentials ('w') and leaving listening mode ('x'). The console never types
// ahead (the device discards its receive buffer after every line), skips its
// own echo before looking for the next prompt, waits for explicit terminators
// rather than silence, and tolerates application output on the same port.
// Every operation takes a context; cancelling it closes the port, because a
// serial read cannot be interrupted any other way.
//
// Errors are *Error values that a technician can act on; test them with
// errors.Is against ErrNotListening, ErrPortBusy, ErrPermissionDenied,
// ErrUnplugged, ErrSilent and the other sentinels. Wi-Fi passwords and claim
// codes never appear in errors, logs or transcripts: the device echoes them,
// so the console scrubs them from everything it hands out.
package serialio

package provisioning

import (
	"context"
	"errors"
	"fmt"
)

// DeviceInfo is what the identify step learns from a device in listening
// mode.
type DeviceInfo struct {
	ID       string // 24 hex; the pipeline lower-cases it
	MAC      string
	Firmware string // system firmware version, such as "2.3.1"
	// Claimed is the device's own claim flag: it only says that a claim
	// code was once acknowledged, not who owns the device now.
	Claimed bool
}

// WiFiCredentials is what the Wi-Fi step sends to the device. String hides
// the password.
type WiFiCredentials struct {
	SSID     string
	Security Security
	Cipher   Cipher // for a network the device cannot see; "" is AES
	Password string
}

func (w WiFiCredentials) String() string {
	cipher := w.Cipher
	if cipher == "" {
		cipher = CipherAES
	}
	return fmt.Sprintf("Wi-Fi %q (%s %s, password hidden)", w.SSID, w.Security, cipher)
}

// GoString hides the password from %#v.
func (w WiFiCredentials) GoString() string { return w.String() }

// DeviceChannel is how the pipeline talks to one Photon in listening mode:
// the USB serial console or the SoftAP protocol. Every call waits at most
// until ctx ends. Adapters over serialio and softap live in this package
// (SerialChannel, SoftAPChannel); tests use fakes.
type DeviceChannel interface {
	// Identify reads the device ID, MAC, firmware version and claim flag.
	// A device that is not in listening mode gives a *DeviceError of kind
	// DeviceNotListening.
	Identify(ctx context.Context) (DeviceInfo, error)
	// SetClaimCode stores the claim code on the device.
	SetClaimCode(ctx context.Context, code string) error
	// ConfigureWiFi stores the credentials and makes the device leave
	// listening mode to join the network: it is always the last device step.
	ConfigureWiFi(ctx context.Context, w WiFiCredentials) error
	// Close releases the port or connection.
	Close() error
}

// ListeningChecker is an optional DeviceChannel extension: after the Wi-Fi
// step it tells whether the device fell back into listening mode, which a
// Photon does when it cannot join the network (a wrong password, usually).
type ListeningChecker interface {
	InListeningMode(ctx context.Context) (bool, error)
}

// ClaimLineEnder is an optional DeviceChannel extension for a device that
// reads its claim code as a line with no timeout (the serial console): it
// ends such a line that an interrupted attempt left open, so the device
// answers commands again. ended is false when the device was not inside
// that line.
type ClaimLineEnder interface {
	EndClaimCodeLine(ctx context.Context) (ended bool, err error)
}

// DeviceErrorKind classifies device faults by what the technician does.
type DeviceErrorKind int

// The kinds of device fault.
const (
	DeviceFault            DeviceErrorKind = iota // anything else
	DeviceNotListening                            // the device runs its application, not the setup console
	DeviceSilent                                  // the device does not answer at all
	DevicePortBusy                                // another program holds the port
	DevicePermissionDenied                        // this user may not open the port
	DeviceUnplugged                               // the device went away
	DevicePortNotFound                            // no such serial port
	DeviceUnreachable                             // SoftAP: the device's access point or address cannot be reached
	DeviceRejected                                // the device refused the claim code or the Wi-Fi settings
	DeviceUnsupported                             // the firmware is too old or the network needs WPA Enterprise
	DeviceBadInput                                // a value the device cannot store (SSID, password)
	DeviceBadID                                   // the device answered the ID question with something that is not a device ID
	DeviceInsideWiFi                              // the device may still wait inside the Wi-Fi questions: only RESET ends them
)

// DeviceError is a device fault. Message is the technician sentence from
// the lower layer (it never holds a secret); Err keeps the raw cause.
type DeviceError struct {
	Kind    DeviceErrorKind
	Port    string
	Message string
	Err     error
}

func (e *DeviceError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return "device fault"
}

func (e *DeviceError) Unwrap() error { return e.Err }

// deviceKind returns the kind of a device error (DeviceFault when err is
// not a *DeviceError).
func deviceKind(err error) DeviceErrorKind {
	var de *DeviceError
	if errors.As(err, &de) {
		return de.Kind
	}
	return DeviceFault
}

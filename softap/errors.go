package softap

import (
	"errors"
	"fmt"
)

// Errors a caller can test for with errors.Is. Their messages are written for
// a technician: what went wrong and what to do. Local validation and the
// device's own result codes map to the same values, so the pipeline handles a
// bad SSID the same way whichever side noticed it.
var (
	// ErrNetworkNotFound is configure-ap's r=-2: the device's own scan did
	// not see a WPA/WPA2 network with that name.
	ErrNetworkNotFound = errors.New("the Photon cannot see that Wi-Fi network: check the network name, " +
		"move the Photon closer to the router, and note that hidden networks cannot be set up over SoftAP")
	// ErrSSIDLength is configure-ap's r=-3, or the same check done locally.
	ErrSSIDLength = errors.New("the Wi-Fi network name must be 1 to 32 bytes long: correct the SSID in the job profile")
	// ErrSSIDCharacters means the SSID holds characters the device stores
	// wrongly (it does not unescape JSON): a double quote, a backslash,
	// control characters or invalid UTF-8.
	ErrSSIDCharacters = errors.New("the Wi-Fi network name contains characters the Photon cannot store " +
		"(a quote, backslash or control character): rename the network or set the Photon up over USB")
	// ErrPasswordLength is configure-ap's r=-4, or the same check done
	// locally: WPA/WPA2 passphrases are 8 to 64 characters, WEP keys 5 to 58.
	ErrPasswordLength = errors.New("the Wi-Fi password has the wrong length (WPA/WPA2: 8 to 64 characters, " +
		"WEP: 5 to 58): correct the password for this job profile")
	// ErrPasswordForOpenNetwork means a password was given for an open network.
	ErrPasswordForOpenNetwork = errors.New("the Wi-Fi network is open but a password was given: " +
		"check the security type in the job profile")
	// ErrEnterpriseUnsupported means the network needs WPA Enterprise, which
	// the station does not configure.
	ErrEnterpriseUnsupported = errors.New("the Wi-Fi network uses WPA Enterprise, which this station cannot set up: " +
		"choose a WPA2 (personal) network")
	// ErrPasswordRejected is a negative configure-ap code other than -2..-4:
	// the device could not decrypt the password.
	ErrPasswordRejected = errors.New("the Photon could not decrypt the Wi-Fi password: try again, " +
		"and if it repeats put the Photon back into listening mode (hold SETUP until it blinks dark blue)")
	// ErrKeyUnavailable is public-key's r=1: the device has no key.
	ErrKeyUnavailable = errors.New("the Photon has no device key, so the Wi-Fi password cannot be sent securely: " +
		"set this Photon up over USB instead")
	// ErrClaimCodeRefused is set's r=-1.
	ErrClaimCodeRefused = errors.New("the Photon refused the claim code: request a new claim code and try again")
	// ErrRejected means the device answered without any JSON: it did not
	// understand the request (unknown command, unknown key or wrong type).
	ErrRejected = errors.New("the Photon rejected the request without an answer: its firmware may be too old for this station")
	// ErrBadPublicKey means public-key returned something that is not the
	// Photon's RSA-1024 key.
	ErrBadPublicKey = errors.New("the Photon sent a device key this station does not recognise: " +
		"make sure the network you joined is a Photon's")
)

// ResultError is a non-zero "r" in a device reply. Error gives plain words;
// errors.Is matches the sentinel for the known codes (-2, -3, -4 and so on).
type ResultError struct {
	Command string // the SoftAP command, e.g. "configure-ap"
	Code    int    // the device's "r" value
}

func (e *ResultError) sentinel() error {
	switch e.Command {
	case cmdConfigureAP:
		switch {
		case e.Code == -2:
			return ErrNetworkNotFound
		case e.Code == -3:
			return ErrSSIDLength
		case e.Code == -4:
			return ErrPasswordLength
		case e.Code == 1:
			return ErrEnterpriseUnsupported
		case e.Code < 0:
			return ErrPasswordRejected
		}
	case cmdSet:
		if e.Code == -1 {
			return ErrClaimCodeRefused
		}
	case cmdPublicKey:
		if e.Code == 1 {
			return ErrKeyUnavailable
		}
	}
	return nil
}

// Error returns the technician-facing message.
func (e *ResultError) Error() string {
	if s := e.sentinel(); s != nil {
		return s.Error()
	}
	return fmt.Sprintf("the Photon answered %s with error code %d: put it back into listening mode and try again", e.Command, e.Code)
}

// Unwrap gives the sentinel for a known code, so errors.Is works.
func (e *ResultError) Unwrap() error { return e.sentinel() }

// Details gives the raw result for a "Details" field.
func (e *ResultError) Details() string {
	return fmt.Sprintf("%s answered {\"r\":%d}", e.Command, e.Code)
}

// TransportError means the device could not be reached or stopped answering.
// Error gives plain words and the action; Details (and Err) keep the Go
// detail for a "Details" field.
type TransportError struct {
	Command string
	Addr    string
	Err     error
}

// Error returns the technician-facing message.
func (e *TransportError) Error() string {
	return fmt.Sprintf("no answer from the Photon at %s: make sure the laptop is on the Photon's "+
		"Wi-Fi network and the Photon is blinking dark blue", e.Addr)
}

// Details gives the command and the Go error.
func (e *TransportError) Details() string {
	return fmt.Sprintf("%s to %s: %v", e.Command, e.Addr, e.Err)
}

// Unwrap returns the underlying network error.
func (e *TransportError) Unwrap() error { return e.Err }

// ProtocolError means the device's reply could not be understood.
type ProtocolError struct {
	Command string
	Detail  string // what was wrong, for a "Details" field
}

// Error returns the technician-facing message.
func (e *ProtocolError) Error() string {
	return "the Photon's answer could not be read: check that the network the laptop is on is a Photon's, " +
		"and that the Photon is blinking dark blue"
}

// Details gives the command and what was wrong with its reply.
func (e *ProtocolError) Details() string { return e.Command + ": " + e.Detail }

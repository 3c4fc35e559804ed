package serialio

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"go.bug.st/serial"
)

// Sentinel errors name the faults a technician can act on. Every *Error
// matches exactly one of them with errors.Is, so callers branch on the kind
// of fault without parsing messages.
var (
	// ErrNotListening: the device answered with something other than the
	// listening-mode console (usually its application's output).
	ErrNotListening = errors.New("photon not in listening mode")
	// ErrSilent: the port opened but the device said nothing at all.
	ErrSilent = errors.New("photon did not answer")
	// ErrPortBusy: another program holds the serial port.
	ErrPortBusy = errors.New("serial port busy")
	// ErrPermissionDenied: this user may not open the serial port.
	ErrPermissionDenied = errors.New("serial port permission denied")
	// ErrPortNotFound: no port by that name (never plugged in, or gone).
	ErrPortNotFound = errors.New("serial port not found")
	// ErrUnplugged: the device went away while the station was talking to it.
	ErrUnplugged = errors.New("photon unplugged")
	// ErrClosed: the console was closed (by Close or a cancelled context).
	ErrClosed = errors.New("serial console closed")
	// ErrInvalidInput: a value was refused before a byte was sent.
	ErrInvalidInput = errors.New("invalid input")
	// ErrEnterpriseNetwork: the device wants WPA Enterprise details, which
	// the station does not provide.
	ErrEnterpriseNetwork = errors.New("wpa enterprise network not supported")
	// ErrPasswordRequired: the device found the network secured but no
	// password was given.
	ErrPasswordRequired = errors.New("wi-fi password required")
	// ErrCredentialsNotSaved: the device refused to store the Wi-Fi
	// credentials ("Derp. Sorry, we couldn't save the credentials.").
	ErrCredentialsNotSaved = errors.New("wi-fi credentials not saved")
	// ErrClaimCodeRejected: the device did not store the claim code.
	ErrClaimCodeRejected = errors.New("claim code rejected")
	// ErrUnsupportedFirmware: the firmware predates a command (claim codes
	// need Device OS 0.6.0 or later).
	ErrUnsupportedFirmware = errors.New("firmware too old for this command")
	// ErrProtocol: the device said something the console cannot make sense of.
	ErrProtocol = errors.New("unexpected answer from photon")
	// ErrNotADeviceID: the device answered 'i' with an ID line whose value
	// is not 24 hex digits.
	ErrNotADeviceID = errors.New("photon answered with something that is not a device id")
	// ErrInsideWiFiDialogue: the 'w' dialogue was left unfinished (a stop,
	// a timeout, a prompt that never came): the device may still be reading
	// one of its lines, which only its RESET button ends. Typing anything
	// would become its answer.
	ErrInsideWiFiDialogue = errors.New("photon left inside the wi-fi dialogue")
)

// Error is a serial fault worded for the person at the bench: Error returns
// plain words plus the action to take, and Details keeps the raw Go or device
// detail for a "Details" field. Neither ever holds a Wi-Fi password or claim
// code.
type Error struct {
	// Kind is one of the Err* sentinels; errors.Is(err, Kind) holds.
	Kind error
	// Port is the serial port path, when known.
	Port string
	// Message is the technician-facing sentence, including what to do.
	Message string
	// Details is the raw cause (Go error text or a scrubbed excerpt of what
	// the device printed), for a collapsible "Details" field.
	Details string
	// Err is the underlying error, if any.
	Err error
	// Holder names the program holding a busy port ("photon-station,
	// pid 1234") when the system can tell; "" otherwise.
	Holder string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the underlying cause so errors.As reaches, for example, a
// *serial.PortError.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// IsNotListening reports whether err means the device is not in listening mode.
func IsNotListening(err error) bool { return errors.Is(err, ErrNotListening) }

// IsSilent reports whether err means the device did not answer at all.
func IsSilent(err error) bool { return errors.Is(err, ErrSilent) }

// IsPortBusy reports whether another program holds the port.
func IsPortBusy(err error) bool { return errors.Is(err, ErrPortBusy) }

// IsPermissionDenied reports whether the user may not open the port.
func IsPermissionDenied(err error) bool { return errors.Is(err, ErrPermissionDenied) }

// IsUnplugged reports whether the device went away (or the port never existed).
func IsUnplugged(err error) bool {
	return errors.Is(err, ErrUnplugged) || errors.Is(err, ErrPortNotFound)
}

// ListeningModeHint tells a technician how to put a Photon into listening mode.
const ListeningModeHint = "Hold the Photon's SETUP button for about 3 seconds until the LED blinks dark blue, then try again."

func where(port string) string {
	if port == "" {
		return "The Photon"
	}
	return "The Photon on " + port
}

func notListeningError(port, excerpt string) *Error {
	return &Error{
		Kind:    ErrNotListening,
		Port:    port,
		Message: where(port) + " is not in listening mode (it is running its application). " + ListeningModeHint,
		Details: "device printed: " + excerpt,
	}
}

func silentError(port, op string) *Error {
	return &Error{
		Kind: ErrSilent,
		Port: port,
		Message: where(port) + " did not answer. Check that it is blinking dark blue (" +
			"hold SETUP about 3 seconds); if it is, unplug it, plug it back in and try again.",
		Details: "no answer to " + op,
	}
}

// NotADeviceIDWords are the technician's words for a Photon whose ID line
// holds no device ID, and what to do; retry is how the reader starts again
// ("try again", "press Retry"). They are the one source of these words.
func NotADeviceIDWords(port, retry string) (message, action string) {
	return where(port) + " answered with something that is not a device ID.",
		"Press its RESET button, put it back in listening mode (hold SETUP about 3 seconds until it blinks dark blue) and " + retry + "; if it repeats, set it aside."
}

// InsideWiFiWords are the technician's words for a Photon that may still
// wait for an answer inside the Wi-Fi questions (only RESET gets it out:
// holding SETUP does nothing there), and what to do; retry as for
// NotADeviceIDWords. They are the one source of these words.
func InsideWiFiWords(port, retry string) (message, action string) {
	return where(port) + " may still be waiting inside the Wi-Fi questions.",
		"Press its RESET button, wait for blinking dark blue, then " + retry + "."
}

func notADeviceIDError(port, value string) *Error {
	msg, action := NotADeviceIDWords(port, "try again")
	return &Error{
		Kind:    ErrNotADeviceID,
		Port:    port,
		Message: msg + " " + action,
		Details: "device ID line: " + excerpt([]byte(value)),
	}
}

// insideWiFiDialogueError says the Photon may still wait for an answer in
// the 'w' dialogue; cause is why the station stopped talking (a context
// end, no prompt), kept for errors.Is.
func insideWiFiDialogueError(port, details string, cause error) *Error {
	msg, action := InsideWiFiWords(port, "try again")
	return &Error{
		Kind:    ErrInsideWiFiDialogue,
		Port:    port,
		Message: msg + " " + action,
		Details: details,
		Err:     cause,
	}
}

func unpluggedError(port string, cause error) *Error {
	e := &Error{
		Kind:    ErrUnplugged,
		Port:    port,
		Message: where(port) + " was unplugged or reset. Plug it back in, put it in listening mode and try again.",
		Err:     cause,
	}
	if cause != nil {
		e.Details = cause.Error()
	}
	return e
}

func protocolError(port, what, excerpt string) *Error {
	return &Error{
		Kind:    ErrProtocol,
		Port:    port,
		Message: where(port) + " gave an unexpected answer (" + what + "). Press RESET, put it back in listening mode and try again.",
		Details: "device printed: " + excerpt,
	}
}

// openError turns an error from opening a port into words a technician can act
// on: busy means another program has it, permission denied means a udev rule
// or group membership is missing, not found means it is not plugged in.
func openError(port string, err error) *Error {
	e := &Error{Port: port, Err: err, Details: err.Error()}
	var pe *serial.PortError
	code := serial.PortErrorCode(-1)
	if errors.As(err, &pe) {
		code = pe.Code()
	}
	switch {
	case code == serial.PortBusy || errors.Is(err, syscall.EBUSY):
		return busyError(port, "", err)
	case code == serial.PermissionDenied || errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EACCES):
		e.Kind = ErrPermissionDenied
		e.Message = "This user may not open the serial port " + port + ". " + permissionHint()
	case code == serial.PortNotFound || errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.ENXIO):
		e.Kind = ErrPortNotFound
		e.Message = "There is no serial port " + port + ". Check that the Photon is plugged in (try another cable or USB port) and pick its port again."
	default:
		e.Kind = ErrPortNotFound
		if code == serial.InvalidSerialPort {
			e.Message = port + " is not a serial port the station can use. Pick the Photon's port."
		} else {
			e.Message = "The serial port " + port + " could not be opened. Unplug the Photon, plug it back in and try again."
		}
	}
	return e
}

// busyError says that another program holds the port, naming it when holder
// is known ("photon-station, pid 1234").
func busyError(port, holder string, err error) *Error {
	who := ""
	if holder != "" {
		who = " (" + holder + ")"
	}
	return &Error{
		Kind:    ErrPortBusy,
		Port:    port,
		Holder:  holder,
		Message: "Another program is using " + port + who + ". Close the other program (a serial monitor, the Particle CLI, another Photon Station) and try again.",
		Details: err.Error(),
		Err:     err,
	}
}

func permissionHint() string {
	switch runtime.GOOS {
	case "linux":
		return "Install the udev rule shipped with Photon Station (50-photon-station.rules into /etc/udev/rules.d, then unplug and replug), or add this user to the dialout group and log in again."
	case "windows":
		return "Close any program using the port; if it persists, unplug the Photon and plug it back in."
	default:
		return "Check the port's permissions, or ask an administrator."
	}
}

// excerpt shortens scrubbed device output for a Details field, keeping the
// end (the most recent text), with control characters made visible.
func excerpt(b []byte) string {
	const max = 200
	if len(b) > max {
		b = b[len(b)-max:]
	}
	if len(b) == 0 {
		return "(nothing)"
	}
	q := strconv.Quote(strings.ToValidUTF8(string(b), "?"))
	return q[1 : len(q)-1]
}

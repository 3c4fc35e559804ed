package provisioning

import (
	"context"
	"errors"

	"github.com/photon-station/photon-station/serialio"
)

// SerialChannel is the DeviceChannel over a Photon's USB serial console.
type SerialChannel struct {
	Console *serialio.Console
}

// OpenSerial opens the Photon on a serial port path as a DeviceChannel.
func OpenSerial(ctx context.Context, path string, opts ...serialio.Option) (DeviceChannel, error) {
	c, err := serialio.Open(ctx, path, opts...)
	if err != nil {
		return nil, serialError(ctx, path, err)
	}
	return &SerialChannel{Console: c}, nil
}

// SerialDevice is the Photon on a serial port path for a one-device run
// (the wizard), named by its USB serial number when ports lists the path,
// as the station names its slots: an already-provisioned Photon is then
// recognised instead of failed. A failed listing leaves it unnamed.
func SerialDevice(ctx context.Context, ports PortWatcher, path string, opts ...serialio.Option) Device {
	dev := Device{Slot: path, Port: path, Open: func(ctx context.Context) (DeviceChannel, error) { return OpenSerial(ctx, path, opts...) }}
	if ports == nil {
		return dev
	}
	listed, err := ports.Ports(ctx)
	if err != nil {
		return dev
	}
	for _, p := range listed {
		if p.Path == path {
			dev.DeviceID = p.DeviceID
		}
	}
	return dev
}

// SerialOpener returns the Station's Config.Open for USB serial benches.
func SerialOpener(opts ...serialio.Option) func(ctx context.Context, p Port) (DeviceChannel, error) {
	return func(ctx context.Context, p Port) (DeviceChannel, error) { return OpenSerial(ctx, p.Path, opts...) }
}

// Identify reads ID, MAC, firmware version and claim flag ('i', 'm', 'v', 'c').
func (s *SerialChannel) Identify(ctx context.Context) (DeviceInfo, error) {
	d, err := s.Console.Describe(ctx)
	if err != nil {
		return DeviceInfo{}, serialError(ctx, s.Console.Port(), err)
	}
	info := DeviceInfo{ID: d.DeviceID, MAC: d.MAC, Firmware: d.FirmwareVersion}
	if d.Claimed != nil {
		info.Claimed = *d.Claimed
	}
	return info, nil
}

// SetClaimCode sends 'C' and the code.
func (s *SerialChannel) SetClaimCode(ctx context.Context, code string) error {
	return serialError(ctx, s.Console.Port(), s.Console.SetClaimCode(ctx, code))
}

// ConfigureWiFi runs the 'w' dialogue.
func (s *SerialChannel) ConfigureWiFi(ctx context.Context, w WiFiCredentials) error {
	_, err := s.Console.ConfigureWiFi(ctx, serialio.Credentials{SSID: w.SSID, Security: serialio.Security(w.Security), Cipher: serialio.Cipher(w.Cipher), Password: w.Password})
	return serialError(ctx, s.Console.Port(), err)
}

// EndClaimCodeLine ends a claim-code line an interrupted attempt left open.
func (s *SerialChannel) EndClaimCodeLine(ctx context.Context) (bool, error) {
	ended, err := s.Console.EndClaimCodeLine(ctx)
	return ended, serialError(ctx, s.Console.Port(), err)
}

// InListeningMode asks 'i' again: a Photon that could not join its network
// falls back into listening mode and answers.
func (s *SerialChannel) InListeningMode(ctx context.Context) (bool, error) {
	_, err := s.Console.Identify(ctx)
	return err == nil, err
}

// Close closes the port.
func (s *SerialChannel) Close() error { return s.Console.Close() }

// serialError maps a serialio error to a *DeviceError, keeping a context
// end as it is so a step timeout reads as one.
func serialError(ctx context.Context, port string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, serialio.ErrInsideWiFiDialogue) {
		// Before the context check: a stop or a step timeout inside the
		// dialogue leaves the device waiting, and says so.
		return &DeviceError{Kind: DeviceInsideWiFi, Port: port, Message: err.Error(), Err: err}
	}
	if ctx.Err() != nil && (errors.Is(err, serialio.ErrClosed) || isCanceled(err) || serialio.IsSilent(err)) {
		return ctx.Err()
	}
	de := &DeviceError{Kind: DeviceFault, Port: port, Message: err.Error(), Err: err}
	switch {
	case errors.Is(err, serialio.ErrNotADeviceID):
		de.Kind = DeviceBadID
	case serialio.IsNotListening(err):
		de.Kind = DeviceNotListening
	case serialio.IsSilent(err):
		de.Kind = DeviceSilent
	case serialio.IsPortBusy(err):
		de.Kind = DevicePortBusy
	case serialio.IsPermissionDenied(err):
		de.Kind = DevicePermissionDenied
	case errors.Is(err, serialio.ErrPortNotFound):
		de.Kind = DevicePortNotFound
	case serialio.IsUnplugged(err), errors.Is(err, serialio.ErrClosed):
		de.Kind = DeviceUnplugged
	case errors.Is(err, serialio.ErrInvalidInput), errors.Is(err, serialio.ErrPasswordRequired):
		de.Kind = DeviceBadInput
	case errors.Is(err, serialio.ErrEnterpriseNetwork), errors.Is(err, serialio.ErrUnsupportedFirmware):
		de.Kind = DeviceUnsupported
	case errors.Is(err, serialio.ErrCredentialsNotSaved), errors.Is(err, serialio.ErrClaimCodeRejected):
		de.Kind = DeviceRejected
	case isCanceled(err):
		return err
	}
	return de
}

// portHolderNote is " (photon-station, pid 1234)" when serialio could name
// the program holding a busy port, and "" otherwise.
func portHolderNote(err error) string {
	var se *serialio.Error
	if errors.As(err, &se) && se.Holder != "" {
		return " (" + se.Holder + ")"
	}
	return ""
}

// SerialPorts is the PortWatcher over serialio's USB detection: Photons in
// serial mode (normal, listening or safe), listed by Enumerate
// (usbports.List for the machine's own ports).
type SerialPorts struct {
	Enumerate serialio.Enumerate
}

// Ports lists the connected Photons that have a serial port.
func (w SerialPorts) Ports(ctx context.Context) ([]Port, error) {
	ps, err := serialio.Detect(ctx, w.Enumerate)
	if err != nil {
		return nil, err
	}
	var out []Port
	for _, p := range ps {
		if p.Mode != serialio.ModeSerial {
			continue
		}
		out = append(out, Port{Path: p.Path, DeviceID: p.DeviceID, Location: p.Location})
	}
	return out, nil
}

package provisioning

import (
	"context"
	"crypto/rsa"
	"errors"
	"time"

	"github.com/photon-station/photon-station/softap"
)

// SoftAPChannel is the DeviceChannel over a Photon's SoftAP protocol. It
// only talks: the computer is on the Photon's access point already (joined
// by hand, or Client.Addr points at an emulator), or a DeviceNetwork, the
// Client's Dialer, moves it there and back around each device step.
type SoftAPChannel struct {
	Client *softap.Client
	// ScanTimeout bounds the optional scan-ap before configure-ap, whose
	// answer gives the network's exact security code (0: 20 s).
	ScanTimeout time.Duration

	key *rsa.PublicKey
}

// NewSoftAPChannel returns a channel over c.
func NewSoftAPChannel(c *softap.Client) *SoftAPChannel { return &SoftAPChannel{Client: c} }

// Identify runs device-id. SoftAP tells neither MAC nor firmware version.
func (s *SoftAPChannel) Identify(ctx context.Context) (DeviceInfo, error) {
	d, err := s.Client.DeviceID(ctx)
	if err != nil {
		return DeviceInfo{}, softapError(ctx, err)
	}
	return DeviceInfo{ID: d.ID, Claimed: d.Claimed}, nil
}

// SetClaimCode runs set {"k":"cc"}.
func (s *SoftAPChannel) SetClaimCode(ctx context.Context, code string) error {
	return softapError(ctx, s.Client.SetClaimCode(ctx, code))
}

// ConfigureWiFi runs public-key, scan-ap (best effort), configure-ap and
// connect-ap. A lost connect-ap reply is normal: the cloud tells the rest.
func (s *SoftAPChannel) ConfigureWiFi(ctx context.Context, w WiFiCredentials) error {
	if s.key == nil {
		k, err := s.Client.PublicKey(ctx)
		if err != nil {
			return softapError(ctx, err)
		}
		s.key = k
	}
	cred := softap.Credentials{SSID: w.SSID, Security: softap.Security(w.Security), Cipher: softap.Cipher(w.Cipher), Password: w.Password}
	st := s.ScanTimeout
	if st <= 0 {
		st = 20 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, st)
	nets, err := s.Client.ScanAP(sctx)
	cancel()
	if err == nil {
		if n, ok := softap.FindNetwork(nets, w.SSID); ok {
			cred.Scanned = &n
		}
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := s.Client.ConfigureAP(ctx, s.key, cred); err != nil {
		return softapError(ctx, err)
	}
	if _, err := s.Client.ConnectAP(ctx); err != nil {
		return softapError(ctx, err)
	}
	return nil
}

// InListeningMode tells whether the device's access point answers again
// after connect-ap: a Photon that cannot join the network (wrong password)
// returns to listening mode and brings its access point back. When a
// DeviceNetwork has taken the computer back to its own network, it does
// not ask (asking would cost another join).
func (s *SoftAPChannel) InListeningMode(ctx context.Context) (bool, error) {
	if n, ok := s.Client.Dialer.(*DeviceNetwork); ok && !n.joined() {
		return false, nil
	}
	_, err := s.Client.DeviceID(ctx)
	return err == nil, err
}

// Close does nothing: every SoftAP request has its own connection.
func (s *SoftAPChannel) Close() error { return nil }

// softapError maps a softap error to a *DeviceError.
func softapError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	de := &DeviceError{Kind: DeviceFault, Message: err.Error(), Err: err}
	var te *softap.TransportError
	var pe *softap.ProtocolError
	switch {
	case errors.As(err, &te):
		de.Kind = DeviceUnreachable
	case errors.Is(err, softap.ErrSSIDLength), errors.Is(err, softap.ErrSSIDCharacters),
		errors.Is(err, softap.ErrPasswordLength), errors.Is(err, softap.ErrPasswordForOpenNetwork):
		de.Kind = DeviceBadInput
	case errors.Is(err, softap.ErrEnterpriseUnsupported), errors.Is(err, softap.ErrKeyUnavailable), errors.Is(err, softap.ErrRejected):
		de.Kind = DeviceUnsupported
	case errors.Is(err, softap.ErrNetworkNotFound), errors.Is(err, softap.ErrPasswordRejected), errors.Is(err, softap.ErrClaimCodeRefused):
		de.Kind = DeviceRejected
	case errors.As(err, &pe), errors.Is(err, softap.ErrBadPublicKey):
		de.Kind = DeviceFault
	case isCanceled(err):
		return err
	}
	return de
}

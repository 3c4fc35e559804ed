package provisioning

import (
	"context"
	"crypto/rsa"
	"errors"
	"time"

	"github.com/photon-station/photon-station/softap"
)

// SoftAPLink is the laptop's connection to a Photon's access point
// (*softap.Link satisfies it).
type SoftAPLink interface {
	Dialer() softap.Dialer
	Restore(ctx context.Context) error
}

// SoftAPChannel is the DeviceChannel over a Photon's SoftAP protocol.
//
// Without Join, the laptop is already on the Photon's access point (or
// Client.Addr points at an emulator). With Join, the channel moves the
// laptop onto the access point for each device operation and back to its
// own network afterwards, because the cloud steps between them need the
// internet and a laptop has one Wi-Fi radio: identify joins and leaves;
// the claim code and the Wi-Fi settings go in one visit that ends after
// connect-ap.
type SoftAPChannel struct {
	Client *softap.Client
	// Join, when set, joins the Photon's access point.
	Join func(ctx context.Context) (SoftAPLink, error)
	// ScanTimeout bounds the optional scan-ap before configure-ap, whose
	// answer gives the network's exact security code (0: 20 s).
	ScanTimeout time.Duration

	key     *rsa.PublicKey
	link    SoftAPLink
	linkCtx context.Context // the context that joined, for Close
}

// joined makes sure the laptop is on the Photon's access point.
func (s *SoftAPChannel) joined(ctx context.Context) error {
	if s.Join == nil || s.link != nil {
		return nil
	}
	l, err := s.Join(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &DeviceError{Kind: DeviceUnreachable, Message: err.Error(), Err: err}
	}
	s.link = l
	s.linkCtx = context.WithoutCancel(ctx)
	s.Client.Dialer = l.Dialer()
	return nil
}

// leave puts the laptop back on its own network.
func (s *SoftAPChannel) leave(ctx context.Context) error {
	if s.link == nil {
		return nil
	}
	l := s.link
	s.link = nil
	if err := l.Restore(context.WithoutCancel(ctx)); err != nil {
		return &DeviceError{Kind: DeviceFault, Message: err.Error(), Err: err}
	}
	return nil
}

// NewSoftAPChannel returns a channel over c.
func NewSoftAPChannel(c *softap.Client) *SoftAPChannel { return &SoftAPChannel{Client: c} }

// Identify runs device-id. SoftAP tells neither MAC nor firmware version.
func (s *SoftAPChannel) Identify(ctx context.Context) (DeviceInfo, error) {
	if err := s.joined(ctx); err != nil {
		return DeviceInfo{}, err
	}
	d, err := s.Client.DeviceID(ctx)
	if err != nil {
		s.leave(ctx)
		return DeviceInfo{}, softapError(ctx, err)
	}
	if err := s.leave(ctx); err != nil {
		return DeviceInfo{}, err
	}
	return DeviceInfo{ID: d.ID, Claimed: d.Claimed}, nil
}

// SetClaimCode runs set {"k":"cc"}.
func (s *SoftAPChannel) SetClaimCode(ctx context.Context, code string) error {
	if err := s.joined(ctx); err != nil {
		return err
	}
	if err := s.Client.SetClaimCode(ctx, code); err != nil {
		s.leave(ctx)
		return softapError(ctx, err)
	}
	return nil
}

// ConfigureWiFi runs public-key, scan-ap (best effort), configure-ap and
// connect-ap. A lost connect-ap reply is normal: the cloud tells the rest.
func (s *SoftAPChannel) ConfigureWiFi(ctx context.Context, w WiFiCredentials) (err error) {
	if err := s.joined(ctx); err != nil {
		return err
	}
	defer func() {
		if lerr := s.leave(ctx); err == nil {
			err = lerr
		}
	}()
	if s.key == nil {
		k, err := s.Client.PublicKey(ctx)
		if err != nil {
			return softapError(ctx, err)
		}
		s.key = k
	}
	cred := softap.Credentials{SSID: w.SSID, Security: softap.Security(w.Security), Password: w.Password}
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
// returns to listening mode and brings its access point back.
func (s *SoftAPChannel) InListeningMode(ctx context.Context) (bool, error) {
	if s.Join != nil {
		// Checking would take the laptop off the internet again.
		return false, nil
	}
	_, err := s.Client.DeviceID(ctx)
	return err == nil, err
}

// Close puts the laptop back on its own network if it is still on the
// Photon's; every SoftAP request has its own connection otherwise.
func (s *SoftAPChannel) Close() error {
	if s.link == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(s.linkCtx, 30*time.Second)
	defer cancel()
	return s.leave(ctx)
}

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

package provisioning

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/photon-station/photon-station/softap"
)

// SoftAPLink is the computer's connection to a Photon's access point
// (*softap.Link satisfies it).
type SoftAPLink interface {
	Dialer() softap.Dialer
	Restore(ctx context.Context) error
}

// PhotonJoiner moves the computer onto Photons' access points and back
// (JoinerOf adapts a *softap.Joiner; tests and the demo use their own).
type PhotonJoiner interface {
	// Find lists the Photon access points in range, strongest first;
	// softap.ErrManualJoin where the computer cannot look by itself.
	Find(ctx context.Context) ([]softap.PhotonAP, error)
	// Join moves the computer onto the access point ssid; Restore on the
	// link puts it back on its own network.
	Join(ctx context.Context, ssid string) (SoftAPLink, error)
	// WaitJoined returns once the technician has joined a Photon's access
	// point by hand, with its SSID when the OS tells it.
	WaitJoined(ctx context.Context) (link SoftAPLink, ssid string, err error)
}

// JoinerOf adapts the OS's joiner.
func JoinerOf(j *softap.Joiner) PhotonJoiner { return osJoiner{j} }

type osJoiner struct{ j *softap.Joiner }

func (o osJoiner) Find(ctx context.Context) ([]softap.PhotonAP, error) { return o.j.Find(ctx) }

func (o osJoiner) Join(ctx context.Context, ssid string) (SoftAPLink, error) {
	l, err := o.j.Join(ctx, ssid)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (o osJoiner) WaitJoined(ctx context.Context) (SoftAPLink, string, error) {
	l, err := o.j.WaitJoined(ctx)
	if err != nil {
		return nil, "", err
	}
	return l, l.SSID, nil
}

// DeviceNetwork is the one owner of the computer's trips onto a Photon's
// own access point (SoftAP). A laptop has one Wi-Fi radio, and the
// Photon's network has no internet, so:
//
//   - Enter joins the access point this attempt uses and then asks the
//     Photon for its device ID. The first Enter of an attempt fixes the
//     access point (the one the wizard joined, else the strongest in
//     range) and the Photon answering there; every later Enter rejoins
//     that same access point and refuses to go on when another Photon
//     answers or the access point is gone, so nothing is ever written to
//     a Photon the attempt did not identify.
//   - Leave puts the computer back on its own network.
//   - Cloud requests through a client from Guard wait while the station
//     has moved the computer onto a Photon's network, and Enter waits for
//     the cloud requests in flight before it switches.
//
// When the technician joined by hand (WaitJoined), the station cannot
// switch networks: Enter only checks the device ID and Leave does nothing.
// The computer stays on the Photon's network, so an attempt there holds
// cloud requests until it ends, and fails before its first cloud step
// (ByHand) instead of sending one from there.
//
// It also serves the wizard's pages (Find, Join, WaitJoined, Leave). One
// DeviceNetwork serves one attempt at a time.
type DeviceNetwork struct {
	joiner PhotonJoiner
	// newClient makes each attempt's SoftAP client.
	newClient func() *softap.Client

	// busy serializes Enter, Leave and the wizard's joins (a token in a
	// one-slot channel, so waiting honours the context).
	busy chan struct{}

	mu       sync.Mutex
	ssid     string     // the access point of this attempt ("" until chosen)
	deviceID string     // the Photon identified on it ("" until the first Enter)
	link     SoftAPLink // nil while on the computer's own network
	manual   bool       // link was made by the technician
	checked  bool       // the device ID was checked since the last join or Leave
	client   *softap.Client
	away     bool // the station moved the radio off its own network: cloud requests wait
	// dropped counts the attempts on a network joined by hand that ended:
	// requests they held are refused, not sent from the Photon's network.
	dropped  int
	inFlight int           // guarded cloud requests being sent
	changed  chan struct{} // closed and replaced whenever away or inFlight changes
}

// NewDeviceNetwork returns the network owner over j. newClient makes the
// SoftAP client of each attempt (nil: &softap.Client{}, which talks to
// 192.168.0.1); its Dialer is replaced by the network's.
func NewDeviceNetwork(j PhotonJoiner, newClient func() *softap.Client) *DeviceNetwork {
	if newClient == nil {
		newClient = func() *softap.Client { return &softap.Client{} }
	}
	return &DeviceNetwork{joiner: j, newClient: newClient, busy: make(chan struct{}, 1), changed: make(chan struct{})}
}

// Device starts an attempt on this network: the SoftAP Photon as a Device
// whose device steps the runner brackets with Enter and Leave. The access
// point the wizard joined, if any, is kept; the Photon answering there is
// identified anew.
func (n *DeviceNetwork) Device() Device {
	c := n.newClient()
	c.Dialer = n
	n.mu.Lock()
	n.client, n.deviceID, n.checked = c, "", false
	if n.link != nil && n.manual {
		// The attempt runs on the Photon's network joined by hand, which
		// has no internet: its cloud requests wait (endAttempt).
		n.away = true
		n.signalLocked()
	}
	n.mu.Unlock()
	ch := NewSoftAPChannel(c)
	return Device{Slot: "softap", Network: n,
		Open: func(context.Context) (DeviceChannel, error) { return ch, nil }}
}

// SSID is the access point this attempt uses ("" until chosen or unknown).
func (n *DeviceNetwork) SSID() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ssid
}

func (n *DeviceNetwork) lock(ctx context.Context) error {
	select {
	case n.busy <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *DeviceNetwork) unlock() { <-n.busy }

// Find names the strongest Photon access point in range (the wizard's
// search); softap.ErrManualJoin where the computer cannot look.
func (n *DeviceNetwork) Find(ctx context.Context) (string, error) {
	aps, err := n.joiner.Find(ctx)
	if err != nil {
		return "", err
	}
	if len(aps) == 0 {
		return "", softap.ErrNoPhotonAP
	}
	return aps[0].SSID, nil
}

// Join moves the computer onto ssid for the wizard; it becomes the access
// point of the next attempt. softap.ErrManualJoin means the technician has
// to join (WaitJoined).
func (n *DeviceNetwork) Join(ctx context.Context, ssid string) error {
	if err := n.lock(ctx); err != nil {
		return err
	}
	defer n.unlock()
	if err := n.restoreLocked(ctx); err != nil {
		return err
	}
	n.mu.Lock()
	n.ssid, n.deviceID = ssid, ""
	n.mu.Unlock()
	return n.joinLocked(ctx, ssid)
}

// WaitJoined returns once the technician has joined a Photon's access
// point by hand, with its name when the OS tells it.
func (n *DeviceNetwork) WaitJoined(ctx context.Context) (string, error) {
	l, ssid, err := n.joiner.WaitJoined(ctx)
	if err != nil {
		return "", err
	}
	if err := n.lock(ctx); err != nil {
		return "", err
	}
	defer n.unlock()
	n.mu.Lock()
	n.link, n.manual, n.checked = l, true, false
	n.ssid, n.deviceID = ssid, ""
	n.mu.Unlock()
	return ssid, nil
}

// endAttempt ends the hold an attempt on a network joined by hand put on
// cloud requests. The computer is still on the Photon's network, so the
// requests it held are refused rather than sent; later ones go (the
// technician's join is theirs, and the wizard tells them to go back).
func (n *DeviceNetwork) endAttempt() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.link != nil && n.manual {
		n.dropped++
		n.away = false
		n.signalLocked()
	}
}

// ByHand tells whether the computer is on a Photon's network the
// technician joined by hand, which the station cannot leave.
func (n *DeviceNetwork) ByHand() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.link != nil && n.manual
}

// Enter puts the computer on this attempt's access point and checks that
// the Photon answering there is the one the attempt identified (the first
// Enter identifies it). ctx is the join budget, not a step's timeout.
func (n *DeviceNetwork) Enter(ctx context.Context) error {
	if err := n.lock(ctx); err != nil {
		return err
	}
	defer n.unlock()
	n.mu.Lock()
	on, ssid, checked := n.link != nil, n.ssid, n.checked
	n.mu.Unlock()
	if !on {
		var err error
		if ssid, err = n.pick(ctx, ssid); err != nil {
			return err
		}
		if err := n.joinLocked(ctx, ssid); err != nil {
			return err
		}
	}
	if checked {
		return nil
	}
	return n.checkDevice(ctx, ssid)
}

// pick returns the access point to join: this attempt's, which must still
// be in range, or (first Enter) the strongest, which it keeps.
func (n *DeviceNetwork) pick(ctx context.Context, ssid string) (string, error) {
	aps, err := n.joiner.Find(ctx)
	switch {
	case errors.Is(err, softap.ErrManualJoin):
		return "", &StepError{Message: "This computer cannot switch Wi-Fi networks by itself.",
			Action: "Connect it to the internet by cable, join the Photon's network (Photon-XXXX) from the Wi-Fi menu, and set the Photon up from there.",
			Detail: err.Error(), Err: err}
	case err != nil && ctx.Err() == nil && ssid == "":
		return "", &StepError{Message: "The station found no Photon network to join.",
			Action: "Check that the Photon blinks dark blue (hold SETUP about 3 seconds) and is near this computer, then press Retry.",
			Detail: err.Error(), Err: err}
	case err != nil:
		return "", n.joinFailure(ctx, ssid, err)
	}
	if ssid == "" {
		if len(aps) == 0 {
			return "", n.joinFailure(ctx, "", softap.ErrNoPhotonAP)
		}
		ssid = aps[0].SSID
		n.mu.Lock()
		n.ssid = ssid
		n.mu.Unlock()
		return ssid, nil
	}
	for _, ap := range aps {
		if ap.SSID == ssid {
			return ssid, nil
		}
	}
	return "", &StepError{Message: fmt.Sprintf("%s, the Photon this attempt identified, is no longer in range; the station sends nothing to another Photon.", ssid),
		Action: "Check that this Photon still blinks dark blue and is near the computer, then press Retry."}
}

// joinLocked moves the radio onto ssid (busy held).
func (n *DeviceNetwork) joinLocked(ctx context.Context, ssid string) error {
	if err := n.goAway(ctx); err != nil {
		return n.joinFailure(ctx, ssid, err)
	}
	l, err := n.joiner.Join(ctx, ssid)
	if err != nil {
		n.comeHome()
		if errors.Is(err, softap.ErrManualJoin) {
			return err
		}
		return n.joinFailure(ctx, ssid, err)
	}
	n.mu.Lock()
	n.link, n.manual, n.checked = l, false, false
	n.mu.Unlock()
	return nil
}

// joinFailure words a failed or timed-out join.
func (n *DeviceNetwork) joinFailure(ctx context.Context, ssid string, err error) error {
	if ssid == "" {
		ssid = "the Photon's network"
	}
	se := &StepError{Message: fmt.Sprintf("The computer could not join %s.", ssid),
		Action: "Check that the Photon blinks dark blue and is near the computer, then press Retry.", Detail: err.Error(), Err: err}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		se.Message = fmt.Sprintf("The computer did not manage to join %s in the time allowed for joining.", ssid)
	}
	var je *softap.JoinError
	if errors.As(err, &je) {
		se.Detail = je.Details()
	}
	return se
}

// checkDevice asks the Photon on the access point for its ID: the first
// time it names the attempt's Photon; afterwards it must be the same one.
// A mismatch leaves the access point at once, having written nothing.
func (n *DeviceNetwork) checkDevice(ctx context.Context, ssid string) error {
	n.mu.Lock()
	c, want := n.client, n.deviceID
	n.mu.Unlock()
	if c == nil {
		return errors.New("no attempt on this network: call Device first")
	}
	d, err := c.DeviceID(ctx)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return n.joinFailure(ctx, ssid, err)
		}
		return softapError(ctx, err)
	}
	got := strings.ToLower(d.ID)
	if want != "" && got != want {
		rerr := n.restoreLocked(ctx)
		where := ssid
		if where == "" {
			where = "The Photon network this computer is on"
		}
		return &StepError{Message: fmt.Sprintf("%s is now answered by Photon %s, not by %s that this attempt identified; nothing was sent to it.", where, got, want),
			Action: "Keep only the Photon being set up in listening mode near the computer, then press Retry.", Err: rerr}
	}
	n.mu.Lock()
	n.deviceID, n.checked = got, true
	n.mu.Unlock()
	return nil
}

// Leave puts the computer back on its own network when the station moved
// it onto a Photon's; it does nothing when the technician joined by hand
// or the computer is on its own network already.
func (n *DeviceNetwork) Leave(ctx context.Context) error {
	if err := n.lock(ctx); err != nil {
		return err
	}
	defer n.unlock()
	return n.restoreLocked(ctx)
}

// restoreLocked is Leave with busy held.
func (n *DeviceNetwork) restoreLocked(ctx context.Context) error {
	n.mu.Lock()
	l, manual := n.link, n.manual
	n.checked = false
	if !manual {
		n.link = nil
	}
	n.mu.Unlock()
	if l == nil || manual {
		return nil
	}
	err := l.Restore(ctx)
	// Back or not, the station's visit is over: held requests go and
	// fail on their own if the computer found no network.
	n.comeHome()
	if err != nil {
		return &StepError{Message: "The computer could not go back to its own Wi-Fi network after talking to the Photon.",
			Action: "Reconnect it from the Wi-Fi menu, then press Retry.", Detail: err.Error(), Err: err}
	}
	return nil
}

// joined tells whether the computer is on a Photon's access point.
func (n *DeviceNetwork) joined() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.link != nil
}

// DialContext dials the Photon through the current link; off the Photon's
// network no device request goes out.
func (n *DeviceNetwork) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.link
	n.mu.Unlock()
	if l == nil {
		return nil, errOffPhotonNetwork
	}
	return l.Dialer().DialContext(ctx, network, addr)
}

// errOffPhotonNetwork refuses a device request while the computer is on
// its own network.
var errOffPhotonNetwork = errors.New("the computer is not on the Photon's network")

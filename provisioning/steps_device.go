package provisioning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/photon-station/photon-station/cloud"
)

// streamReadyWait bounds how long the Wi-Fi step waits for a product event
// stream that is still opening; without it verification polls.
const streamReadyWait = 3 * time.Second

// identify opens the channel and reads the device's identity; it also
// finds an interrupted attempt of the same device to resume.
func (a *attempt) identify(ctx context.Context) (identity, error) {
	p := a.p
	a.begin(StepIdentify, "Checking that the Photon is in listening mode (blinking dark blue).")
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.Identify)
	defer cancel()
	if a.dev.Open == nil {
		return identity{}, a.fail(StepIdentify, errors.New("no device channel"))
	}
	ch, err := a.dev.Open(sctx)
	if err != nil {
		return identity{}, a.fail(StepIdentify, err)
	}
	a.ch = ch
	info, err := ch.Identify(sctx)
	if err != nil {
		if prev, ok := a.afterWiFiCandidate(err); ok {
			// Expected: the device left listening mode when it received
			// its Wi-Fi settings in the interrupted attempt.
			return a.resumeFound(prev)
		}
		if q, ok := a.quietNamed(err); ok {
			// Perhaps a Photon already done: the caller looks it up
			// before failing identify.
			return identity{}, q
		}
		return identity{}, a.fail(StepIdentify, err)
	}
	id, err := cloud.NormalizeDeviceID(info.ID)
	if err != nil {
		return identity{}, a.fail(StepIdentify, &StepError{Step: StepIdentify,
			Message: fmt.Sprintf("The Photon reported %q, which is not a device ID.", trimForMessage(info.ID)),
			Action:  "Reset the Photon, put it in listening mode (blinking dark blue) and retry; if it repeats, set this one aside.",
			Err:     err})
	}
	info.ID = id
	found := identity{deviceID: id, info: info}
	a.update(func(r *Record) { r.DeviceID, r.MAC, r.Firmware = id, info.MAC, info.Firmware })
	if prev, ok := a.resumable(id); ok {
		found.prev = &prev
		a.update(func(r *Record) { r.ResumedFrom = prev.Attempt })
	}
	msg := "Photon " + id + " is in listening mode"
	if info.Firmware != "" {
		msg += ", Device OS " + info.Firmware
	}
	return found, a.done(StepIdentify, msg+".")
}

// deliverCode stores the claim code on the device, getting a fresh one
// first when the current one is older than ClaimCodeMaxAge.
func (a *attempt) deliverCode(ctx context.Context, cl *claim) error {
	p := a.p
	if cl.code == "" || p.Clock.Now().Sub(cl.madeAt) >= ClaimCodeMaxAge {
		if err := a.claimCodeStep(ctx, cl); err != nil {
			return err
		}
	}
	a.begin(StepDeliverCode, "Sending the claim code to the Photon.")
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.DeliverCode)
	defer cancel()
	if err := a.ch.SetClaimCode(sctx, cl.code); err != nil {
		return a.fail(StepDeliverCode, err)
	}
	a.update(func(r *Record) { r.ClaimCodeAt = cl.madeAt })
	return a.done(StepDeliverCode, "The Photon stored its claim code.")
}

// wifi sends the Wi-Fi settings. The product event stream is open by then
// (or given a moment to open), and the Photon's arrival is expected before
// anything is sent: it may reach the cloud before the send returns.
func (a *attempt) wifi(ctx context.Context, deviceID string) (*Arrival, error) {
	p := a.p
	prof := p.Profile
	a.begin(StepWiFi, fmt.Sprintf("Sending the Wi-Fi settings for %q.", prof.SSID))
	p.Watcher.Ready(ctx, streamReadyWait)
	arr := p.Watcher.Expect(deviceID)
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.WiFi)
	defer cancel()
	w := WiFiCredentials{SSID: prof.SSID, Security: prof.Security, Password: p.Credentials.WiFiPassword}
	a.update(func(r *Record) { r.WiFiSentAt = p.Clock.Now() })
	if err := a.ch.ConfigureWiFi(sctx, w); err != nil {
		arr.Close()
		return nil, a.fail(StepWiFi, err)
	}
	if err := a.done(StepWiFi, fmt.Sprintf("The Photon accepted the Wi-Fi settings for %q and is joining the network (blinking green).", prof.SSID)); err != nil {
		arr.Close()
		return nil, err
	}
	return arr, nil
}

func trimForMessage(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

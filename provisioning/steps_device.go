package provisioning

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/serialio"
)

// streamReadyWait bounds how long the Wi-Fi step waits for a product event
// stream that is still opening; without it verification polls.
const streamReadyWait = 3 * time.Second

// identify opens the channel and reads the device's identity; it also
// finds an interrupted attempt of the same device to resume.
func (a *attempt) identify(ctx context.Context) (identity, error) {
	p := a.p
	a.begin(StepIdentify, "Checking that the Photon is in listening mode (blinking dark blue).")
	if err := a.enterNetwork(ctx, StepIdentify); err != nil {
		return identity{}, a.fail(StepIdentify, err)
	}
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.Identify)
	defer cancel()
	if a.dev.Open == nil {
		return identity{}, a.fail(StepIdentify, errors.New("no device channel"))
	}
	// The port is opened (and locked) first: opening sends the Photon
	// nothing, and a port another program holds is that program's, whatever
	// the journal says of it.
	ch, err := a.dev.Open(sctx)
	if err != nil {
		return identity{}, a.fail(StepIdentify, err)
	}
	a.ch = ch
	a.update(func(r *Record) { r.Opened = true })
	left := a.leftInDialogue()
	if left == StepWiFi {
		// Anything typed now would be taken as an answer (an empty
		// password line stores bad credentials): not a byte is sent.
		msg, action := insideWiFiWords(a.dev.Port)
		return identity{}, a.fail(StepIdentify, &StepError{Step: StepIdentify, Message: msg, Action: action,
			Detail: "the previous attempt on " + a.dev.Port + " left the Photon inside the Wi-Fi questions"})
	}
	if ender, ok := ch.(ClaimLineEnder); ok && left == StepDeliverCode {
		a.emit(Event{Step: StepIdentify, Kind: EventProgress, Message: "Ending the claim-code line the interrupted attempt left open."})
		if _, err := ender.EndClaimCodeLine(sctx); err != nil {
			return identity{}, a.fail(StepIdentify, err)
		}
	}
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
		msg, action := serialio.NotADeviceIDWords(a.dev.Port, "press Retry")
		return identity{}, a.fail(StepIdentify, &StepError{Step: StepIdentify, Message: msg, Action: action,
			Detail: fmt.Sprintf("the Photon reported %q", trimForMessage(info.ID)), Err: err})
	}
	info.ID = id
	found := identity{deviceID: id, info: info}
	a.update(func(r *Record) { r.DeviceID, r.MAC, r.Firmware = id, info.MAC, info.Firmware })
	if prev, ok := a.resumable(id); ok {
		found.prev = &prev
		if err := a.takeOver(prev); err != nil {
			return identity{}, a.fail(StepIdentify, err)
		}
	}
	msg := "Photon " + id + " is in listening mode"
	if info.Firmware != "" {
		msg += ", Device OS " + info.Firmware
	}
	if err := a.leaveNetwork(ctx); err != nil {
		return identity{}, a.fail(StepIdentify, err)
	}
	return found, a.done(StepIdentify, msg+".")
}

// leftInDialogue looks at the attempt that last held this serial port
// and returns the device dialogue it may have left the Photon inside:
// StepWiFi (the Photon may wait for an answer to a Wi-Fi question) or
// StepDeliverCode (it may wait for the rest of a claim-code line); "" for
// anything else. That is an attempt whose process stopped (crash, kill,
// power cut) inside a dialogue the Photon cannot abort, or one that ended
// by a stop or timeout inside the Wi-Fi questions (Record.LeftIn); once a
// later attempt has refused for it, the technician has been told RESET
// and its Retry goes on. A previous attempt that named another Photon (by
// its USB serial number) does not count: the port now has a different
// device.
func (a *attempt) leftInDialogue() Step {
	if a.p.Journal == nil || a.p.Profile.Channel != ChannelSerial || a.dev.Port == "" {
		return ""
	}
	prev, ok := a.p.Journal.LatestOnPort(a.dev.Port, a.rec.Attempt)
	if !ok || prev.Channel != ChannelSerial {
		return ""
	}
	if prev.DeviceID != "" && a.dev.DeviceID != "" && !strings.EqualFold(prev.DeviceID, a.dev.DeviceID) {
		return ""
	}
	if prev.Finished() {
		return prev.LeftIn
	}
	st, ok := prev.InFlight()
	if !ok || (st.Step != StepWiFi && st.Step != StepDeliverCode) {
		return ""
	}
	return st.Step
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
	if err := a.beginRecorded(StepDeliverCode, "Sending the claim code to the Photon."); err != nil {
		return err
	}
	if err := a.enterNetwork(ctx, StepDeliverCode); err != nil {
		return a.fail(StepDeliverCode, err)
	}
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.DeliverCode)
	defer cancel()
	if err := a.ch.SetClaimCode(sctx, cl.code); err != nil {
		return a.fail(StepDeliverCode, err)
	}
	a.update(func(r *Record) { r.ClaimCodeAt = cl.madeAt })
	return a.done(StepDeliverCode, "The Photon stored its claim code.")
}

// wifi sends the Wi-Fi settings. The product event stream is open by then
// (provision gave it a moment to open), and the Photon's arrival is
// expected before anything is sent: it may reach the cloud before the send
// returns.
func (a *attempt) wifi(ctx context.Context, deviceID string) (*Arrival, error) {
	p := a.p
	prof := p.Profile
	if err := a.beginRecorded(StepWiFi, fmt.Sprintf("Sending the Wi-Fi settings for %q.", prof.SSID)); err != nil {
		return nil, err
	}
	arr := p.Watcher.Expect(deviceID)
	if err := a.enterNetwork(ctx, StepWiFi); err != nil {
		arr.Close()
		return nil, a.fail(StepWiFi, err)
	}
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.WiFi)
	defer cancel()
	w := WiFiCredentials{SSID: prof.SSID, Security: prof.Security, Cipher: prof.Cipher, Password: p.Credentials.WiFiPassword}
	a.update(func(r *Record) { r.WiFiSentAt = p.Clock.Now() })
	err := a.ch.ConfigureWiFi(sctx, w)
	if err == nil {
		// The Photon's access point goes down after connect-ap.
		err = a.leaveNetwork(ctx)
	}
	if err != nil {
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

package provisioning

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/photon-station/photon-station/cloud"
)

// errResumeAtVerify says identify found the device out of listening mode
// because an interrupted attempt already sent its Wi-Fi settings.
var errResumeAtVerify = errors.New("resume at verification")

// resumable returns the interrupted (or stopped) attempt of this device
// under the same product, if any.
func (a *attempt) resumable(id string) (Record, bool) {
	if a.p.Journal == nil || id == "" {
		return Record{}, false
	}
	// The latest attempt of this device other than this one (which the
	// journal already holds when the USB serial number named the device).
	recs := a.p.Journal.ByDevice(id)
	for i := len(recs) - 1; i >= 0; i-- {
		prev := recs[i]
		if prev.Attempt == a.rec.Attempt {
			continue
		}
		if (prev.Finished() && prev.Outcome != OutcomeStopped) || prev.Product != a.p.Profile.Product {
			return Record{}, false
		}
		return prev, true
	}
	return Record{}, false
}

// afterWiFiCandidate finds the interrupted attempt whose Wi-Fi step made
// this device leave listening mode. The device must name itself: only the
// device ID its USB serial number gave is trusted. A port alone is not
// enough, since a different Photon may be plugged into the same port after
// a crash; such a device is asked to enter listening mode instead, and a
// successful identify then finds its own interrupted attempt by its ID.
func (a *attempt) afterWiFiCandidate(identifyErr error) (Record, bool) {
	k := deviceKind(identifyErr)
	if (k != DeviceNotListening && k != DeviceSilent) || a.p.Journal == nil || a.dev.DeviceID == "" {
		return Record{}, false
	}
	id, err := cloud.NormalizeDeviceID(a.dev.DeviceID)
	if err != nil {
		return Record{}, false
	}
	prev, found := a.resumable(id)
	if !found || !prev.Completed(StepWiFi) || !strings.EqualFold(prev.DeviceID, id) {
		return Record{}, false
	}
	return prev, true
}

// resumeFound takes over the identity of the interrupted attempt prev,
// whose device already has its Wi-Fi settings, and closes identify.
func (a *attempt) resumeFound(prev Record) (identity, error) {
	a.update(func(r *Record) {
		r.DeviceID, r.MAC, r.Firmware = prev.DeviceID, prev.MAC, prev.Firmware
		r.Customer, r.ClaimCodeAt = prev.Customer, prev.ClaimCodeAt
		r.WiFiSentAt, r.CloudBefore = prev.WiFiSentAt, prev.CloudBefore
	})
	id := identity{deviceID: prev.DeviceID, info: DeviceInfo{ID: prev.DeviceID, MAC: prev.MAC, Firmware: prev.Firmware}, prev: &prev}
	if err := a.takeOver(prev); err != nil {
		return identity{}, a.fail(StepIdentify, err)
	}
	if err := a.skip(StepIdentify, "The Photon already has its Wi-Fi settings from the interrupted attempt "+prev.Attempt+"; checking the cloud."); err != nil {
		return identity{}, err
	}
	return id, errResumeAtVerify
}

// resumeAtVerify goes on with an interrupted attempt whose device already
// has its Wi-Fi settings: only verification is left. Its evidence is a
// cloud session newer than the one the interrupted attempt read before
// the Wi-Fi step, or an online event from now on.
func (a *attempt) resumeAtVerify(ctx context.Context, id identity) error {
	prev := id.prev
	for _, s := range []Step{StepImport, StepCustomer, StepClaimCode, StepDeliverCode, StepWiFi} {
		if err := a.skip(s, "Done in the interrupted attempt "+prev.Attempt+"."); err != nil {
			return err
		}
	}
	if prev.CloudBefore == nil {
		// A journal from before the station kept the cloud's own times:
		// nothing to compare with but this computer's clock, which is
		// never compared with the cloud's.
		return a.fail(StepVerify, &StepError{Step: StepVerify,
			Message: "The interrupted attempt " + prev.Attempt + " kept no cloud reading to verify Photon " + id.deviceID + " against.",
			Action:  "Put the Photon back in listening mode (hold SETUP until it blinks dark blue), then retry: it is set up again from the start."})
	}
	arr := a.p.Watcher.Expect(id.deviceID)
	defer arr.Close()
	if err := a.verify(ctx, verification{deviceID: id.deviceID, customer: prev.Customer, before: *prev.CloudBefore, arrival: arr}); err != nil {
		return err
	}
	return a.postCheck(ctx, id.deviceID)
}

// takeOver makes this attempt the one that goes on from prev (interrupted
// or stopped), before it writes anything to the device or the cloud: it
// journals itself as resuming prev, then a final version of prev with the
// outcome resumed, so the chain of attempts ends with one outcome, this
// attempt's. In that order, a crash in between leaves this attempt (which
// names prev) for the next one to resume; that one closes every attempt
// of the chain still left open. A write that fails is identify's error.
func (a *attempt) takeOver(prev Record) error {
	a.update(func(r *Record) { r.ResumedFrom = prev.Attempt })
	a.jmu.Lock()
	defer a.jmu.Unlock()
	if err := a.journalLocked(StepIdentify); err != nil {
		return err
	}
	if a.p.Journal == nil {
		return nil
	}
	byAttempt := map[string]Record{}
	for _, r := range a.p.Journal.ByDevice(prev.DeviceID) {
		byAttempt[r.Attempt] = r
	}
	by, at := a.rec.Attempt, a.p.Clock.Now()
	cur := prev
	for range len(byAttempt) + 1 { // a chain longer than the device's attempts has a loop
		if err := a.p.Journal.Append(closedAsResumed(cur, by, at)); err != nil {
			return journalWriteError(StepIdentify, err)
		}
		older, ok := byAttempt[cur.ResumedFrom]
		if !ok || (older.Finished() && older.Outcome != OutcomeStopped) {
			return nil
		}
		by, at, cur = cur.Attempt, cur.Started, older
	}
	return nil
}

// closedAsResumed is the final version of r, which attempt by went on
// from at the time at.
func closedAsResumed(r Record, by string, at time.Time) Record {
	r.Steps = append([]StepEntry(nil), r.Steps...)
	for i := range r.Steps {
		if r.Steps[i].Outcome == StepRunning {
			r.Steps[i].Outcome, r.Steps[i].Ended = StepSkipped, at
			r.Steps[i].Message = "Not finished here: attempt " + by + " went on."
		}
	}
	r.Outcome, r.Ended, r.ResumedBy = OutcomeResumed, at, by
	r.Message = "Resumed by attempt " + by + "."
	// The Photon is the new attempt's now: what this one left it doing
	// and why it stopped are history (its steps keep them).
	r.Action, r.Details, r.FailedStep, r.LeftIn = "", "", "", ""
	return r
}

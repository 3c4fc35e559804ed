package provisioning

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/photon-station/photon-station/cloud"
)

// silentCheck is how long verification trusts a quiet event stream before
// it reads the device once anyway (a lost event must not cost the whole
// timeout).
const silentCheck = 10 * time.Second

// verification is what verify needs from the steps before it.
type verification struct {
	deviceID string
	customer string    // the job's customer, "" for a job without one
	before   CloudMark // the device's cloud session before the Wi-Fi step
	arrival  *Arrival  // expected before the Wi-Fi settings were sent
}

// arrivedSince tells whether a read of the device shows a cloud session
// newer than before: the cloud's own times compared with each other, never
// with this computer's clock. It returns the newer time.
func arrivedSince(d CloudDevice, before CloudMark) (time.Time, time.Time, bool) {
	if !d.Online {
		return time.Time{}, time.Time{}, false
	}
	if !d.LastHandshake.IsZero() || !before.LastHandshake.IsZero() {
		return d.LastHandshake, before.LastHandshake, d.LastHandshake.After(before.LastHandshake)
	}
	return d.LastHeard, before.LastHeard, d.LastHeard.After(before.LastHeard)
}

// verify waits until the cloud confirms that the Photon connected after it
// got its Wi-Fi settings, and then that it is in the product and owned as
// the job says (by the job's customer, or by nobody). The evidence is an
// online event on the product stream; while the stream is down, or was
// down at any moment since the Wi-Fi step, it polls with back-off for a
// session newer than the one read before the Wi-Fi step.
func (a *attempt) verify(ctx context.Context, v verification) error {
	p := a.p
	prof := p.Profile
	timeout := prof.EffectiveVerifyTimeout()
	a.begin(StepVerify, "Waiting for the Photon to reach the cloud (blinking green, then cyan).")
	start := p.Clock.Now()
	deadline := start.Add(timeout)
	// A safety net in real time, in case the clock is a fake nobody advances.
	vctx, cancel := context.WithTimeout(ctx, timeout+p.Timeouts.Cloud)
	defer cancel()

	var ev *Evidence // the Photon's arrival, once seen
	var seen seenSoFar
	poll := p.PollInterval
	for {
		if ev == nil {
			select {
			case e := <-v.arrival.Online():
				ev = &Evidence{Kind: EvidenceOnlineEvent, At: e.PublishedAt}
			default:
			}
		}
		// Read the device: to confirm an arrival, or to find one while
		// the stream cannot be trusted to tell.
		if ev != nil || !v.arrival.Trusted() || seen.due {
			seen.due = false
			d, err := a.readDevice(vctx, v.deviceID)
			switch {
			case err == nil:
				seen.inProduct = true
				if ev == nil {
					if at, was, ok := arrivedSince(d, v.before); ok {
						ev = &Evidence{Kind: EvidenceHandshake, At: at, Before: was}
					}
				}
				if ev != nil {
					seen.arrived = true
					done, ferr := a.judgeOwner(v, d, ev)
					if done || ferr != nil {
						return ferr
					}
				}
			case ctx.Err() != nil:
				return a.fail(StepVerify, ctx.Err())
			case cloud.IsUnauthorized(err) || cloud.IsPermissionDenied(err) || cloud.IsBadCredentials(err):
				return a.fail(StepVerify, err)
			case cloud.IsNotFound(err) && ev != nil:
				return a.fail(StepVerify, &StepError{Step: StepVerify, Err: err,
					Message: fmt.Sprintf("Photon %s came online but is no longer in product %s.", v.deviceID, prof.Product),
					Action:  "Set it aside for a supervisor: someone removed it from the product meanwhile."})
			default:
				seen.lastErr = err
			}
		}
		if ctx.Err() != nil {
			// Stopped (Stop, unplugging, a signal): not a device that
			// never arrived.
			return a.fail(StepVerify, ctx.Err())
		}
		now := p.Clock.Now()
		remaining := deadline.Sub(now)
		if remaining <= 0 || vctx.Err() != nil {
			return a.fail(StepVerify, a.neverArrived(ctx, v, timeout, seen))
		}
		a.emit(Event{Step: StepVerify, Kind: EventProgress,
			Progress:  float64(now.Sub(start)) / float64(timeout),
			Remaining: remaining,
			// The time left travels in Remaining; screens count it down.
			Message: "Waiting for the Photon to reach the cloud (blinking green, then cyan)."})
		wait := silentCheck
		if ev != nil || !v.arrival.Trusted() {
			wait, poll = poll, min(2*poll, maxPollInterval)
		}
		fired, err := a.waitForNews(vctx, v.arrival, min(wait, remaining))
		if err != nil && ctx.Err() != nil {
			return a.fail(StepVerify, err)
		}
		seen.due = fired && ev == nil && v.arrival.Trusted()
	}
}

// seenSoFar is what verification learned while it waited, for the message
// when the Photon never arrives.
type seenSoFar struct {
	inProduct bool  // a read of the device succeeded
	arrived   bool  // the Photon came online after the Wi-Fi step
	lastErr   error // the last read's error
	due       bool  // the stream was silent for silentCheck: read once
}

// waitForNews waits d, or until the Photon's online event arrives or the
// stream's state changes. fired tells that the whole wait passed.
func (a *attempt) waitForNews(ctx context.Context, arr *Arrival, d time.Duration) (fired bool, err error) {
	t := a.p.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C():
		return true, nil
	case <-arr.News():
		return false, nil
	}
}

// readDevice is one read of the product device.
func (a *attempt) readDevice(ctx context.Context, id string) (CloudDevice, error) {
	p := a.p
	var d CloudDevice
	err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
		got, err := p.Cloud.ProductDevice(ctx, tok, p.Profile.Product, id)
		d = got
		return err
	})
	return d, err
}

// judgeOwner decides, once the Photon has arrived, whether its owner is
// the job's: done (PASS), a failure, or neither (the claim is not yet
// processed: read again).
func (a *attempt) judgeOwner(v verification, d CloudDevice, ev *Evidence) (bool, error) {
	prof := a.p.Profile
	id := v.deviceID
	switch {
	case v.customer == "" && d.Owner == "":
	case v.customer == "":
		return false, a.fail(StepVerify, &StepError{Step: StepVerify,
			Message: fmt.Sprintf("Photon %s came online but was claimed by %s, and this job claims devices to nobody: a claim code left in it by an earlier setup claimed it.", id, d.Owner),
			Action:  "Set it aside for a supervisor: the device must be unclaimed in the Particle console before it is set up again."})
	case strings.EqualFold(d.Owner, v.customer):
	case d.Owner != "":
		return false, a.fail(StepVerify, &StepError{Step: StepVerify,
			Message: fmt.Sprintf("Photon %s came online but is owned by %s, not %s.", id, d.Owner, v.customer),
			Action:  "Set it aside for a supervisor: the device was claimed by another account meanwhile."})
	default:
		return false, nil // the claim code is still on its way
	}
	ev.Owner = d.Owner
	a.update(func(r *Record) { r.Evidence = ev })
	what := "online in product " + prof.Product
	if v.customer != "" {
		what += " and owned by " + v.customer
	}
	how := "its online event arrived after the Wi-Fi step"
	if ev.Kind == EvidenceHandshake {
		how = "its cloud session began after the Wi-Fi step"
	}
	return true, a.end(StepVerify, StepDone, "The cloud confirms Photon "+id+" is "+what+" ("+how+").", ev)
}

// neverArrived names the likely cause of a device that did not reach the
// cloud, or was not claimed, in time.
func (a *attempt) neverArrived(ctx context.Context, v verification, timeout time.Duration, seen seenSoFar) *StepError {
	prof := a.p.Profile
	id := v.deviceID
	e := &StepError{Step: StepVerify, Err: seen.lastErr}
	if seen.lastErr != nil {
		e.Detail = seen.lastErr.Error()
	}
	switch {
	case seen.arrived && v.customer != "":
		e.Message = fmt.Sprintf("Photon %s reached the cloud but was not claimed to %s within %s: the claim code did not arrive (it expired, or the device was set up again meanwhile).", id, v.customer, timeout)
		e.Action = "Retry: the station sends a fresh claim code. Put the Photon back in listening mode first (hold SETUP until it blinks dark blue)."
		return e
	case !seen.inProduct && seen.lastErr != nil:
		e.Message = fmt.Sprintf("The station could not ask the cloud about Photon %s within %s.", id, timeout)
		e.Action = "Check this computer's network connection, then retry."
		return e
	}
	backInListening := false
	if lc, ok := a.ch.(ListeningChecker); ok && a.ch != nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		backInListening, _ = lc.InListeningMode(cctx)
		cancel()
	}
	if backInListening {
		e.Message = fmt.Sprintf("Photon %s could not join %q and went back to listening mode: the Wi-Fi password is most likely wrong.", id, prof.SSID)
		e.Action = fmt.Sprintf("Ask a supervisor to check the Wi-Fi password of profile %q, then press Retry.", prof.Name)
		return e
	}
	e.Message = fmt.Sprintf("Photon %s did not reach the cloud within %s: most likely the Wi-Fi password for %q is wrong, or the network is out of range.", id, timeout, prof.SSID)
	e.Action = "If the LED blinked green for a long time or went back to blinking dark blue, check the Wi-Fi password; if it never blinked cyan, move closer to the access point. Then retry."
	return e
}

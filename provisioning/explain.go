package provisioning

import (
	"context"
	"errors"
	"fmt"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/serialio"
)

// listeningAction is the one sentence that gets a Photon into listening mode.
const listeningAction = "Hold the Photon's SETUP button for about 3 seconds until the LED blinks dark blue, then press Retry."

// insideWiFiWords tell the technician that the Photon on port may still be
// reading a line of the serial Wi-Fi questions: it takes nothing but an
// answer there, and any answer typed would be stored, so only its RESET
// button gets it out (serial-console.md).
func insideWiFiWords(port string) (message, action string) {
	return serialio.InsideWiFiWords(port, "press Retry")
}

// stepTimeout returns the timeout that bounds step s.
func (p *Pipeline) stepTimeout(s Step) string {
	t := p.Timeouts
	switch s {
	case StepIdentify:
		return t.Identify.String()
	case StepDeliverCode:
		return t.DeliverCode.String()
	case StepWiFi:
		return t.WiFi.String()
	case StepVerify:
		return p.Profile.EffectiveVerifyTimeout().String()
	}
	return t.Cloud.String()
}

// stepWords names a step in a sentence.
var stepWords = map[Step]string{
	StepDetect:      "detection",
	StepIdentify:    "identification",
	StepPreflight:   "the cloud pre-flight check",
	StepImport:      "the product import",
	StepCustomer:    "the customer step",
	StepClaimCode:   "getting a claim code",
	StepDeliverCode: "sending the claim code",
	StepWiFi:        "sending the Wi-Fi settings",
	StepVerify:      "verification",
	StepPostCheck:   "the post-verification check",
	StepRecord:      "recording",
}

// explain turns any error of step s into the technician's message and
// action. The raw error goes to Detail (secrets scrubbed by fail).
func (a *attempt) explain(s Step, err error) *StepError {
	p := a.p
	e := &StepError{Step: s, Err: err, Detail: err.Error()}
	port := a.dev.Port
	if port == "" {
		port = a.dev.Slot
	}
	prof := p.Profile

	var de *DeviceError
	if errors.As(err, &de) && de.Port != "" {
		port = de.Port
	}
	// A stop or a timeout inside the serial Wi-Fi questions leaves the
	// Photon waiting there: that comes before the generic words.
	if deviceKind(err) == DeviceInsideWiFi {
		e.Message, e.Action = insideWiFiWords(port)
		return e
	}
	// A step that ran out of time (its own deadline, not a stop).
	if errors.Is(err, context.DeadlineExceeded) {
		e.Message = fmt.Sprintf("The Photon on %s did not finish %s within %s.", port, stepWords[s], p.stepTimeout(s))
		switch s {
		case StepIdentify, StepDeliverCode, StepWiFi:
			e.Action = "Check that it is blinking dark blue. " + listeningAction
		default:
			e.Message = fmt.Sprintf("The Particle Cloud did not answer %s within %s.", stepWords[s], p.stepTimeout(s))
			e.Action = "Check this computer's network connection, then press Retry."
		}
		return e
	}
	if errors.Is(err, context.Canceled) {
		e.Message = "Stopped before the Photon was finished."
		e.Action = "Press Retry to start this Photon again."
		return e
	}

	if de != nil {
		switch de.Kind {
		case DeviceBadID:
			e.Message, e.Action = serialio.NotADeviceIDWords(port, "press Retry")
		case DeviceNotListening:
			e.Message = fmt.Sprintf("The Photon on %s is not in listening mode (it is running its application).", port)
			e.Action = listeningAction
		case DeviceSilent:
			e.Message = fmt.Sprintf("The Photon on %s does not answer.", port)
			e.Action = "Check that its LED blinks dark blue; if not, hold SETUP for about 3 seconds. If it does, unplug it, plug it back in and press Retry."
		case DevicePortBusy:
			e.Message = fmt.Sprintf("Another program is using %s%s.", port, portHolderNote(de))
			e.Action = "Close the other program (a serial monitor, the Particle CLI or another Photon Station), then press Retry."
		case DevicePermissionDenied:
			e.Message = fmt.Sprintf("This user may not open %s.", port)
			e.Action = "On Linux, install Particle's udev rule or add your user to the dialout group, log out and back in, then press Retry."
		case DeviceUnplugged:
			e.Message = fmt.Sprintf("The Photon on %s was unplugged during %s; the journal keeps how far it got.", port, stepWords[s])
			e.Action = "Plug it back in, make sure it blinks dark blue, and press Retry."
		case DevicePortNotFound:
			e.Message = fmt.Sprintf("There is no serial port %s.", port)
			e.Action = "Check that the Photon is plugged in (try another cable or USB port) and pick its port again (photon-station ports lists them)."
		case DeviceUnreachable:
			e.Message = "The station cannot reach the Photon over its access point."
			e.Action = "Check that the Photon blinks dark blue and that this computer is joined to its Photon-XXXX network, then press Retry."
		case DeviceBadInput:
			e.Message = de.Error()
			e.Action = "Correct the job profile (network name, security or Wi-Fi password), then press Retry."
		case DeviceRejected, DeviceUnsupported:
			e.Message = de.Error()
			e.Action = "Press Retry; if it repeats, reset the Photon into listening mode (blinking dark blue) or set it aside."
		default:
			e.Message = de.Error()
			e.Action = "Reset the Photon into listening mode (blinking dark blue) and press Retry."
		}
		return e
	}

	var ce *cloud.Error
	if !errors.As(err, &ce) {
		e.Message = fmt.Sprintf("%s failed: %v", capitalize(stepWords[s]), err)
		e.Action = "Press Retry; if it repeats, ask a supervisor with the details."
		return e
	}
	switch {
	case cloud.IsBadCredentials(err):
		e.Message = "The Particle Cloud refused the OAuth client ID or secret of this job."
		e.Action = fmt.Sprintf("Check the client ID (%s) in the profile and store the client secret again, then press Retry.", prof.ClientID)
	case cloud.IsTokenExpired(err) || cloud.IsUnauthorized(err):
		e.Message = "The Particle Cloud no longer accepts the station's access token (it expired or was revoked)."
		e.Action = "Press Retry: the station asks for a new token. If it repeats, check the OAuth client of the profile."
	case cloud.IsPermissionDenied(err):
		e.Message = fmt.Sprintf("Product %s was not found, or this OAuth client does not belong to it.", prof.Product)
		e.Action = "Check the product ID or slug in the profile; the OAuth client must be one of this product's."
	case cloud.IsNotFound(err):
		if s == StepImport || s == StepPreflight {
			e.Message = fmt.Sprintf("Product %s was not found.", prof.Product)
			e.Action = "Check the product ID or slug in the profile."
		} else {
			e.Message = "The Particle Cloud does not know that device, product or customer."
			e.Action = "Check the profile, then press Retry."
		}
	case cloud.IsClaimedBySomeoneElse(err):
		e.Message = fmt.Sprintf("Photon %s belongs to another Particle account; nothing was written to it.", a.rec.DeviceID)
		e.Action = "Set it aside for a supervisor: the owner must release it first."
	case cloud.IsRateLimited(err):
		e.Message = "The Particle Cloud asked the station to slow down (too many requests)."
		e.Action = "Wait a minute, then press Retry."
		if ra, ok := cloud.RetryAfter(err); ok {
			e.Message = fmt.Sprintf("The Particle Cloud asked the station to slow down for %s (too many requests).", ra)
			e.Action = fmt.Sprintf("Wait %s, then press Retry.", ra)
		}
	case cloud.IsServerError(err):
		e.Message = "The Particle Cloud had an internal problem."
		e.Action = "Wait a minute and press Retry; if it keeps happening, check status.particle.io."
	case cloud.IsNetwork(err):
		e.Message = "The station cannot reach the Particle Cloud."
		e.Action = "Check this computer's network connection, then press Retry."
	case cloud.IsUnknownFunction(err) || cloud.IsUnknownVariable(err):
		e.Message = "The post-verification check failed: " + err.Error()
		e.Action = "Check that the Photon runs the expected firmware, then press Retry."
	case cloud.IsDeviceOffline(err):
		e.Message = "The Photon went offline before the post-verification check answered."
		e.Action = "Check that it breathes cyan, then press Retry."
	default:
		e.Message = err.Error()
		e.Action = "Press Retry; if it repeats, ask a supervisor with the details."
	}
	if d := ce.Details(); d != "" {
		e.Detail = d
	}
	return e
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

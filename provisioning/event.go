// Package provisioning is the station's engine: job profiles and their
// secrets, the per-device pipeline (identify, pre-flight, import, customer,
// claim code, deliver code, Wi-Fi, verify, record), the journal, and the
// station that runs one pipeline per connected Photon at once.
//
// It imports no Fyne: the ui package renders the Events it emits and calls
// its methods for the user's intents.
package provisioning

import "time"

// Step names one unit of the per-device pipeline, in pipeline order.
type Step string

// The pipeline's steps, in the order product.md gives them.
const (
	StepDetect      Step = "detect"
	StepIdentify    Step = "identify"
	StepPreflight   Step = "preflight"
	StepImport      Step = "import"
	StepCustomer    Step = "customer"
	StepClaimCode   Step = "claim-code"
	StepDeliverCode Step = "deliver-code"
	// StepClaim claims a Photon that is online to the job's customer
	// through the cloud (Pipeline.ClaimOnline), instead of a claim code
	// and listening mode, and reads the owner back.
	StepClaim  Step = "claim"
	StepWiFi   Step = "wifi"
	StepVerify Step = "verify"
	// StepPostCheck names the device (Profile.NamePattern) and runs the
	// profile's PostCheck once the cloud has verified it.
	StepPostCheck Step = "post-check"
	StepRecord    Step = "record"
)

// Steps lists the pipeline's steps in order.
var Steps = []Step{StepDetect, StepIdentify, StepPreflight, StepImport, StepCustomer,
	StepClaimCode, StepDeliverCode, StepClaim, StepWiFi, StepVerify, StepPostCheck, StepRecord}

// EventKind says what happened to a step.
type EventKind string

// The kinds of Event.
const (
	EventStarted  EventKind = "started"
	EventProgress EventKind = "progress"
	EventDone     EventKind = "done"
	EventSkipped  EventKind = "skipped"
	EventFailed   EventKind = "failed"
	// EventResult closes a device attempt: Outcome tells PASS, FAIL,
	// already provisioned or stopped.
	EventResult EventKind = "result"
	// EventDetached says the device left its slot (unplugged).
	EventDetached EventKind = "detached"
	// EventHalted says the station stopped its bench by itself (the
	// profile's OAuth client was refused, or the journal could not be
	// written: JournalFailed); Message says why. It belongs to no slot.
	EventHalted EventKind = "halted"
)

// Outcome is the final verdict of one device attempt.
type Outcome string

// The outcomes of a device attempt.
const (
	OutcomePending Outcome = ""
	OutcomePass    Outcome = "pass"
	OutcomeFail    Outcome = "fail"
	// OutcomeProvisioned: the Photon did not answer in listening mode, and
	// the journal's last verdict on it is PASS or the cloud shows it online
	// in the job's product (see recognise). Neither a pass nor a failure
	// of this attempt: nothing was written to the device or the cloud.
	OutcomeProvisioned Outcome = "already-provisioned"
	// OutcomeStopped: the attempt was cut short (Stop, an unplug, the end
	// of the run) before its verdict. Not a failure of the device: the
	// next attempt on it goes on from the journal, as after a crash.
	OutcomeStopped Outcome = "stopped"
	// OutcomeResumed: a later attempt went on from this one (interrupted
	// or stopped) and closed it when it took over (Record.ResumedBy). Not
	// a verdict on the Photon: the chain's newest attempt has that.
	OutcomeResumed Outcome = "resumed"
)

// Event is one thing the engine tells the outside world. Message and Action
// are for a technician (plain words, no secret ever); they are what the UI
// and the headless --json output show.
type Event struct {
	Time time.Time `json:"time"`
	Slot string    `json:"slot"`           // the slot (USB port, or "softap") the device is in
	Port string    `json:"port,omitempty"` // serial port path, when there is one
	// Location is the USB position of the port ("1-1.3"), when the OS tells.
	Location string    `json:"location,omitempty"`
	DeviceID string    `json:"device_id,omitempty"` // lower-case 24 hex, once known
	Step     Step      `json:"step,omitempty"`
	Kind     EventKind `json:"kind"`
	// Progress is the fraction of the current step done (0..1), or -1 when unknown.
	Progress float64 `json:"progress"`
	// Remaining is the time left before the step's timeout, when it has one.
	Remaining time.Duration `json:"remaining_ns,omitempty"`
	Message   string        `json:"message,omitempty"` // one sentence: what is happening or what went wrong
	Action    string        `json:"action,omitempty"`  // one sentence: what the technician should do (with the LED colour)
	// Interrupted, on a result, says the attempt was cut short by an unplug
	// or a stop: not a failure of the device, and not counted as one.
	Interrupted bool `json:"interrupted,omitempty"`
	// JournalFailed, on EventHalted, says the bench stopped because the
	// station cannot write its journal (ErrJournalWrite).
	JournalFailed bool `json:"journal_failed,omitempty"`
	// Details is the raw cause of a failure, for support (never a secret).
	Details string  `json:"details,omitempty"`
	Outcome Outcome `json:"outcome,omitempty"` // set on EventResult
	// Attempt is the journal attempt the event belongs to, so a tile or a
	// script can find the full record.
	Attempt string `json:"attempt,omitempty"`
	// Evidence, on verification's done event, is what the cloud said.
	Evidence *Evidence `json:"evidence,omitempty"`
	// Claimable, on an already-provisioned result, says the cloud shows
	// the Photon online in the product but not owned by the job's
	// customer: it can be claimed through the cloud (Pipeline.ClaimOnline).
	Claimable bool `json:"claimable,omitempty"`
}

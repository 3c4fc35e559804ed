package provisioning

import (
	"fmt"
	"time"
)

// StepOutcome is how one step of an attempt ended.
type StepOutcome string

// The outcomes of a step.
const (
	StepRunning StepOutcome = "running"
	StepDone    StepOutcome = "done"
	StepSkipped StepOutcome = "skipped"
	StepFailed  StepOutcome = "failed"
)

// StepEntry is one step of a device attempt: when it started and ended and
// how. Message is the technician's sentence; it never holds a secret, a
// token or a claim code.
type StepEntry struct {
	Step    Step        `json:"step"`
	Started time.Time   `json:"started"`
	Ended   time.Time   `json:"ended,omitzero"`
	Outcome StepOutcome `json:"outcome"`
	Message string      `json:"message,omitempty"`
}

// Record is one device attempt. The journal writes the record's current
// version each time a step ends (one row per attempt, one per step,
// committed together), so an attempt interrupted by a crash keeps every
// step it acknowledged; Records returns the latest version.
type Record struct {
	Attempt     string      `json:"attempt"` // unique per attempt
	ResumedFrom string      `json:"resumed_from,omitempty"`
	Station     string      `json:"station,omitempty"`
	Profile     string      `json:"profile,omitempty"`
	Operator    string      `json:"operator,omitempty"`
	Slot        string      `json:"slot,omitempty"`
	Port        string      `json:"port,omitempty"`
	Channel     Channel     `json:"channel,omitempty"`
	DeviceID    string      `json:"device_id,omitempty"`
	MAC         string      `json:"mac,omitempty"`
	Firmware    string      `json:"firmware,omitempty"`
	Product     string      `json:"product,omitempty"`
	Customer    string      `json:"customer,omitempty"` // the customer's e-mail or identifier (not a secret)
	Started     time.Time   `json:"started"`
	Ended       time.Time   `json:"ended,omitzero"`
	Steps       []StepEntry `json:"steps"`
	// Opened says the attempt opened its device channel (on a serial
	// port, it held the port's lock): an attempt refused because another
	// program had the port never touched the Photon there.
	Opened bool `json:"opened,omitempty"`
	// LeftIn is the device dialogue a finished attempt left the Photon
	// inside (a stop or timeout during the serial Wi-Fi questions): the
	// next attempt on the port asks for RESET before it types anything.
	LeftIn Step `json:"left_in,omitempty"`
	// ClaimCodeAt is when the claim code delivered to the device was
	// created (the code itself is never written), so a resume knows
	// whether it is still fresh.
	ClaimCodeAt time.Time `json:"claim_code_at,omitzero"`
	// WiFiSentAt is when the Wi-Fi settings were sent to the device, on
	// this station's clock: for people reading the journal. Verification
	// never compares it with the cloud's times.
	WiFiSentAt time.Time `json:"wifi_sent_at,omitzero"`
	// CloudBefore is the device as the cloud saw it after its import and
	// before its Wi-Fi settings were sent (the cloud's times), so
	// verification by polling (also of a resumed attempt) counts only a
	// later cloud session.
	CloudBefore *CloudMark `json:"cloud_before,omitempty"`
	// Evidence is what the cloud said that made verification pass.
	Evidence   *Evidence `json:"evidence,omitempty"`
	Outcome    Outcome   `json:"outcome,omitempty"`
	FailedStep Step      `json:"failed_step,omitempty"`
	Message    string    `json:"message,omitempty"`
	Action     string    `json:"action,omitempty"`
	// Details is the raw cause of a failure (the cloud's or the device's
	// own words), for support; secrets are scrubbed from it.
	Details string `json:"details,omitempty"`
	// ResumedBy is the attempt that went on from this one (outcome resumed).
	ResumedBy string `json:"resumed_by,omitempty"`
	// Revision counts the writes of this attempt in the journal (set when
	// it is read back): the fleet sender marks what it sent by it.
	Revision int64 `json:"-"`
}

// CloudMark is a product device's cloud-session times as one read gave
// them, in the cloud's time.
type CloudMark struct {
	LastHandshake time.Time `json:"last_handshake_at,omitzero"`
	LastHeard     time.Time `json:"last_heard,omitzero"`
}

// EvidenceKind says how the cloud confirmed a Photon's arrival.
type EvidenceKind string

// The kinds of verification evidence.
const (
	// EvidenceOnlineEvent: the product event stream delivered spark/status
	// "online" for the device after its Wi-Fi settings were sent.
	EvidenceOnlineEvent EvidenceKind = "online-event"
	// EvidenceHandshake: the stream was down or silent, and a read of the
	// device showed a cloud session newer than the one read before the
	// Wi-Fi step.
	EvidenceHandshake EvidenceKind = "handshake"
	// EvidenceOwner: a Photon claimed through the cloud while online
	// (Pipeline.ClaimOnline); a read of the product device afterwards
	// showed the job's customer as its owner.
	EvidenceOwner EvidenceKind = "owner"
)

// Evidence is the cloud's confirmation that a Photon connected after it
// got its Wi-Fi settings. Times are the cloud's own.
type Evidence struct {
	Kind EvidenceKind `json:"kind"`
	// At is the event's published_at, or the new last_handshake_at (or
	// last_heard, where the cloud reports no handshake time).
	At time.Time `json:"at,omitzero"`
	// Before is the session time read before the Wi-Fi step, which At
	// is later than (handshake evidence only).
	Before time.Time `json:"before,omitzero"`
	// Owner is the owner the confirming read showed ("" for none).
	Owner string `json:"owner,omitempty"`
}

// Finished tells whether the attempt reached its end: PASS, FAIL, already
// provisioned, or stopped (which a later attempt may still go on from).
func (r Record) Finished() bool { return r.Outcome != OutcomePending }

// StepOf returns the record of a step and whether the attempt reached it.
func (r Record) StepOf(s Step) (StepEntry, bool) {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Step == s {
			return r.Steps[i], true
		}
	}
	return StepEntry{}, false
}

// Completed tells whether step s ended done or skipped in this attempt.
func (r Record) Completed(s Step) bool {
	sr, ok := r.StepOf(s)
	return ok && (sr.Outcome == StepDone || sr.Outcome == StepSkipped)
}

// JournalProblem is one line of a v1 journal file that could not be read:
// a torn last line after a crash, or damage in the middle. Reading goes on.
type JournalProblem struct {
	File string // the v1 file, when known
	Line int
	Torn bool // the last line, cut short by a crash
	Err  error
}

func (p JournalProblem) String() string {
	where := fmt.Sprintf("line %d", p.Line)
	if p.File != "" {
		where = p.File + " " + where
	}
	if p.Torn {
		return where + " was cut short by a crash and was skipped"
	}
	return fmt.Sprintf("%s is damaged and was skipped (%v)", where, p.Err)
}

// heldPort tells whether the attempt opened its device channel; a line
// written before Opened was journaled shows it by a finished identify.
func (r Record) heldPort() bool { return r.Opened || r.Completed(StepIdentify) }

// InFlight returns the step the attempt had begun and not ended in its
// latest version: for an interrupted attempt, the step the process died
// in. Device steps journal their start before the first byte goes out.
func (r Record) InFlight() (StepEntry, bool) {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Outcome == StepRunning {
			return r.Steps[i], true
		}
	}
	return StepEntry{}, false
}

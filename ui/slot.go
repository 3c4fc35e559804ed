package ui

import (
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// Phase is what a bench tile says about its slot at a glance.
type Phase int

// The phases of a slot, each shown with its own colour, icon and word.
const (
	PhaseWaiting Phase = iota // no device, or a device not yet started
	PhaseWorking              // a pipeline step is running
	PhasePass                 // the cloud verified the device
	PhaseFail                 // the attempt failed; Retry is offered
	// PhaseProvisioned: the Photon was done already (it passed here
	// before, or the cloud shows it online in the product); nothing was
	// written. Unplug it, or claim it through the cloud when Claimable.
	PhaseProvisioned
	// PhaseStopped: the attempt was stopped before its verdict (Stop
	// bench, or the run ended); not a failure. Retry, or plugging the
	// Photon in again, goes on with it.
	PhaseStopped
)

// Chip is one of the six step chips on a tile. Several pipeline steps fold
// into one chip so a technician reads six words, not ten.
type Chip int

// The chips in the order the tile shows them.
const (
	ChipIdentify Chip = iota
	ChipCloud
	ChipCustomer
	ChipClaim
	ChipWiFi
	ChipVerify
	chipCount
)

// chipOf folds a pipeline step into its chip.
func chipOf(s provisioning.Step) (Chip, bool) {
	switch s {
	case provisioning.StepDetect, provisioning.StepIdentify:
		return ChipIdentify, true
	case provisioning.StepPreflight, provisioning.StepImport:
		return ChipCloud, true
	case provisioning.StepCustomer:
		return ChipCustomer, true
	case provisioning.StepClaimCode, provisioning.StepDeliverCode, provisioning.StepClaim:
		return ChipClaim, true
	case provisioning.StepWiFi:
		return ChipWiFi, true
	case provisioning.StepVerify, provisioning.StepRecord:
		return ChipVerify, true
	}
	return 0, false
}

// ChipState is how one chip is drawn.
type ChipState int

// The states of a chip.
const (
	ChipPending ChipState = iota
	ChipActive
	ChipDone
	ChipSkipped
	ChipFailed
)

// Slot is the bench's model of one USB port (or the SoftAP slot): the last
// thing the engine said about the device in it. It is plain data so the
// rules that turn events into what a tile shows are tested without Fyne.
type Slot struct {
	Name string
	Port string
	// Location is the port's USB position ("1-1.3"), when the OS tells.
	Location string
	DeviceID string
	Phase    Phase
	Chips    [chipCount]ChipState
	Step     provisioning.Step
	// Progress of the current step, 0..1, or -1 when unknown.
	Progress  float64
	Remaining time.Duration
	// RemainingAt is when the engine said Remaining, so the tile can count
	// down between events.
	RemainingAt time.Time
	// StepStarted is when the current step began; the tile shows the
	// seconds since. Finished is when the attempt ended (zero while working).
	StepStarted time.Time
	Finished    time.Time
	Message     string
	Action      string
	// Claimable: the engine offers to claim the already-provisioned
	// Photon to the job's customer through the cloud.
	Claimable bool
}

// Apply folds one event into the slot and returns the attempt's outcome
// when this event ended it (so the shift counters count it once), or
// OutcomePending.
func (s *Slot) Apply(ev provisioning.Event) provisioning.Outcome {
	if ev.Slot != "" {
		s.Name = ev.Slot
	}
	if ev.Port != "" {
		s.Port = ev.Port
	}
	if ev.Location != "" {
		s.Location = ev.Location
	}
	if ev.Kind == provisioning.EventDetached {
		*s = Slot{Name: s.Name, Port: s.Port, Location: s.Location}
		return provisioning.OutcomePending
	}
	if ev.Kind == provisioning.EventResult && ev.Interrupted && s.Phase == PhaseWaiting {
		// The attempt of a Photon already unplugged: the port is empty.
		return provisioning.OutcomePending
	}
	if s.newAttempt(ev) {
		id := s.DeviceID
		if ev.Step == provisioning.StepDetect {
			id = "" // a different device may be in the slot now
		}
		*s = Slot{Name: s.Name, Port: s.Port, Location: s.Location, DeviceID: id}
	}
	if ev.DeviceID != "" {
		s.DeviceID = ev.DeviceID
	}
	if ev.Kind == provisioning.EventResult {
		s.finish(ev)
		return ev.Outcome
	}
	chip, known := chipOf(ev.Step)
	if s.Phase == PhaseFail || s.Phase == PhasePass || s.Phase == PhaseProvisioned || s.Phase == PhaseStopped {
		// Late news from a step that ran alongside the failed one: keep the
		// verdict and its words, but let the chip show what happened.
		if known && ev.Kind == provisioning.EventDone {
			s.Chips[chip] = ChipDone
		}
		if known && ev.Kind == provisioning.EventSkipped && s.Chips[chip] == ChipActive {
			s.Chips[chip] = ChipSkipped // stopped because the other step failed
		}
		return provisioning.OutcomePending
	}
	s.Phase = PhaseWorking
	if ev.Step != "" && (ev.Step != s.Step || ev.Kind == provisioning.EventStarted) {
		s.StepStarted = ev.Time
		s.Step = ev.Step
	}
	s.Progress = ev.Progress
	s.Remaining, s.RemainingAt = ev.Remaining, ev.Time
	if ev.Message != "" {
		s.Message = ev.Message
	}
	s.Action = ev.Action
	if !known {
		return provisioning.OutcomePending
	}
	switch ev.Kind {
	case provisioning.EventStarted, provisioning.EventProgress:
		s.Chips[chip] = ChipActive
	case provisioning.EventDone:
		s.Chips[chip] = ChipDone
		if ev.Progress <= 0 {
			s.Progress = 1
		}
	case provisioning.EventSkipped:
		if s.Chips[chip] != ChipDone {
			s.Chips[chip] = ChipSkipped
		}
	case provisioning.EventFailed:
		s.Chips[chip] = ChipFailed
		s.Phase = PhaseFail
		s.Finished = ev.Time
	}
	return provisioning.OutcomePending
}

// newAttempt tells whether ev begins a new attempt in this slot: the next
// device (detect) or a retry after a verdict.
func (s *Slot) newAttempt(ev provisioning.Event) bool {
	if ev.Kind != provisioning.EventStarted {
		return false
	}
	switch s.Phase {
	case PhasePass, PhaseProvisioned:
		return true
	case PhaseFail, PhaseStopped:
		return ev.Step == provisioning.StepDetect || ev.Step == provisioning.StepIdentify
	}
	return ev.Step == provisioning.StepDetect && s.Phase != PhaseWaiting
}

// finish records the attempt's verdict.
func (s *Slot) finish(ev provisioning.Event) {
	s.Finished = ev.Time
	switch ev.Outcome {
	case provisioning.OutcomePass:
		s.Phase = PhasePass
		s.Progress = 1
		for i, c := range s.Chips {
			if c == ChipActive {
				s.Chips[i] = ChipDone
			}
		}
		s.Message, s.Action = ev.Message, ev.Action
	case provisioning.OutcomeProvisioned:
		s.Phase = PhaseProvisioned
		s.Claimable = ev.Claimable
		// Nothing failed: a step cut short by the verdict was skipped.
		for i, c := range s.Chips {
			if c == ChipActive || c == ChipFailed {
				s.Chips[i] = ChipSkipped
			}
		}
		s.Message, s.Action = ev.Message, ev.Action
	case provisioning.OutcomeStopped:
		s.Phase = PhaseStopped
		// The step the stop cut short was stopped, not failed (the
		// engine reports it failed just before this verdict).
		for i, c := range s.Chips {
			if c == ChipActive || c == ChipFailed {
				s.Chips[i] = ChipSkipped
			}
		}
		// The tile says the usual stop in its own words; a stop with
		// words of its own (RESET inside the Wi-Fi questions, a bench the
		// station stopped) keeps them.
		s.Message, s.Action = ev.Message, ev.Action
		if ev.Action == provisioning.StoppedAction {
			s.Message, s.Action = "", ""
		}
	default:
		s.Phase = PhaseFail
		// A step still running when another failed was stopped, not
		// failed; without a failed step, the running one is what failed.
		interrupted := ChipFailed
		for _, c := range s.Chips {
			if c == ChipFailed {
				interrupted = ChipSkipped
			}
		}
		for i, c := range s.Chips {
			if c == ChipActive {
				s.Chips[i] = interrupted
			}
		}
		// A result without words keeps the failed step's reason and action.
		if ev.Message != "" {
			s.Message = ev.Message
		}
		if ev.Action != "" {
			s.Action = ev.Action
		}
	}
}

// Elapsed is how long the current step (or the finished attempt's last
// step) has taken, as the tile shows it.
func (s *Slot) Elapsed(now time.Time) time.Duration {
	if s.StepStarted.IsZero() {
		return 0
	}
	end := now
	if !s.Finished.IsZero() {
		end = s.Finished
	}
	if end.Before(s.StepStarted) {
		return 0
	}
	return end.Sub(s.StepStarted)
}

// ShortID is the device ID split for the tile: the head in small text, the
// last six characters large, since those are what a technician compares
// with the sticker.
func ShortID(id string) (head, tail string) {
	if len(id) <= 6 {
		return "", id
	}
	return id[:len(id)-6], id[len(id)-6:]
}

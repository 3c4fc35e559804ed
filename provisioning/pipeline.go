package provisioning

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/photon-station/photon-station/internal/clock"
)

// Timeouts bound each step of the pipeline. Zero fields take the defaults.
// Verification is bounded by the profile's VerifyTimeout instead.
type Timeouts struct {
	Identify    time.Duration // open the port and read ID, MAC, version, claim flag
	Cloud       time.Duration // each cloud step (pre-flight, import, customer, claim code, post-check)
	DeliverCode time.Duration // store the claim code on the device
	WiFi        time.Duration // send the Wi-Fi credentials (the device scans meanwhile)
	// Join and Leave bound each move onto a Photon's access point (with
	// the device ID check) and back (SoftAP, Device.Network). They are
	// budgets of their own, outside the step timeouts above.
	Join  time.Duration
	Leave time.Duration
}

// DefaultTimeouts are the step timeouts used for zero fields.
var DefaultTimeouts = Timeouts{
	Identify:    25 * time.Second,
	Cloud:       60 * time.Second,
	DeliverCode: 15 * time.Second,
	WiFi:        90 * time.Second,
	Join:        60 * time.Second,
	Leave:       60 * time.Second,
}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	if t.Identify > 0 {
		d.Identify = t.Identify
	}
	if t.Cloud > 0 {
		d.Cloud = t.Cloud
	}
	if t.DeliverCode > 0 {
		d.DeliverCode = t.DeliverCode
	}
	if t.WiFi > 0 {
		d.WiFi = t.WiFi
	}
	if t.Join > 0 {
		d.Join = t.Join
	}
	if t.Leave > 0 {
		d.Leave = t.Leave
	}
	return d
}

// ClaimCodeMaxAge is how old a claim code may be before the pipeline gets
// a new one: codes are valid for one hour, and the device still has to
// reach the cloud after it receives one.
const ClaimCodeMaxAge = 50 * time.Minute

// DefaultPollInterval is the first wait of verification's polling, which
// it falls back to while the event stream is down; the wait doubles up to
// maxPollInterval.
const DefaultPollInterval = 500 * time.Millisecond

// maxPollInterval bounds the polling back-off.
const maxPollInterval = 8 * time.Second

// Pipeline runs the per-device steps of one profile. One Pipeline serves
// many devices at once (the Station shares one between its slots); it is
// also what the one-device wizard and the headless provision command use.
// Fields must not change while RunDevice runs.
type Pipeline struct {
	Profile     Profile
	Credentials Credentials
	Cloud       CloudAPI
	// Journal receives one record version per finished step; nil records
	// nothing (the wizard's dry runs) — a station always sets it.
	Journal  JournalStore
	Station  string      // station name written to the journal
	Operator string      // technician written to the journal
	Clock    clock.Clock // nil: system clock
	Timeouts Timeouts
	// PollInterval is the first wait of verification's polling fallback
	// (0: DefaultPollInterval).
	PollInterval time.Duration
	// Limit is shared by every pipeline of a station; nil gives this
	// pipeline its own.
	Limit *CloudLimit
	// Tokens is the profile's cloud session, shared by every slot, the
	// wizard and the device tools of a station; nil gives this pipeline
	// its own.
	Tokens *TokenSource
	// Watcher holds the product's event stream open for verification,
	// shared like Tokens; nil gives this pipeline its own.
	Watcher *EventWatcher

	once sync.Once
}

// JournalStore is the part of the journal a pipeline uses: a *Journal,
// or a test's wrapper around one whose writes fail.
type JournalStore interface {
	Append(r Record) error
	ByDevice(deviceID string) []Record
	LatestOnPort(port, except string) (Record, bool)
}

// Device is one Photon handed to RunDevice.
type Device struct {
	Slot     string // the slot's name (the USB port, or "softap")
	Port     string // serial port path, when there is one
	DeviceID string // known before identify (USB serial number), else ""
	// Open opens the device's channel; RunDevice closes it.
	Open func(ctx context.Context) (DeviceChannel, error)
	// Network, when set, is the Photon's own access point (SoftAP): the
	// runner enters it for each device step and leaves it before any cloud
	// step, so the two never overlap (DeviceNetwork).
	Network *DeviceNetwork
}

// Result is how one device attempt ended.
type Result struct {
	Attempt    string
	DeviceID   string
	Customer   string
	Outcome    Outcome
	FailedStep Step
	Message    string // one sentence: what happened
	Action     string // one sentence: what to do
	Details    string // the raw cause for a Details pane (secrets removed)
	// Canceled: the attempt ended because its context did (a stop, an
	// unplug), not because of the device or the cloud.
	Canceled bool
	// Claimable: see Event.Claimable.
	Claimable bool
	Record    Record
	cause     error
}

// Err returns nil for a PASS and an error carrying Message otherwise; it
// wraps the cause, so errors.Is(err, ErrBadClientCredentials) works.
func (r Result) Err() error {
	if r.Outcome == OutcomePass {
		return nil
	}
	return &StepError{Step: r.FailedStep, Message: r.Message, Action: r.Action, Detail: r.Details, Err: r.cause}
}

// StepError is a failed step, in the words a technician sees.
type StepError struct {
	Step    Step
	Message string
	Action  string
	Detail  string // raw cause, secrets removed
	Err     error  // the underlying error (may hold server text; never shown)
}

func (e *StepError) Error() string {
	if e.Action == "" {
		return e.Message
	}
	return e.Message + " " + e.Action
}

func (e *StepError) Unwrap() error { return e.Err }

func (p *Pipeline) init() {
	p.once.Do(func() {
		p.Clock = clock.Or(p.Clock)
		if p.Limit == nil {
			p.Limit = NewCloudLimit(0, p.Clock)
		}
		if p.PollInterval <= 0 {
			p.PollInterval = DefaultPollInterval
		}
		p.Timeouts = p.Timeouts.withDefaults()
		if p.Tokens == nil {
			p.Tokens = NewTokenSource(p.Cloud, p.Profile.ClientID, p.Credentials.ClientSecret, p.Clock, p.Limit)
		}
		if p.Watcher == nil {
			p.Watcher = NewEventWatcher(p.Cloud, p.Tokens, p.Profile.Product, p.Clock)
		}
	})
}

// RunDevice provisions one device: identify, pre-flight, import, customer,
// claim code, deliver code, Wi-Fi, verify, post-check, record. It emits an
// Event for every step change to emit (called from several goroutines, one
// at a time, never while the attempt's state is locked) and writes the
// journal after every step. It returns when the attempt is PASS or FAIL,
// or ctx ends (then FAIL "stopped").
func (p *Pipeline) RunDevice(ctx context.Context, dev Device, emit func(Event)) Result {
	a := p.newAttempt(dev, emit)
	return a.run(ctx, a.steps)
}

// ClaimOnline claims a Photon that is online (breathing cyan) to the job's
// customer through the cloud, without listening mode: the tutorial's
// other claiming path, offered for an already-provisioned Photon the cloud
// shows online in the product but not owned by the customer (Result's
// Claimable). dev needs its DeviceID. The customer's token claims the
// device by ID; a read of the product device afterwards must show the
// customer as owner. It is an attempt of its own in the journal.
func (p *Pipeline) ClaimOnline(ctx context.Context, dev Device, emit func(Event)) Result {
	a := p.newAttempt(dev, emit)
	return a.run(ctx, a.claimOnline)
}

// newAttempt starts the record of one attempt on dev.
func (p *Pipeline) newAttempt(dev Device, emit func(Event)) *attempt {
	p.init()
	if emit == nil {
		emit = func(Event) {}
	}
	a := &attempt{p: p, dev: dev, emitFn: emit}
	a.rec = Record{
		Attempt:  uuid.NewString(),
		Station:  p.Station,
		Profile:  p.Profile.Name,
		Operator: p.Operator,
		Slot:     dev.Slot,
		Port:     dev.Port,
		Channel:  p.Profile.Channel,
		Product:  p.Profile.Product,
		DeviceID: strings.ToLower(dev.DeviceID),
		Started:  p.Clock.Now(),
	}
	a.secrets = []string{p.Credentials.ClientSecret, p.Credentials.WiFiPassword}
	return a
}

package provisioning

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/photon-station/photon-station/cloud"
)

// Timeouts bound each step of the pipeline. Zero fields take the defaults.
// Verification is bounded by the profile's VerifyTimeout instead.
type Timeouts struct {
	Identify    time.Duration // open the port and read ID, MAC, version, claim flag
	Cloud       time.Duration // each cloud step (pre-flight, import, customer, claim code, post-check)
	DeliverCode time.Duration // store the claim code on the device
	WiFi        time.Duration // send the Wi-Fi credentials (the device scans meanwhile)
}

// DefaultTimeouts are the step timeouts used for zero fields.
var DefaultTimeouts = Timeouts{
	Identify:    25 * time.Second,
	Cloud:       60 * time.Second,
	DeliverCode: 15 * time.Second,
	WiFi:        90 * time.Second,
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
	return d
}

// ClaimCodeMaxAge is how old a claim code may be before the pipeline gets
// a new one: codes are valid for one hour, and the device still has to
// reach the cloud after it receives one.
const ClaimCodeMaxAge = 50 * time.Minute

// DefaultPollInterval is how often verification asks the cloud.
const DefaultPollInterval = 3 * time.Second

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
	Journal  *Journal
	Station  string // station name written to the journal
	Operator string // technician written to the journal
	Clock    Clock  // nil: system clock
	Timeouts Timeouts
	// PollInterval is how often verification asks the cloud (0: 3s).
	PollInterval time.Duration
	// Limit is shared by every pipeline of a station; nil gives this
	// pipeline its own.
	Limit *CloudLimit

	once sync.Once
}

// Device is one Photon handed to RunDevice.
type Device struct {
	Slot     string // the slot's name (the USB port, or "softap")
	Port     string // serial port path, when there is one
	DeviceID string // known before identify (USB serial number), else ""
	// Open opens the device's channel; RunDevice closes it.
	Open func(ctx context.Context) (DeviceChannel, error)
	// OneNetwork says the device and the cloud cannot be reached at the
	// same time (SoftAP on a laptop whose only Wi-Fi radio joins the
	// Photon's access point): cloud steps then never overlap device steps.
	OneNetwork bool
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
	Record   Record
}

// Err returns nil for a PASS and an error carrying Message otherwise.
func (r Result) Err() error {
	if r.Outcome == OutcomePass {
		return nil
	}
	return &StepError{Step: r.FailedStep, Message: r.Message, Action: r.Action, Detail: r.Details}
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
		if p.Clock == nil {
			p.Clock = SystemClock
		}
		if p.Limit == nil {
			p.Limit = NewCloudLimit(0, p.Clock)
		}
		if p.PollInterval <= 0 {
			p.PollInterval = DefaultPollInterval
		}
		p.Timeouts = p.Timeouts.withDefaults()
	})
}

// RunDevice provisions one device: identify, pre-flight, import, customer,
// claim code, deliver code, Wi-Fi, verify, post-check, record. It emits an
// Event for every step change to emit (called from several goroutines, one
// at a time) and writes the journal after every step. It returns when the
// attempt is PASS or FAIL, or ctx ends (then FAIL "stopped").
func (p *Pipeline) RunDevice(ctx context.Context, dev Device, emit func(Event)) Result {
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
	return a.run(ctx)
}

// attempt is one RunDevice call.
type attempt struct {
	p      *Pipeline
	dev    Device
	emitFn func(Event)

	// abandoned is set when a device step failed and the concurrent cloud
	// steps are being stopped: their cancellation is not a failure.
	abandoned atomic.Bool
	// finished is set once finish has begun writing the final record.
	finished atomic.Bool

	mu sync.Mutex // guards rec, secrets and emit ordering
	// jmu keeps the journal's versions of the record in the order they
	// were taken: the cloud and device steps end concurrently, and an older
	// version written last would be what a resume reads.
	jmu     sync.Mutex
	rec     Record
	secrets []string // values to scrub from every message

	ch          DeviceChannel
	productTok  Token
	customer    string
	customerTok Token
	claimCode   string
	claimAt     time.Time
	prev        *Record // interrupted attempt being resumed
	// customerResumed is the customer of an attempt resumed at
	// verification (set by identify, read after the early steps).
	customerResumed string
	// heardBefore is the device's last_heard as pre-flight saw it, before
	// anything was sent to the device (zero when unknown).
	heardBefore time.Time
}

// secret registers a value to scrub from messages.
func (a *attempt) secret(v string) {
	a.mu.Lock()
	a.secrets = append(a.secrets, v)
	a.mu.Unlock()
}

// scrub removes every known secret from s.
func (a *attempt) scrub(s string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return scrubSecrets(s, a.secrets)
}

func scrubSecrets(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[hidden]")
		}
	}
	return s
}

// emit sends an event with the attempt's identity filled in.
func (a *attempt) emit(e Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e.Time = a.p.Clock.Now()
	e.Slot = a.dev.Slot
	e.Port = a.dev.Port
	e.DeviceID = a.rec.DeviceID
	e.Attempt = a.rec.Attempt
	e.Message = scrubSecrets(e.Message, a.secrets)
	e.Action = scrubSecrets(e.Action, a.secrets)
	e.Details = scrubSecrets(e.Details, a.secrets)
	if e.Kind != EventProgress && e.Progress == 0 {
		e.Progress = -1
	}
	a.emitFn(e)
}

// begin starts a step.
func (a *attempt) begin(s Step, msg string) {
	a.mu.Lock()
	a.rec.Steps = append(a.rec.Steps, StepEntry{Step: s, Started: a.p.Clock.Now(), Outcome: StepRunning})
	a.mu.Unlock()
	a.emit(Event{Step: s, Kind: EventStarted, Message: msg})
}

// end closes a step and journals the record. A journal that cannot be
// written stops the attempt: the station never acts without a record.
func (a *attempt) end(s Step, out StepOutcome, msg string) error {
	a.jmu.Lock()
	a.mu.Lock()
	now := a.p.Clock.Now()
	msg = scrubSecrets(msg, a.secrets)
	found := false
	for i := len(a.rec.Steps) - 1; i >= 0; i-- {
		if a.rec.Steps[i].Step == s && a.rec.Steps[i].Outcome == StepRunning {
			a.rec.Steps[i].Ended, a.rec.Steps[i].Outcome, a.rec.Steps[i].Message = now, out, msg
			found = true
			break
		}
	}
	if !found {
		a.rec.Steps = append(a.rec.Steps, StepEntry{Step: s, Started: now, Ended: now, Outcome: out, Message: msg})
	}
	snap := a.snapshot()
	a.mu.Unlock()
	kind := map[StepOutcome]EventKind{StepDone: EventDone, StepSkipped: EventSkipped, StepFailed: EventFailed}[out]
	var jerr error
	if a.p.Journal != nil && !a.finished.Load() {
		// Once the final record is written, a late step of a concurrent
		// goroutine must not append an older version after it.
		jerr = a.p.Journal.Append(snap)
	}
	a.jmu.Unlock()
	if out != StepFailed {
		a.emit(Event{Step: s, Kind: kind, Message: msg, Progress: 1})
	}
	if jerr != nil {
		return &StepError{Step: s, Message: "The station could not write its journal, so it stopped before doing anything unrecorded.",
			Action: "Check that the disk is not full and the journal file is writable, then retry.", Detail: jerr.Error(), Err: jerr}
	}
	return nil
}

// snapshot copies the record (a.mu held), steps in pipeline order
// (concurrent steps start in any order).
func (a *attempt) snapshot() Record {
	r := a.rec
	r.Steps = append([]StepEntry(nil), a.rec.Steps...)
	sort.SliceStable(r.Steps, func(i, j int) bool { return stepIndex(r.Steps[i].Step) < stepIndex(r.Steps[j].Step) })
	return r
}

func stepIndex(s Step) int {
	for i, x := range Steps {
		if x == s {
			return i
		}
	}
	return len(Steps)
}

func (a *attempt) done(s Step, msg string) error { return a.end(s, StepDone, msg) }
func (a *attempt) skip(s Step, msg string) error {
	a.mu.Lock()
	started := false
	for _, r := range a.rec.Steps {
		if r.Step == s && r.Outcome == StepRunning {
			started = true
		}
	}
	a.mu.Unlock()
	if !started {
		a.emit(Event{Step: s, Kind: EventStarted, Message: msg})
	}
	return a.end(s, StepSkipped, msg)
}

// run is the attempt's body; every path ends in finish.
func (a *attempt) run(ctx context.Context) Result {
	defer func() {
		if a.ch != nil {
			a.ch.Close()
		}
	}()
	// A panic (a bug) still closes the journal record, so the attempt is
	// not mistaken for one interrupted by a crash; then it goes on up (the
	// station turns it into a FAIL of this slot only).
	defer func() {
		if r := recover(); r != nil {
			if !a.finished.Load() {
				a.abandoned.Store(true) // concurrent cloud steps end as skipped
				a.finish(ctx, internalError(r))
			}
			panic(r)
		}
	}()
	where := a.dev.Port
	if where == "" {
		where = a.dev.Slot
	}
	// Nothing is opened yet: identify finds out whether a Photon answers.
	a.begin(StepDetect, "Using the Photon on "+where+".")
	if err := a.done(StepDetect, "Using the Photon on "+where+"."); err != nil {
		return a.finish(ctx, err)
	}

	// Cloud steps that do not need the device ID run while the device is
	// identified.
	early := make(chan error, 1)
	earlyCtx, cancelEarly := context.WithCancel(ctx)
	defer cancelEarly()
	customerKnown := a.p.Profile.Customer == CustomerEmail && !strings.Contains(a.p.Profile.CustomerPattern, "{device_id}")
	go func() {
		defer func() {
			if r := recover(); r != nil {
				early <- internalError(r) // this goroutine's panic would end the whole station
			}
		}()
		early <- a.earlyCloud(earlyCtx, customerKnown)
	}()
	if a.dev.OneNetwork {
		err := <-early
		early <- err // hand it on to the join below
		if err != nil {
			return a.finish(ctx, err)
		}
	}

	err := a.identify(ctx)
	if errors.Is(err, errResumeAtVerify) {
		if err := <-early; err != nil {
			return a.finish(ctx, err)
		}
		return a.finish(ctx, a.resumeAtVerify(ctx))
	}
	if err != nil {
		a.abandoned.Store(true)
		cancelEarly()
		<-early // its steps end as skipped: they were stopped, not failed
		return a.finish(ctx, err)
	}
	if err := <-early; err != nil {
		return a.finish(ctx, err)
	}
	return a.finish(ctx, a.afterIdentify(ctx, customerKnown))
}

// earlyCloud gets the product token and, when the customer does not depend
// on the device, the customer's token and a claim code.
func (a *attempt) earlyCloud(ctx context.Context, customerKnown bool) error {
	a.begin(StepPreflight, "Asking the Particle Cloud for a product token.")
	if err := a.productToken(ctx); err != nil {
		return a.fail(StepPreflight, err)
	}
	if customerKnown {
		a.customer = a.customerName("")
		if err := a.customerStep(ctx, nil); err != nil {
			return err
		}
		if err := a.claimCodeStep(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (a *attempt) productToken(ctx context.Context) error {
	p := a.p
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.Cloud)
	defer cancel()
	return p.Limit.do(sctx, func(ctx context.Context) error {
		t, err := p.Cloud.ProductToken(ctx, p.Profile.ClientID, p.Credentials.ClientSecret)
		if err == nil {
			a.secret(t.Value)
			a.productTok = t
		}
		return err
	})
}

// customerName is the customer for a device under the profile's mode.
func (a *attempt) customerName(deviceID string) string {
	prof := a.p.Profile
	switch prof.Customer {
	case CustomerEmail:
		return strings.ToLower(strings.ReplaceAll(prof.CustomerPattern, "{device_id}", deviceID))
	case CustomerGenerated:
		domain := prof.CustomerPattern
		if domain == "" {
			domain = "@customers.photon-station.invalid"
		}
		id := uuid.NewSHA1(customerNamespace, []byte(prof.Product+"/"+deviceID))
		return id.String() + domain
	}
	return ""
}

// customerNamespace seeds the UUIDs of generated customers.
var customerNamespace = uuid.MustParse("8f7c1a52-8d7e-4d0a-9a53-3c3f1e0b6f21")

// identify opens the channel and reads the device's identity into the
// record; it also finds an interrupted attempt of the same device to resume.
func (a *attempt) identify(ctx context.Context) error {
	p := a.p
	a.begin(StepIdentify, "Checking that the Photon is in listening mode (blinking dark blue).")
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.Identify)
	defer cancel()
	if a.dev.Open == nil {
		return a.fail(StepIdentify, errors.New("no device channel"))
	}
	ch, err := a.dev.Open(sctx)
	if err != nil {
		return a.fail(StepIdentify, err)
	}
	a.ch = ch
	info, err := ch.Identify(sctx)
	if err != nil {
		if prev, ok := a.afterWiFiCandidate(err); ok {
			// Expected: the device left listening mode when it received
			// its Wi-Fi settings in the interrupted attempt.
			a.prev = &prev
			a.mu.Lock()
			a.rec.ResumedFrom = prev.Attempt
			a.rec.DeviceID, a.rec.MAC, a.rec.Firmware = prev.DeviceID, prev.MAC, prev.Firmware
			a.rec.Customer, a.rec.ClaimCodeAt = prev.Customer, prev.ClaimCodeAt
			a.rec.WiFiSentAt = prev.WiFiSentAt
			if a.rec.WiFiSentAt.IsZero() {
				// A journal from before WiFiSentAt was recorded.
				if st, ok := prev.StepOf(StepWiFi); ok {
					a.rec.WiFiSentAt = st.Started
				}
			}
			a.mu.Unlock()
			a.customerResumed = prev.Customer
			if err := a.skip(StepIdentify, "The Photon already has its Wi-Fi settings from the interrupted attempt "+prev.Attempt+"; checking the cloud."); err != nil {
				return err
			}
			return errResumeAtVerify
		}
		return a.fail(StepIdentify, err)
	}
	id, err := cloud.NormalizeDeviceID(info.ID)
	if err != nil {
		return a.fail(StepIdentify, &StepError{Step: StepIdentify,
			Message: fmt.Sprintf("The Photon reported %q, which is not a device ID.", trimForMessage(info.ID)),
			Action:  "Reset the Photon, put it in listening mode (blinking dark blue) and retry; if it repeats, set this one aside.",
			Err:     err})
	}
	info.ID = id
	a.mu.Lock()
	a.rec.DeviceID, a.rec.MAC, a.rec.Firmware = id, info.MAC, info.Firmware
	a.mu.Unlock()
	if prev, ok := a.resumable(id); ok {
		a.prev = &prev
		a.mu.Lock()
		a.rec.ResumedFrom = prev.Attempt
		a.mu.Unlock()
	}
	msg := "Photon " + id + " is in listening mode"
	if info.Firmware != "" {
		msg += ", Device OS " + info.Firmware
	}
	return a.done(StepIdentify, msg+".")
}

// resumable returns the interrupted attempt of this device under the same
// product, if any.
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
		if prev.Finished() || prev.Product != a.p.Profile.Product {
			return Record{}, false
		}
		return prev, true
	}
	return Record{}, false
}

func trimForMessage(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// errResumeAtVerify says identify found the device out of listening mode
// because an interrupted attempt already sent its Wi-Fi settings.
var errResumeAtVerify = errors.New("resume at verification")

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

// resumeAtVerify goes on with an interrupted attempt whose device already
// has its Wi-Fi settings (a.prev): only verification is left.
func (a *attempt) resumeAtVerify(ctx context.Context) error {
	prev := a.prev
	a.customer = a.customerResumed
	if err := a.done(StepPreflight, "Resuming the interrupted attempt "+prev.Attempt+" at verification."); err != nil {
		return err
	}
	for _, s := range []Step{StepImport, StepCustomer, StepClaimCode, StepDeliverCode, StepWiFi} {
		if err := a.skip(s, "Done in the interrupted attempt "+prev.Attempt+"."); err != nil {
			return err
		}
	}
	return a.verifyAndCheck(ctx)
}

// afterIdentify runs pre-flight's device look-up and the steps after it.
func (a *attempt) afterIdentify(ctx context.Context, customerKnown bool) error {
	p := a.p
	id := a.rec.DeviceID
	prof := p.Profile

	// Pre-flight: where is the device now?
	var cd CloudDevice
	inProduct := false
	err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
		d, err := p.Cloud.ProductDevice(ctx, tok, prof.Product, id)
		cd = d
		return err
	})
	switch {
	case err == nil:
		inProduct = true
		a.heardBefore = cd.LastHeard
	case cloud.IsNotFound(err):
	default:
		return a.fail(StepPreflight, err)
	}
	if !customerKnown && prof.Customer != CustomerNone && prof.Customer != "" {
		a.customer = a.customerName(id)
	}
	a.mu.Lock()
	a.rec.Customer = a.customer
	a.mu.Unlock()
	alreadyOwned := false
	if inProduct && cd.Owner != "" && a.customer == "" {
		// This job claims to nobody, so any owner is someone else's.
		return a.fail(StepPreflight, ownedElsewhere(id, cd.Owner))
	}
	if inProduct && cd.Owner != "" && a.customer != "" {
		if strings.EqualFold(cd.Owner, a.customer) {
			alreadyOwned = true
		} else {
			return a.fail(StepPreflight, ownedElsewhere(id, cd.Owner))
		}
	}
	pre := "Photon " + id + " is not yet in product " + prof.Product + "."
	if inProduct {
		pre = "Photon " + id + " is already in product " + prof.Product + "."
		if alreadyOwned {
			pre = "Photon " + id + " is already in the product and owned by " + a.customer + "."
		}
	}
	if err := a.done(StepPreflight, pre); err != nil {
		return err
	}

	// Import.
	if inProduct {
		if err := a.skip(StepImport, "Already in the product."); err != nil {
			return err
		}
	} else {
		a.begin(StepImport, "Adding the Photon to product "+prof.Product+".")
		var res ImportResult
		err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
			r, err := p.Cloud.ImportDevice(ctx, tok, prof.Product, id)
			res = r
			return err
		})
		if err != nil {
			return a.fail(StepImport, err)
		}
		switch {
		case containsID(res.Invalid, id):
			return a.fail(StepImport, &StepError{Step: StepImport,
				Message: fmt.Sprintf("The cloud refused Photon %s: it is in another product, or the cloud does not know this device ID. Nothing was written to the device.", id),
				Action:  "Set it aside for a supervisor: remove it from the other product first, or check the device ID."})
		case containsID(res.Nonmember, id):
			return a.fail(StepImport, &StepError{Step: StepImport,
				Message: fmt.Sprintf("Photon %s is owned by a Particle user who is not a member of this product. Nothing was written to the device.", id),
				Action:  "Set it aside for a supervisor: the owner must release the device before it can join the product."})
		}
		msg := "Added to product " + prof.Product + "."
		if containsID(res.Existing, id) {
			msg = "Already in the product."
		}
		// A device owned by a member of the product joins it with its
		// owner: look again before anything is written to the device.
		{
			var after CloudDevice
			err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
				d, err := p.Cloud.ProductDevice(ctx, tok, prof.Product, id)
				after = d
				return err
			})
			if err != nil {
				return a.fail(StepImport, err)
			}
			switch {
			case after.Owner == "":
			case a.customer != "" && strings.EqualFold(after.Owner, a.customer):
				alreadyOwned = true
			default:
				// The import itself went through: say so, and how to undo it.
				return a.fail(StepImport, &StepError{Step: StepImport,
					Message: fmt.Sprintf("Photon %s is already claimed by another account (%s); it was added to product %s, but nothing was written to the device.", id, after.Owner, prof.Product),
					Action:  "Set it aside for a supervisor: the owner must release it before it can be set up, or remove it from the product again."})
			}
		}
		if err := a.done(StepImport, msg); err != nil {
			return err
		}
	}

	// Customer and claim code.
	if a.customer == "" {
		for _, s := range []Step{StepCustomer, StepClaimCode, StepDeliverCode} {
			if err := a.skip(s, "This job does not claim devices to a customer."); err != nil {
				return err
			}
		}
	} else {
		if !customerKnown {
			if err := a.customerStep(ctx, a.prev); err != nil {
				return err
			}
		}
		if alreadyOwned {
			if !customerKnown {
				if err := a.skip(StepClaimCode, "Already owned by "+a.customer+": no claim needed."); err != nil {
					return err
				}
			}
			if err := a.skip(StepDeliverCode, "Already owned by "+a.customer+": no claim needed."); err != nil {
				return err
			}
		} else if a.prev != nil && a.prev.Completed(StepDeliverCode) && strings.EqualFold(a.prev.Customer, a.customer) &&
			!a.prev.ClaimCodeAt.IsZero() && p.Clock.Now().Sub(a.prev.ClaimCodeAt) < ClaimCodeMaxAge {
			// The device kept the code of the interrupted attempt: it
			// stays in its memory until the cloud acknowledges it.
			a.mu.Lock()
			a.rec.ClaimCodeAt = a.prev.ClaimCodeAt
			a.mu.Unlock()
			msg := "The Photon holds the claim code sent at " + a.prev.ClaimCodeAt.Format("15:04") + " in the interrupted attempt; it is still valid."
			if !customerKnown {
				if err := a.skip(StepClaimCode, msg); err != nil {
					return err
				}
			}
			if err := a.skip(StepDeliverCode, msg); err != nil {
				return err
			}
		} else {
			if !customerKnown {
				if err := a.claimCodeStep(ctx); err != nil {
					return err
				}
			}
			if err := a.deliverCode(ctx); err != nil {
				return err
			}
		}
	}

	// Wi-Fi, last: a device that accepts it leaves listening mode.
	if err := a.wifi(ctx); err != nil {
		return err
	}
	return a.verifyAndCheck(ctx)
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if strings.EqualFold(x, id) {
			return true
		}
	}
	return false
}

// cloudCall runs one cloud request under the shared limit and the cloud
// step timeout.
func (a *attempt) cloudCall(ctx context.Context, f func(context.Context) error) error {
	sctx, cancel := context.WithTimeout(ctx, a.p.Timeouts.Cloud)
	defer cancel()
	return a.p.Limit.do(sctx, f)
}

// productCall runs a cloud request with the product token. When the cloud
// no longer accepts the token (expired or revoked), it gets a new one and
// repeats the request once: every such request is harmless to repeat.
func (a *attempt) productCall(ctx context.Context, f func(context.Context, Token) error) error {
	err := a.cloudCall(ctx, func(ctx context.Context) error { return f(ctx, a.productTok) })
	if err == nil || cloud.IsBadCredentials(err) || !(cloud.IsUnauthorized(err) || cloud.IsTokenExpired(err)) {
		return err
	}
	if terr := a.productToken(ctx); terr != nil {
		return terr
	}
	return a.cloudCall(ctx, func(ctx context.Context) error { return f(ctx, a.productTok) })
}

// customerStep creates the shadow customer, or gets a token for it when it
// already exists (or the interrupted attempt created it).
func (a *attempt) customerStep(ctx context.Context, prev *Record) error {
	p := a.p
	a.begin(StepCustomer, "Preparing customer "+a.customer+".")
	a.mu.Lock()
	a.rec.Customer = a.customer
	a.mu.Unlock()
	exists := prev != nil && prev.Completed(StepCustomer) && strings.EqualFold(prev.Customer, a.customer)
	msg := "Created customer " + a.customer + "."
	if !exists {
		err := a.cloudCall(ctx, func(ctx context.Context) error {
			t, err := p.Cloud.CreateCustomer(ctx, p.Profile.Product, p.Profile.ClientID, p.Credentials.ClientSecret, a.customer)
			if err == nil {
				a.secret(t.Value)
				a.customerTok = t
			}
			return err
		})
		switch {
		case err == nil:
		case cloud.IsCustomerExists(err):
			exists = true
		default:
			return a.fail(StepCustomer, err)
		}
	}
	if exists {
		msg = "Customer " + a.customer + " already exists; using it."
		err := a.cloudCall(ctx, func(ctx context.Context) error {
			t, err := p.Cloud.CustomerToken(ctx, p.Profile.ClientID, p.Credentials.ClientSecret, a.customer)
			if err == nil {
				a.secret(t.Value)
				a.customerTok = t
			}
			return err
		})
		if err != nil {
			return a.fail(StepCustomer, err)
		}
	}
	return a.done(StepCustomer, msg)
}

// claimCodeStep gets a claim code with the customer's token.
func (a *attempt) claimCodeStep(ctx context.Context) error {
	p := a.p
	a.begin(StepClaimCode, "Getting a claim code for "+a.customer+".")
	err := a.cloudCall(ctx, func(ctx context.Context) error {
		c, err := p.Cloud.CreateClaimCode(ctx, a.customerTok, p.Profile.Product)
		if err == nil {
			a.secret(c)
			a.claimCode = c
			a.claimAt = p.Clock.Now()
		}
		return err
	})
	if err != nil {
		return a.fail(StepClaimCode, err)
	}
	if len(a.claimCode) != 63 {
		return a.fail(StepClaimCode, &StepError{Step: StepClaimCode,
			Message: fmt.Sprintf("The cloud returned a claim code of %d characters; a Photon needs exactly 63.", len(a.claimCode)),
			Action:  "Retry; if it repeats, report it to a supervisor with the details."})
	}
	return a.done(StepClaimCode, "Got a claim code (valid for one hour).")
}

// deliverCode stores the claim code on the device, getting a fresh one
// first when the current one is older than ClaimCodeMaxAge.
func (a *attempt) deliverCode(ctx context.Context) error {
	p := a.p
	if a.claimCode == "" || p.Clock.Now().Sub(a.claimAt) >= ClaimCodeMaxAge {
		if err := a.claimCodeStep(ctx); err != nil {
			return err
		}
	}
	a.begin(StepDeliverCode, "Sending the claim code to the Photon.")
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.DeliverCode)
	defer cancel()
	if err := a.ch.SetClaimCode(sctx, a.claimCode); err != nil {
		return a.fail(StepDeliverCode, err)
	}
	a.mu.Lock()
	a.rec.ClaimCodeAt = a.claimAt
	a.mu.Unlock()
	return a.done(StepDeliverCode, "The Photon stored its claim code.")
}

func (a *attempt) wifi(ctx context.Context) error {
	p := a.p
	prof := p.Profile
	a.begin(StepWiFi, fmt.Sprintf("Sending the Wi-Fi settings for %q.", prof.SSID))
	sctx, cancel := context.WithTimeout(ctx, p.Timeouts.WiFi)
	defer cancel()
	w := WiFiCredentials{SSID: prof.SSID, Security: prof.Security, Password: p.Credentials.WiFiPassword}
	// Taken before sending: a device may reach the cloud before the send
	// call returns.
	a.mu.Lock()
	a.rec.WiFiSentAt = p.Clock.Now()
	a.mu.Unlock()
	if err := a.ch.ConfigureWiFi(sctx, w); err != nil {
		return a.fail(StepWiFi, err)
	}
	return a.done(StepWiFi, fmt.Sprintf("The Photon accepted the Wi-Fi settings for %q and is joining the network (blinking green).", prof.SSID))
}

// verifyAndCheck waits for the cloud to confirm the device and runs the
// post-verification step.
func (a *attempt) verifyAndCheck(ctx context.Context) error {
	if err := a.verify(ctx); err != nil {
		return err
	}
	return a.postCheck(ctx)
}

// verify polls the product device until it is online, in the product and,
// with a customer, owned by that customer.
func (a *attempt) verify(ctx context.Context) error {
	p := a.p
	prof := p.Profile
	id := a.rec.DeviceID
	timeout := prof.EffectiveVerifyTimeout()
	what := "online in product " + prof.Product
	if a.customer != "" {
		what += " and owned by " + a.customer
	}
	a.begin(StepVerify, "Waiting for the Photon to reach the cloud (blinking green, then cyan).")
	start := p.Clock.Now()
	deadline := start.Add(timeout)
	// A safety net in real time, in case the clock is a fake nobody advances.
	vctx, cancel := context.WithTimeout(ctx, timeout+p.Timeouts.Cloud)
	defer cancel()
	sawOnline, sawInProduct := false, false
	var lastErr error
	for {
		var cd CloudDevice
		err := a.productCall(vctx, func(ctx context.Context, tok Token) error {
			d, err := p.Cloud.ProductDevice(ctx, tok, prof.Product, id)
			cd = d
			return err
		})
		switch {
		case err == nil:
			sawInProduct = true
			online := cd.Online && a.heardSinceWiFi(cd.LastHeard)
			if online {
				sawOnline = true
			}
			if online && (a.customer == "" || strings.EqualFold(cd.Owner, a.customer)) {
				return a.done(StepVerify, "The cloud confirms Photon "+id+" is "+what+".")
			}
			if a.customer != "" && cd.Owner != "" && !strings.EqualFold(cd.Owner, a.customer) {
				return a.fail(StepVerify, &StepError{Step: StepVerify,
					Message: fmt.Sprintf("Photon %s came online but is owned by %s, not %s.", id, cd.Owner, a.customer),
					Action:  "Set it aside for a supervisor: the device was claimed by another account meanwhile."})
			}
		case isCanceled(err) && ctx.Err() != nil:
			return a.fail(StepVerify, err)
		case cloud.IsUnauthorized(err) || cloud.IsPermissionDenied(err):
			return a.fail(StepVerify, err)
		default:
			lastErr = err
		}
		if ctx.Err() != nil {
			// Stopped (Stop, unplugging, a signal): not a device that
			// never arrived.
			return a.fail(StepVerify, ctx.Err())
		}
		now := p.Clock.Now()
		remaining := deadline.Sub(now)
		if remaining <= 0 || vctx.Err() != nil {
			return a.fail(StepVerify, a.neverArrived(ctx, timeout, sawOnline, sawInProduct, lastErr))
		}
		a.emit(Event{Step: StepVerify, Kind: EventProgress,
			Progress:  float64(now.Sub(start)) / float64(timeout),
			Remaining: remaining,
			Message:   fmt.Sprintf("Waiting for the Photon to reach the cloud (blinking green, then cyan): %s left.", remaining.Round(time.Second))})
		if err := wait(vctx, p.Clock, min(p.PollInterval, remaining)); err != nil && ctx.Err() != nil {
			return a.fail(StepVerify, err)
		}
	}
}

// ClockSkewMargin is how far the cloud's clock may lag this computer's
// when verification compares the cloud's last_heard with the moment the
// Wi-Fi settings were sent. Computers and the cloud keep time by NTP, well
// within it; a device heard of more than this before the Wi-Fi step is
// stale news.
const ClockSkewMargin = 5 * time.Second

// heardSinceWiFi tells whether the cloud heard from the device after the
// Wi-Fi settings were sent: the online flag alone may still describe the
// connection the device dropped when it entered listening mode ("never
// report success that the cloud has not confirmed"). Evidence is a
// last_heard later than the one pre-flight saw (no clock involved), or one
// no older than the Wi-Fi step less ClockSkewMargin.
func (a *attempt) heardSinceWiFi(lastHeard time.Time) bool {
	if lastHeard.IsZero() {
		return false
	}
	if !a.heardBefore.IsZero() && lastHeard.After(a.heardBefore) {
		return true
	}
	a.mu.Lock()
	sent := a.rec.WiFiSentAt
	a.mu.Unlock()
	if sent.IsZero() {
		return false
	}
	return !lastHeard.Before(sent.Add(-ClockSkewMargin))
}

// neverArrived names the likely cause of a device that did not reach the
// cloud in time.
func (a *attempt) neverArrived(ctx context.Context, timeout time.Duration, sawOnline, sawInProduct bool, lastErr error) *StepError {
	prof := a.p.Profile
	id := a.rec.DeviceID
	e := &StepError{Step: StepVerify, Err: lastErr}
	if lastErr != nil {
		e.Detail = lastErr.Error()
	}
	switch {
	case sawOnline && a.customer != "":
		e.Message = fmt.Sprintf("Photon %s reached the cloud but was not claimed to %s within %s: the claim code did not arrive (it expired, or the device was set up again meanwhile).", id, a.customer, timeout)
		e.Action = "Retry: the station sends a fresh claim code. Put the Photon back in listening mode first (hold SETUP until it blinks dark blue)."
		return e
	case !sawInProduct && lastErr != nil:
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
		e.Action = "Check the Wi-Fi password stored in the profile (or WIFI_PASSWORD), then retry."
		return e
	}
	e.Message = fmt.Sprintf("Photon %s did not reach the cloud within %s: most likely the Wi-Fi password for %q is wrong, or the network is out of range.", id, timeout, prof.SSID)
	e.Action = "If the LED blinked green for a long time or went back to blinking dark blue, check the Wi-Fi password; if it never blinked cyan, move closer to the access point. Then retry."
	return e
}

// postCheck names the device and runs the profile's post-verification check.
func (a *attempt) postCheck(ctx context.Context) error {
	p := a.p
	prof := p.Profile
	id := a.rec.DeviceID
	if prof.NamePattern == "" && prof.PostCheck == nil {
		return a.skip(StepPostCheck, "No device name or post-verification check in this job.")
	}
	a.begin(StepPostCheck, "Naming and checking the Photon.")
	var done []string
	if prof.NamePattern != "" {
		name := ExpandNamePattern(prof.NamePattern, id)
		if err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
			return p.Cloud.RenameDevice(ctx, tok, prof.Product, id, name)
		}); err != nil {
			return a.fail(StepPostCheck, err)
		}
		done = append(done, "named "+name)
	}
	if pc := prof.PostCheck; pc != nil {
		var got string
		err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
			switch pc.Kind {
			case PostCheckFunction:
				v, err := p.Cloud.CallFunction(ctx, tok, prof.Product, id, pc.Name, pc.Argument)
				got = fmt.Sprint(v)
				return err
			default:
				v, err := p.Cloud.GetVariable(ctx, tok, prof.Product, id, pc.Name)
				got = v
				return err
			}
		})
		if err != nil {
			return a.fail(StepPostCheck, err)
		}
		if pc.Expect != "" && strings.TrimSpace(got) != strings.TrimSpace(pc.Expect) {
			return a.fail(StepPostCheck, &StepError{Step: StepPostCheck,
				Message: fmt.Sprintf("The post-verification check %s %q returned %q, expected %q.", pc.Kind, pc.Name, trimForMessage(got), pc.Expect),
				Action:  "Check that the Photon runs the expected firmware, then retry or set it aside."})
		}
		done = append(done, fmt.Sprintf("%s %s returned %s", pc.Kind, pc.Name, trimForMessage(got)))
	}
	return a.done(StepPostCheck, strings.Join(done, "; ")+".")
}

// ExpandNamePattern fills {device_id} and {last6} in a device name pattern.
func ExpandNamePattern(pattern, deviceID string) string {
	last6 := deviceID
	if len(last6) > 6 {
		last6 = last6[len(last6)-6:]
	}
	return strings.NewReplacer("{device_id}", deviceID, "{last6}", last6).Replace(pattern)
}

// fail closes step s as failed with the technician's words for err, and
// returns the *StepError (which finish reports).
func (a *attempt) fail(s Step, err error) error {
	if a.abandoned.Load() && isCanceled(err) {
		a.end(s, StepSkipped, "Stopped because another step failed.")
		return err
	}
	var se *StepError
	if !errors.As(err, &se) {
		se = a.explain(s, err)
	} else if se.Step == "" {
		se.Step = s
	}
	se.Message = a.scrub(se.Message)
	se.Action = a.scrub(se.Action)
	se.Detail = a.scrub(se.Detail)
	if se.Detail == "" && se.Err != nil {
		se.Detail = a.scrub(se.Err.Error())
	}
	a.mu.Lock()
	if a.rec.FailedStep == "" {
		a.rec.FailedStep = s
	}
	a.mu.Unlock()
	jerr := a.end(s, StepFailed, se.Message)
	a.emit(Event{Step: s, Kind: EventFailed, Message: se.Message, Action: se.Action, Details: se.Detail})
	if jerr != nil {
		return jerr
	}
	return se
}

// internalError is a recovered panic in the technician's words; the raw
// value is kept for the details only.
func internalError(r any) *StepError {
	return &StepError{Message: "The station hit an internal error on this Photon; the other slots go on.",
		Action: "Press Retry; if it repeats, report it with the details.", Detail: fmt.Sprint(r)}
}

// finish writes the final record version and returns the Result.
func (a *attempt) finish(ctx context.Context, err error) Result {
	a.finished.Store(true)
	canceled := false
	a.jmu.Lock()
	defer a.jmu.Unlock()
	a.mu.Lock()
	rec := &a.rec
	rec.Ended = a.p.Clock.Now()
	if err == nil {
		rec.Outcome = OutcomePass
		rec.Message = "Photon " + rec.DeviceID + " is provisioned and verified in the cloud."
		rec.Action = "Unplug it and plug in the next one."
		rec.FailedStep = ""
	} else {
		se := &StepError{}
		if !errors.As(err, &se) {
			se = &StepError{Message: err.Error()}
		}
		if ctx.Err() != nil && isCanceled(err) {
			se.Message, se.Action = "Stopped before the Photon was finished.", "Press Retry to start this Photon again."
			canceled = true
		}
		rec.Outcome = OutcomeFail
		rec.Message = scrubSecrets(se.Message, a.secrets)
		rec.Action = scrubSecrets(se.Action, a.secrets)
		rec.Details = scrubSecrets(se.Detail, a.secrets)
		// The failed step is the one whose message the record gives (a
		// concurrent step may have failed first, for its own reason).
		if se.Step != "" {
			rec.FailedStep = se.Step
		}
	}
	for i := range rec.Steps {
		if rec.Steps[i].Outcome == StepRunning {
			// Begun but never finished: a concurrent step cut short.
			rec.Steps[i].Outcome, rec.Steps[i].Ended, rec.Steps[i].Message = StepSkipped, rec.Ended, "Not finished."
		}
	}
	rec.Steps = append(rec.Steps, StepEntry{Step: StepRecord, Started: rec.Ended, Ended: rec.Ended, Outcome: StepDone})
	snap := a.snapshot()
	a.mu.Unlock()
	res := Result{Attempt: snap.Attempt, DeviceID: snap.DeviceID, Customer: snap.Customer, Outcome: snap.Outcome,
		FailedStep: snap.FailedStep, Message: snap.Message, Action: snap.Action, Canceled: canceled, Record: snap}
	res.Details = snap.Details
	if a.p.Journal != nil {
		if jerr := a.p.Journal.Append(snap); jerr != nil {
			res.Outcome = OutcomeFail
			res.Message = "The station could not write the final journal record."
			res.Action = "Check that the disk is not full and the journal file is writable."
			res.Details = jerr.Error()
		}
	}
	a.emit(Event{Step: StepRecord, Kind: EventResult, Outcome: res.Outcome, Message: res.Message, Action: res.Action,
		Details: res.Details, Progress: 1})
	return res
}

// ownedElsewhere is the pre-flight's refusal of a device that another
// account owns: nothing is written to it.
func ownedElsewhere(id, owner string) *StepError {
	return &StepError{Step: StepPreflight,
		Message: fmt.Sprintf("Photon %s is already claimed by another account (%s); nothing was written to it.", id, owner),
		Action:  "Set it aside for a supervisor: the owner must release it (or a transfer must be requested) before it can be claimed."}
}

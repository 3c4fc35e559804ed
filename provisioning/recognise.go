package provisioning

import (
	"context"
	"fmt"
	"strings"

	"github.com/photon-station/photon-station/cloud"
)

// quietDevice is identify's answer for a Photon that does not answer in
// listening mode but whose USB serial number named it: before identify is
// failed, recognise looks for it in the journal and the cloud.
type quietDevice struct {
	id  string
	err error // the device error identify got
}

func (q *quietDevice) Error() string { return q.err.Error() }

// quietNamed tells whether identify's error is a Photon that is not in
// listening mode (or silent), named by its USB serial number.
func (a *attempt) quietNamed(identifyErr error) (*quietDevice, bool) {
	k := deviceKind(identifyErr)
	if (k != DeviceNotListening && k != DeviceSilent) || a.dev.DeviceID == "" {
		return nil, false
	}
	id, err := cloud.NormalizeDeviceID(a.dev.DeviceID)
	if err != nil {
		return nil, false
	}
	return &quietDevice{id: id, err: identifyErr}, true
}

// provisioned ends an attempt whose Photon is already done: the outcome is
// OutcomeProvisioned, neither PASS nor FAIL.
type provisioned struct {
	message, action string
	claimable       bool
}

func (p *provisioned) Error() string { return p.message }

// recognise decides about a quiet, named Photon. It is already provisioned
// when the journal's last verdict on it in this product is PASS, or when
// the cloud shows it online in the job's product and owned by the job's
// customer (no owner, for a job without one). A Photon the cloud shows
// online in the product and unclaimed is not failed either: it can be
// claimed through the cloud (ClaimOnline). One online but owned by another
// account is refused as the import refuses it, unless it passed here
// before. Anything else fails identify as before. Only the cloud's own
// online flag and owner are read: no cloud time is compared with this
// computer's clock.
func (a *attempt) recognise(ctx context.Context, pre *branch, q *quietDevice) error {
	p := a.p
	product := p.Profile.Product
	customer := a.customerName(q.id)
	a.update(func(r *Record) { r.Customer = customer })
	passed := a.journalPassed(q.id)
	var d CloudDevice
	online := false
	if pre.wait() == nil {
		err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
			got, err := p.Cloud.ProductDevice(ctx, tok, product, q.id)
			d = got
			return err
		})
		online = err == nil && d.Online
	}
	// A job without a customer leaves its Photons unowned (customer "").
	owned := strings.EqualFold(d.Owner, customer)
	known := &provisioned{action: "Unplug it and plug in the next one."}
	switch {
	case online && owned:
		known.message = fmt.Sprintf("Photon %s is already provisioned: the cloud shows it online in product %s", q.id, product)
		if customer != "" {
			known.message += ", owned by " + customer
		}
		known.message += "."
	case online && d.Owner == "":
		// Online in the product and unclaimed: the customer's token can
		// claim it by ID.
		known.claimable = true
		known.message = fmt.Sprintf("Photon %s is online in product %s (breathing cyan) but owned by nobody, not by %s.", q.id, product, customer)
		if passed {
			known.message = fmt.Sprintf("Photon %s passed here before and is online in product %s, but the cloud shows it owned by nobody, not by %s.", q.id, product, customer)
		}
		known.action = "Claim it to " + customer + " through the cloud (no listening mode needed), or unplug it."
	case online && passed:
		known.message = fmt.Sprintf("Photon %s passed here before, but the cloud now shows it owned by %s, not by %s.", q.id, d.Owner, customer)
		if customer == "" {
			known.message = fmt.Sprintf("Photon %s passed here before, but the cloud now shows it owned by %s; this job leaves Photons unowned.", q.id, d.Owner)
		}
		known.action = "Set it aside for a supervisor: the owner must release it before it can be claimed."
	case online:
		// The import would refuse it for its owner; so does identify.
		refused := *ownedElsewhere(q.id, d.Owner)
		refused.Step = StepIdentify
		return a.fail(StepIdentify, &refused)
	case passed:
		known.message = fmt.Sprintf("Photon %s is already provisioned: its last attempt in this journal passed, and it is not in listening mode.", q.id)
	default:
		return a.fail(StepIdentify, q.err)
	}
	if err := a.skip(StepIdentify, known.message); err != nil {
		return err
	}
	return known
}

// ownerWords names an owner in a sentence.
func ownerWords(owner string) string {
	if owner == "" {
		return "nobody"
	}
	return owner
}

// journalPassed tells whether the journal's last verdict on the device,
// other than this attempt, already-provisioned notes and stops, is a PASS in the
// job's product. An attempt resumed by a later one is no verdict either,
// but it is not skipped: met here, it means its chain ended in a stop, so
// the Photon was not finished since.
func (a *attempt) journalPassed(id string) bool {
	if a.p.Journal == nil {
		return false
	}
	recs := a.p.Journal.ByDevice(id)
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.Attempt == a.rec.Attempt || r.Outcome == OutcomeProvisioned || r.Outcome == OutcomeStopped {
			continue
		}
		return r.Outcome == OutcomePass && r.Product == a.p.Profile.Product
	}
	return false
}

// claimOnline is ClaimOnline's body: the product token, the customer's
// token, the claim by device ID, and a read of the owner.
func (a *attempt) claimOnline(ctx context.Context) error {
	p := a.p
	id, err := cloud.NormalizeDeviceID(a.dev.DeviceID)
	if err != nil {
		a.begin(StepClaim, "Claiming the Photon through the cloud.")
		return a.fail(StepClaim, &StepError{Step: StepClaim, Message: "The station does not know this Photon's device ID, so it cannot claim it through the cloud.",
			Action: "Unplug it, put it in listening mode (blinking dark blue) and plug it in again.", Err: err})
	}
	customer := a.customerName(id)
	a.update(func(r *Record) { r.DeviceID, r.Customer = id, customer })
	if customer == "" {
		a.begin(StepClaim, "Claiming the Photon through the cloud.")
		return a.fail(StepClaim, &StepError{Step: StepClaim, Message: "This job does not claim devices to a customer.",
			Action: "Unplug the Photon; nothing needs doing."})
	}
	if err := a.preflight(ctx); err != nil {
		return err
	}
	a.begin(StepCustomer, "Preparing customer "+customer+".")
	var tok Token
	err = func() error {
		sctx, cancel := context.WithTimeout(ctx, p.Timeouts.Cloud)
		defer cancel()
		var err error
		tok, _, err = p.Tokens.Customer(sctx, p.Profile.Product, customer, true)
		return err
	}()
	if err != nil {
		return a.fail(StepCustomer, err)
	}
	a.secret(tok.Value)
	if err := a.done(StepCustomer, "Using customer "+customer+"."); err != nil {
		return err
	}
	a.begin(StepClaim, "Claiming Photon "+id+" to "+customer+" through the cloud.")
	if err := a.cloudCall(ctx, func(ctx context.Context) error { return p.Cloud.ClaimDevice(ctx, tok, id) }); err != nil {
		if cloud.IsClaimedBySomeoneElse(err) {
			err = &StepError{Step: StepClaim, Message: "The cloud refused: Photon " + id + " belongs to another account.",
				Action: "Set it aside for a supervisor: the owner must release it first.", Err: err}
		} else if cloud.IsNotFound(err) {
			err = &StepError{Step: StepClaim, Message: "The cloud does not see Photon " + id + " online any more, so it cannot be claimed now.",
				Action: "Check that it breathes cyan, then claim it again; or unplug it and set it up in listening mode.", Err: err}
		}
		return a.fail(StepClaim, err)
	}
	var d CloudDevice
	if err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
		got, err := p.Cloud.ProductDevice(ctx, tok, p.Profile.Product, id)
		d = got
		return err
	}); err != nil {
		return a.fail(StepClaim, err)
	}
	if !strings.EqualFold(d.Owner, customer) {
		return a.fail(StepClaim, &StepError{Step: StepClaim,
			Message: fmt.Sprintf("The cloud accepted the claim, but shows Photon %s owned by %s, not by %s.", id, ownerWords(d.Owner), customer),
			Action:  "Claim it again; if it repeats, set it aside for a supervisor."})
	}
	a.update(func(r *Record) { r.Evidence = &Evidence{Kind: EvidenceOwner, Owner: d.Owner} })
	return a.done(StepClaim, "The cloud shows Photon "+id+" owned by "+customer+".")
}

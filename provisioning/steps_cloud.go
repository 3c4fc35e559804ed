package provisioning

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/photon-station/photon-station/cloud"
)

// preflight makes sure the station holds a product token for the job's
// OAuth client (the shared one, when another slot already got it).
func (a *attempt) preflight(ctx context.Context) error {
	a.begin(StepPreflight, "Asking the Particle Cloud for a product token.")
	if n := a.dev.Network; n != nil && n.ByHand() {
		// Its cloud requests would go out on the Photon's network, which
		// has no internet; the guard holds them, and the attempt stops
		// here having sent none.
		return a.fail(StepPreflight, &StepError{
			Message: "This computer is on the Photon's Wi-Fi, joined by hand, which has no internet; the station cannot switch networks by itself, so it sent nothing to the Particle Cloud.",
			Action:  "Set this Photon up over USB, or from a computer on which the station can join the Photon's network itself, then try again."})
	}
	if _, err := a.productToken(ctx); err != nil {
		return a.fail(StepPreflight, err)
	}
	return a.done(StepPreflight, "The Particle Cloud accepted the job's OAuth client.")
}

// productToken returns the shared product token, within the cloud step
// timeout.
func (a *attempt) productToken(ctx context.Context) (Token, error) {
	sctx, cancel := context.WithTimeout(ctx, a.p.Timeouts.Cloud)
	defer cancel()
	t, err := a.p.Tokens.Product(sctx)
	if err == nil {
		a.secret(t.Value)
	}
	return t, err
}

// cloudCall runs one cloud request under the shared limit and the cloud
// step timeout.
func (a *attempt) cloudCall(ctx context.Context, f func(context.Context) error) error {
	sctx, cancel := context.WithTimeout(ctx, a.p.Timeouts.Cloud)
	defer cancel()
	return a.p.Limit.do(sctx, f)
}

// productCall runs a cloud request with the product token. When the cloud
// no longer accepts the token (expired or revoked), the shared source
// renews it (once, for every slot that held it) and the request is
// repeated once: every such request is harmless to repeat.
func (a *attempt) productCall(ctx context.Context, f func(context.Context, Token) error) error {
	tok, err := a.productToken(ctx)
	if err != nil {
		return err
	}
	err = a.cloudCall(ctx, func(ctx context.Context) error { return f(ctx, tok) })
	if err == nil || cloud.IsBadCredentials(err) || !(cloud.IsUnauthorized(err) || cloud.IsTokenExpired(err)) {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, a.p.Timeouts.Cloud)
	tok, terr := a.p.Tokens.Renew(sctx, tok)
	cancel()
	if terr != nil {
		return terr
	}
	a.secret(tok.Value)
	return a.cloudCall(ctx, func(ctx context.Context) error { return f(ctx, tok) })
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

// importStep adds the device to the product (a device already there is
// left as it is) and reads it back: its owner decides whether the job may
// go on, and its cloud session times are what verification compares with.
// A device refused for its owner after this import added it is taken out
// of the product again.
func (a *attempt) importStep(ctx context.Context, id, customer string) (placement, error) {
	p := a.p
	prof := p.Profile
	a.begin(StepImport, "Adding the Photon to product "+prof.Product+".")
	var res ImportResult
	err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
		r, err := p.Cloud.ImportDevice(ctx, tok, prof.Product, id)
		res = r
		return err
	})
	if err != nil {
		return placement{}, a.fail(StepImport, err)
	}
	switch {
	case containsID(res.Invalid, id):
		return placement{}, a.fail(StepImport, &StepError{Step: StepImport,
			Message: fmt.Sprintf("The cloud refused Photon %s: it is in another product, or the cloud does not know this device ID. Nothing was written to the device.", id),
			Action:  "Set it aside for a supervisor: remove it from the other product first, or check the device ID."})
	case containsID(res.Nonmember, id):
		return placement{}, a.fail(StepImport, &StepError{Step: StepImport,
			Message: fmt.Sprintf("Photon %s is owned by a Particle user who is not a member of this product. Nothing was written to the device.", id),
			Action:  "Set it aside for a supervisor: the owner must release the device before it can join the product."})
	}
	added := !containsID(res.Existing, id)
	var d CloudDevice
	err = a.productCall(ctx, func(ctx context.Context, tok Token) error {
		got, err := p.Cloud.ProductDevice(ctx, tok, prof.Product, id)
		d = got
		return err
	})
	if err != nil {
		return placement{}, a.fail(StepImport, err)
	}
	place := placement{before: CloudMark{LastHandshake: d.LastHandshake, LastHeard: d.LastHeard}}
	switch {
	case d.Owner == "":
	case customer != "" && strings.EqualFold(d.Owner, customer):
		place.owned = true
	case !added:
		return placement{}, a.fail(StepImport, ownedElsewhere(id, d.Owner))
	default:
		// A device owned by a member of the product joins it with its
		// owner: take it out again, so a refusal leaves nothing behind.
		return placement{}, a.fail(StepImport, a.refuseImported(ctx, id, d.Owner))
	}
	a.update(func(r *Record) { r.CloudBefore = &place.before })
	switch {
	case !added:
		return place, a.skip(StepImport, "Already in the product.")
	case place.owned:
		return place, a.done(StepImport, "Added to product "+prof.Product+"; it is already owned by "+customer+".")
	}
	return place, a.done(StepImport, "Added to product "+prof.Product+".")
}

// refuseImported takes a device that the import added, but that another
// account owns, out of the product again, and says which happened.
func (a *attempt) refuseImported(ctx context.Context, id, owner string) *StepError {
	prof := a.p.Profile
	err := a.productCall(ctx, func(ctx context.Context, tok Token) error {
		return a.p.Cloud.RemoveDevice(ctx, tok, prof.Product, id)
	})
	e := &StepError{Step: StepImport,
		Message: fmt.Sprintf("Photon %s is already claimed by another account (%s); the import added it to product %s, so it was taken out again. Nothing was written to the device.", id, owner, prof.Product),
		Action:  "Set it aside for a supervisor: the owner must release it before it can be set up."}
	if err != nil {
		e.Message = fmt.Sprintf("Photon %s is already claimed by another account (%s); the import added it to product %s and it could not be taken out again. Nothing was written to the device.", id, owner, prof.Product)
		e.Action = "Set it aside for a supervisor: remove it from the product in the Particle console, and have the owner release it."
		e.Err, e.Detail = err, err.Error()
	}
	return e
}

// ownedElsewhere refuses a device, already in the product, that another
// account owns: nothing is written to it.
func ownedElsewhere(id, owner string) *StepError {
	return &StepError{Step: StepImport,
		Message: fmt.Sprintf("Photon %s is already claimed by another account (%s); nothing was written to it.", id, owner),
		Action:  "Set it aside for a supervisor: the owner must release it (or a transfer must be requested) before it can be claimed."}
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if strings.EqualFold(x, id) {
			return true
		}
	}
	return false
}

// customerSteps prepares the shadow customer (created, or found existing)
// and gets a claim code for it, unless the Photon still holds a fresh one
// from the interrupted attempt prev.
func (a *attempt) customerSteps(ctx context.Context, customer string, prev *Record) (claim, error) {
	p := a.p
	a.begin(StepCustomer, "Preparing customer "+customer+".")
	known := prev != nil && prev.Completed(StepCustomer) && strings.EqualFold(prev.Customer, customer)
	var tok Token
	var created bool
	err := func() error {
		sctx, cancel := context.WithTimeout(ctx, p.Timeouts.Cloud)
		defer cancel()
		var err error
		tok, created, err = p.Tokens.Customer(sctx, p.Profile.Product, customer, !known)
		return err
	}()
	if err != nil {
		return claim{}, a.fail(StepCustomer, err)
	}
	a.secret(tok.Value)
	msg := "Customer " + customer + " already exists; using it."
	if created {
		msg = "Created customer " + customer + "."
	}
	if err := a.done(StepCustomer, msg); err != nil {
		return claim{}, err
	}
	cl := claim{customer: customer, tok: tok}
	if prev != nil && prev.Completed(StepDeliverCode) && strings.EqualFold(prev.Customer, customer) &&
		!prev.ClaimCodeAt.IsZero() && p.Clock.Now().Sub(prev.ClaimCodeAt) < ClaimCodeMaxAge {
		// The device kept the code of the interrupted attempt: it stays in
		// its memory until the cloud acknowledges it.
		a.update(func(r *Record) { r.ClaimCodeAt = prev.ClaimCodeAt })
		cl.kept = "The Photon holds the claim code sent at " + prev.ClaimCodeAt.Format("15:04") + " in the interrupted attempt; it is still valid."
		return cl, a.skip(StepClaimCode, cl.kept)
	}
	return cl, a.claimCodeStep(ctx, &cl)
}

// claimCodeStep gets a claim code with the customer's token.
func (a *attempt) claimCodeStep(ctx context.Context, cl *claim) error {
	p := a.p
	a.begin(StepClaimCode, "Getting a claim code for "+cl.customer+".")
	err := a.cloudCall(ctx, func(ctx context.Context) error {
		c, err := p.Cloud.CreateClaimCode(ctx, cl.tok, p.Profile.Product)
		if err == nil {
			a.secret(c)
			cl.code, cl.madeAt = c, p.Clock.Now()
		}
		return err
	})
	if err != nil {
		return a.fail(StepClaimCode, err)
	}
	if len(cl.code) != 63 {
		return a.fail(StepClaimCode, &StepError{Step: StepClaimCode,
			Message: fmt.Sprintf("The cloud returned a claim code of %d characters; a Photon needs exactly 63.", len(cl.code)),
			Action:  "Retry; if it repeats, report it to a supervisor with the details."})
	}
	return a.done(StepClaimCode, "Got a claim code (valid for one hour).")
}

// postCheck names the device and runs the profile's post-verification check.
func (a *attempt) postCheck(ctx context.Context, id string) error {
	p := a.p
	prof := p.Profile
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

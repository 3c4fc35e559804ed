package provisioning

import (
	"context"
	"errors"
	"time"
)

// identity is what identify found: the device ID, what the Photon said of
// itself, and the interrupted attempt of the same device to resume, if any.
type identity struct {
	deviceID string
	info     DeviceInfo
	prev     *Record
}

// placement is what the import step found: the device's cloud session
// before its Wi-Fi settings were sent, and whether the job's customer owns
// it already.
type placement struct {
	before CloudMark
	owned  bool
}

// claim is what the customer steps made: the customer's token and the
// claim code for the device, or kept: the Photon still holds a fresh code
// from the interrupted attempt.
type claim struct {
	customer string
	tok      Token
	code     string
	madeAt   time.Time // on this computer's clock, for the code's age
	kept     string    // why no code is sent (the message of the skipped step)
}

// steps is the pipeline, in order. Each step is a function that takes what
// the steps before it found and returns what the next ones need; the runner
// (runner.go) owns the record, the events and the journal.
func (a *attempt) steps(ctx context.Context) error {
	where := a.dev.Port
	if where == "" {
		where = a.dev.Slot
	}
	// Nothing is opened yet: identify finds out whether a Photon answers.
	a.begin(StepDetect, "Using the Photon on "+where+".")
	if err := a.done(StepDetect, "Using the Photon on "+where+"."); err != nil {
		return err
	}
	// The product event stream opens now, so it is up before the Photon
	// can come online.
	release := a.p.Watcher.Use()
	defer release()

	// The product token writes nothing: it is asked for while the Photon is
	// identified, or, when the computer's one radio joins the Photon's
	// access point, once identify has left it again.
	var pre *branch
	if a.dev.Network == nil {
		pre = a.fork(ctx, a.preflight)
	}
	id, err := a.identify(ctx)
	var quiet *quietDevice
	if pre == nil && (err == nil || errors.Is(err, errResumeAtVerify) || errors.As(err, &quiet)) {
		pre = a.fork(ctx, a.preflight)
	}
	switch {
	case errors.As(err, &quiet):
		return a.recognise(ctx, pre, quiet)
	case errors.Is(err, errResumeAtVerify):
		if err := pre.wait(); err != nil {
			return err
		}
		return a.resumeAtVerify(ctx, id)
	case err != nil:
		a.abandon(pre)
		return err
	}
	if err := pre.wait(); err != nil {
		return err
	}
	return a.provision(ctx, id)
}

// provision runs the steps after identify. The import and the customer
// steps write to the cloud only now that the Photon has answered, and they
// run side by side, so the critical path is the longer of the two.
func (a *attempt) provision(ctx context.Context, id identity) error {
	customer := a.customerName(id.deviceID)
	a.update(func(r *Record) { r.Customer = customer })

	var place placement
	imp := a.fork(ctx, func(ctx context.Context) (err error) {
		place, err = a.importStep(ctx, id.deviceID, customer)
		return err
	})
	var cl claim
	var cust *branch
	if customer == "" {
		if err := a.skipAll("This job does not claim devices to a customer.", StepCustomer, StepClaimCode); err != nil {
			a.abandon(imp)
			return err
		}
	} else {
		cust = a.fork(ctx, func(ctx context.Context) (err error) {
			cl, err = a.customerSteps(ctx, customer, id.prev)
			return err
		})
	}
	if err := imp.wait(); err != nil {
		a.abandon(cust)
		return err
	}
	if cust != nil {
		if err := cust.wait(); err != nil {
			return err
		}
	}

	// The product event stream is given a moment to open before the
	// device visit (claim code, then Wi-Fi): on a Photon's access point the
	// guard holds its reconnect, so waiting there would only waste time.
	a.p.Watcher.Ready(ctx, streamReadyWait)
	switch {
	case customer == "":
		if err := a.skip(StepDeliverCode, "This job does not claim devices to a customer."); err != nil {
			return err
		}
	case place.owned:
		if err := a.skip(StepDeliverCode, "Already owned by "+customer+": no claim needed."); err != nil {
			return err
		}
	case cl.kept != "":
		if err := a.skip(StepDeliverCode, cl.kept); err != nil {
			return err
		}
	default:
		if err := a.deliverCode(ctx, &cl); err != nil {
			return err
		}
	}

	// Wi-Fi, last: a device that accepts it leaves listening mode.
	arr, err := a.wifi(ctx, id.deviceID)
	if err != nil {
		return err
	}
	defer arr.Close()
	if err := a.verify(ctx, verification{deviceID: id.deviceID, customer: customer, before: place.before, arrival: arr}); err != nil {
		return err
	}
	return a.postCheck(ctx, id.deviceID)
}

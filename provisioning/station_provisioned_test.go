package provisioning

import (
	"context"
	"strings"
	"testing"

	"github.com/photon-station/photon-station/cloud/cloudtest"
)

// noFailure checks that the journal holds no FAIL for the device after the
// attempt that passed, and returns its latest record.
func noFailureAfterPass(t *testing.T, j *Journal, id string) Record {
	t.Helper()
	recs := j.ByDevice(id)
	if len(recs) == 0 {
		t.Fatal("no record")
	}
	for _, r := range recs {
		if r.Outcome == OutcomeFail {
			t.Errorf("a FAIL record for %s: %s", id, r.Message)
		}
	}
	return recs[len(recs)-1]
}

// A Photon that passed and is still plugged in when the bench starts
// again is recognised from the journal: "already provisioned", no FAIL,
// not counted, and not started again by the next Start.
func TestStationRecognisesAPassedPhotonStillPluggedIn(t *testing.T) {
	sb := newStationBench(t)
	ph := sb.photon("/dev/ttyACM0", 1)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := sb.await(t, EventResult, "/dev/ttyACM0")["/dev/ttyACM0"]; res.Outcome != OutcomePass {
		t.Fatalf("first run: %s %s", res.Outcome, res.Message)
	}
	sb.station.Stop()
	// The station restarts (a new shift, a crash): a new Station over the
	// same journal, with the Photon still plugged in and running its
	// application; the cloud has not heard from it lately.
	sb.cloud.SetOnline(ph.id, false)
	st, err := New(Config{Pipeline: sb.pipeline, Ports: sb.hub, Open: sb.hub.open, ScanInterval: sb.station.cfg.ScanInterval})
	if err != nil {
		t.Fatal(err)
	}
	sb.station = st
	events, cancel := st.Subscribe()
	t.Cleanup(cancel)
	sb.events = events
	t.Cleanup(st.Stop)
	if err := st.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM0")["/dev/ttyACM0"]
	if res.Outcome != OutcomeProvisioned || res.Claimable || !strings.Contains(res.Message, "already provisioned") {
		t.Fatalf("restart: %s %q (claimable %v)", res.Outcome, res.Message, res.Claimable)
	}
	slot, _ := slotByName(st, "/dev/ttyACM0")
	if slot.State != SlotProvisioned || slot.DeviceID != ph.id {
		t.Errorf("slot %+v", slot)
	}
	if c := st.Counters(); c.Passed != 0 || c.Failed != 0 {
		t.Errorf("counters %+v: an already-provisioned Photon is neither", c)
	}
	last := noFailureAfterPass(t, sb.journal, ph.id)
	if last.Outcome != OutcomeProvisioned || !last.Finished() {
		t.Errorf("latest record %s %q", last.Outcome, last.Message)
	}
	if _, ok := sb.journal.LastInterrupted(ph.id); ok {
		t.Error("the already-provisioned attempt reads as interrupted")
	}
	// A Photon the journal does not know and the cloud does not show online
	// still fails as before.
	stranger := sb.photon("/dev/ttyACM1", 2, func(ph *fakePhoton) { ph.listening = false })
	if res := sb.await(t, EventResult, "/dev/ttyACM1")["/dev/ttyACM1"]; res.Outcome != OutcomeFail {
		t.Errorf("an unknown Photon out of listening mode: %s %s", res.Outcome, res.Message)
	}
	_ = stranger
	// Stop and Start again: the provisioned slot is left alone.
	st.Stop()
	if err := st.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sb.await(t, EventResult, "/dev/ttyACM1")
	for _, r := range sb.journal.ByDevice(ph.id) {
		if r.Outcome == OutcomeFail {
			t.Errorf("FAIL after restart: %s", r.Message)
		}
	}
}

// The cloud's word alone is enough: online in the job's product, owned by
// the job's customer, and not in listening mode.
func TestStationRecognisesAPhotonTheCloudShowsProvisioned(t *testing.T) {
	sb := newStationBench(t)
	id := "3b0021001747353236343077"
	customer := "unit-" + id + "@acme.example"
	sb.cloud.AddCustomer(cloudtest.Customer{ProductID: productID, Email: customer})
	sb.cloud.AddDevice(cloudtest.Device{ID: id, ProductID: productID, Owner: customer, Online: true})
	ph := newFakePhoton(sb.cloud, id)
	ph.listening = false
	sb.hub.plug("/dev/ttyACM3", ph)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM3")["/dev/ttyACM3"]
	if res.Outcome != OutcomeProvisioned || res.Claimable || !strings.Contains(res.Message, customer) {
		t.Fatalf("%s %q (claimable %v)", res.Outcome, res.Message, res.Claimable)
	}
	noFailureAfterPass(t, sb.journal, id)
	if w := ph.written(); len(w) != 0 {
		t.Errorf("wrote %v to a provisioned Photon", w)
	}
}

// A Photon online in the product but not the customer's is offered the
// API claim; the claim is journaled and verified by reading the owner.
func TestStationClaimsAnOnlinePhotonThroughTheCloud(t *testing.T) {
	sb := newStationBench(t)
	id := "3b0021001747353236343078"
	customer := "unit-" + id + "@acme.example"
	sb.cloud.AddDevice(cloudtest.Device{ID: id, ProductID: productID, Online: true})
	ph := newFakePhoton(sb.cloud, id)
	ph.listening = false
	sb.hub.plug("/dev/ttyACM4", ph)
	if err := sb.station.Claim("/dev/ttyACM4"); err == nil {
		t.Error("Claim before the bench runs")
	}
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM4")["/dev/ttyACM4"]
	if res.Outcome != OutcomeProvisioned || !res.Claimable || !strings.Contains(res.Message, "owned by nobody") {
		t.Fatalf("%s %q (claimable %v)", res.Outcome, res.Message, res.Claimable)
	}
	if slot, _ := slotByName(sb.station, "/dev/ttyACM4"); !slot.Claimable || slot.State != SlotProvisioned {
		t.Fatalf("slot %+v", slot)
	}
	if err := sb.station.Claim("/dev/ttyACM4"); err != nil {
		t.Fatal(err)
	}
	res = sb.await(t, EventResult, "/dev/ttyACM4")["/dev/ttyACM4"]
	if res.Outcome != OutcomePass || !strings.Contains(res.Message, "claimed to "+customer) {
		t.Fatalf("claim: %s %q %s", res.Outcome, res.Message, res.Details)
	}
	if d, _ := sb.cloud.Device(id); d.Owner != customer {
		t.Errorf("owner %q, want %q", d.Owner, customer)
	}
	last := noFailureAfterPass(t, sb.journal, id)
	if last.Outcome != OutcomePass || last.Evidence == nil || last.Evidence.Kind != EvidenceOwner || last.Evidence.Owner != customer ||
		!last.Completed(StepClaim) || last.Customer != customer {
		t.Errorf("claim record %+v", last)
	}
	if slot, _ := slotByName(sb.station, "/dev/ttyACM4"); slot.State != SlotPassed {
		t.Errorf("slot after the claim %+v", slot)
	}
	if err := sb.station.Claim("/dev/ttyACM4"); err == nil {
		t.Error("Claim again after PASS")
	}
	if w := ph.written(); len(w) != 0 {
		t.Errorf("wrote %v to the Photon", w)
	}
}

// A Photon online in the product but owned by another account is not
// offered the claim (the cloud would refuse it): it is refused as the
// import refuses it, and nothing is written.
func TestStationRefusesAnOnlinePhotonOwnedElsewhere(t *testing.T) {
	sb := newStationBench(t)
	id := "3b0021001747353236343079"
	sb.cloud.AddCustomer(cloudtest.Customer{ProductID: productID, Email: "someone@else.example"})
	sb.cloud.AddDevice(cloudtest.Device{ID: id, ProductID: productID, Owner: "someone@else.example", Online: true})
	ph := newFakePhoton(sb.cloud, id)
	ph.listening = false
	sb.hub.plug("/dev/ttyACM5", ph)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM5")["/dev/ttyACM5"]
	if res.Outcome != OutcomeFail || res.Claimable || !strings.Contains(res.Message, "claimed by another account (someone@else.example)") {
		t.Errorf("%s %q (claimable %v)", res.Outcome, res.Message, res.Claimable)
	}
	if err := sb.station.Claim("/dev/ttyACM5"); err == nil {
		t.Error("Claim is accepted for a Photon owned elsewhere")
	}
	if d, _ := sb.cloud.Device(id); d.Owner != "someone@else.example" {
		t.Errorf("owner changed to %q", d.Owner)
	}
}

// A job without a customer leaves Photons unclaimed: one online in the
// product but owned by an account is not what this job makes, so it is
// not "already provisioned" (verification requires no owner there); one
// online and unowned is.
func TestStationJobWithoutCustomerRequiresNoOwner(t *testing.T) {
	sb := newStationBench(t, func(p *Pipeline) { p.Profile.Customer, p.Profile.CustomerPattern = CustomerNone, "" })
	owned, free := "3b0021001747353236343081", "3b0021001747353236343082"
	sb.cloud.AddCustomer(cloudtest.Customer{ProductID: productID, Email: "someone@else.example"})
	sb.cloud.AddDevice(cloudtest.Device{ID: owned, ProductID: productID, Owner: "someone@else.example", Online: true})
	sb.cloud.AddDevice(cloudtest.Device{ID: free, ProductID: productID, Online: true})
	for path, id := range map[string]string{"/dev/ttyACM6": owned, "/dev/ttyACM7": free} {
		ph := newFakePhoton(sb.cloud, id)
		ph.listening = false
		sb.hub.plug(path, ph)
	}
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := sb.await(t, EventResult, "/dev/ttyACM6", "/dev/ttyACM7")
	if r := res["/dev/ttyACM6"]; r.Outcome != OutcomeFail || !strings.Contains(r.Message, "someone@else.example") {
		t.Errorf("owned Photon: %s %q", r.Outcome, r.Message)
	}
	if r := res["/dev/ttyACM7"]; r.Outcome != OutcomeProvisioned || r.Claimable {
		t.Errorf("unowned Photon: %s %q (claimable %v)", r.Outcome, r.Message, r.Claimable)
	}
}

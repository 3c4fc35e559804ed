package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/provisioning"
)

const provisionedID = "3c0021000447363339a1b2c3"

// provisionedEvents is what the engine says of a Photon found already
// provisioned when the bench starts: identify skipped, and the result.
func provisionedEvents(slot string, claimable bool) []provisioning.Event {
	d := ev(1, slot, provisioning.StepDetect, provisioning.EventStarted, "Using the Photon on /dev/"+slot+".")
	d.DeviceID = provisionedID
	msg := "Photon " + provisionedID + " is already provisioned: its last attempt in this journal passed, and it is not in listening mode."
	action := "Unplug it and plug in the next one."
	if claimable {
		msg = "Photon " + provisionedID + " is online in product acme-sensor (breathing cyan) but owned by nobody, not by unit-" + provisionedID + "@acme.example."
		action = "Claim it to unit-" + provisionedID + "@acme.example through the cloud (no listening mode needed), or unplug it."
	}
	r := ev(3, slot, provisioning.StepRecord, provisioning.EventResult, msg)
	r.Outcome, r.Action, r.Claimable = provisioning.OutcomeProvisioned, action, claimable
	return []provisioning.Event{d,
		ev(2, slot, provisioning.StepPreflight, provisioning.EventDone, "The Particle Cloud accepted the job's OAuth client."),
		ev(3, slot, provisioning.StepIdentify, provisioning.EventSkipped, msg), r}
}

// An already-provisioned Photon gets a calm tile, not a FAIL: its ID's
// last six characters, one action, and the claim button only when the
// engine offers the claim; the shift counters do not count it.
func TestBenchAlreadyProvisionedTile(t *testing.T) {
	lightApp(t)
	for _, claimable := range []bool{false, true} {
		t.Run(fmt.Sprint("claimable ", claimable), func(t *testing.T) {
			r := newBenchRig(t)
			r.start(t)
			events := make(chan provisioning.Event)
			go r.b.Run(r.ctx, events, nil)
			for _, e := range provisionedEvents("ttyACM0", claimable) {
				applyNow(t, r.q, events, e)
			}
			tl := r.b.Tile("ttyACM0")
			wantAction := "Unplug it"
			if claimable {
				wantAction = "Claim it to the job's customer, or unplug it"
			}
			if diff := cmp.Diff([]string{"ALREADY PROVISIONED", "a1b2c3", wantAction},
				[]string{tl.phase.Text, tl.idTail.Text, tl.action.Text}); diff != "" {
				t.Errorf("tile (-want +got):\n%s", diff)
			}
			if tl.retry.Visible() {
				t.Error("an already-provisioned tile offers Retry")
			}
			if tl.claim.Visible() != claimable {
				t.Errorf("claim button shown %v, want %v", tl.claim.Visible(), claimable)
			}
			if tl.bg.FillColor == theme.Color(ColorNameTileFail) || tl.bg.StrokeColor == theme.Color(theme.ColorNameError) {
				t.Error("the tile is drawn as a failure")
			}
			if c := r.b.Counters(); c.Passed != 0 || c.Failed != 0 {
				t.Errorf("counters %+v", c)
			}
			shots := map[bool]string{false: "bench-provisioned", true: "bench-provisioned-claimable"}[claimable]
			for _, size := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1920, Height: 1080}} {
				r.w.Resize(size)
				shoot(t, fmt.Sprintf("%s-%.0fx%.0f", shots, size.Width, size.Height), r.w.Canvas())
			}
			if claimable {
				test.Tap(tl.claim)
				expectCall(t, r.q, r.st, "claim ttyACM0")
				// Claim on a stopped bench starts it (the station claims
				// only while it runs); when the new run finds the Photon
				// claimable again, it is claimed.
				r.b.stop()
				expectCall(t, r.q, r.st, "stop")
				r.q.until(t, "bench stopped", func() bool { return !r.b.running })
				test.Tap(tl.claim)
				expectCall(t, r.q, r.st, "start Line 3 thermostats")
				r.q.until(t, "bench running", func() bool { return r.b.running })
				for _, e := range provisionedEvents("ttyACM0", claimable) {
					applyNow(t, r.q, events, e)
				}
				expectCall(t, r.q, r.st, "claim ttyACM0")
				if msg := r.b.banner.Text; r.b.banner.Visible() {
					t.Errorf("banner %q after a claim on a stopped bench", msg)
				}
			}
		})
	}
}

// The wizard shows an already-provisioned Photon as such; when the engine
// offers the claim, Next claims it through the cloud with its device ID.
func TestWizardAlreadyProvisionedOffersTheClaim(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	runner := newScriptedRunner()
	wz := newWizard(testContext(t), runner, nil, fakePorts{"/dev/ttyACM0"}, newFakeLibrary(lineProfile), (&fixedClock{t: shiftStart}).now, q.do)
	w := test.NewTempWindow(t, wz.Content())
	w.Resize(fyne.NewSize(1280, 800))
	test.Tap(findButton(t, w.Canvas(), "Look for Photons"))
	q.runOne(t)
	test.Tap(wz.next) // listening mode page
	test.Tap(wz.next) // Start
	run := startWizardRun(t, q, runner)
	recv(t, runner.reqs)
	for _, e := range provisionedEvents("ttyACM0", true) {
		run.emit(e)
	}
	run.end()
	if diff := cmp.Diff([]string{"ALREADY PROVISIONED", "Claim to customer", "Claim it to the job's customer, or unplug it"},
		[]string{wz.verdictTxt.Text, wz.next.Text, wz.action.Text}); diff != "" {
		t.Errorf("wizard (-want +got):\n%s", diff)
	}
	if !wz.verdict.Visible() || wz.verdictTxt.Color == theme.Color(theme.ColorNameError) {
		t.Error("the verdict is hidden or red")
	}
	for _, size := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1920, Height: 1080}} {
		w.Resize(size)
		shoot(t, fmt.Sprintf("wizard-provisioned-%.0fx%.0f", size.Width, size.Height), w.Canvas())
	}
	test.Tap(wz.next)
	claim := startWizardRun(t, q, runner)
	if diff := cmp.Diff(OneDeviceRequest{Profile: lineProfile.Name, Channel: provisioning.ChannelSerial, Port: "/dev/ttyACM0", ClaimDeviceID: provisionedID},
		recv(t, runner.reqs)); diff != "" {
		t.Errorf("claim request (-want +got):\n%s", diff)
	}
	claim.emit(wizEv(provisioning.StepClaim, provisioning.EventStarted, "Claiming through the cloud."))
	pass := wizEv(provisioning.StepRecord, provisioning.EventResult, "Photon "+provisionedID+" is claimed to unit-"+provisionedID+"@acme.example; the cloud shows it as the owner.")
	pass.Outcome, pass.Time = provisioning.OutcomePass, shiftStart.Add(5*time.Second)
	claim.emit(pass)
	claim.end()
	if wz.verdictTxt.Text != "PASS" || wz.next.Text != "Set up another" {
		t.Errorf("after the claim: %q, next %q", wz.verdictTxt.Text, wz.next.Text)
	}
	// Not claimable: Next sets up another Photon.
	test.Tap(wz.next)
	test.Tap(wz.next)
	again := startWizardRun(t, q, runner)
	recv(t, runner.reqs)
	for _, e := range provisionedEvents("ttyACM0", false) {
		again.emit(e)
	}
	again.end()
	if wz.verdictTxt.Text != "ALREADY PROVISIONED" || wz.next.Text != "Set up another" || wz.action.Text != "Unplug it" {
		t.Errorf("not claimable: %q, next %q, action %q", wz.verdictTxt.Text, wz.next.Text, wz.action.Text)
	}
}

// The journal view names an already-provisioned record, not "unfinished".
func TestJournalCellSaysAlreadyProvisioned(t *testing.T) {
	lightApp(t)
	r := provisioning.Record{Outcome: provisioning.OutcomeProvisioned}
	if got := journalCell(r, 4); got != "ⓘ ALREADY PROVISIONED" {
		t.Errorf("outcome cell %q", got)
	}
}

// The already-provisioned tiles and the wizard's verdict fit in German, the
// longest shipped language, on a full bench at 1280x800.
func TestGermanAlreadyProvisionedFits(t *testing.T) {
	speak(t, "de")
	lightApp(t)
	r := newBenchRig(t)
	r.start(t)
	events := make(chan provisioning.Event)
	go r.b.Run(r.ctx, events, nil)
	for i := range 8 {
		for _, e := range provisionedEvents(fmt.Sprintf("ttyACM%d", i), i%2 == 0) {
			applyNow(t, r.q, events, e)
		}
	}
	assertFits(t, "bench", r.w.Canvas())
	shoot(t, "de-bench-provisioned-1280x800", r.w.Canvas())
}

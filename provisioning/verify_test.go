package provisioning

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
)

// liveProfile is a job with a customer and a verification timeout of
// seconds, for benches on the system clock.
func liveProfile(timeout time.Duration) Profile {
	return Profile{Customer: CustomerEmail, CustomerPattern: customerMail, VerifyTimeout: timeout}
}

// The station's clock and the cloud's may differ by minutes (factory
// laptops without network time): a good Photon passes and a Photon the
// cloud still shows online from before listening mode, which never comes
// back, fails, whichever clock is ahead.
func TestVerifyIgnoresClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run("cloud "+skew.String()+": good Photon, online event", func(t *testing.T) {
			b := newBenchWith(t, liveProfile(20*time.Second), benchOptions{live: true, cloudAhead: skew})
			b.cloud.AddDevice(cloudtest.Device{ID: devID})
			res := b.run(newFakePhoton(b.cloud, devID))
			if res.Outcome != OutcomePass {
				t.Fatalf("%s (%s)", res.Message, res.Details)
			}
			ev := res.Record.Evidence
			if ev == nil || ev.Kind != EvidenceOnlineEvent || ev.Owner != customerMail {
				t.Fatalf("evidence %+v, want the online event and the customer", ev)
			}
			// The evidence is in the cloud's time, as the cloud gave it.
			d, _ := b.cloud.Device(devID)
			if got := ev.At.Sub(res.Record.WiFiSentAt); got < skew-time.Minute || got > skew+time.Minute {
				t.Errorf("evidence at %v, Wi-Fi sent at %v: not the cloud's clock", ev.At, res.Record.WiFiSentAt)
			}
			if !d.Online || d.Owner != customerMail {
				t.Errorf("cloud %+v", d)
			}
		})
		t.Run("cloud "+skew.String()+": good Photon, polling", func(t *testing.T) {
			b := newBenchWith(t, Profile{}, benchOptions{cloudAhead: skew})
			b.cloud.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/products/:product/events", Status: http.StatusInternalServerError, Body: `{"error":"unknown"}`})
			b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID, Online: true})
			b.cloud.SetOnline(devID, false)
			res := b.run(newFakePhoton(b.cloud, devID))
			if res.Outcome != OutcomePass {
				t.Fatalf("%s (%s)", res.Message, res.Details)
			}
			if ev := res.Record.Evidence; ev == nil || ev.Kind != EvidenceHandshake || !ev.At.After(ev.Before) {
				t.Errorf("evidence %+v, want a newer handshake", ev)
			}
		})
		t.Run("cloud "+skew.String()+": stale online, never returns", func(t *testing.T) {
			b := newBenchWith(t, Profile{}, benchOptions{cloudAhead: skew})
			// Online in the cloud from just before it was put into
			// listening mode: the cloud has not noticed it leave.
			b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID})
			b.cloud.SetOnline(devID, true)
			ph := newFakePhoton(b.cloud, devID)
			ph.password = "the-real-password" // it falls back to listening mode
			res := b.run(ph)
			if res.Outcome != OutcomeFail || res.FailedStep != StepVerify {
				t.Fatalf("outcome %q at %q: %s", res.Outcome, res.FailedStep, res.Message)
			}
			if !strings.Contains(res.Message, "Wi-Fi password is most likely wrong") {
				t.Errorf("message %q", res.Message)
			}
			if res.Record.Evidence != nil {
				t.Errorf("evidence %+v for a Photon that never came back", res.Record.Evidence)
			}
		})
	}
}

// The online event may come before the cloud has processed the claim code:
// verification reads the device again until the owner shows.
func TestVerifyOnlineEventBeforeOwner(t *testing.T) {
	b := newBenchWith(t, liveProfile(20*time.Second), benchOptions{live: true})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ph := newFakePhoton(b.cloud, devID)
	claimed := make(chan error, 1)
	ph.online = func(code string) {
		// Online first, without the claim.
		if err := b.cloud.DeviceOnline(devID, ""); err != nil {
			t.Error(err)
		}
		go func() {
			// The claim lands only after the station has read the device
			// once since the event and seen no owner.
			read := 0
			for read == 0 {
				logged := b.cloud.RequestLogged()
				for _, r := range b.cloud.Requests() {
					if r.Method == "GET" && strings.HasSuffix(r.Path, "/devices/"+devID) && r.Status == http.StatusOK && !r.Time.Before(onlineAt(b)) {
						read++
					}
				}
				if read == 0 {
					<-logged
				}
			}
			claimed <- b.cloud.Claim(devID, code)
		}()
	}
	res := b.run(ph)
	if err := <-claimed; err != nil {
		t.Fatalf("claim: %v", err)
	}
	if res.Outcome != OutcomePass {
		t.Fatalf("%s (%s)", res.Message, res.Details)
	}
	if ev := res.Record.Evidence; ev == nil || ev.Kind != EvidenceOnlineEvent || ev.Owner != customerMail {
		t.Errorf("evidence %+v", ev)
	}
}

// onlineAt is when the fake cloud last announced the device online.
func onlineAt(b *bench) time.Time {
	var at time.Time
	for _, e := range b.cloud.Events() {
		if e.Name == "spark/status" && e.Data == "online" {
			at = e.PublishedAt
		}
	}
	return at
}

// The stream breaks just as the Photon comes online (its event is lost):
// verification falls back to polling and finds the new session.
func TestVerifyStreamDrops(t *testing.T) {
	b := newBenchWith(t, liveProfile(20*time.Second), benchOptions{live: true})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ph := newFakePhoton(b.cloud, devID)
	ph.beforeOnline = func() {
		waitForStreams(t, b.cloud, 1)
		b.cloud.DropStreams()
	}
	res := b.run(ph)
	if res.Outcome != OutcomePass {
		t.Fatalf("%s (%s)", res.Message, res.Details)
	}
	if ev := res.Record.Evidence; ev == nil || ev.Kind != EvidenceHandshake || ev.Owner != customerMail {
		t.Errorf("evidence %+v, want the new handshake", ev)
	}
}

// waitForStreams waits until at least n event streams are open.
func waitForStreams(t *testing.T, c *cloudtest.Cloud, n int) {
	t.Helper()
	for c.OpenStreams() < n {
		select {
		case <-c.StreamsChanged():
		case <-time.After(10 * time.Second):
			t.Fatalf("%d event streams open, want %d", c.OpenStreams(), n)
		}
	}
}

// Every route of the cloud answers 503 for 5 s just as the Photon comes
// online: verification keeps trying and passes once the cloud is back.
func TestVerifyRidesOutA503Outage(t *testing.T) {
	b := newBenchWith(t, liveProfile(30*time.Second), benchOptions{live: true})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ph := newFakePhoton(b.cloud, devID)
	ph.beforeOnline = func() {
		waitForStreams(t, b.cloud, 1)
		b.cloud.InjectFault(cloudtest.Fault{Status: http.StatusServiceUnavailable, Body: `{"error":"server_error"}`,
			Until: time.Now().Add(5 * time.Second)})
		b.cloud.DropStreams()
	}
	res := b.run(ph)
	if res.Outcome != OutcomePass {
		t.Fatalf("%s (%s)", res.Message, res.Details)
	}
	served503 := 0
	for _, r := range b.cloud.Requests() {
		if r.Status == http.StatusServiceUnavailable {
			served503++
		}
	}
	if served503 == 0 {
		t.Error("the outage served no 503: the test tested nothing")
	}
	if ev := res.Record.Evidence; ev == nil || ev.Owner != customerMail {
		t.Errorf("evidence %+v", ev)
	}
}

// The cloud refuses the event stream: verification polls and passes.
func TestVerifyStreamRefused(t *testing.T) {
	b := newBenchWith(t, liveProfile(20*time.Second), benchOptions{live: true})
	b.cloud.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/products/:product/events", Status: http.StatusForbidden,
		Body: `{"ok":false,"error":"Permission denied"}`})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	res := b.run(newFakePhoton(b.cloud, devID))
	if res.Outcome != OutcomePass {
		t.Fatalf("%s (%s)", res.Message, res.Details)
	}
	if ev := res.Record.Evidence; ev == nil || ev.Kind != EvidenceHandshake {
		t.Errorf("evidence %+v, want a handshake found by polling", ev)
	}
	if b.pipeline.Watcher.Opens() != 0 {
		t.Errorf("the refused stream counts %d opens", b.pipeline.Watcher.Opens())
	}
}

// A job without a customer wants a device that nobody owns: a claim code
// left in the Photon by an aborted setup claims it on arrival, and that is
// a FAIL, not a PASS.
func TestVerifyNoCustomerJobRefusesAnOwner(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	b.cloud.AddCustomer(cloudtest.Customer{Email: "earlier@acme.example", ProductID: productID})
	code := mintClaimCode(t, b, "earlier@acme.example")
	ph := newFakePhoton(b.cloud, devID)
	ph.claimCode = code // from the aborted setup
	res := b.run(ph)
	if res.Outcome != OutcomeFail || res.FailedStep != StepVerify {
		t.Fatalf("outcome %q at %q: %s", res.Outcome, res.FailedStep, res.Message)
	}
	if !strings.Contains(res.Message, "claimed by earlier@acme.example") || !strings.Contains(res.Action, "supervisor") {
		t.Errorf("%s %s", res.Message, res.Action)
	}
}

// mintClaimCode gets a claim code for a customer of the product, as an
// earlier setup would have.
func mintClaimCode(t *testing.T, b *bench, customer string) string {
	t.Helper()
	ctx := context.Background()
	tok, err := b.pipeline.Cloud.CustomerToken(ctx, clientID, clientSecret, customer)
	if err != nil {
		t.Fatal(err)
	}
	code, err := b.pipeline.Cloud.CreateClaimCode(ctx, tok, productSlug)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// A resumed attempt from a journal that kept no cloud reading is not
// verified against this computer's clock: the technician starts over.
func TestResumeWithoutACloudReading(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID})
	now := b.clock.Now()
	prev := Record{Attempt: "old-1", Port: "/dev/ttyACM0", DeviceID: devID, Product: productSlug, Started: now, WiFiSentAt: now,
		Steps: []StepEntry{{Step: StepWiFi, Started: now, Ended: now, Outcome: StepDone}}}
	if err := b.journal.Append(prev); err != nil {
		t.Fatal(err)
	}
	b.cloud.SetOnline(devID, true)
	ph := newFakePhoton(b.cloud, devID)
	ph.listening = false
	res := b.runUSB(ph, devID)
	if res.Outcome != OutcomeFail || res.FailedStep != StepVerify || !strings.Contains(res.Action, "listening mode") {
		t.Fatalf("outcome %q at %q: %s %s", res.Outcome, res.FailedStep, res.Message, res.Action)
	}
}

// Evidence compares the cloud's times with each other only.
func TestArrivedSince(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		d      CloudDevice
		before CloudMark
		want   bool
	}{
		{name: "offline", d: CloudDevice{LastHandshake: t0.Add(time.Minute)}, before: CloudMark{LastHandshake: t0}},
		{name: "same session", d: CloudDevice{Online: true, LastHandshake: t0, LastHeard: t0.Add(time.Hour)}, before: CloudMark{LastHandshake: t0}},
		{name: "newer session", d: CloudDevice{Online: true, LastHandshake: t0.Add(time.Millisecond)}, before: CloudMark{LastHandshake: t0}, want: true},
		{name: "first session ever", d: CloudDevice{Online: true, LastHandshake: t0}, want: true},
		{name: "no handshake times: newer last_heard", d: CloudDevice{Online: true, LastHeard: t0.Add(time.Second)}, before: CloudMark{LastHeard: t0}, want: true},
		{name: "no handshake times: same last_heard", d: CloudDevice{Online: true, LastHeard: t0}, before: CloudMark{LastHeard: t0}},
		{name: "online, never heard", d: CloudDevice{Online: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, got := arrivedSince(tc.d, tc.before); got != tc.want {
				t.Errorf("arrivedSince = %v, want %v", got, tc.want)
			}
		})
	}
}

// An existing customer is recognised by the cloud granting its token when
// the creation is refused, whatever words the refusal uses; a refusal of a
// customer that does not exist stays the refusal.
func TestExistingCustomerIsFoundByItsToken(t *testing.T) {
	refuse := cloudtest.Fault{Method: "POST", Path: "/v1/products/:product/customers", Status: http.StatusBadRequest,
		Body: `{"ok":false,"error":"wording nobody documented"}`}
	t.Run("exists", func(t *testing.T) {
		b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
		b.cloud.AddDevice(cloudtest.Device{ID: devID})
		b.cloud.AddCustomer(cloudtest.Customer{Email: customerMail, ProductID: productID})
		b.cloud.InjectFault(refuse)
		res := b.run(newFakePhoton(b.cloud, devID))
		if res.Outcome != OutcomePass {
			t.Fatalf("%s (%s)", res.Message, res.Details)
		}
		if d, _ := b.cloud.Device(devID); d.Owner != customerMail {
			t.Errorf("owner %q", d.Owner)
		}
	})
	t.Run("does not exist", func(t *testing.T) {
		b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
		b.cloud.AddDevice(cloudtest.Device{ID: devID})
		b.cloud.InjectFault(refuse)
		res := b.run(newFakePhoton(b.cloud, devID))
		if res.Outcome != OutcomeFail || res.FailedStep != StepCustomer || !strings.Contains(res.Details, "wording nobody documented") {
			t.Fatalf("outcome %q at %q: %s (%s)", res.Outcome, res.FailedStep, res.Message, res.Details)
		}
	})
}

package provisioning

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud/cloudtest"
)

const devID = "3b0021001747353236343033"

func TestRunDevice(t *testing.T) {
	withCustomer := Profile{Customer: CustomerEmail, CustomerPattern: customerMail}
	tests := []struct {
		name    string
		profile Profile
		setup   func(b *bench, ph *fakePhoton)
		// want
		outcome    Outcome
		failedStep Step
		message    string   // substring of the result message
		action     string   // substring of the result action
		details    string   // substring of the details kept for support
		writes     []string // what reached the device
		steps      []string
		owner      string // the device's owner in the cloud afterwards
		inProduct  bool
		online     bool
	}{
		{
			name: "new device without customer",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
			},
			outcome: OutcomePass, message: "provisioned and verified", writes: []string{"wifi"},
			steps: []string{"detect:done", "identify:done", "preflight:done", "import:done", "customer:skipped",
				"claim-code:skipped", "deliver-code:skipped", "wifi:done", "verify:done", "post-check:skipped", "record:done"},
			inProduct: true, online: true,
		},
		{
			name:    "new device with a new customer",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
			},
			outcome: OutcomePass, writes: []string{"claim-code", "wifi"},
			owner: customerMail, inProduct: true, online: true,
		},
		{
			name:    "customer exists: token for the existing customer",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.AddCustomer(cloudtest.Customer{Email: customerMail, ProductID: productID})
			},
			outcome: OutcomePass, writes: []string{"claim-code", "wifi"},
			owner: customerMail, inProduct: true, online: true,
		},
		{
			name: "device already in the product",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID})
			},
			outcome: OutcomePass, writes: []string{"wifi"},
			steps: []string{"detect:done", "identify:done", "preflight:done", "import:skipped", "customer:skipped",
				"claim-code:skipped", "deliver-code:skipped", "wifi:done", "verify:done", "post-check:skipped", "record:done"},
			inProduct: true, online: true,
		},
		{
			name:    "device already owned by this customer: no claim",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddCustomer(cloudtest.Customer{Email: customerMail, ProductID: productID})
				b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID, Owner: customerMail})
			},
			outcome: OutcomePass, writes: []string{"wifi"},
			owner: customerMail, inProduct: true, online: true,
		},
		{
			name:    "upper-case device ID from the device",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				ph.id = strings.ToUpper(devID)
			},
			outcome: OutcomePass, writes: []string{"claim-code", "wifi"},
			owner: customerMail, inProduct: true, online: true,
		},
		{
			name:    "device in another product: stop before writing",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddProduct(cloudtest.Product{ID: 99, Name: "Other"})
				b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: 99})
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "in another product", action: "supervisor",
		},
		{
			name:    "device owned by someone else: stop before writing",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID, Owner: "stranger@example.com"})
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "owned by a Particle user", action: "release",
			owner: "stranger@example.com",
		},
		{
			name:    "device in the product owned by another customer",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddCustomer(cloudtest.Customer{Email: "other@acme.example", ProductID: productID})
				b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID, Owner: "other@acme.example"})
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "already claimed by another account", action: "supervisor",
			owner: "other@acme.example", inProduct: true,
		},
		{
			name: "no-customer job, device in the product owned by a customer: stop before writing",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddCustomer(cloudtest.Customer{Email: "other@acme.example", ProductID: productID})
				b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID, Owner: "other@acme.example"})
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "already claimed by another account (other@acme.example)", action: "supervisor",
			owner: "other@acme.example", inProduct: true,
		},
		{
			name: "no-customer job, device owned by someone else: stop before writing",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID, Owner: "stranger@example.com"})
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "owned by a Particle user", action: "release",
			owner: "stranger@example.com",
		},
		{
			name: "unknown device ID: the cloud refuses it",
			setup: func(b *bench, ph *fakePhoton) {
				// not added to the cloud at all
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "does not know this device ID",
		},
		{
			name: "not in listening mode",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				ph.listening = false
			},
			outcome: OutcomeFail, failedStep: StepIdentify, message: "not in listening mode", action: "blinks dark blue",
		},
		{
			name: "device reports a malformed ID",
			setup: func(b *bench, ph *fakePhoton) {
				ph.id = "3b00210017473532363430zz"
			},
			outcome: OutcomeFail, failedStep: StepIdentify, message: "not a device ID",
		},
		{
			name: "port busy",
			setup: func(b *bench, ph *fakePhoton) {
				ph.openErr = &DeviceError{Kind: DevicePortBusy, Message: "busy"}
			},
			outcome: OutcomeFail, failedStep: StepIdentify, message: "Another program is using /dev/ttyACM0", action: "Close the other program",
		},
		{
			name: "port permission denied",
			setup: func(b *bench, ph *fakePhoton) {
				ph.openErr = &DeviceError{Kind: DevicePermissionDenied, Message: "denied"}
			},
			outcome: OutcomeFail, failedStep: StepIdentify, message: "may not open /dev/ttyACM0", action: "dialout",
		},
		{
			name: "device silent or printing application output",
			setup: func(b *bench, ph *fakePhoton) {
				ph.identifyErr = &DeviceError{Kind: DeviceSilent}
			},
			outcome: OutcomeFail, failedStep: StepIdentify, message: "does not answer", action: "dark blue",
		},
		{
			name:    "unplugged while the claim code is sent",
			profile: withCustomer,
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				ph.claimErr = &DeviceError{Kind: DeviceUnplugged}
			},
			outcome: OutcomeFail, failedStep: StepDeliverCode, message: "unplugged", action: "Plug it back in",
			inProduct: true,
		},
		{
			name: "wrong Wi-Fi password: device falls back to listening mode",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				ph.password = "the-real-password"
			},
			outcome: OutcomeFail, failedStep: StepVerify, message: "Wi-Fi password is most likely wrong", action: "Ask a supervisor to check the Wi-Fi password of profile \"Line 3\", then press Retry.",
			writes: []string{"wifi"}, inProduct: true,
		},
		{
			name: "device never arrives: password or range",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				ph.outOfRange = true
			},
			outcome: OutcomeFail, failedStep: StepVerify, message: "out of range",
			writes: []string{"wifi"}, inProduct: true,
		},
		{
			name: "wrong client secret",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.pipeline.Credentials.ClientSecret = "0000000000000000000000000000000000000000"
			},
			outcome: OutcomeFail, failedStep: StepPreflight, message: "OAuth client ID or secret is wrong: a supervisor fixes it", action: "supervisor",
		},
		{
			name: "wrong client ID",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.pipeline.Profile.ClientID = "nobody-1"
			},
			outcome: OutcomeFail, failedStep: StepPreflight, message: "OAuth client ID or secret is wrong",
		},
		{
			name: "product not found or not ours",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.AddProduct(cloudtest.Product{ID: 99, Slug: "not-ours", Name: "Not ours"})
				b.pipeline.Profile.Product = "not-ours"
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "Product not-ours was not found",
		},
		{
			name: "expired or revoked token",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/products/:product/devices/:id", Status: 401,
					Body: `{"error":"invalid_token","error_description":"The access token provided has expired."}`})
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "no longer accepts the station's access token",
			inProduct: true, // the import went through; a retry goes on from there
		},
		{
			name: "token revoked once: a new token, and on",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/products/:product/devices/:id", Times: 1, Status: 401,
					Body: `{"error":"invalid_token","error_description":"The access token provided is invalid."}`})
			},
			outcome: OutcomePass, writes: []string{"wifi"}, inProduct: true, online: true,
		},
		{
			name: "429 with Retry-After is waited out",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.InjectRateLimit("POST", "/v1/products/:product/devices", 5, 30*time.Second)
			},
			outcome: OutcomePass, writes: []string{"wifi"}, inProduct: true, online: true,
		},
		{
			name: "5xx is retried",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.InjectFault(cloudtest.Fault{Path: "/oauth/token", Times: 2, Status: 503, Body: `{"error":"server_error"}`})
			},
			outcome: OutcomePass, writes: []string{"wifi"}, inProduct: true, online: true,
		},
		{
			name: "5xx that persists fails with a plain message",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.InjectFault(cloudtest.Fault{Method: "POST", Path: "/v1/products/:product/devices", Status: 500, Body: `{"error":"unknown"}`})
			},
			outcome: OutcomeFail, failedStep: StepImport, message: "internal problem", action: "status.particle.io",
			details: "HTTP 500",
		},
		{
			name: "network errors: bounded retries, then a plain message",
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
				b.cloud.InjectFault(cloudtest.Fault{Path: "/oauth/token", CloseConnection: true})
			},
			outcome: OutcomeFail, failedStep: StepPreflight, message: "cannot reach the Particle Cloud", action: "network connection",
		},
		{
			name:    "generated customer",
			profile: Profile{Customer: CustomerGenerated, CustomerPattern: "@acme.example"},
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
			},
			outcome: OutcomePass, writes: []string{"claim-code", "wifi"}, inProduct: true, online: true,
		},
		{
			name:    "customer per device from a pattern",
			profile: Profile{Customer: CustomerEmail, CustomerPattern: "unit-{device_id}@acme.example"},
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID})
			},
			outcome: OutcomePass, writes: []string{"claim-code", "wifi"},
			owner: "unit-" + devID + "@acme.example", inProduct: true, online: true,
		},
		{
			name:    "name pattern and a post-check that passes",
			profile: Profile{NamePattern: "sensor-{last6}", PostCheck: &PostCheck{Kind: PostCheckVariable, Name: "ready", Expect: "true"}},
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID, Variables: map[string]cloudtest.Variable{"ready": {Type: "bool", Value: true}}})
			},
			outcome: OutcomePass, writes: []string{"wifi"}, inProduct: true, online: true,
		},
		{
			name:    "post-check function returns the wrong value",
			profile: Profile{PostCheck: &PostCheck{Kind: PostCheckFunction, Name: "selftest", Expect: "1"}},
			setup: func(b *bench, ph *fakePhoton) {
				b.cloud.AddDevice(cloudtest.Device{ID: devID, Functions: map[string]cloudtest.Function{"selftest": func(string) int32 { return -1 }}})
			},
			outcome: OutcomeFail, failedStep: StepPostCheck, message: `returned "-1", expected "1"`,
			writes: []string{"wifi"}, inProduct: true, online: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, tc.profile)
			ph := newFakePhoton(b.cloud, devID)
			if tc.setup != nil {
				tc.setup(b, ph)
			}
			res := b.run(ph)
			if res.Outcome != tc.outcome || res.FailedStep != tc.failedStep {
				t.Fatalf("outcome %q at %q, want %q at %q: %s %s (%s)", res.Outcome, res.FailedStep, tc.outcome, tc.failedStep, res.Message, res.Action, res.Details)
			}
			if !strings.Contains(res.Message, tc.message) {
				t.Errorf("message %q does not contain %q", res.Message, tc.message)
			}
			if !strings.Contains(res.Action, tc.action) {
				t.Errorf("action %q does not contain %q", res.Action, tc.action)
			}
			if diff := cmp.Diff(tc.writes, ph.written()); diff != "" {
				t.Errorf("writes to the device (-want +got):\n%s", diff)
			}
			if tc.steps != nil {
				if diff := cmp.Diff(tc.steps, stepOutcomes(res.Record)); diff != "" {
					t.Errorf("steps (-want +got):\n%s", diff)
				}
			}
			// The journal holds the final record, as returned.
			recs := b.journal.Records()
			if len(recs) != 1 {
				t.Fatalf("journal has %d attempts, want 1", len(recs))
			}
			if diff := cmp.Diff(res.Record, recs[0], ignoreRevision); diff != "" {
				t.Errorf("journal record differs from the result (-want +got):\n%s", diff)
			}
			if res.Outcome == OutcomeFail && (recs[0].Message != res.Message || recs[0].FailedStep != tc.failedStep) {
				t.Errorf("journal failure %q at %q", recs[0].Message, recs[0].FailedStep)
			}
			if !strings.Contains(recs[0].Details, tc.details) || (tc.details != "" && res.Details != recs[0].Details) {
				t.Errorf("details %q (result %q), want them to contain %q", recs[0].Details, res.Details, tc.details)
			}
			if res.Outcome == OutcomePass && recs[0].Details != "" {
				t.Errorf("a pass keeps details %q", recs[0].Details)
			}
			if !ph.closed && ph.openErr == nil {
				t.Error("the device channel was not closed")
			}
			// The cloud's final state.
			if d, ok := b.cloud.Device(devID); ok {
				if got := d.ProductID == productID; got != tc.inProduct {
					t.Errorf("in product = %v, want %v", got, tc.inProduct)
				}
				if d.Online != tc.online {
					t.Errorf("online = %v, want %v", d.Online, tc.online)
				}
				want := tc.owner
				if tc.profile.Customer == CustomerGenerated && tc.outcome == OutcomePass {
					want = res.Customer
					if !strings.HasSuffix(want, "@acme.example") {
						t.Errorf("generated customer %q", want)
					}
				}
				if d.Owner != want {
					t.Errorf("owner = %q, want %q", d.Owner, want)
				}
			}
			// Events: one result, last, matching the outcome.
			b.mu.Lock()
			last := b.events[len(b.events)-1]
			b.mu.Unlock()
			if last.Kind != EventResult || last.Outcome != tc.outcome {
				t.Errorf("last event %+v", last)
			}
			if leak := b.cloud.SecretsInURLs(); len(leak) > 0 {
				t.Errorf("secrets in request URLs: %v", leak)
			}
		})
	}
}

// A generated customer is the same for the same device, so a retry or a
// second station finds it again.
func TestGeneratedCustomerIsStable(t *testing.T) {
	a := &attempt{p: &Pipeline{Profile: Profile{Product: "p", Customer: CustomerGenerated}}}
	x, y := a.customerName(devID), a.customerName(devID)
	z := a.customerName("000000000000000000000000")
	if x != y || x == z {
		t.Fatalf("generated customers: %q %q %q", x, y, z)
	}
}

// Running the same device twice is harmless: the second run finds it in
// the product, the customer existing and the device already owned.
func TestRunDeviceTwiceIsIdempotent(t *testing.T) {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	if res := b.run(newFakePhoton(b.cloud, devID)); res.Outcome != OutcomePass {
		t.Fatalf("first run: %s", res.Message)
	}
	b.cloud.SetOnline(devID, false)
	ph := newFakePhoton(b.cloud, devID)
	res := b.run(ph)
	if res.Outcome != OutcomePass {
		t.Fatalf("second run: %s", res.Message)
	}
	want := []string{"detect:done", "identify:done", "preflight:done", "import:skipped", "customer:done",
		"claim-code:done", "deliver-code:skipped", "wifi:done", "verify:done", "post-check:skipped", "record:done"}
	if diff := cmp.Diff(want, stepOutcomes(res.Record)); diff != "" {
		t.Errorf("second run steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"wifi"}, ph.written()); diff != "" {
		t.Errorf("second run wrote (-want +got):\n%s", diff)
	}
	if n := len(b.cloud.Customers(productID)); n != 1 {
		t.Errorf("%d customers, want 1", n)
	}
}

// A claim code older than ClaimCodeMaxAge is replaced before it is sent.
func TestStaleClaimCodeIsReplaced(t *testing.T) {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ph := newFakePhoton(b.cloud, devID)
	// The import is slow: by the time it is done the claim code made
	// beside it is 51 minutes old.
	b.onEvent = func(e Event) {
		if e.Step == StepClaimCode && e.Kind == EventDone {
			b.onEvent = nil
			b.clock.Advance(51 * time.Minute)
		}
	}
	res := b.run(ph)
	if res.Outcome != OutcomePass {
		t.Fatalf("%s (%s)", res.Message, res.Details)
	}
	codes := b.cloud.ClaimCodes()
	if len(codes) != 2 {
		t.Fatalf("%d claim codes issued, want 2 (the stale one and its replacement)", len(codes))
	}
	if codes[0].UsedBy != "" || codes[1].UsedBy != devID {
		t.Errorf("claim codes used by %q and %q; want only the fresh one used", codes[0].UsedBy, codes[1].UsedBy)
	}
}

// A stop from outside ends the attempt as stopped (not FAIL), journaled.
func TestRunDeviceStopped(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ctx, cancel := context.WithCancel(context.Background())
	ph := newFakePhoton(b.cloud, devID)
	ph.onIdentify = cancel
	res := b.pipeline.RunDevice(ctx, Device{Slot: "s", Port: "/dev/ttyACM9",
		Open: func(context.Context) (DeviceChannel, error) { return ph, nil }}, nil)
	if res.Outcome != OutcomeStopped || !strings.Contains(res.Message, "Stopped") {
		t.Fatalf("got %q %q", res.Outcome, res.Message)
	}
	if len(ph.written()) != 0 {
		t.Errorf("wrote %v after the stop", ph.written())
	}
	if recs := b.journal.Records(); len(recs) != 1 || !recs[0].Finished() {
		t.Errorf("journal: %+v", recs)
	}
}

// stopAfterLookUp ends the attempt's context right after a successful
// product device look-up once the Wi-Fi settings were sent: a stop (or
// SIGTERM) arriving while verification waits.
type stopAfterLookUp struct {
	CloudAPI
	ph   *fakePhoton
	stop context.CancelFunc
}

func (s stopAfterLookUp) ProductDevice(ctx context.Context, tok Token, product, id string) (CloudDevice, error) {
	d, err := s.CloudAPI.ProductDevice(ctx, tok, product, id)
	if err == nil && slices.Contains(s.ph.written(), "wifi") {
		s.stop()
	}
	return d, err
}

// A stop during verification is a stop, not a device that never arrived.
func TestRunDeviceStoppedWhileVerifying(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ph := newFakePhoton(b.cloud, devID)
	ph.outOfRange = true
	b.pipeline.Cloud = stopAfterLookUp{CloudAPI: b.api, ph: ph, stop: cancel}
	res := b.pipeline.RunDevice(ctx, Device{Slot: "s", Port: "/dev/ttyACM9",
		Open: func(context.Context) (DeviceChannel, error) { return ph, nil }}, nil)
	if res.Outcome != OutcomeStopped || res.FailedStep != StepVerify || !strings.Contains(res.Message, "Stopped") {
		t.Fatalf("got %q at %q: %q", res.Outcome, res.FailedStep, res.Message)
	}
	recs := b.journal.Records()
	if len(recs) != 1 || recs[0].Outcome != OutcomeStopped || recs[0].Message != res.Message {
		t.Fatalf("journal: %+v", recs)
	}
	// The next attempt on this Photon goes on from the stopped one, as
	// from one a crash interrupted.
	b.pipeline.Cloud = b.api
	ph.mu.Lock()
	ph.outOfRange, ph.listening = false, true
	ph.mu.Unlock()
	next := b.pipeline.RunDevice(t.Context(), Device{Slot: "s", Port: "/dev/ttyACM9",
		Open: func(context.Context) (DeviceChannel, error) { return ph, nil }}, nil)
	if next.Outcome != OutcomePass || next.Record.ResumedFrom != recs[0].Attempt {
		t.Errorf("next attempt %q, resumed from %q; want a pass that resumed %s", next.Outcome, next.Record.ResumedFrom, recs[0].Attempt)
	}
}

// The station never acts without a record: a journal that cannot be
// written stops the attempt before the device is touched.
func TestRunDeviceJournalUnwritable(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	b.journal.Close()
	ph := newFakePhoton(b.cloud, devID)
	res := b.run(ph)
	if res.Outcome != OutcomeFail || !strings.Contains(res.Message, "journal") {
		t.Fatalf("got %q %q", res.Outcome, res.Message)
	}
	if len(ph.written()) != 0 {
		t.Errorf("wrote %v without a journal", ph.written())
	}
}

// Resume: an attempt interrupted after the claim code reached the device
// goes on without a new claim code when the old one is still fresh.
func TestResumeKeepsFreshClaimCode(t *testing.T) {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	// The interrupted attempt: the device holds the code, the journal says
	// deliver-code done, then the station died.
	ph := newFakePhoton(b.cloud, devID)
	ph.wifiErr = errors.New("power cut")
	first := b.run(ph)
	if first.FailedStep != StepWiFi {
		t.Fatalf("setup: %s at %s", first.Message, first.FailedStep)
	}
	interrupted := first.Record
	interrupted.Attempt = "interrupted-1"
	interrupted.Outcome, interrupted.Ended, interrupted.FailedStep, interrupted.Message, interrupted.Action = "", time.Time{}, "", "", ""
	interrupted.Steps = interrupted.Steps[:len(interrupted.Steps)-2] // drop wifi:failed and record
	if err := b.journal.Append(interrupted); err != nil {
		t.Fatal(err)
	}
	ph.wifiErr = nil
	ph.writes = nil
	b.clock.Advance(10 * time.Minute)
	res := b.run(ph)
	if res.Outcome != OutcomePass {
		t.Fatalf("resume: %s (%s)", res.Message, res.Details)
	}
	if res.Record.ResumedFrom != "interrupted-1" {
		t.Errorf("resumed from %q", res.Record.ResumedFrom)
	}
	if diff := cmp.Diff([]string{"wifi"}, ph.written()); diff != "" {
		t.Errorf("resume wrote (-want +got):\n%s", diff)
	}
	if d, _ := b.cloud.Device(devID); d.Owner != customerMail {
		t.Errorf("owner %q", d.Owner)
	}
}

// Resume after the Wi-Fi step: the device has left listening mode, so the
// attempt goes straight to verification.
func TestResumeAfterWiFi(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID})
	now := b.clock.Now()
	prev := Record{Attempt: "crashed-1", Port: "/dev/ttyACM0", DeviceID: devID, Product: productSlug, Started: now,
		CloudBefore: &CloudMark{}, // the device had never been online
		Steps: []StepEntry{
			{Step: StepIdentify, Started: now, Ended: now, Outcome: StepDone},
			{Step: StepWiFi, Started: now, Ended: now, Outcome: StepDone},
		}}
	if err := b.journal.Append(prev); err != nil {
		t.Fatal(err)
	}
	ph := newFakePhoton(b.cloud, devID)
	ph.listening = false
	b.cloud.SetOnline(devID, true)
	// The USB serial number names the device: a port alone does not (see
	// TestResumeNeedsTheDeviceItself).
	res := b.runUSB(ph, strings.ToUpper(devID))
	if res.Outcome != OutcomePass {
		t.Fatalf("%s (%s)", res.Message, res.Details)
	}
	if res.Record.ResumedFrom != "crashed-1" || res.DeviceID != devID {
		t.Errorf("resumed from %q, device %q", res.Record.ResumedFrom, res.DeviceID)
	}
	if len(ph.written()) != 0 {
		t.Errorf("wrote %v", ph.written())
	}
	if _, ok := b.journal.LastInterrupted(devID); ok {
		t.Error("the device still has an interrupted attempt")
	}
}

// The leak test: after full runs with a customer, no secret, token or claim
// code is in the events, the journal file, the CSV export, the profile
// file or any request URL.
func TestNoSecretLeaks(t *testing.T) {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail, NamePattern: "unit-{last6}"})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	res := b.run(newFakePhoton(b.cloud, devID))
	if res.Outcome != OutcomePass {
		t.Fatalf("%s", res.Message)
	}
	// A failing run too: error paths carry server text.
	b.cloud.AddDevice(cloudtest.Device{ID: "3b0021001747353236343034", Owner: "stranger@example.com"})
	b.run(newFakePhoton(b.cloud, "3b0021001747353236343034"))

	secrets := append([]string{clientSecret, wifiPassword}, b.api.secrets()...)
	for _, cc := range b.cloud.ClaimCodes() {
		secrets = append(secrets, cc.Code)
	}
	if len(secrets) < 5 {
		t.Fatalf("only %d secrets recorded; the test would prove nothing", len(secrets))
	}
	store, _ := NewProfileStore(b.dir+"/profiles", nil)
	if err := store.Save(b.pipeline.Profile); err != nil {
		t.Fatal(err)
	}
	profileFile, _ := os.ReadFile(store.path(b.pipeline.Profile.Name))
	// The database, and its write-ahead log where the last writes wait
	// for a checkpoint.
	journalFile, _ := os.ReadFile(b.journal.Path())
	journalWAL, _ := os.ReadFile(b.journal.Path() + "-wal")
	if len(journalFile)+len(journalWAL) == 0 {
		t.Fatal("the journal database is empty; the test would prove nothing")
	}
	var csv, jsonl strings.Builder
	if err := b.journal.ExportCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if err := b.journal.ExportJSONL(&jsonl); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"events": b.eventJSON(), "journal": string(journalFile) + string(journalWAL), "csv": csv.String(), "jsonl": jsonl.String(),
		"profile": string(profileFile), "result": res.Message + res.Action + res.Details,
	} {
		if v, ok := containsAny(text, secrets); ok {
			t.Errorf("%s holds a secret (%d characters)", name, len(v))
		}
	}
	if leak := b.cloud.SecretsInURLs(); len(leak) > 0 {
		t.Errorf("secrets in request URLs: %v", leak)
	}
	for _, r := range b.cloud.Requests() {
		for _, a := range r.Auth {
			if a != cloudtest.AuthHeader && a != cloudtest.AuthBasic {
				t.Errorf("%s %s carried a credential in %s", r.Method, r.Path, a)
			}
		}
	}
}

// The device reaches the cloud after its claim code expired: verification
// names the cause instead of waiting for an owner that never comes.
func TestClaimCodeExpiredBeforeConnect(t *testing.T) {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ph := newFakePhoton(b.cloud, devID)
	ph.beforeOnline = func() { b.clock.Advance(61 * time.Minute) }
	res := b.run(ph)
	if res.FailedStep != StepVerify || !strings.Contains(res.Message, "was not claimed") || !strings.Contains(res.Action, "fresh claim code") {
		t.Fatalf("%s at %s: %s %s", res.Outcome, res.FailedStep, res.Message, res.Action)
	}
	if d, _ := b.cloud.Device(devID); !d.Online || d.Owner != "" {
		t.Errorf("cloud: %+v", d)
	}
}

// Every step has its own timeout: a device that hangs in identify is given
// up on with a message that names the step and its limit.
func TestStepTimeout(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	b.pipeline.Timeouts.Identify = 50 * time.Millisecond
	ph := newFakePhoton(b.cloud, devID)
	ph.hold = make(chan struct{}) // never released
	res := b.run(ph)
	if res.FailedStep != StepIdentify || !strings.Contains(res.Message, "did not finish identification within 50ms") || !strings.Contains(res.Action, "dark blue") {
		t.Fatalf("%s at %s: %s %s", res.Outcome, res.FailedStep, res.Message, res.Action)
	}
	if len(ph.written()) != 0 {
		t.Errorf("wrote %v", ph.written())
	}
}

// A device owned by a member of the product is imported with its owner
// (the cloud lists it as updated, not nonmember): the pipeline looks again
// after the import and stops before writing anything to the device, with
// or without a customer.
func TestDeviceOwnedByProductMemberIsNotWritten(t *testing.T) {
	t.Run("customer job", func(t *testing.T) {
		testOwnedByProductMember(t, Profile{Product: "team-product", ClientID: "team-client", Customer: CustomerEmail, CustomerPattern: customerMail},
			nil) // the customer steps run beside the import: done or stopped
	})
	t.Run("no-customer job", func(t *testing.T) {
		testOwnedByProductMember(t, Profile{Product: "team-product", ClientID: "team-client"},
			[]string{"detect:done", "identify:done", "preflight:done", "import:failed", "customer:skipped", "claim-code:skipped", "record:done"})
	})
}

func testOwnedByProductMember(t *testing.T, p Profile, wantSteps []string) {
	b := newBench(t, p)
	b.cloud.AddProduct(cloudtest.Product{ID: 100, Slug: "team-product", Name: "Team", Members: []string{"tech@acme.example"}})
	b.cloud.AddOAuthClient(cloudtest.OAuthClient{ID: "team-client", Secret: clientSecret, Name: "bench", ProductID: 100})
	b.cloud.AddDevice(cloudtest.Device{ID: devID, Owner: "tech@acme.example"})
	ph := newFakePhoton(b.cloud, devID)
	res := b.run(ph)
	if res.Outcome != OutcomeFail || res.FailedStep != StepImport {
		t.Fatalf("outcome %q at %q: %s (%s)", res.Outcome, res.FailedStep, res.Message, res.Details)
	}
	for _, want := range []string{"already claimed by another account (tech@acme.example)", "added it to product team-product, so it was taken out again", "Nothing was written"} {
		if !strings.Contains(res.Message, want) {
			t.Errorf("message %q does not contain %q", res.Message, want)
		}
	}
	if !strings.Contains(res.Action, "supervisor") {
		t.Errorf("action %q", res.Action)
	}
	if diff := cmp.Diff([]string(nil), ph.written()); diff != "" {
		t.Errorf("writes to the device (-want +got):\n%s", diff)
	}
	if wantSteps != nil {
		if diff := cmp.Diff(wantSteps, stepOutcomes(res.Record)); diff != "" {
			t.Errorf("steps (-want +got):\n%s", diff)
		}
	}
	// The refusal leaves the product as it was: the device is out again.
	if d, _ := b.cloud.Device(devID); d.Owner != "tech@acme.example" || d.Online || d.ProductID != 0 {
		t.Errorf("cloud %+v", d)
	}
}

// panickyCloud panics in ProductToken: a bug on the concurrent cloud
// goroutine.
type panickyCloud struct{ CloudAPI }

func (panickyCloud) ProductToken(context.Context, string, string) (Token, error) {
	panic("cloud adapter bug")
}

// A panic never leaves an attempt looking interrupted in the journal (the
// next attempt would "resume" it), and a panic on the concurrent cloud
// goroutine fails this attempt instead of ending the process.
func TestRunDevicePanicClosesTheRecord(t *testing.T) {
	t.Run("device side: the panic goes on up", func(t *testing.T) {
		b := newBench(t, Profile{})
		b.cloud.AddDevice(cloudtest.Device{ID: devID})
		ph := newFakePhoton(b.cloud, devID)
		ph.panicky = true
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Error("the panic was swallowed")
				}
			}()
			b.run(ph)
		}()
		recs := b.journal.Records()
		if len(recs) != 1 || !recs[0].Finished() || recs[0].Outcome != OutcomeFail || !strings.Contains(recs[0].Message, "internal error") {
			t.Fatalf("journal: %+v", recs)
		}
		if _, ok := b.journal.LastInterrupted(devID); ok {
			t.Error("the panicked attempt is resumable")
		}
	})
	t.Run("cloud goroutine: FAIL, no crash", func(t *testing.T) {
		b := newBench(t, Profile{})
		b.cloud.AddDevice(cloudtest.Device{ID: devID})
		b.pipeline.Cloud = panickyCloud{b.pipeline.Cloud}
		ph := newFakePhoton(b.cloud, devID)
		res := b.run(ph)
		if res.Outcome != OutcomeFail || !strings.Contains(res.Message, "internal error") {
			t.Fatalf("%s: %s", res.Outcome, res.Message)
		}
		if len(ph.written()) != 0 {
			t.Errorf("wrote %v", ph.written())
		}
		if recs := b.journal.Records(); len(recs) != 1 || !recs[0].Finished() {
			t.Errorf("journal: %+v", recs)
		}
		if n := len(b.pipeline.Limit.sem); n != 0 {
			t.Errorf("the panic kept %d of the shared cloud slots", n)
		}
	})
}

// The cloud may still call a device online for a while after it dropped
// into listening mode: verification must see contact newer than the Wi-Fi
// step, or a re-run of a device already in the product would pass without
// the device ever joining the new network.
func TestVerifyNeedsContactAfterWiFi(t *testing.T) {
	withCustomer := Profile{Customer: CustomerEmail, CustomerPattern: customerMail}
	tests := []struct {
		name       string
		profile    Profile
		owned      bool // the device is already owned by the customer
		reconnects bool // the device joins the network and reaches the cloud
		outcome    Outcome
		failedStep Step
		message    string
	}{
		{name: "stale online, never reconnects", outcome: OutcomeFail, failedStep: StepVerify,
			message: "did not reach the cloud within"},
		{name: "stale online and owned, never reconnects", profile: withCustomer, owned: true,
			outcome: OutcomeFail, failedStep: StepVerify, message: "did not reach the cloud within"},
		{name: "stale online, reconnects", reconnects: true, outcome: OutcomePass, message: "provisioned and verified"},
		{name: "stale online and owned, reconnects", profile: withCustomer, owned: true, reconnects: true,
			outcome: OutcomePass, message: "provisioned and verified"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, tc.profile)
			owner := ""
			if tc.owned {
				b.cloud.AddCustomer(cloudtest.Customer{Email: customerMail, ProductID: productID})
				owner = customerMail
			}
			// Online in the cloud from an earlier life; then it was put in
			// listening mode a while ago and the cloud has not noticed.
			b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID, Owner: owner, Online: true})
			heard := b.clock.Now()
			b.clock.Advance(10 * time.Minute)
			ph := newFakePhoton(b.cloud, devID)
			ph.outOfRange = !tc.reconnects
			res := b.run(ph)
			if res.Outcome != tc.outcome || res.FailedStep != tc.failedStep {
				t.Fatalf("outcome %q at %q, want %q at %q: %s (%s)", res.Outcome, res.FailedStep, tc.outcome, tc.failedStep, res.Message, res.Details)
			}
			if !strings.Contains(res.Message, tc.message) {
				t.Errorf("message %q does not contain %q", res.Message, tc.message)
			}
			if diff := cmp.Diff([]string{"wifi"}, ph.written()); diff != "" {
				t.Errorf("writes to the device (-want +got):\n%s", diff)
			}
			if res.Record.WiFiSentAt.Before(heard.Add(10 * time.Minute)) {
				t.Errorf("WiFiSentAt %v is before the Wi-Fi step", res.Record.WiFiSentAt)
			}
			d, _ := b.cloud.Device(devID)
			if got := d.LastHeard.After(heard); got != tc.reconnects {
				t.Errorf("cloud heard from the device again = %v, want %v", got, tc.reconnects)
			}
		})
	}
}

// After a crash, a different Photon plugged into the same port is not the
// interrupted attempt's device: without the device naming itself (USB
// serial number, or identify in listening mode) nothing is resumed.
func TestResumeNeedsTheDeviceItself(t *testing.T) {
	const otherID = "3b0021001747353236343099"
	tests := []struct {
		name       string
		usbID      string // what the USB serial number gave
		phID       string // the Photon actually plugged in
		listening  bool
		outcome    Outcome
		failedStep Step
		resumed    string
		deviceID   string
	}{
		{name: "no serial number, another Photon, running its app", phID: otherID,
			outcome: OutcomeFail, failedStep: StepIdentify, deviceID: ""},
		{name: "serial number of another Photon, running its app", usbID: otherID, phID: otherID,
			outcome: OutcomeFail, failedStep: StepIdentify, deviceID: otherID},
		{name: "no serial number, another Photon in listening mode", phID: otherID, listening: true,
			outcome: OutcomePass, deviceID: otherID},
		{name: "serial number of the interrupted device", usbID: devID, phID: devID,
			outcome: OutcomePass, resumed: "crashed-1", deviceID: devID},
		{name: "no serial number, the interrupted device in listening mode", phID: devID, listening: true,
			outcome: OutcomePass, resumed: "crashed-1", deviceID: devID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, Profile{})
			b.cloud.AddDevice(cloudtest.Device{ID: devID, ProductID: productID})
			b.cloud.AddDevice(cloudtest.Device{ID: otherID, ProductID: productID})
			now := b.clock.Now()
			prev := Record{Attempt: "crashed-1", Port: "/dev/ttyACM0", DeviceID: devID, Product: productSlug, Started: now,
				WiFiSentAt: now, CloudBefore: &CloudMark{},
				Steps: []StepEntry{
					{Step: StepIdentify, Started: now, Ended: now, Outcome: StepDone},
					{Step: StepWiFi, Started: now, Ended: now, Outcome: StepDone},
				}}
			if err := b.journal.Append(prev); err != nil {
				t.Fatal(err)
			}
			// The interrupted device reached the cloud after its Wi-Fi step.
			b.cloud.SetOnline(devID, true)
			ph := newFakePhoton(b.cloud, tc.phID)
			ph.listening = tc.listening
			res := b.runUSB(ph, tc.usbID)
			if res.Outcome != tc.outcome || res.FailedStep != tc.failedStep {
				t.Fatalf("outcome %q at %q, want %q at %q: %s (%s)", res.Outcome, res.FailedStep, tc.outcome, tc.failedStep, res.Message, res.Details)
			}
			if diff := cmp.Diff(tc.resumed, res.Record.ResumedFrom); diff != "" {
				t.Errorf("resumed from (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.deviceID, res.DeviceID); diff != "" {
				t.Errorf("device ID (-want +got):\n%s", diff)
			}
			if tc.resumed == "" {
				if _, ok := b.journal.LastInterrupted(devID); !ok {
					t.Error("the interrupted attempt of the other device was closed")
				}
			}
		})
	}
}

// When the cloud pre-flight fails first and then the device fails too, the
// result names the step whose message it gives, so a script that branches
// on failed_step reads a step and a message that belong together.
func TestFailedStepMatchesTheMessage(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	b.cloud.InjectFault(cloudtest.Fault{Path: "/oauth/token", Status: 400, Body: `{"error":"invalid_client","error_description":"Invalid client"}`})
	ph := newFakePhoton(b.cloud, devID)
	ph.listening = false
	ph.hold = make(chan struct{})
	ph.entered = make(chan struct{})
	cloudFailed := b.next(StepPreflight, EventFailed)
	done := make(chan Result, 1)
	go func() { done <- b.run(ph) }()
	select {
	case <-cloudFailed:
	case <-time.After(5 * time.Second):
		t.Fatal("the pre-flight did not fail")
	}
	close(ph.hold) // now the device answers: not in listening mode
	res := <-done
	if res.FailedStep != StepIdentify || !strings.Contains(res.Message, "not in listening mode") {
		t.Fatalf("failed step %q with message %q: they do not belong together", res.FailedStep, res.Message)
	}
	if recs := b.journal.Records(); len(recs) != 1 || recs[0].FailedStep != StepIdentify {
		t.Errorf("journal: %+v", recs)
	}
}

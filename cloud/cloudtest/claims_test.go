package cloudtest

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var claimCodeFormat = regexp.MustCompile(`^[A-Za-z0-9+/]{63}$`)

func TestClaimCodeLifetimeAndSingleUse(t *testing.T) {
	tests := []struct {
		name      string
		after     time.Duration // clock advance before the device presents the code
		usedFirst bool          // another device consumed the code first
		wantErr   error
	}{
		{name: "fresh", after: 0},
		{name: "one second short of an hour", after: time.Hour - time.Second},
		{name: "at one hour", after: time.Hour, wantErr: ErrClaimCodeExpired},
		{name: "used", usedFirst: true, wantErr: ErrClaimCodeUsed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
			other := f.c.AddDevice(Device{ProductID: 100})
			cust := f.c.CustomerToken(100, "carol@example.com")
			got := do(t, f.c, call{method: "POST", path: "/v1/products/100/device_claims", token: cust})
			if got.status != 200 {
				t.Fatalf("claim code: %d %s", got.status, got.body)
			}
			m := got.decode(t)
			code := m["claim_code"].(string)
			if !claimCodeFormat.MatchString(code) {
				t.Errorf("claim code %q is not 63 characters of [A-Za-z0-9+/]", code)
			}
			if diff := cmp.Diff([]any{}, m["device_ids"]); diff != "" {
				t.Errorf("device_ids of a new customer (-want +got):\n%s", diff)
			}
			if tt.usedFirst {
				if err := f.c.DeviceOnline(other, code); err != nil {
					t.Fatalf("first use: %v", err)
				}
			}
			f.clock.Advance(tt.after)
			f.c.SetOnline(photonA, false)
			err := f.c.DeviceOnline(photonA, code)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("DeviceOnline = %v, want %v", err, tt.wantErr)
			}
			d, _ := f.c.Device(photonA)
			if !d.Online {
				t.Errorf("device not online after presenting a code")
			}
			wantOwner := ""
			if tt.wantErr == nil {
				wantOwner = "carol@example.com"
			}
			if d.Owner != wantOwner || d.OwnerIsCustomer != (wantOwner != "") {
				t.Errorf("owner = %q (customer %v), want %q", d.Owner, d.OwnerIsCustomer, wantOwner)
			}
			codes := f.c.ClaimCodes()
			if len(codes) != 1 || codes[0].ProductID != 100 || codes[0].Owner != "carol@example.com" || !codes[0].Customer ||
				!codes[0].ExpiresAt.Equal(epoch.Add(time.Hour)) {
				t.Errorf("ClaimCodes = %+v", codes)
			}
			if tt.wantErr == nil {
				if codes[0].UsedBy != photonA {
					t.Errorf("UsedBy = %q", codes[0].UsedBy)
				}
				// The customer's next code lists the claimed device.
				got := do(t, f.c, call{method: "POST", path: "/v1/products/bench-v1/device_claims", token: cust})
				if diff := cmp.Diff([]any{photonA}, got.decode(t)["device_ids"]); diff != "" {
					t.Errorf("device_ids after claim (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestClaimCodeRoutes(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
	f.c.AddCustomer(Customer{Email: "zed@example.com", ProductID: 200})
	tests := []struct {
		name       string
		path       string
		token      string
		form       map[string]string
		wantStatus int
	}{
		{name: "customer, product route", path: "/v1/products/100/device_claims", token: f.c.CustomerToken(100, "carol@example.com"), wantStatus: 200},
		{name: "customer of another product", path: "/v1/products/100/device_claims", token: f.c.CustomerToken(200, "zed@example.com"), wantStatus: 403},
		{name: "product token, product route", path: "/v1/products/100/device_claims", token: f.product, wantStatus: 403},
		{name: "user token, product route", path: "/v1/products/100/device_claims", token: f.user, wantStatus: 403},
		{name: "user, user route", path: "/v1/device_claims", token: f.user, wantStatus: 200},
		{name: "user, user route, imei", path: "/v1/device_claims", token: f.user, form: map[string]string{"imei": "352753090000000"}, wantStatus: 200},
		{name: "product token, user route", path: "/v1/device_claims", token: f.product, wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := call{method: "POST", path: tt.path, token: tt.token}
			if tt.form != nil {
				cl.json = tt.form
			}
			if got := do(t, f.c, cl); got.status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
		})
	}
	codes := f.c.ClaimCodes()
	if len(codes) != 3 || codes[2].IMEI != "352753090000000" || codes[1].Owner != "alice@example.com" || codes[1].Customer {
		t.Errorf("ClaimCodes = %+v", codes)
	}
	// A user claim code claims to the user; a product code needs the device
	// in the product.
	f.c.AddDevice(Device{ID: "cccccccccccccccccccccccc"})
	if err := f.c.DeviceOnline("CCCCCCCCCCCCCCCCCCCCCCCC", codes[1].Code); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.c.Device("cccccccccccccccccccccccc"); d.Owner != "alice@example.com" || d.OwnerIsCustomer {
		t.Errorf("user claim: %+v", d)
	}
	f.c.AddDevice(Device{ID: "dddddddddddddddddddddddd"})
	if err := f.c.DeviceOnline("dddddddddddddddddddddddd", codes[0].Code); !errors.Is(err, ErrNotInClaimsProduct) {
		t.Errorf("product code on a device outside the product: %v", err)
	}
	if err := f.c.DeviceOnline("dddddddddddddddddddddddd", "not-a-code"); !errors.Is(err, ErrUnknownClaimCode) {
		t.Errorf("unknown code: %v", err)
	}
	if err := f.c.DeviceOnline(stranger, ""); !errors.Is(err, ErrUnknownDevice) {
		t.Errorf("unknown device: %v", err)
	}
}

func TestClaimDevice(t *testing.T) {
	f := newFixture(t, Options{})
	theirs := f.c.AddDevice(Device{Owner: "mallory@example.com", Online: true})
	mine := f.c.AddDevice(Device{Online: true})
	offline := f.c.AddDevice(Device{})
	tests := []struct {
		name       string
		body       map[string]any
		token      string
		wantStatus int
		wantBody   string
	}{
		{name: "blank id", body: map[string]any{"id": "  "}, token: f.user, wantStatus: 400},
		{name: "claim, upper case", body: map[string]any{"id": strings.ToUpper(mine)}, token: f.user, wantStatus: 200,
			wantBody: `{"claimed":true,"deviceID":"` + mine + `","ok":true}`},
		{name: "again is fine", body: map[string]any{"id": mine}, token: f.user, wantStatus: 200},
		{name: "someone else's", body: map[string]any{"id": theirs}, token: f.user, wantStatus: 403,
			wantBody: `{"errors":["That belongs to someone else."],"ok":false}`},
		{name: "transfer", body: map[string]any{"id": theirs, "request_transfer": true}, token: f.user, wantStatus: 200},
		{name: "offline", body: map[string]any{"id": offline}, token: f.user, wantStatus: 404,
			wantBody: `{"errors":["device not found"],"ok":false}`},
		{name: "unknown", body: map[string]any{"id": stranger}, token: f.user, wantStatus: 404},
		{name: "product token", body: map[string]any{"id": mine}, token: f.product, wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, f.c, call{method: "POST", path: "/v1/devices", token: tt.token, json: tt.body})
			if got.status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(tt.wantBody, got.body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
		})
	}
	if tr := f.c.Transfers(); len(tr) != 1 || tr[0].DeviceID != theirs || tr[0].To != "alice@example.com" {
		t.Errorf("Transfers = %+v", tr)
	}
	if d, _ := f.c.Device(theirs); d.Owner != "mallory@example.com" {
		t.Errorf("transfer request changed the owner to %q", d.Owner)
	}
	// Unclaim by the owner.
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/devices/" + mine, token: f.user}); got.body != `{"ok":true}` {
		t.Errorf("unclaim: %d %s", got.status, got.body)
	}
	if d, _ := f.c.Device(mine); d.Owner != "" {
		t.Errorf("owner after unclaim = %q", d.Owner)
	}
}

// The tutorial's customer claiming without listening mode: the customer's
// token claims an online device of its product by ID, and the product sees
// the customer as the owner. A device of another product, or one that
// another customer owns, is refused.
func TestCustomerClaimsAnOnlineProductDevice(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.AddCustomer(Customer{ProductID: 100, Email: "unit-1@acme.example"})
	f.c.AddCustomer(Customer{ProductID: 100, Email: "unit-2@acme.example"})
	cust := f.c.CustomerToken(100, "unit-1@acme.example")
	other := f.c.CustomerToken(100, "unit-2@acme.example")
	got := do(t, f.c, call{method: "POST", path: "/v1/devices", token: cust, json: map[string]any{"id": photonA}})
	if got.status != 200 || got.body != `{"claimed":true,"deviceID":"`+photonA+`","ok":true}` {
		t.Fatalf("claim: %d %s", got.status, got.body)
	}
	read := do(t, f.c, call{method: "GET", path: "/v1/products/100/devices/" + photonA, token: f.product})
	if !strings.Contains(read.body, `"owner":"unit-1@acme.example"`) {
		t.Errorf("product device after the claim: %s", read.body)
	}
	if got := do(t, f.c, call{method: "POST", path: "/v1/devices", token: other, json: map[string]any{"id": photonA}}); got.status != 403 ||
		!strings.Contains(got.body, "belongs to someone else") {
		t.Errorf("another customer's claim: %d %s", got.status, got.body)
	}
	if got := do(t, f.c, call{method: "POST", path: "/v1/devices", token: cust, json: map[string]any{"id": photonC}}); got.status != 403 {
		t.Errorf("a device of another product: %d %s", got.status, got.body)
	}
	if d, _ := f.c.Device(photonC); d.Owner != "" {
		t.Errorf("the other product's device got owner %q", d.Owner)
	}
}

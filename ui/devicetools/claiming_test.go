package devicetools

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/internal/fynetest"
)

// withCustomers gives the fixture's tools customer tokens the way the
// station gets them: through the product's OAuth client, making the shadow
// customer when it does not exist yet.
func withCustomers(f *fixture) {
	creds := cloud.ClientCredentials{ID: "bench-tools-4242", Secret: "bench-tools-secret"}
	f.cloud.AddOAuthClient(cloudtest.OAuthClient{ID: creds.ID, Secret: creds.Secret, Name: "bench", Type: "installed", ProductID: productID})
	src := f.source
	src.Customers = func(ctx context.Context, email string) (*cloud.Client, error) {
		base := &cloud.Client{BaseURL: f.cloud.URL(), Transport: f.cloud.HTTPClient().Transport}
		tok, _, err := base.EnsureCustomer(ctx, fmt.Sprint(productID), creds, email, 0)
		if err != nil {
			return nil, err
		}
		return base.WithToken(tok.AccessToken), nil
	}
	f.tools.src = src
}

// answer presses button on the dialog on top of the window.
func answer(t *testing.T, f *fixture, button string) {
	t.Helper()
	top := f.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no question asked (wanted %q)", button)
	}
	for _, o := range fynetest.Objects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == button {
			if button != "Cancel" && b.Importance != widget.DangerImportance {
				t.Errorf("%q does not look destructive", button)
			}
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the question has no %q button", button)
}

func productDevice(t *testing.T, f *fixture, name string) *productTab {
	t.Helper()
	p := openProduct(t, f)
	p.nameFilter.SetText(name)
	test.Tap(p.searchBtn)
	f.q.settle(t, "the product devices", p.out)
	selectDevice(t, f, p.list, p.pane, name)
	f.q.settle(t, "the device", p.pane.load)
	return p
}

// The tutorial's customer claiming: look up, claim an online device to a
// customer with the customer's token, unclaim, remove from the product.
func TestClaimingControls(t *testing.T) {
	f := newFixture(t)
	withCustomers(f)
	p := productDevice(t, f, "bench-01")
	c := p.pane.claim

	test.Tap(c.lookupBtn)
	f.q.settle(t, "the lookup", c.out)
	if got := c.out.message; !strings.Contains(got, "not claimed") {
		t.Errorf("lookup says %q", got)
	}

	c.customer.SetText("new-site@customer.example")
	test.Tap(c.claimBtn)
	f.q.settle(t, "the claim", c.out)
	if got := c.out.message; got != "Claimed to new-site@customer.example." {
		t.Errorf("claim says %q", got)
	}
	if d, _ := f.cloud.Device(benchID(1)); d.Owner != "new-site@customer.example" || !d.OwnerIsCustomer {
		t.Errorf("cloud has owner %q (customer %v)", d.Owner, d.OwnerIsCustomer)
	}
	shoot(t, "devicetools-claiming", f.win.Canvas().Capture())
	f.win.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "devicetools-claiming-1920x1080", f.win.Canvas().Capture())
	f.win.Resize(fyne.NewSize(1280, 800))
	shoot(t, "devicetools-claiming-1280x800", f.win.Canvas().Capture())

	// Unclaim asks first; Cancel leaves the owner.
	test.Tap(c.unclaimBtn)
	answer(t, f, "Cancel")
	if d, _ := f.cloud.Device(benchID(1)); d.Owner == "" {
		t.Fatal("Cancel unclaimed the device")
	}
	test.Tap(c.unclaimBtn)
	answer(t, f, "Unclaim")
	f.q.settle(t, "the unclaim", c.out)
	if d, _ := f.cloud.Device(benchID(1)); d.Owner != "" || d.ProductID != productID {
		t.Errorf("after unclaim: owner %q, product %d", d.Owner, d.ProductID)
	}

	test.Tap(c.removeBtn)
	answer(t, f, "Remove")
	f.q.settle(t, "the removal", c.out)
	if d, _ := f.cloud.Device(benchID(1)); d.ProductID != 0 {
		t.Errorf("after removal the device is in product %d", d.ProductID)
	}
	test.Tap(c.lookupBtn)
	f.q.settle(t, "the lookup", c.out)
	if got := c.out.message; !strings.HasPrefix(got, "Not in product") {
		t.Errorf("lookup after removal says %q", got)
	}
}

// An offline device is not claimed, and no claim is sent for it.
func TestClaimingNeedsTheDeviceOnline(t *testing.T) {
	f := newFixture(t)
	withCustomers(f)
	p := productDevice(t, f, "bench-03") // offline
	c := p.pane.claim
	c.customer.SetText("new-site@customer.example")
	test.Tap(c.claimBtn)
	f.q.settle(t, "the claim", c.out)
	if got := c.out.message; !strings.Contains(got, "offline") {
		t.Errorf("claim of an offline device says %q", got)
	}
	for _, r := range f.cloud.Requests() {
		if r.Method == "POST" && r.Path == "/v1/devices" {
			t.Error("a claim was sent for an offline device")
		}
	}
}

package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/devicetools"
)

// TestDeviceToolsFollowTheBenchProfile: the device tools work on the
// product of the profile the bench shows, and reuse one product token
// instead of asking the cloud for a new one on every call.
func TestDeviceToolsFollowTheBenchProfile(t *testing.T) {
	ctx := context.Background()
	fake := cloudtest.New(cloudtest.Options{})
	t.Cleanup(fake.Close)
	secrets := &provisioning.MemorySecrets{}
	store, err := provisioning.NewProfileStore(t.TempDir(), secrets)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"A line", "B line"} {
		id := 1001 + i
		fake.AddProduct(cloudtest.Product{ID: id, Name: name})
		cl := fake.AddOAuthClient(cloudtest.OAuthClient{ID: "client-" + string(rune('a'+i)), ProductID: id})
		p := provisioning.Profile{Name: name, Product: strconv.Itoa(id), ClientID: cl.ID, SSID: "Factory", Security: provisioning.SecurityWPA2,
			Customer: provisioning.CustomerNone, Channel: provisioning.ChannelSerial}
		if err := store.Save(p); err != nil {
			t.Fatal(err)
		}
		if err := secrets.Set(ctx, name, provisioning.SecretClientSecret, cl.Secret); err != nil {
			t.Fatal(err)
		}
	}
	api := &cloud.Client{BaseURL: fake.URL()}
	sessions := &provisioning.CloudSessions{API: provisioning.NewCloudAPI(api)}
	t.Cleanup(sessions.Close)
	s := &station{profiles: store, secrets: secrets, api: api, sessions: sessions}
	bench := "B line"
	tools := &profileTools{s: s, current: func() string { return bench }}

	want, _ := store.Load("B line")
	if got := tools.Product(); got != want.Product {
		t.Errorf("Product() = %q, want the bench profile's %q", got, want.Product)
	}
	for range 3 {
		c, err := tools.ProductCloud(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetProduct(ctx, want.Product); err != nil {
			t.Fatalf("the token does not reach the bench profile's product: %v", err)
		}
	}
	if n := tokenRequests(fake); n != 1 {
		t.Errorf("%d token requests for three calls, want 1", n)
	}

	bench = "no such profile" // falls back to the first stored profile
	first, _ := store.Load("A line")
	if got := tools.Product(); got != first.Product {
		t.Errorf("Product() = %q, want the first profile's %q", got, first.Product)
	}
	if _, err := tools.ProductCloud(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tokenRequests(fake); n != 2 {
		t.Errorf("%d token requests after switching profile, want 2", n)
	}
}

func tokenRequests(c *cloudtest.Cloud) int {
	n := 0
	for _, r := range c.Requests() {
		if r.Path == "/oauth/token" {
			n++
		}
	}
	return n
}

// TestDeviceToolsUserRoutesNeedTheSupervisor: the device tools' user
// routes carry the signed-in supervisor's token, and say "not signed in"
// (which the tools explain) before the sign-in and after the sign-out.
func TestDeviceToolsUserRoutesNeedTheSupervisor(t *testing.T) {
	ctx := context.Background()
	fake := cloudtest.New(cloudtest.Options{})
	t.Cleanup(fake.Close)
	fake.AddUser(cloudtest.User{Email: "lead@factory.example", Password: "a-long-password"})
	fake.AddDevice(cloudtest.Device{ID: "0123456789abcdef01234567", Name: "desk", Owner: "lead@factory.example"})
	secrets := &provisioning.MemorySecrets{}
	store, err := provisioning.NewProfileStore(t.TempDir(), secrets)
	if err != nil {
		t.Fatal(err)
	}
	api := &cloud.Client{BaseURL: fake.URL()}
	s := &station{profiles: store, secrets: secrets, api: api, account: &provisioning.Supervisor{API: api, Secrets: secrets}}
	tools := signedInTools{Source: &profileTools{s: s}, account: s.account}

	if _, err := tools.UserCloud(ctx); !errors.Is(err, devicetools.ErrNotSignedIn) {
		t.Fatalf("before sign-in: %v, want devicetools.ErrNotSignedIn", err)
	}
	if _, err := s.account.SignIn(ctx, "lead@factory.example", "a-long-password"); err != nil {
		t.Fatal(err)
	}
	c, err := tools.UserCloud(ctx)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := c.ListDevices(ctx)
	if err != nil || len(devs) != 1 || devs[0].Name != "desk" {
		t.Fatalf("my devices = %+v, %v", devs, err)
	}
	if _, err := tools.ProductCloud(ctx); !errors.Is(err, devicetools.ErrNoProduct) {
		t.Errorf("product routes without a profile: %v", err)
	}
	if err := s.account.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tools.UserCloud(ctx); !errors.Is(err, devicetools.ErrNotSignedIn) {
		t.Fatalf("after sign-out: %v", err)
	}
}

// A bench profile without its client secret, or a sign-in the keychain
// cannot give, is explained in words instead of "the operation failed".
func TestDeviceToolsExplainMissingSecrets(t *testing.T) {
	ctx := context.Background()
	fake := cloudtest.New(cloudtest.Options{})
	t.Cleanup(fake.Close)
	secrets := &provisioning.MemorySecrets{}
	store, err := provisioning.NewProfileStore(t.TempDir(), secrets)
	if err != nil {
		t.Fatal(err)
	}
	p := provisioning.Profile{Name: "Line 3", Product: "1001", ClientID: "client-a", SSID: "Factory", Security: provisioning.SecurityWPA2,
		Customer: provisioning.CustomerNone, Channel: provisioning.ChannelSerial}
	if err := store.Save(p); err != nil {
		t.Fatal(err)
	}
	api := &cloud.Client{BaseURL: fake.URL()}
	s := &station{profiles: store, secrets: secrets, api: api}
	_, err = (&profileTools{s: s}).ProductCloud(ctx)
	if err == nil || !strings.Contains(err.Error(), "The job profile Line 3 has no client secret in the keychain") {
		t.Errorf("product tools without a secret: %v", err)
	}
	broken := keyringDown{}
	tools := signedInTools{Source: &profileTools{s: s}, account: &provisioning.Supervisor{API: api, Secrets: broken}}
	if _, err := tools.UserCloud(ctx); err == nil || !strings.Contains(err.Error(), "system keychain") || errors.Is(err, devicetools.ErrNotSignedIn) {
		t.Errorf("user tools without a keychain: %v", err)
	}
}

// keyringDown is a keychain that is not there, as on a Linux box without a
// Secret Service.
type keyringDown struct{}

func (keyringDown) Get(context.Context, string, provisioning.SecretKind) (string, error) {
	return "", &provisioning.KeyringError{Op: "read", Err: provisioning.ErrKeyringUnavailable}
}
func (keyringDown) Set(context.Context, string, provisioning.SecretKind, string) error {
	return &provisioning.KeyringError{Op: "store", Err: provisioning.ErrKeyringUnavailable}
}
func (keyringDown) Delete(context.Context, string, provisioning.SecretKind) error {
	return &provisioning.KeyringError{Op: "delete", Err: provisioning.ErrKeyringUnavailable}
}

// TestDeviceToolsClaimToCustomer: the device tools claim to a customer with
// that customer's token, got through the bench profile's OAuth client (the
// shadow customer made on first use).
func TestDeviceToolsClaimToCustomer(t *testing.T) {
	ctx := context.Background()
	fake := cloudtest.New(cloudtest.Options{})
	t.Cleanup(fake.Close)
	secrets := &provisioning.MemorySecrets{}
	store, err := provisioning.NewProfileStore(t.TempDir(), secrets)
	if err != nil {
		t.Fatal(err)
	}
	fake.AddProduct(cloudtest.Product{ID: 1001, Name: "Line"})
	cl := fake.AddOAuthClient(cloudtest.OAuthClient{ID: "line-1001", ProductID: 1001})
	p := provisioning.Profile{Name: "Line", Product: "1001", ClientID: cl.ID, SSID: "Factory", Security: provisioning.SecurityWPA2,
		Customer: provisioning.CustomerNone, Channel: provisioning.ChannelSerial}
	if err := store.Save(p); err != nil {
		t.Fatal(err)
	}
	if err := secrets.Set(ctx, p.Name, provisioning.SecretClientSecret, cl.Secret); err != nil {
		t.Fatal(err)
	}
	const id = "0a10aced202194944a0000c1"
	fake.AddDevice(cloudtest.Device{ID: id, ProductID: 1001, Online: true})
	api := &cloud.Client{BaseURL: fake.URL()}
	sessions := &provisioning.CloudSessions{API: provisioning.NewCloudAPI(api)}
	t.Cleanup(sessions.Close)
	tools := &profileTools{s: &station{profiles: store, secrets: secrets, api: api, sessions: sessions}}

	c, err := tools.CustomerCloud(ctx, "site-7@customer.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ClaimDevice(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	if d, _ := fake.Device(id); d.Owner != "site-7@customer.example" || !d.OwnerIsCustomer {
		t.Errorf("the device is owned by %q (customer %v), want the customer", d.Owner, d.OwnerIsCustomer)
	}
}

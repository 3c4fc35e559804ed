package main

import (
	"context"
	"strconv"
	"testing"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
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
	s := &station{profiles: store, secrets: secrets, api: &cloud.Client{BaseURL: fake.URL()}}
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

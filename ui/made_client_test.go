package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
)

const (
	madeLead     = "lead@factory.example"
	madePassword = "a-long-supervisor-password"
	madeSaveErr  = "open /home/tech/.config/photon-station/profiles/Line 9.json: read-only file system"
)

// madeClientStation is a station whose supervisor is signed in to a
// cloudtest, on the new profile "Line 9" for which Create client made a
// client in the cloud while saving the profile failed.
func madeClientStation(t *testing.T) (*testStation, *cloudtest.Cloud, string) {
	t.Helper()
	ct := cloudtest.New(cloudtest.Options{})
	t.Cleanup(ct.Close)
	ct.AddUser(cloudtest.User{Email: madeLead, Password: madePassword})
	ct.AddProduct(cloudtest.Product{ID: 4711, Slug: "line-9", Name: "Line 9", Members: []string{madeLead}})
	s := signedInOnProfiles(t, ct)
	p := s.view.Profiles
	s.lib.mu.Lock()
	s.lib.saveErr = errors.New(madeSaveErr)
	s.lib.mu.Unlock()
	test.Tap(p.newBtn)
	typeInto(s.win, p.name, "Line 9")
	typeInto(s.win, p.product, "4711")
	p.security.SetSelected(securityWords()[3]) // open network: no password
	typeInto(s.win, p.ssid, "Line9-Guest")
	test.Tap(p.createBtn)
	_, yes := inDialog(t, s.win, "Yes")
	test.Tap(yes)
	s.q.until(t, "the save refused", func() bool { return strings.Contains(p.message.Text, "not saved") })
	var id string
	for _, oc := range ct.OAuthClients() {
		if oc.ProductID == 4711 {
			id = oc.ID
		}
	}
	if id == "" {
		t.Fatal("Create client made no client in the cloud")
	}
	if _, err := s.secrets.Get(context.Background(), "Line 9", provisioning.SecretClientSecret); err != nil {
		t.Fatalf("the new client's secret is not in the keychain: %v", err)
	}
	if strings.Contains(p.message.Text, "read-only") || !strings.Contains(p.messageMore.text.Text, "read-only") {
		t.Errorf("the raw cause is not behind Details: message %q", p.message.Text)
	}
	return s, ct, id
}

// clientGone checks the cloud no longer has the client and the keychain
// no longer has its secret.
func clientGone(t *testing.T, s *testStation, ct *cloudtest.Cloud, id string) {
	t.Helper()
	for _, oc := range ct.OAuthClients() {
		if oc.ID == id {
			t.Errorf("the client %s of the abandoned profile is still in the cloud", id)
		}
	}
	if _, err := s.secrets.Get(context.Background(), "Line 9", provisioning.SecretClientSecret); !errors.Is(err, provisioning.ErrSecretNotFound) {
		t.Errorf("the abandoned client's secret is still in the keychain: %v", err)
	}
}

// A new profile abandoned after Create client (another profile opened,
// Discard chosen) takes its client with it: deleted in the cloud.
func TestDiscardedNewProfileDeletesItsClient(t *testing.T) {
	s, ct, id := madeClientStation(t)
	p := s.view.Profiles
	p.list.Select(0)
	_, discard := inDialog(t, s.win, "Discard changes")
	test.Tap(discard)
	s.q.until(t, "the client deleted", func() bool { return strings.Contains(p.message.Text, "was deleted") })
	clientGone(t, s, ct, id)
	shootSizes(t, s, "profiles-made-client-deleted")
}

// Keep editing keeps the client; closing the window with the new profile
// unsaved deletes it.
func TestClosingWithAnUnsavedNewProfileDeletesItsClient(t *testing.T) {
	s, ct, id := madeClientStation(t)
	p := s.view.Profiles
	p.list.Select(0)
	_, keep := inDialog(t, s.win, "Keep editing")
	test.Tap(keep)
	if len(ct.OAuthClients()) == 0 || p.made == nil {
		t.Fatal("Keep editing dropped the client")
	}
	s.view.Close()
	clientGone(t, s, ct, id)
}

// Saved at last, the profile keeps its client.
func TestSavedNewProfileKeepsItsClient(t *testing.T) {
	s, ct, id := madeClientStation(t)
	p := s.view.Profiles
	s.lib.mu.Lock()
	s.lib.saveErr = nil
	s.lib.mu.Unlock()
	test.Tap(p.save)
	s.q.until(t, "saved", func() bool { return p.current == "Line 9" })
	s.view.Close()
	found := false
	for _, oc := range ct.OAuthClients() {
		found = found || oc.ID == id
	}
	if !found {
		t.Error("the saved profile's client was deleted")
	}
}

// signedInOnProfiles is a station whose supervisor (madeLead) is signed in
// to ct, showing the Profiles screen.
func signedInOnProfiles(t *testing.T, ct *cloudtest.Cloud) *testStation {
	t.Helper()
	s := newTestStation(t, func(d *Deps) {
		sup := &provisioning.Supervisor{API: &cloud.Client{BaseURL: ct.URL(), Timeout: 5 * time.Second}, Secrets: d.Secrets}
		if _, err := sup.SignIn(context.Background(), madeLead, madePassword); err != nil {
			t.Fatal(err)
		}
		d.Account = sup
	})
	s.view.Tabs.SelectIndex(2)
	s.q.until(t, "signed in", func() bool { return s.view.Profiles.accountCard.who != "" })
	return s
}

package cloudtest

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUserInfoAndHooks(t *testing.T) {
	f := newFixture(t, Options{})
	got := do(t, f.c, call{method: "GET", path: "/v1/user", token: f.c.UserToken("bob@example.com")})
	m := got.decode(t)
	if m["username"] != "bob@example.com" || m["mfa"].(map[string]any)["enabled"] != true {
		t.Errorf("user info: %s", got.body)
	}
	if got := do(t, f.c, call{method: "GET", path: "/v1/user", token: f.product}); got.status != 403 {
		t.Errorf("product token on /v1/user: %d", got.status)
	}

	f.c.SetVariable(photonA, "temp", Variable{Type: "double", Value: 30.25})
	got = do(t, f.c, call{method: "GET", path: "/v1/devices/" + photonA + "/temp?format=raw", token: f.user})
	if got.body != "30.25" {
		t.Errorf("variable after SetVariable: %q", got.body)
	}

	f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
	f.c.SetOwner(photonA, "Carol@Example.com")
	if d, _ := f.c.Device(photonA); d.Owner != "carol@example.com" || !d.OwnerIsCustomer {
		t.Errorf("SetOwner to a customer: %+v", d)
	}
	f.c.SetOwner(photonA, "mallory@example.com")
	if d, _ := f.c.Device(photonA); d.Owner != "mallory@example.com" || d.OwnerIsCustomer {
		t.Errorf("SetOwner to a stranger: %+v", d)
	}
	if _, ok := f.c.Device(stranger); ok {
		t.Errorf("Device reports an unknown device")
	}

	var ids []string
	for _, cl := range f.c.OAuthClients() {
		ids = append(ids, cl.ID)
	}
	if diff := cmp.Diff([]string{"bench-1234", "particle", "particle-api", "particle-cli"}, ids); diff != "" {
		t.Errorf("OAuthClients (-want +got):\n%s", diff)
	}
}

func TestNoDefaultClients(t *testing.T) {
	f := newFixture(t, Options{NoDefaultClients: true})
	got := do(t, f.c, tokenCall(basic("particle", "particle"), url.Values{"grant_type": {"password"},
		"username": {"alice@example.com"}, "password": {"correct horse"}}))
	if got.status != 400 || got.decode(t)["error_description"] != "Client credentials are invalid" {
		t.Errorf("built-in client without defaults: %d %s", got.status, got.body)
	}
}

func TestFirehose(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: time.Hour})
	s := openStream(t, f.c, "/v1/events/te", f.c.UserToken("mallory@example.com"))
	f.c.Publish(photonB, "temp", "private to alice")
	do(t, f.c, call{method: "POST", path: "/v1/devices/events", token: f.user,
		json: map[string]any{"name": "tea", "data": "public", "private": false}})
	if frame := s.next(); !strings.HasPrefix(frame, "event: tea\n") || !strings.Contains(frame, `"data":"public"`) {
		t.Errorf("firehose frame %q, want only the public event", frame)
	}
}

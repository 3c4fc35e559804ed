package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/photon-station/photon-station/provisioning"
)

// noKeychainStore is the keychain of a Linux box without a Secret Service:
// every call fails as go-keyring does there.
type noKeychainStore struct{}

func (noKeychainStore) err() error {
	return &provisioning.KeyringError{Op: "read",
		Err: fmt.Errorf("%w: exec: \"dbus-launch\": executable file not found in $PATH", provisioning.ErrKeyringUnavailable)}
}
func (s noKeychainStore) Get(context.Context, string, provisioning.SecretKind) (string, error) {
	return "", s.err()
}
func (s noKeychainStore) Set(context.Context, string, provisioning.SecretKind, string) error {
	return s.err()
}
func (s noKeychainStore) Delete(context.Context, string, provisioning.SecretKind) error {
	return s.err()
}
func (s noKeychainStore) Probe(context.Context) error { return s.err() }

// envOf is a fake environment.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// First run on a computer without a keychain: one plain note saying what
// is missing and how to get it, no Go error or variable name outside its
// Details, and a bench that does not offer Start and says why.
func TestFirstRunWithoutKeychain(t *testing.T) {
	secrets := provisioning.KeychainSecrets{Store: noKeychainStore{}, Getenv: envOf()}
	s := newTestStation(t, func(d *Deps) { d.Secrets = secrets })
	b := s.view.Bench
	s.q.until(t, "the bench checked the secrets", func() bool { return b.noSecrets != "" })
	if !b.startStop.Disabled() {
		t.Error("Start bench is offered for a profile whose secrets cannot be had")
	}
	if hint := b.waiting.waitingHint; !strings.Contains(hint, "no keychain") || strings.Contains(hint, "Press Start") {
		t.Errorf("waiting tile = %q, want why the bench cannot start", hint)
	}
	b.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if b.busy || b.running {
		t.Error("Enter started the bench without secrets")
	}
	shootSizes(t, s, "bench-no-keychain")

	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.q.until(t, "the keychain note", func() bool { return p.keychain.box.Visible() })
	s.q.until(t, "the profile's secrets checked", func() bool { return p.current != "" && !p.clientSecret.has })
	for _, got := range []string{p.message.Text, p.clientSecret.stored.Text} {
		if strings.Contains(got, "dbus-launch") || strings.Contains(got, provisioning.EnvClientSecret) {
			t.Errorf("%q: a Go error or a variable name outside Details", got)
		}
	}
	if d := p.keychain.more.text.Text; !strings.Contains(d, "dbus-launch") || !strings.Contains(d, provisioning.EnvClientSecret) {
		t.Errorf("details = %q, want the cause and the environment path for support", d)
	}
	shootSizes(t, s, "profiles-no-keychain")

	// Saving writes the file and says plainly that the secrets were not kept.
	typeInto(s.win, p.clientSecret.entry, "s3cr3t-typed-here")
	if p.securityValue() != provisioning.SecurityOpen {
		typeInto(s.win, p.wifiPassword.entry, "wifi-pass-typed")
	}
	test.Tap(p.save)
	s.q.until(t, "saved", func() bool { return strings.Contains(p.message.Text, "saved without its secrets") })
	if strings.Contains(p.message.Text, provisioning.EnvClientSecret) || strings.Contains(p.message.Text, "s3cr3t") {
		t.Errorf("message = %q", p.message.Text)
	}
}

// Without a keychain, secrets set in the environment stand in, and the
// profile says where they come from; the bench may start.
func TestNoKeychainEnvironmentStandsIn(t *testing.T) {
	secrets := provisioning.KeychainSecrets{Store: noKeychainStore{},
		Getenv: envOf(provisioning.EnvClientSecret, "env-client-secret", provisioning.EnvWiFiPassword, "env-wifi-password")}
	s := newTestStation(t, func(d *Deps) { d.Secrets = secrets })
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.q.until(t, "the profile's secrets checked", func() bool { return p.clientSecret.has })
	if got := p.clientSecret.stored.Text; !strings.Contains(got, "From the environment") || p.clientSecret.replace.Visible() {
		t.Errorf("client secret shows %q (replace visible %v)", got, p.clientSecret.replace.Visible())
	}
	shootSizes(t, s, "profiles-env-secrets")
	s.view.Tabs.SelectIndex(0)
	b := s.view.Bench
	s.q.until(t, "bench ready", func() bool { return !b.startStop.Disabled() })
	if b.noSecrets != "" {
		t.Errorf("bench says %q", b.noSecrets)
	}
}

// With a keychain, the environment's secrets are ignored: a profile's
// secret missing from the keychain is missing, whatever the environment
// says, and a stored one is the keychain's.
func TestKeychainIgnoresEnvironmentInGUI(t *testing.T) {
	store := &provisioning.MemorySecrets{}
	secrets := provisioning.KeychainSecrets{Store: store,
		Getenv: envOf(provisioning.EnvClientSecret, "env-client-secret", provisioning.EnvWiFiPassword, "env-wifi-password")}
	s := newTestStation(t, func(d *Deps) { d.Secrets = secrets })
	b := s.view.Bench
	s.q.until(t, "the bench checked the secrets", func() bool { return b.noSecrets != "" })
	if !strings.Contains(b.noSecrets, "client secret is not stored") || !b.startStop.Disabled() {
		t.Errorf("bench: %q, Start disabled %v", b.noSecrets, b.startStop.Disabled())
	}
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	if p.keychain.box.Visible() {
		t.Error("the no-keychain note shows on a computer with a keychain")
	}

	ctx := context.Background()
	store.Set(ctx, lineProfile.Name, provisioning.SecretClientSecret, "keychain-client-secret")
	store.Set(ctx, lineProfile.Name, provisioning.SecretWiFiPassword, "keychain-wifi-password")
	s.view.Tabs.SelectIndex(0)
	s.q.until(t, "bench ready", func() bool { return b.noSecrets == "" && !b.startStop.Disabled() })
	if got, _ := secrets.Get(ctx, lineProfile.Name, provisioning.SecretClientSecret); got != "keychain-client-secret" {
		t.Errorf("the GUI's secret = %q, want the keychain's", got)
	}
}

// Each reason the bench cannot have a profile's secrets gets its own
// words, naming the profile and what to do, and no Go error.
func TestSecretsProblemWords(t *testing.T) {
	lightApp(t)
	p := provisioning.Profile{Name: "Line 3", Security: provisioning.SecurityWPA2}
	ctx := context.Background()
	store := &provisioning.MemorySecrets{}
	_, noClient := provisioning.ResolveCredentials(ctx, store, p)
	store.Set(ctx, p.Name, provisioning.SecretClientSecret, "a-client-secret")
	_, noWiFi := provisioning.ResolveCredentials(ctx, store, p)
	store.Set(ctx, p.Name, provisioning.SecretWiFiPassword, "short")
	_, badWiFi := provisioning.ResolveCredentials(ctx, store, p)
	_, noKeychain := provisioning.ResolveCredentials(ctx, provisioning.KeychainSecrets{Store: noKeychainStore{}, Getenv: envOf()}, p)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{noClient, "client secret is not stored"},
		{noWiFi, "Wi-Fi password is not stored"},
		{badWiFi, "does not suit the network's security"},
		{noKeychain, "no keychain"},
	} {
		got := secretsProblem(p.Name, tc.err)
		if tc.want == "" {
			if got != "" {
				t.Errorf("no error: %q", got)
			}
			continue
		}
		if !strings.Contains(got, tc.want) || !strings.Contains(got, "Line 3") || strings.Contains(got, "dbus") || strings.Contains(got, "a-client-secret") {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

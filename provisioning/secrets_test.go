package provisioning

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMemorySecrets(t *testing.T) {
	ctx := context.Background()
	var m MemorySecrets
	if _, err := m.Get(ctx, "p", SecretClientSecret); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	m.Set(ctx, "p", SecretClientSecret, "s1")
	m.Set(ctx, "q", SecretClientSecret, "s2")
	if v, _ := m.Get(ctx, "p", SecretClientSecret); v != "s1" {
		t.Errorf("got %q", v)
	}
	if err := m.Delete(ctx, "p", SecretClientSecret); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, "p", SecretClientSecret); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if v, _ := m.Get(ctx, "q", SecretClientSecret); v != "s2" {
		t.Error("profiles are not kept apart")
	}
}

func TestEnvSecrets(t *testing.T) {
	ctx := context.Background()
	store := &MemorySecrets{}
	store.Set(ctx, "p", SecretClientSecret, "from-keyring")
	store.Set(ctx, "p", SecretUserToken, "tok")
	env := map[string]string{}
	e := EnvSecrets{Store: store, Getenv: func(k string) string { return env[k] }}
	if v, _ := e.Get(ctx, "p", SecretClientSecret); v != "from-keyring" {
		t.Errorf("without env: %q", v)
	}
	env[EnvClientSecret] = "from-env"
	env[EnvWiFiPassword] = "wifi-from-env"
	if v, _ := e.Get(ctx, "p", SecretClientSecret); v != "from-env" {
		t.Errorf("env does not win: %q", v)
	}
	if v, _ := e.Get(ctx, "other", SecretWiFiPassword); v != "wifi-from-env" {
		t.Errorf("env for any profile: %q", v)
	}
	if v, _ := e.Get(ctx, "p", SecretUserToken); v != "tok" {
		t.Errorf("user token comes from the store: %q", v)
	}
}

func TestResolveCredentials(t *testing.T) {
	ctx := context.Background()
	p := Profile{Name: "p", Security: SecurityWPA2}
	tests := []struct {
		name    string
		set     map[SecretKind]string
		sec     Security
		want    Credentials
		message string
	}{
		{"both stored", map[SecretKind]string{SecretClientSecret: "cs", SecretWiFiPassword: "12345678"}, SecurityWPA2, Credentials{"cs", "12345678"}, ""},
		{"open network needs no password", map[SecretKind]string{SecretClientSecret: "cs"}, SecurityOpen, Credentials{ClientSecret: "cs"}, ""},
		{"no client secret", map[SecretKind]string{SecretWiFiPassword: "12345678"}, SecurityWPA2, Credentials{}, "PARTICLE_CLIENT_SECRET"},
		{"no Wi-Fi password", map[SecretKind]string{SecretClientSecret: "cs"}, SecurityWPA2, Credentials{}, "WIFI_PASSWORD"},
		{"WPA password too short", map[SecretKind]string{SecretClientSecret: "cs", SecretWiFiPassword: "short"}, SecurityWPA2, Credentials{}, "8 to 64"},
		{"WPA password too long", map[SecretKind]string{SecretClientSecret: "cs", SecretWiFiPassword: strings.Repeat("p", 65)}, SecurityWPA, Credentials{}, "8 to 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &MemorySecrets{}
			for k, v := range tc.set {
				m.Set(ctx, "p", k, v)
			}
			p.Security = tc.sec
			got, err := ResolveCredentials(ctx, m, p)
			if tc.message != "" {
				if err == nil || !strings.Contains(err.Error(), tc.message) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.message)
				}
				for _, v := range tc.set {
					if strings.Contains(err.Error(), v) && len(v) > 2 {
						t.Errorf("the message holds a secret: %v", err)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v (%q/%q), %v", got, got.ClientSecret, got.WiFiPassword, err)
			}
		})
	}
}

// Credentials never print their values, however they are formatted.
func TestCredentialsHideValues(t *testing.T) {
	c := Credentials{ClientSecret: clientSecret, WiFiPassword: wifiPassword}
	w := WiFiCredentials{SSID: "net", Security: SecurityWPA2, Password: wifiPassword}
	tok := Token{Value: "0123456789abcdef0123456789abcdef01234567"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint(w), fmt.Sprintf("%#v", w),
		fmt.Sprint(tok), fmt.Sprintf("%#v", tok)} {
		if v, ok := containsAny(s, []string{clientSecret, wifiPassword, tok.Value}); ok {
			t.Errorf("%q shows %q", s, v)
		}
	}
}

// The keyring tests that break the D-Bus environment run in a child
// process: godbus keeps its session connection for the life of a process,
// and the real-keyring test must not see a broken one.
const keyringChildEnv = "PHOTON_STATION_KEYRING_CHILD"

func runKeyringChild(t *testing.T, mode string, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringChild$", "-test.v")
	cmd.Env = append(os.Environ(), append(env, keyringChildEnv+"="+mode)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	return string(out)
}

// TestKeyringChild is the child half; it does nothing in a normal run.
func TestKeyringChild(t *testing.T) {
	mode := os.Getenv(keyringChildEnv)
	if mode == "" {
		t.Skip("runs only as a child of the keyring tests")
	}
	k := Keyring{Service: "photon-station-test", Timeout: 500 * time.Millisecond}
	start := time.Now()
	_, err := k.Get(context.Background(), "Line 3", SecretClientSecret)
	took := time.Since(start)
	var ke *KeyringError
	if !errors.As(err, &ke) || !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("err = %v, want a KeyringError for an unavailable keyring", err)
	}
	if took > 3*time.Second {
		t.Fatalf("took %s: the keyring call hung", took)
	}
	msg := err.Error()
	if !strings.Contains(msg, "keychain is not available") || !strings.Contains(msg, EnvClientSecret) || !strings.Contains(msg, EnvWiFiPassword) {
		t.Fatalf("message %q does not say what to do", msg)
	}
	ms := &MissingSecretError{Kind: SecretClientSecret, Err: err}
	if !strings.Contains(ms.Error(), EnvClientSecret) {
		t.Fatalf("missing-secret message %q", ms.Error())
	}
	fmt.Println("CHILD-OK", mode, took.Round(time.Millisecond))
}

// No Secret Service at all: a plain message, at once.
func TestKeyringUnavailable(t *testing.T) {
	out := runKeyringChild(t, "absent", "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	if !strings.Contains(out, "CHILD-OK absent") {
		t.Fatalf("child output:\n%s", out)
	}
}

// A bus that accepts the connection and never answers (a keyring waiting
// for an unlock prompt looks the same): the timeout turns the hang into a
// plain message.
func TestKeyringHangIsBounded(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "silent-bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("cannot listen on a unix socket: %v", err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	out := runKeyringChild(t, "silent", "DBUS_SESSION_BUS_ADDRESS=unix:path="+sock)
	if !strings.Contains(out, "CHILD-OK silent") {
		t.Fatalf("child output:\n%s", out)
	}
}

// The real Secret Service: CI runs this under gnome-keyring in a private
// D-Bus session; elsewhere it skips with the reason.
func TestKeyringReal(t *testing.T) {
	if os.Getenv(keyringChildEnv) != "" {
		t.Skip("child process")
	}
	ctx := context.Background()
	k := Keyring{Service: fmt.Sprintf("photon-station-test-%d", os.Getpid()), Timeout: 5 * time.Second}
	if err := k.Probe(ctx); err != nil {
		if os.Getenv("PHOTON_STATION_KEYRING_REQUIRED") == "1" {
			t.Fatalf("CI requires the real Secret Service, and it is not usable: %v", err)
		}
		t.Skipf("no usable Secret Service here (%v); CI runs this test under gnome-keyring", err)
	}
	t.Cleanup(func() {
		for _, kind := range SecretKinds {
			k.Delete(ctx, "Line 3", kind)
		}
	})
	if _, err := k.Get(ctx, "Line 3", SecretClientSecret); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("before set: %v", err)
	}
	for _, kind := range SecretKinds {
		if err := k.Set(ctx, "Line 3", kind, "value-of-"+string(kind)); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range SecretKinds {
		if v, err := k.Get(ctx, "Line 3", kind); err != nil || v != "value-of-"+string(kind) {
			t.Errorf("%s: %q, %v", kind, v, err)
		}
	}
	if err := k.Set(ctx, "Line 3", SecretWiFiPassword, "replaced-password"); err != nil {
		t.Fatal(err)
	}
	if v, _ := k.Get(ctx, "Line 3", SecretWiFiPassword); v != "replaced-password" {
		t.Errorf("replace: %q", v)
	}
	// A profile store over the real keyring deletes a profile's secrets.
	store := &ProfileStore{Dir: t.TempDir(), Secrets: k}
	p := goodProfile()
	p.Name = "Line 3"
	if err := store.Save(p); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, "Line 3"); err != nil {
		t.Fatal(err)
	}
	for _, kind := range SecretKinds {
		if _, err := k.Get(ctx, "Line 3", kind); !errors.Is(err, ErrSecretNotFound) {
			t.Errorf("%s after delete: %v", kind, err)
		}
	}
}

// unavailableStore is a keychain that is not there: every call fails as
// go-keyring does without a Secret Service.
type unavailableStore struct{}

func (unavailableStore) err() error {
	return &KeyringError{Op: "read", Err: fmt.Errorf("%w: exec: \"dbus-launch\": executable file not found in $PATH", ErrKeyringUnavailable)}
}
func (s unavailableStore) Get(context.Context, string, SecretKind) (string, error) {
	return "", s.err()
}
func (s unavailableStore) Set(context.Context, string, SecretKind, string) error { return s.err() }
func (s unavailableStore) Delete(context.Context, string, SecretKind) error      { return s.err() }
func (s unavailableStore) Probe(context.Context) error                           { return s.err() }

// The desktop's secrets: the keychain is the source; the environment
// stands in only when there is no keychain.
func TestKeychainSecrets(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{EnvClientSecret: "from-env", EnvWiFiPassword: "wifi-from-env"}
	getenv := func(k string) string { return env[k] }
	store := &MemorySecrets{}
	store.Set(ctx, "p", SecretClientSecret, "from-keychain")
	k := KeychainSecrets{Store: store, Getenv: getenv}
	if v, _ := k.Get(ctx, "p", SecretClientSecret); v != "from-keychain" {
		t.Errorf("with a keychain the environment wins: %q", v)
	}
	if src, err := k.Source(ctx, "p", SecretClientSecret); src != SourceKeychain || err != nil {
		t.Errorf("source = %v, %v", src, err)
	}
	if v, err := k.Get(ctx, "p", SecretWiFiPassword); !errors.Is(err, ErrSecretNotFound) || v != "" {
		t.Errorf("a secret missing from the keychain comes from the environment: %q, %v", v, err)
	}
	if src, err := k.Source(ctx, "p", SecretWiFiPassword); src != SourceNone || err != nil {
		t.Errorf("missing: source = %v, %v", src, err)
	}
	if err := k.Probe(ctx); err != nil {
		t.Errorf("probe of a store that cannot tell: %v", err)
	}

	none := KeychainSecrets{Store: unavailableStore{}, Getenv: getenv}
	if v, err := none.Get(ctx, "p", SecretClientSecret); v != "from-env" || err != nil {
		t.Errorf("without a keychain: %q, %v", v, err)
	}
	if src, err := none.Source(ctx, "p", SecretWiFiPassword); src != SourceEnvironment || !errors.Is(err, ErrKeyringUnavailable) {
		t.Errorf("without a keychain: source %v, %v", src, err)
	}
	if _, err := none.Get(ctx, "p", SecretUserToken); !errors.Is(err, ErrKeyringUnavailable) {
		t.Errorf("user token without a keychain: %v", err)
	}
	if err := none.Probe(ctx); !errors.Is(err, ErrKeyringUnavailable) {
		t.Errorf("probe: %v", err)
	}
	delete(env, EnvClientSecret)
	if src, err := none.Source(ctx, "p", SecretClientSecret); src != SourceNone || !errors.Is(err, ErrKeyringUnavailable) {
		t.Errorf("no keychain, no environment: %v, %v", src, err)
	}
}

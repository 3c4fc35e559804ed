package provisioning

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// SecretKind names one of the secrets a profile needs.
type SecretKind string

// The secrets kept per profile.
const (
	SecretClientSecret SecretKind = "client-secret" // the product OAuth client's secret
	SecretWiFiPassword SecretKind = "wifi-password" // the Wi-Fi network's password
	SecretUserToken    SecretKind = "user-token"    // a supervisor's Particle user access token
)

// SecretFleetPassword is the fleet database's password, kept under the
// database's name (fleet.Config.Target) instead of a profile's: one per
// station, not per profile, so it is not in SecretKinds.
const SecretFleetPassword SecretKind = "fleet-password"

// SecretKinds lists every SecretKind.
var SecretKinds = []SecretKind{SecretClientSecret, SecretWiFiPassword, SecretUserToken}

// The environment variables automation uses instead of the keyring.
const (
	EnvClientSecret = "PARTICLE_CLIENT_SECRET"
	EnvWiFiPassword = "WIFI_PASSWORD"
)

// ErrSecretNotFound says the secret is not stored.
var ErrSecretNotFound = errors.New("secret not stored")

// ErrKeyringUnavailable says the OS keyring cannot be reached (no Secret
// Service on Linux, a locked keychain that does not answer in time).
var ErrKeyringUnavailable = errors.New("keyring unavailable")

// KeyringError is a keyring failure with a message for people. Err holds
// the raw cause for a Details pane; it never holds a secret.
type KeyringError struct {
	Op  string // get, set, delete
	Err error
}

func (e *KeyringError) Error() string {
	if errors.Is(e.Err, ErrKeyringUnavailable) {
		return "the system keychain is not available on this computer (" + e.Err.Error() +
			"); set " + EnvClientSecret + " and " + EnvWiFiPassword + " in the environment instead"
	}
	return "the system keychain refused to " + e.Op + " the secret: " + e.Err.Error()
}

func (e *KeyringError) Unwrap() error { return e.Err }

// Secrets keeps a profile's secrets. Implementations never log values.
type Secrets interface {
	// Get returns the secret, or an error wrapping ErrSecretNotFound.
	Get(ctx context.Context, profile string, kind SecretKind) (string, error)
	Set(ctx context.Context, profile string, kind SecretKind, value string) error
	// Delete removes the secret; deleting a missing one wraps ErrSecretNotFound.
	Delete(ctx context.Context, profile string, kind SecretKind) error
}

// KeyringService is the service name under which secrets are stored in the
// OS keyring; the user field is "<profile>/<kind>".
const KeyringService = "photon-station"

// DefaultKeyringTimeout bounds one keyring call: go-keyring can block for a
// long time on a Secret Service that waits for an unlock prompt.
const DefaultKeyringTimeout = 5 * time.Second

// Keyring stores secrets in the OS keyring through go-keyring: macOS
// Keychain, Windows Credential Manager, Secret Service on Linux. The zero
// value is ready to use.
type Keyring struct {
	// Service overrides KeyringService (tests use their own).
	Service string
	// Timeout overrides DefaultKeyringTimeout.
	Timeout time.Duration
}

func (k Keyring) service() string {
	if k.Service != "" {
		return k.Service
	}
	return KeyringService
}

func keyringUser(profile string, kind SecretKind) string { return profile + "/" + string(kind) }

// call runs one go-keyring call on its own goroutine and gives up at the
// timeout or when ctx ends. A call that never returns leaks its goroutine;
// that is the price of never hanging the station.
func (k Keyring) call(ctx context.Context, op string, f func() (string, error)) (string, error) {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	type result struct {
		v   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		switch {
		case r.err == nil:
			return r.v, nil
		case errors.Is(r.err, keyring.ErrNotFound):
			return "", fmt.Errorf("%w (%s)", ErrSecretNotFound, op)
		case errors.Is(r.err, keyring.ErrSetDataTooBig):
			return "", &KeyringError{Op: op, Err: r.err}
		default:
			// Any other go-keyring error means the store itself did not
			// work: no D-Bus, no Secret Service, no dbus-launch, locked.
			return "", &KeyringError{Op: op, Err: fmt.Errorf("%w: %v", ErrKeyringUnavailable, r.err)}
		}
	case <-t.C:
		return "", &KeyringError{Op: op, Err: fmt.Errorf("%w: no answer within %s", ErrKeyringUnavailable, timeout)}
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			// The caller gave up (the window closed, Stop): that says
			// nothing about the keychain.
			return "", &KeyringError{Op: op, Err: ctx.Err()}
		}
		return "", &KeyringError{Op: op, Err: fmt.Errorf("%w: no answer in the time allowed (%v)", ErrKeyringUnavailable, ctx.Err())}
	}
}

// Get reads a secret from the OS keyring.
func (k Keyring) Get(ctx context.Context, profile string, kind SecretKind) (string, error) {
	svc, user := k.service(), keyringUser(profile, kind)
	return k.call(ctx, "read", func() (string, error) { return keyring.Get(svc, user) })
}

// Set writes a secret to the OS keyring.
func (k Keyring) Set(ctx context.Context, profile string, kind SecretKind, value string) error {
	svc, user := k.service(), keyringUser(profile, kind)
	_, err := k.call(ctx, "store", func() (string, error) { return "", keyring.Set(svc, user, value) })
	return err
}

// Delete removes a secret from the OS keyring.
func (k Keyring) Delete(ctx context.Context, profile string, kind SecretKind) error {
	svc, user := k.service(), keyringUser(profile, kind)
	_, err := k.call(ctx, "delete", func() (string, error) { return "", keyring.Delete(svc, user) })
	return err
}

// Probe tells whether the keyring answers at all, without touching any
// stored secret, so the UI can offer the environment path up front.
func (k Keyring) Probe(ctx context.Context) error {
	_, err := k.Get(ctx, ".probe", SecretUserToken)
	if errors.Is(err, ErrSecretNotFound) {
		return nil
	}
	return err
}

// MemorySecrets keeps secrets in memory: for tests, demo mode, and a
// station running without a keyring. The zero value is ready to use.
type MemorySecrets struct {
	mu sync.Mutex
	m  map[string]string
}

// Get returns a stored secret.
func (m *MemorySecrets) Get(ctx context.Context, profile string, kind SecretKind) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[keyringUser(profile, kind)]
	if !ok {
		return "", ErrSecretNotFound
	}
	return v, nil
}

// Set stores a secret.
func (m *MemorySecrets) Set(ctx context.Context, profile string, kind SecretKind, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[keyringUser(profile, kind)] = value
	return nil
}

// Delete removes a secret.
func (m *MemorySecrets) Delete(ctx context.Context, profile string, kind SecretKind) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := keyringUser(profile, kind)
	if _, ok := m.m[k]; !ok {
		return ErrSecretNotFound
	}
	delete(m.m, k)
	return nil
}

// EnvSecrets reads PARTICLE_CLIENT_SECRET and WIFI_PASSWORD for any profile
// and falls back to Store (usually a Keyring) for the rest. Writes go to
// Store. Getenv defaults to os.Getenv.
type EnvSecrets struct {
	Store  Secrets
	Getenv func(string) string
}

func (e EnvSecrets) env(kind SecretKind) string { return envSecret(e.Getenv, kind) }

// envSecret reads kind's environment variable through get (os.Getenv when
// nil); kinds without one give "".
func envSecret(get func(string) string, kind SecretKind) string {
	if get == nil {
		get = os.Getenv
	}
	switch kind {
	case SecretClientSecret:
		return get(EnvClientSecret)
	case SecretWiFiPassword:
		return get(EnvWiFiPassword)
	}
	return ""
}

// Get prefers the environment, then Store.
func (e EnvSecrets) Get(ctx context.Context, profile string, kind SecretKind) (string, error) {
	if v := e.env(kind); v != "" {
		return v, nil
	}
	if e.Store == nil {
		return "", ErrSecretNotFound
	}
	return e.Store.Get(ctx, profile, kind)
}

// Set writes to Store.
func (e EnvSecrets) Set(ctx context.Context, profile string, kind SecretKind, value string) error {
	if e.Store == nil {
		return &KeyringError{Op: "store", Err: ErrKeyringUnavailable}
	}
	return e.Store.Set(ctx, profile, kind, value)
}

// Delete deletes from Store.
func (e EnvSecrets) Delete(ctx context.Context, profile string, kind SecretKind) error {
	if e.Store == nil {
		return ErrSecretNotFound
	}
	return e.Store.Delete(ctx, profile, kind)
}

// SecretSource says where a profile's secret comes from.
type SecretSource int

// The places a secret can come from.
const (
	SourceNone        SecretSource = iota // not stored, or no keychain and no environment value
	SourceKeychain                        // the OS keychain
	SourceEnvironment                     // PARTICLE_CLIENT_SECRET or WIFI_PASSWORD, with no keychain
)

// KeychainSecrets are the desktop station's secrets: the keychain (Store,
// usually a Keyring) is the source of every profile's secrets, and
// PARTICLE_CLIENT_SECRET and WIFI_PASSWORD stand in only when there is no
// keychain on this computer (ErrKeyringUnavailable). Headless commands use
// EnvSecrets, where the environment wins. Getenv defaults to os.Getenv.
type KeychainSecrets struct {
	Store  Secrets
	Getenv func(string) string
}

// Get reads the keychain; only when it is unavailable does the
// environment's value stand in.
func (k KeychainSecrets) Get(ctx context.Context, profile string, kind SecretKind) (string, error) {
	v, err := k.Store.Get(ctx, profile, kind)
	if errors.Is(err, ErrKeyringUnavailable) {
		if env := envSecret(k.Getenv, kind); env != "" {
			return env, nil
		}
	}
	return v, err
}

// Source says where Get would find the secret, without returning it. The
// error is the keychain's failure, if it failed (even when the
// environment stands in), so the screen can explain it.
func (k KeychainSecrets) Source(ctx context.Context, profile string, kind SecretKind) (SecretSource, error) {
	_, err := k.Store.Get(ctx, profile, kind)
	switch {
	case err == nil:
		return SourceKeychain, nil
	case errors.Is(err, ErrSecretNotFound):
		return SourceNone, nil
	case errors.Is(err, ErrKeyringUnavailable) && envSecret(k.Getenv, kind) != "":
		return SourceEnvironment, err
	}
	return SourceNone, err
}

// Probe tells whether the keychain answers at all (nil when Store cannot
// tell).
func (k KeychainSecrets) Probe(ctx context.Context) error {
	if p, ok := k.Store.(interface{ Probe(context.Context) error }); ok {
		return p.Probe(ctx)
	}
	return nil
}

// Set writes to the keychain.
func (k KeychainSecrets) Set(ctx context.Context, profile string, kind SecretKind, value string) error {
	return k.Store.Set(ctx, profile, kind, value)
}

// Delete deletes from the keychain.
func (k KeychainSecrets) Delete(ctx context.Context, profile string, kind SecretKind) error {
	return k.Store.Delete(ctx, profile, kind)
}

// Credentials are the secrets one run needs, resolved from Secrets. Their
// String, GoString and MarshalJSON hide the values, so a stray %v or a
// JSON dump cannot leak them.
type Credentials struct {
	ClientSecret string
	WiFiPassword string
}

func (Credentials) String() string   { return "Credentials{[redacted]}" }
func (Credentials) GoString() string { return "Credentials{[redacted]}" }

// MarshalJSON hides the values.
func (Credentials) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// MissingSecretError says which secret a run lacks and how to provide it.
type MissingSecretError struct {
	Kind SecretKind
	Err  error // the keyring failure, if the keyring was asked and failed
}

func (e *MissingSecretError) Error() string {
	what, env := "the OAuth client secret", EnvClientSecret
	if e.Kind == SecretWiFiPassword {
		what, env = "the Wi-Fi password", EnvWiFiPassword
	}
	var ke *KeyringError
	if errors.As(e.Err, &ke) && errors.Is(ke, ErrKeyringUnavailable) {
		return fmt.Sprintf("%s is not set: %s is empty and %s", what, env, ke.Error())
	}
	return fmt.Sprintf("%s is not set: store it in the profile, or set %s in the environment", what, env)
}

func (e *MissingSecretError) Unwrap() error { return e.Err }

// ResolveCredentials reads the client secret and, when the network needs
// one, the Wi-Fi password for a profile, and checks the password's length.
func ResolveCredentials(ctx context.Context, s Secrets, p Profile) (Credentials, error) {
	var c Credentials
	v, err := s.Get(ctx, p.Name, SecretClientSecret)
	if err != nil || v == "" {
		return c, &MissingSecretError{Kind: SecretClientSecret, Err: err}
	}
	c.ClientSecret = v
	if p.Security.NeedsPassword() {
		v, err := s.Get(ctx, p.Name, SecretWiFiPassword)
		if err != nil || v == "" {
			return c, &MissingSecretError{Kind: SecretWiFiPassword, Err: err}
		}
		if err := ValidateWiFiPassword(p.Security, v); err != nil {
			return c, &FieldError{Field: "wifi_password", Message: err.Error()}
		}
		c.WiFiPassword = v
	}
	return c, nil
}

package provisioning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/cloud"
)

// SupervisorKeyringProfile is the keyring "profile" under which the
// supervisor's user token is kept. It holds a slash, which no profile name
// may, so it never collides with a job profile's secrets.
const SupervisorKeyringProfile = "station/supervisor"

// ErrNotSignedIn says no supervisor is signed in on this station (or the
// sign-in has expired or been revoked).
var ErrNotSignedIn = errors.New("no supervisor is signed in to the Particle Cloud on this station: sign in on the Profiles screen")

// ErrCodeNeeded says the password was right and the account uses two-step
// verification: SignInCode with the code from the authenticator app
// finishes the sign-in.
var ErrCodeNeeded = errors.New("this account uses two-step verification: enter the 6-digit code from the authenticator app")

// ErrPasswordNotAccepted says the Particle Cloud refused the e-mail and
// password; the cloud's own error is wrapped with it.
var ErrPasswordNotAccepted = errors.New("the e-mail or password was not accepted")

// ErrCodeNotAccepted says the Particle Cloud refused the two-step code
// (wrong or expired). The e-mail and password were right and the sign-in
// still waits for a code: SignInCode may be called again with a newer one.
var ErrCodeNotAccepted = errors.New("the code was not accepted: enter the newest code from the authenticator app")

// Account is who is signed in on the station. It holds no token.
type Account struct {
	Username string
	// ExpiresAt is when the sign-in ends; zero means it does not expire.
	ExpiresAt time.Time
}

// storedSignIn is what the keyring holds for the supervisor: the user token
// with the name and expiry the screens show.
type storedSignIn struct {
	Token     string    `json:"token"`
	Username  string    `json:"username"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// ProductChoice is a product the signed-in supervisor can pick for a job
// profile.
type ProductChoice struct {
	ID         int
	Slug       string
	Name       string
	PlatformID int
	Org        string // the organization's name or slug; "" for the user's own
}

// Label is how a picker shows the product.
func (p ProductChoice) Label() string {
	s := fmt.Sprintf("%s (%d)", p.Name, p.ID)
	if p.Org != "" {
		s += " · " + p.Org
	}
	return s
}

// DefaultRevokeTimeout bounds asking the cloud to revoke the supervisor's
// token.
const DefaultRevokeTimeout = 15 * time.Second

// Supervisor is the station's sign-in to a supervisor's Particle account:
// the password grant, then the one-time code when the account has two-step
// verification. The user token goes straight into the keyring (never into a
// file, a log or a URL), and with it the station lists the products to
// choose from and creates a product's OAuth client whose secret goes
// straight into the keyring too. Safe for concurrent use.
type Supervisor struct {
	// API is the base client (no token).
	API *cloud.Client
	// Secrets keeps the token (under SupervisorKeyringProfile) and the
	// client secrets of the OAuth clients it creates (under the profile).
	Secrets Secrets
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RevokeTimeout overrides DefaultRevokeTimeout.
	RevokeTimeout time.Duration

	mu       sync.Mutex
	pending  string // the MFA token of a sign-in waiting for its code
	username string // whose sign-in is pending
}

func (s *Supervisor) revokeTimeout() time.Duration {
	if s.RevokeTimeout > 0 {
		return s.RevokeTimeout
	}
	return DefaultRevokeTimeout
}

func (s *Supervisor) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// load reads the stored sign-in; an expired one counts as none.
func (s *Supervisor) load(ctx context.Context) (storedSignIn, error) {
	raw, err := s.Secrets.Get(ctx, SupervisorKeyringProfile, SecretUserToken)
	if errors.Is(err, ErrSecretNotFound) {
		return storedSignIn{}, ErrNotSignedIn
	}
	if err != nil {
		return storedSignIn{}, err
	}
	var in storedSignIn
	if json.Unmarshal([]byte(raw), &in) != nil || in.Token == "" {
		// Not ours or damaged: it cannot be used, say so rather than guess.
		return storedSignIn{}, ErrNotSignedIn
	}
	if !in.ExpiresAt.IsZero() && !s.now().Before(in.ExpiresAt) {
		return storedSignIn{}, ErrNotSignedIn
	}
	return in, nil
}

// Current tells who is signed in, or ErrNotSignedIn.
func (s *Supervisor) Current(ctx context.Context) (Account, error) {
	in, err := s.load(ctx)
	if err != nil {
		return Account{}, err
	}
	return Account{Username: in.Username, ExpiresAt: in.ExpiresAt}, nil
}

// SignIn signs the supervisor in with their Particle e-mail and password.
// When the account uses two-step verification it returns ErrCodeNeeded and
// SignInCode finishes the sign-in.
func (s *Supervisor) SignIn(ctx context.Context, username, password string) (Account, error) {
	username = strings.TrimSpace(username)
	tok, err := s.API.Login(ctx, username, password, 0)
	if cloud.IsMFARequired(err) {
		s.mu.Lock()
		s.pending, s.username = cloud.MFAToken(err), username
		s.mu.Unlock()
		return Account{}, ErrCodeNeeded
	}
	if cloud.IsBadCredentials(err) {
		return Account{}, fmt.Errorf("%w: %w", ErrPasswordNotAccepted, err)
	}
	if err != nil {
		return Account{}, err
	}
	return s.keep(ctx, username, tok)
}

// SignInCode finishes a sign-in that returned ErrCodeNeeded with the
// one-time code.
func (s *Supervisor) SignInCode(ctx context.Context, code string) (Account, error) {
	s.mu.Lock()
	mfa, username := s.pending, s.username
	s.mu.Unlock()
	if mfa == "" {
		return Account{}, errors.New("there is no sign-in waiting for a code: sign in with the e-mail and password first")
	}
	tok, err := s.API.LoginOTP(ctx, mfa, code)
	if cloud.IsBadCredentials(err) {
		return Account{}, ErrCodeNotAccepted
	}
	if err != nil {
		return Account{}, err
	}
	s.mu.Lock()
	s.pending, s.username = "", ""
	s.mu.Unlock()
	return s.keep(ctx, username, tok)
}

// keep stores a fresh user token in the keyring.
func (s *Supervisor) keep(ctx context.Context, username string, tok cloud.Token) (Account, error) {
	in := storedSignIn{Token: tok.AccessToken, Username: username, ExpiresAt: tok.ExpiresAt}
	b, err := json.Marshal(in)
	if err != nil {
		return Account{}, err
	}
	if err := s.Secrets.Set(ctx, SupervisorKeyringProfile, SecretUserToken, string(b)); err != nil {
		// Do not leave a live token nobody can find again.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.revokeTimeout())
		_ = s.API.WithToken(tok.AccessToken).RevokeCurrentToken(rctx)
		cancel()
		return Account{}, fmt.Errorf("signed in, but the sign-in could not be kept: %w", err)
	}
	return Account{Username: username, ExpiresAt: in.ExpiresAt}, nil
}

// SignOut revokes the user token in the cloud and forgets it. The token is
// forgotten even when the cloud cannot be reached; the error then says that
// the token was not revoked.
func (s *Supervisor) SignOut(ctx context.Context) error {
	s.mu.Lock()
	s.pending, s.username = "", ""
	s.mu.Unlock()
	raw, err := s.Secrets.Get(ctx, SupervisorKeyringProfile, SecretUserToken)
	if errors.Is(err, ErrSecretNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var in storedSignIn
	_ = json.Unmarshal([]byte(raw), &in)
	var revokeErr error
	if in.Token != "" {
		// The cloud gets its own share of the time: a network that drops
		// everything must not leave no time to forget the token here.
		rctx, cancel := context.WithTimeout(ctx, s.revokeTimeout())
		revokeErr = s.API.WithToken(in.Token).RevokeCurrentToken(rctx)
		cancel()
		if cloud.IsUnauthorized(revokeErr) || cloud.IsTokenExpired(revokeErr) || cloud.IsNotFound(revokeErr) {
			revokeErr = nil // already dead
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultKeyringTimeout)
	defer cancel()
	if err := s.Secrets.Delete(dctx, SupervisorKeyringProfile, SecretUserToken); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	if revokeErr != nil {
		return fmt.Errorf("signed out on this station, but the Particle Cloud could not be told to cancel the sign-in (%w); it ends by itself when it expires", revokeErr)
	}
	return nil
}

// Client returns a client carrying the supervisor's user token, or
// ErrNotSignedIn.
func (s *Supervisor) Client(ctx context.Context) (*cloud.Client, error) {
	in, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return s.API.WithToken(in.Token), nil
}

// Products lists the products the supervisor can pick: their own and those
// of every organization they belong to, each once, sorted by name. An
// organization whose products this account may not list is left out.
func (s *Supervisor) Products(ctx context.Context) ([]ProductChoice, error) {
	c, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	var out []ProductChoice
	var skipped error // the first organization that could not be listed
	add := func(ps []cloud.Product, org string) {
		for _, p := range ps {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			out = append(out, ProductChoice{ID: p.ID, Slug: p.Slug, Name: p.Name, PlatformID: p.PlatformID, Org: org})
		}
	}
	mine, err := c.ListProducts(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := c.ListOrganizations(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		key := o.Slug
		if key == "" {
			key = o.ID
		}
		ps, err := c.ListOrgProducts(ctx, key)
		if cloud.IsPermissionDenied(err) || cloud.IsNotFound(err) {
			// A role that may not list this organization's products:
			// the others are still worth choosing from.
			if skipped == nil {
				skipped = err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		name := o.Name
		if name == "" {
			name = key
		}
		add(ps, name)
	}
	add(mine, "")
	if len(out) == 0 && skipped != nil {
		return nil, skipped
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !strings.EqualFold(out[i].Name, out[j].Name) {
			return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// OAuthClientName is the name the station gives the product OAuth client
// it creates for a profile.
func OAuthClientName(profile string) string {
	name := []rune("Photon Station · " + strings.TrimSpace(profile))
	if len(name) > 100 {
		name = name[:100]
	}
	return string(name)
}

// CreateProductClient creates the product's "Two-Legged Auth (Server)"
// OAuth client for the profile and puts its secret straight into the
// keyring under the profile; it returns the client ID for the profile. The
// secret is never returned: Particle shows it only once, and it must not end
// up on screen or on a sticky note.
func (s *Supervisor) CreateProductClient(ctx context.Context, profile, product string) (string, error) {
	if err := (Profile{Name: profile}).Validate(); FieldProblem(err, "name") != nil {
		return "", fmt.Errorf("profile name: %w", FieldProblem(err, "name"))
	}
	if err := ValidateProduct(product); err != nil {
		return "", fmt.Errorf("product: %w", err)
	}
	c, err := s.Client(ctx)
	if err != nil {
		return "", err
	}
	oc, err := c.CreateOAuthClient(ctx, strings.TrimSpace(product), cloud.OAuthClientSpec{Name: OAuthClientName(profile), Type: cloud.OAuthInstalled})
	if err != nil {
		return "", err
	}
	if oc.ID == "" || oc.Secret == "" {
		return "", errors.New("the Particle Cloud created the OAuth client but did not return its ID and secret; delete it in the Particle console and create one there")
	}
	// The client exists now; a lost secret cannot be shown again.
	if err := s.Secrets.Set(context.WithoutCancel(ctx), profile, SecretClientSecret, oc.Secret); err != nil {
		return "", fmt.Errorf("the OAuth client %s was created, but its secret could not be stored in the keychain (%w): delete that client in the Particle console and create a new one once the keychain works", oc.ID, err)
	}
	return oc.ID, nil
}

// DeleteProductClient deletes the product's OAuth client that
// CreateProductClient made for a profile that was then never saved, and
// forgets its secret in the keyring. A client already gone counts as
// deleted.
func (s *Supervisor) DeleteProductClient(ctx context.Context, profile, product, clientID string) error {
	c, err := s.Client(ctx)
	if err != nil {
		return err
	}
	if err := c.DeleteOAuthClient(ctx, strings.TrimSpace(product), clientID); err != nil && !cloud.IsNotFound(err) {
		return err
	}
	if err := s.Secrets.Delete(context.WithoutCancel(ctx), profile, SecretClientSecret); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return fmt.Errorf("the OAuth client %s was deleted, but its secret could not be removed from the keychain: %w", clientID, err)
	}
	return nil
}

// FieldProblem picks one field's message out of a profile validation error
// (nil when that field is fine), for a form that shows it beside the field.
func FieldProblem(err error, field string) error {
	var ve ValidationError
	if errors.As(err, &ve) {
		if fe := ve.Field(field); fe != nil {
			return errors.New(fe.Message)
		}
	}
	return nil
}

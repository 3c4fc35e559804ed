package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NeverExpires, passed as a token lifetime, asks for a token that never
// expires (Particle's expires_in=0). A lifetime of 0 leaves the choice to the
// server (90 days).
const NeverExpires time.Duration = -1

// Token is an OAuth access token as /oauth/token and customer creation
// return it. String hides the secret parts, so a Token can be logged.
type Token struct {
	AccessToken  string
	TokenType    string
	RefreshToken string
	// Scope is "customer=<email>" for customer tokens.
	Scope string
	// ExpiresIn is the lifetime the server granted; 0 means it never expires.
	ExpiresIn time.Duration
	// ExpiresAt is when the token expires by the client's clock; zero
	// means never.
	ExpiresAt time.Time
}

// String describes the token without showing it.
func (t Token) String() string {
	exp := "never expires"
	if !t.ExpiresAt.IsZero() {
		exp = "expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	s := "token (hidden), " + exp
	if t.Scope != "" {
		s += ", scope " + t.Scope
	}
	return s
}

// GoString hides the token from %#v.
func (t Token) GoString() string { return "cloud.Token{" + t.String() + "}" }

// Customer returns the customer a customer-scoped token belongs to, or "".
func (t Token) Customer() string {
	c, ok := strings.CutPrefix(t.Scope, "customer=")
	if !ok {
		return ""
	}
	return c
}

// Expired reports whether the token has expired at now, with margin to spare.
func (t Token) Expired(now time.Time, margin time.Duration) bool {
	return !t.ExpiresAt.IsZero() && !now.Add(margin).Before(t.ExpiresAt)
}

type tokenBody struct {
	TokenType    string          `json:"token_type"`
	AccessToken  string          `json:"access_token"`
	ExpiresIn    json.RawMessage `json:"expires_in"`
	RefreshToken string          `json:"refresh_token"`
	Scope        string          `json:"scope"`
}

func (c *Client) tokenRequest(ctx context.Context, r *request) (Token, error) {
	var b tokenBody
	if err := c.call(ctx, r, &b); err != nil {
		return Token{}, err
	}
	if b.AccessToken == "" {
		return Token{}, &Error{Op: r.op, Kind: KindBadResponse, Hint: "the Particle Cloud answered without an access token. Try again; if it keeps happening, report it"}
	}
	t := Token{AccessToken: b.AccessToken, TokenType: b.TokenType, RefreshToken: b.RefreshToken, Scope: b.Scope}
	secs := 0.0
	if s := strings.Trim(string(b.ExpiresIn), `" `); s != "" && s != "null" {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			secs = v
		}
	}
	if secs > 0 {
		t.ExpiresIn = time.Duration(secs * float64(time.Second))
		t.ExpiresAt = c.clock().Now().Add(t.ExpiresIn)
	}
	return t, nil
}

func lifetime(body map[string]any, d time.Duration) {
	switch {
	case d == NeverExpires:
		body["expires_in"] = 0
	case d > 0:
		body["expires_in"] = int((d + time.Second - 1) / time.Second)
	}
}

// ProductToken gets a product bearer token from a product OAuth client
// ("Two-Legged Auth (Server)") with the client credentials grant. lifetime is
// 0 for the server default (90 days), NeverExpires, or a duration.
func (c *Client) ProductToken(ctx context.Context, client ClientCredentials, lifetimeD time.Duration) (Token, error) {
	body := map[string]any{"grant_type": "client_credentials"}
	lifetime(body, lifetimeD)
	return c.tokenRequest(ctx, &request{
		op: "get product token", method: "POST", path: []string{"oauth", "token"},
		body: body, form: true, auth: authBasic, basic: client, retryRefused: true,
	})
}

// CustomerToken gets a token for an existing customer of the product that
// owns client (scope=customer=<email>).
func (c *Client) CustomerToken(ctx context.Context, client ClientCredentials, customer string, lifetimeD time.Duration) (Token, error) {
	const op = "get customer token"
	customer, err := seg(op, "customer e-mail or ID", customer)
	if err != nil {
		return Token{}, err
	}
	body := map[string]any{"grant_type": "client_credentials", "scope": "customer=" + strings.ToLower(customer)}
	lifetime(body, lifetimeD)
	return c.tokenRequest(ctx, &request{
		op: op, method: "POST", path: []string{"oauth", "token"},
		body: body, form: true, auth: authBasic, basic: client, retryRefused: true,
	})
}

func (c *Client) userClient() ClientCredentials {
	if c.UserClient.ID == "" {
		return ClientCredentials{ID: "particle", Secret: "particle"}
	}
	return c.UserClient
}

// Login signs a user in with the password grant. When the account has
// multi-factor authentication it fails with an error for which
// IsMFARequired is true; pass MFAToken(err) and the user's code to LoginOTP.
func (c *Client) Login(ctx context.Context, username, password string, lifetimeD time.Duration) (Token, error) {
	const op = "sign in"
	if strings.TrimSpace(username) == "" || password == "" {
		return Token{}, &Error{Op: op, Kind: KindInvalidInput, Hint: "enter the e-mail address and password of the Particle account"}
	}
	body := map[string]any{"grant_type": "password", "username": strings.TrimSpace(username), "password": password}
	lifetime(body, lifetimeD)
	return c.tokenRequest(ctx, &request{
		op: op, method: "POST", path: []string{"oauth", "token"},
		body: body, form: true, auth: authBasic, basic: c.userClient(), retryRefused: true,
	})
}

// LoginOTP completes a multi-factor login with the one-time code.
func (c *Client) LoginOTP(ctx context.Context, mfaToken, otp string) (Token, error) {
	const op = "sign in (one-time code)"
	otp = strings.TrimSpace(otp)
	if mfaToken == "" || otp == "" {
		return Token{}, &Error{Op: op, Kind: KindInvalidInput, Hint: "enter the code from the authenticator app"}
	}
	return c.tokenRequest(ctx, &request{
		op: op, method: "POST", path: []string{"oauth", "token"},
		body: map[string]any{"grant_type": "urn:custom:mfa-otp", "mfa_token": mfaToken, "otp": otp},
		form: true, auth: authBasic, basic: c.userClient(),
	})
}

// TokenInfo describes the token the client is using.
type TokenInfo struct {
	// ExpiresAt is zero for a token that never expires.
	ExpiresAt time.Time
	// Client is the OAuth client that created the token.
	Client string
	Scopes []string
	Orgs   []Organization
}

// CurrentToken describes the client's own token (GET /v1/access_tokens/current).
func (c *Client) CurrentToken(ctx context.Context) (TokenInfo, error) {
	var b struct {
		ExpiresAt *time.Time     `json:"expires_at"`
		Client    string         `json:"client"`
		ClientID  string         `json:"client_id"`
		Scopes    []string       `json:"scopes"`
		Orgs      []Organization `json:"orgs"`
	}
	err := c.call(ctx, &request{
		op: "check access token", method: "GET", path: []string{"v1", "access_tokens", "current"}, idempotent: true,
	}, &b)
	if err != nil {
		return TokenInfo{}, err
	}
	ti := TokenInfo{Client: b.ClientID, Scopes: b.Scopes, Orgs: b.Orgs}
	if ti.Client == "" {
		ti.Client = b.Client
	}
	if b.ExpiresAt != nil {
		ti.ExpiresAt = *b.ExpiresAt
	}
	return ti, nil
}

// RevokeCurrentToken revokes the client's own token
// (DELETE /v1/access_tokens/current). Revoking another token by value is
// deliberately not offered: Particle's route puts the token in the URL path.
func (c *Client) RevokeCurrentToken(ctx context.Context) error {
	return c.expectOK(ctx, &request{
		op: "sign out (revoke token)", method: "DELETE", path: []string{"v1", "access_tokens", "current"}, idempotent: true,
		doneWhenGone: func(e error) bool { return IsUnauthorized(e) || IsTokenExpired(e) },
	})
}

// String summarises the token info for logs; it holds no secret.
func (ti TokenInfo) String() string {
	exp := "never expires"
	if !ti.ExpiresAt.IsZero() {
		exp = "expires " + ti.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("token of client %q, %s", ti.Client, exp)
}

package cloudtest

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// mfaTokenLifetime is how long the mfa_token of a 403 mfa_required answer
// can complete the login.
const mfaTokenLifetime = 5 * time.Minute

var grantTypePattern = regexp.MustCompile(`^[a-zA-Z_-]+$|^urn:`)

// LoginLockoutThreshold and LoginLockoutTime are the §0.6 rule that
// Options.LoginLockout turns on: after this many consecutive failed token
// requests, /oauth/token answers 429 for this long.
const (
	LoginLockoutThreshold = 10
	LoginLockoutTime      = 30 * time.Minute
)

// handleToken is POST /oauth/token, with the optional login lockout around
// the grant handling.
func (c *Cloud) handleToken(w http.ResponseWriter, r *request) {
	if !c.opts.LoginLockout {
		c.handleTokenGrant(w, r)
		return
	}
	c.mu.Lock()
	wait := c.lockedUntil.Sub(c.now())
	c.mu.Unlock()
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		oauthError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Too many failed login attempts. Try again later.")
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	c.handleTokenGrant(rec, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case rec.status == http.StatusOK:
		c.loginFailures = 0
	case rec.status == http.StatusBadRequest || rec.status == http.StatusUnauthorized:
		c.loginFailures++
		if c.loginFailures >= LoginLockoutThreshold {
			c.loginFailures = 0
			c.lockedUntil = c.now().Add(LoginLockoutTime)
		}
	}
}

// handleTokenGrant answers /oauth/token: form-encoded only, client
// credentials by Basic or body, then the grant (§1). Checks run in the
// OAuth library's order: encoding, grant_type, client, grant allowed, grant.
func (c *Cloud) handleTokenGrant(w http.ResponseWriter, r *request) {
	if r.Method != http.MethodPost || r.encoding != "form" {
		oauthError(w, http.StatusBadRequest, "invalid_request",
			"Method must be POST with application/x-www-form-urlencoded encoding")
		return
	}
	grant, _ := r.field("grant_type")
	if grant == "" || !grantTypePattern.MatchString(grant) {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid or missing grant_type parameter")
		return
	}
	cl, ok := c.clientCredentials(w, r)
	if !ok {
		return
	}
	allowed := map[string]bool{
		"password": true, "client_credentials": true, "urn:custom:mfa-otp": true,
		"urn:custom:recovery-code": true, "refresh_token": cl.ProductID != 0,
	}
	if a, known := allowed[grant]; known && !a {
		oauthError(w, http.StatusBadRequest, "invalid_client", "The grant type is unauthorised for this client_id")
		return
	}
	lifetime, never, ok := c.requestedLifetime(w, r)
	if !ok {
		return
	}
	switch grant {
	case "password":
		c.passwordGrant(w, r, cl, lifetime, never)
	case "client_credentials":
		c.clientCredentialsGrant(w, r, cl, lifetime, never)
	case "urn:custom:mfa-otp":
		c.mfaGrant(w, r, cl, false)
	case "urn:custom:recovery-code":
		c.mfaGrant(w, r, cl, true)
	case "refresh_token":
		c.refreshGrant(w, r, cl, lifetime, never)
	default:
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid grant_type parameter or parameter missing")
	}
}

// requestedLifetime reads expires_in (seconds; 0 = never) or expires_at
// (ISO-8601, or "null" = never), answering invalid_request on junk.
func (c *Cloud) requestedLifetime(w http.ResponseWriter, r *request) (time.Duration, bool, bool) {
	life, never, problem := parseLifetime(r, c.now())
	if problem != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", problem)
		return 0, false, false
	}
	return life, never, true
}

// parseLifetime turns expires_in or expires_at into a token lifetime, or
// says what is wrong with them.
func parseLifetime(r *request, now time.Time) (life time.Duration, never bool, problem string) {
	if s, ok := r.field("expires_in"); ok && s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil || n < 0:
			return 0, false, "Invalid expires_in parameter"
		case n == 0:
			return 0, true, ""
		}
		return time.Duration(n) * time.Second, false, ""
	}
	if s, ok := r.field("expires_at"); ok && s != "" {
		if s == "null" {
			return 0, true, ""
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil || !t.After(now) {
			return 0, false, "Invalid expires_at parameter"
		}
		return t.Sub(now).Round(time.Second), false, ""
	}
	return DefaultTokenLifetime, false, ""
}

func (c *Cloud) passwordGrant(w http.ResponseWriter, r *request, cl *oauthClient, life time.Duration, never bool) {
	username, _ := r.field("username")
	password, _ := r.field("password")
	if username == "" || password == "" {
		oauthError(w, http.StatusBadRequest, "invalid_client", `Missing parameters. "username" and "password" are required`)
		return
	}
	email := strings.ToLower(username)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl.ProductID != 0 {
		// A product client logs in the product's customers (simple auth).
		cu := c.customerLocked(cl.ProductID, email)
		if cu == nil || cu.Password == "" || cu.Password != password {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "User credentials are invalid")
			return
		}
		c.issueLocked(w, principal{kind: kindCustomer, email: cu.Email, productID: cl.ProductID}, cl.ID, life, never)
		return
	}
	u := c.users[email]
	if u == nil || u.Password != password {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "User credentials are invalid")
		return
	}
	if u.OTP != "" {
		mt := &mfaToken{value: fakeJWT(), user: u.Email, clientID: cl.ID,
			expiresAt: c.now().Add(mfaTokenLifetime), lifetime: life, never: never}
		c.mfaTokens[mt.value] = mt
		c.secrets[mt.value] = true
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "mfa_required",
			"error_description": "Multi-factor authentication required", "mfa_token": mt.value})
		return
	}
	c.issueLocked(w, principal{kind: kindUser, email: u.Email}, cl.ID, life, never)
}

func (c *Cloud) mfaGrant(w http.ResponseWriter, r *request, cl *oauthClient, recovery bool) {
	mfa, _ := r.field("mfa_token")
	codeField := "otp"
	if recovery {
		codeField = "recovery_code"
	}
	code, _ := r.field(codeField)
	if mfa == "" || code == "" {
		if recovery {
			oauthError(w, http.StatusBadRequest, "invalid_request", "You must provide recovery code and mfa token.")
		} else {
			oauthError(w, http.StatusBadRequest, "invalid_request", "You must provide otp and mfa token.")
		}
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	mt := c.mfaTokens[mfa]
	if mt == nil || mt.clientID != cl.ID {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid mfa token")
		return
	}
	if !c.now().Before(mt.expiresAt) {
		delete(c.mfaTokens, mfa)
		oauthError(w, http.StatusBadRequest, "invalid_grant", "OTP expired")
		return
	}
	u := c.users[mt.user]
	switch {
	case u == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid mfa token")
		return
	case recovery:
		i := indexOf(u.RecoveryCodes, code)
		if i < 0 {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid recovery code")
			return
		}
		u.RecoveryCodes = append(u.RecoveryCodes[:i:i], u.RecoveryCodes[i+1:]...)
	case code != u.OTP:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid OTP code")
		return
	}
	delete(c.mfaTokens, mfa)
	c.issueLocked(w, principal{kind: kindUser, email: u.Email}, cl.ID, mt.lifetime, mt.never)
}

func (c *Cloud) clientCredentialsGrant(w http.ResponseWriter, r *request, cl *oauthClient, life time.Duration, never bool) {
	scope, _ := r.field("scope")
	c.mu.Lock()
	defer c.mu.Unlock()
	if scope != "" {
		who, ok := strings.CutPrefix(scope, "customer=")
		if !ok || cl.ProductID == 0 {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "Invalid scope parameter")
			return
		}
		cu := c.customerLocked(cl.ProductID, who)
		if cu == nil {
			// The real body for an unknown customer is undocumented.
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Customer not found")
			return
		}
		c.issueLocked(w, principal{kind: kindCustomer, email: cu.Email, productID: cl.ProductID}, cl.ID, life, never)
		return
	}
	switch {
	case cl.ProductID != 0:
		c.issueLocked(w, principal{kind: kindProduct, productID: cl.ProductID}, cl.ID, life, never)
	case cl.Owner != "":
		c.issueLocked(w, principal{kind: kindUser, email: cl.Owner}, cl.ID, life, never)
	default:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Client credentials are invalid")
	}
}

func (c *Cloud) refreshGrant(w http.ResponseWriter, r *request, cl *oauthClient, life time.Duration, never bool) {
	value, _ := r.field("refresh_token")
	if value == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", `No "refresh_token" parameter`)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rt := c.refreshes[value]
	if rt == nil || rt.clientID != cl.ID {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
		return
	}
	if !c.now().Before(rt.expiresAt) {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Refresh token has expired")
		return
	}
	delete(c.refreshes, value)
	c.issueLocked(w, rt.who, cl.ID, life, never)
}

// issueLocked creates an access token (and, unless it never expires, a
// refresh token) and writes the token response.
func (c *Cloud) issueLocked(w http.ResponseWriter, who principal, clientID string, life time.Duration, never bool) {
	body := c.issueBodyLocked(who, clientID, life, never)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, body)
}

func (c *Cloud) issueBodyLocked(who principal, clientID string, life time.Duration, never bool) map[string]any {
	now := c.now()
	tok := &token{value: randomHex(20), who: who, clientID: clientID}
	if who.kind == kindCustomer {
		tok.scope = "customer=" + who.email
	}
	body := map[string]any{"token_type": "bearer", "access_token": tok.value}
	if never {
		body["expires_in"] = 0
	} else {
		tok.expiresAt = now.Add(life)
		body["expires_in"] = int64(life / time.Second)
		rt := &refreshToken{value: randomHex(20), who: who, clientID: clientID,
			expiresAt: now.Add(RefreshTokenLifetime), scope: tok.scope}
		c.refreshes[rt.value] = rt
		c.secrets[rt.value] = true
		body["refresh_token"] = rt.value
	}
	if tok.scope != "" {
		body["scope"] = tok.scope
	}
	c.tokens[tok.value] = tok
	c.secrets[tok.value] = true
	return body
}

// fakeJWT makes an opaque token that looks like the JWT the real cloud
// returns as mfa_token.
func fakeJWT() string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"mfa":"`+randomHex(8)+`"}`)) + "." + randomHex(16)
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// --- token management (§2) ---

func (c *Cloud) handleCurrentToken(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	orgs := []map[string]string{}
	if tok.who.kind == kindUser {
		for _, o := range c.orgs {
			if contains(o.Members, tok.who.email) {
				orgs = append(orgs, map[string]string{"id": o.ID, "slug": o.Slug})
			}
		}
	}
	scopes := []string{}
	if tok.scope != "" {
		scopes = append(scopes, tok.scope)
	}
	writeJSON(w, http.StatusOK, map[string]any{"expires_at": isoTime(tok.expiresAt),
		"client": tok.clientID, "client_id": tok.clientID, "scopes": scopes, "orgs": orgs})
}

func (c *Cloud) handleDeleteCurrentToken(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	delete(c.tokens, tok.value)
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// basicUser checks HTTP Basic username:password of an account, as the
// historical token routes require.
func (c *Cloud) basicUser(w http.ResponseWriter, r *request) (string, bool) {
	name, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	c.mu.Lock()
	u := c.users[strings.ToLower(name)]
	c.mu.Unlock()
	if u == nil || u.Password != pass {
		oauthError(w, http.StatusUnauthorized, "invalid_grant", "User credentials are invalid")
		return "", true
	}
	return u.Email, true
}

// caller authenticates a token route by Basic user credentials or by a
// user token, returning the user's e-mail.
func (c *Cloud) tokenRouteUser(w http.ResponseWriter, r *request) (string, bool) {
	if email, tried := c.basicUser(w, r); tried {
		return email, email != ""
	}
	tok, ok := c.authorize(w, r)
	if !ok {
		return "", false
	}
	if tok.who.kind != kindUser {
		okError(w, http.StatusForbidden, "Permission denied")
		return "", false
	}
	return tok.who.email, true
}

func (c *Cloud) handleListTokens(w http.ResponseWriter, r *request) {
	email, ok := c.tokenRouteUser(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []map[string]any{}
	for _, t := range c.tokens {
		if t.who.kind == kindUser && t.who.email == email {
			out = append(out, map[string]any{"token": t.value, "expires_at": isoTime(t.expiresAt), "client": t.clientID})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *Cloud) handleDeleteToken(w http.ResponseWriter, r *request) {
	email, ok := c.tokenRouteUser(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tokens[r.p["token"]]
	if t == nil || t.who.kind != kindUser || t.who.email != email {
		okError(w, http.StatusNotFound, "Token not found")
		return
	}
	delete(c.tokens, t.value)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (c *Cloud) handleDeleteAllTokens(w http.ResponseWriter, r *request) {
	email, ok := c.tokenRouteUser(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for v, t := range c.tokens {
		if t.who.kind == kindUser && t.who.email == email {
			delete(c.tokens, v)
		}
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

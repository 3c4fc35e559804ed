package cloudtest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func tokenCall(h http.Header, form url.Values) call {
	return call{method: "POST", path: "/oauth/token", header: h, form: form}
}

func TestOAuthTokenErrors(t *testing.T) {
	f := newFixture(t, Options{})
	good := basic(f.client.ID, f.client.Secret)
	cc := url.Values{"grant_type": {"client_credentials"}}
	tests := []struct {
		name       string
		call       call
		wantStatus int
		wantBody   string
		wantWWW    bool
	}{
		{name: "GET", call: call{method: "GET", path: "/oauth/token", header: good}, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Method must be POST with application/x-www-form-urlencoded encoding"}`},
		{name: "JSON", call: call{method: "POST", path: "/oauth/token", header: good, json: map[string]string{"grant_type": "client_credentials"}}, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Method must be POST with application/x-www-form-urlencoded encoding"}`},
		{name: "PATCH", call: call{method: "PATCH", path: "/oauth/token", header: good, form: cc}, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Method must be POST with application/x-www-form-urlencoded encoding"}`},
		{name: "DELETE", call: call{method: "DELETE", path: "/oauth/token", header: good, form: cc}, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Method must be POST with application/x-www-form-urlencoded encoding"}`},
		{name: "multipart", call: call{method: "POST", path: "/oauth/token", header: good,
			body: "--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n--x--\r\n", contentType: "multipart/form-data; boundary=x"}, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Method must be POST with application/x-www-form-urlencoded encoding"}`},
		{name: "no grant_type", call: tokenCall(good, url.Values{"x": {"y"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Invalid or missing grant_type parameter"}`},
		{name: "unsupported grant", call: tokenCall(good, url.Values{"grant_type": {"implicit"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Invalid grant_type parameter or parameter missing"}`},
		{name: "no client", call: tokenCall(nil, cc), wantStatus: 400, wantWWW: true,
			wantBody: `{"error":"invalid_client","error_description":"Invalid or missing client_id parameter"}`},
		{name: "no secret", call: tokenCall(nil, url.Values{"grant_type": {"client_credentials"}, "client_id": {f.client.ID}}), wantStatus: 400, wantWWW: true,
			wantBody: `{"error":"invalid_client","error_description":"Missing client_secret parameter"}`},
		{name: "wrong secret", call: tokenCall(basic(f.client.ID, "nope"), cc), wantStatus: 400, wantWWW: true,
			wantBody: `{"error":"invalid_client","error_description":"Client credentials are invalid"}`},
		{name: "user client has no product", call: tokenCall(basic("particle", "particle"), cc), wantStatus: 400,
			wantBody: `{"error":"invalid_grant","error_description":"Client credentials are invalid"}`},
		{name: "password missing", call: tokenCall(basic("particle", "particle"), url.Values{"grant_type": {"password"}, "username": {"alice@example.com"}}), wantStatus: 400, wantWWW: true,
			wantBody: `{"error":"invalid_client","error_description":"Missing parameters. \"username\" and \"password\" are required"}`},
		{name: "password wrong", call: tokenCall(basic("particle", "particle"), url.Values{"grant_type": {"password"}, "username": {"alice@example.com"}, "password": {"x"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_grant","error_description":"User credentials are invalid"}`},
		{name: "refresh on user client", call: tokenCall(basic("particle", "particle"), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}), wantStatus: 400, wantWWW: true,
			wantBody: `{"error":"invalid_client","error_description":"The grant type is unauthorised for this client_id"}`},
		{name: "refresh missing", call: tokenCall(good, url.Values{"grant_type": {"refresh_token"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"No \"refresh_token\" parameter"}`},
		{name: "refresh unknown", call: tokenCall(good, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"abc"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_grant","error_description":"Invalid refresh token"}`},
		{name: "otp missing", call: tokenCall(basic("particle", "particle"), url.Values{"grant_type": {"urn:custom:mfa-otp"}, "otp": {"1"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"You must provide otp and mfa token."}`},
		{name: "bad expires_in", call: tokenCall(good, url.Values{"grant_type": {"client_credentials"}, "expires_in": {"soon"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Invalid expires_in parameter"}`},
		{name: "past expires_at", call: tokenCall(good, url.Values{"grant_type": {"client_credentials"}, "expires_at": {"2020-01-01T00:00:00Z"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"Invalid expires_at parameter"}`},
		{name: "unknown customer", call: tokenCall(good, url.Values{"grant_type": {"client_credentials"}, "scope": {"customer=nobody@example.com"}}), wantStatus: 400,
			wantBody: `{"error":"invalid_grant","error_description":"Customer not found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, f.c, tt.call)
			if got.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", got.status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, got.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if got.header.Get("Cache-Control") != "no-store" || got.header.Get("Pragma") != "no-cache" {
				t.Errorf("missing no-store/no-cache headers: %v", got.header)
			}
			wantWWW := ""
			if tt.wantWWW {
				wantWWW = `Basic realm="Service"`
			}
			if got.header.Get("WWW-Authenticate") != wantWWW {
				t.Errorf("WWW-Authenticate = %q, want %q", got.header.Get("WWW-Authenticate"), wantWWW)
			}
		})
	}
}

func TestClientCredentialsGrant(t *testing.T) {
	tests := []struct {
		name        string
		creds       http.Header
		form        url.Values
		wantExpires float64
		wantRefresh bool
		wantScope   string
		expiresAt   time.Duration // token stops working this long after issue; 0 = never
	}{
		{name: "default lifetime, Basic", creds: basic("bench-1234", ""), form: url.Values{},
			wantExpires: 7776000, wantRefresh: true, expiresAt: DefaultTokenLifetime},
		{name: "body credentials", form: url.Values{"client_id": {"bench-1234"}},
			wantExpires: 7776000, wantRefresh: true, expiresAt: DefaultTokenLifetime},
		{name: "one hour", creds: basic("bench-1234", ""), form: url.Values{"expires_in": {"3600"}},
			wantExpires: 3600, wantRefresh: true, expiresAt: time.Hour},
		{name: "never", creds: basic("bench-1234", ""), form: url.Values{"expires_in": {"0"}},
			wantExpires: 0, wantRefresh: false},
		{name: "expires_at", creds: basic("bench-1234", ""), form: url.Values{"expires_at": {"2026-11-26T14:00:00Z"}},
			wantExpires: 7200, wantRefresh: true, expiresAt: 2 * time.Hour},
		{name: "expires_at null", creds: basic("bench-1234", ""), form: url.Values{"expires_at": {"null"}},
			wantExpires: 0, wantRefresh: false},
		{name: "customer scope", creds: basic("bench-1234", ""), form: url.Values{"scope": {"customer=Carol@Example.com"}},
			wantExpires: 7776000, wantRefresh: true, wantScope: "customer=carol@example.com", expiresAt: DefaultTokenLifetime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
			form := tt.form
			form.Set("grant_type", "client_credentials")
			h := tt.creds
			if h != nil {
				h = basic(f.client.ID, f.client.Secret)
			} else {
				form.Set("client_secret", f.client.Secret)
			}
			got := do(t, f.c, tokenCall(h, form))
			if got.status != 200 {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			m := got.decode(t)
			if m["token_type"] != "bearer" || m["expires_in"] != tt.wantExpires {
				t.Errorf("token_type/expires_in = %v/%v, want bearer/%v", m["token_type"], m["expires_in"], tt.wantExpires)
			}
			if _, has := m["refresh_token"]; has != tt.wantRefresh {
				t.Errorf("refresh_token present = %v, want %v", has, tt.wantRefresh)
			}
			if s, _ := m["scope"].(string); s != tt.wantScope {
				t.Errorf("scope = %q, want %q", s, tt.wantScope)
			}
			if got.header.Get("Cache-Control") != "no-store" {
				t.Errorf("token response without Cache-Control: no-store")
			}
			tok := m["access_token"].(string)
			if len(tok) != 40 {
				t.Errorf("token %q is not 40 characters", tok)
			}
			// The token works until its lifetime ends.
			path := "/v1/products/100/devices"
			if tt.wantScope != "" {
				path = "/v1/devices"
			}
			if got := do(t, f.c, call{method: "GET", path: path, token: tok}); got.status != 200 {
				t.Fatalf("new token refused: %d %s", got.status, got.body)
			}
			if tt.expiresAt == 0 {
				f.clock.Advance(10 * 365 * 24 * time.Hour)
				if got := do(t, f.c, call{method: "GET", path: path, token: tok}); got.status != 200 {
					t.Errorf("never-expiring token refused after ten years: %d", got.status)
				}
				return
			}
			f.clock.Advance(tt.expiresAt - time.Second)
			if got := do(t, f.c, call{method: "GET", path: path, token: tok}); got.status != 200 {
				t.Errorf("token refused a second before expiry: %d", got.status)
			}
			f.clock.Advance(time.Second)
			if got := do(t, f.c, call{method: "GET", path: path, token: tok}); got.status != 401 {
				t.Errorf("token accepted at expiry: %d", got.status)
			}
		})
	}
}

func TestPasswordAndMFAGrants(t *testing.T) {
	f := newFixture(t, Options{})
	particle := basic("particle", "particle")
	got := do(t, f.c, tokenCall(particle, url.Values{"grant_type": {"password"}, "username": {"Alice@Example.com"}, "password": {"correct horse"}}))
	if got.status != 200 {
		t.Fatalf("password grant: %d %s", got.status, got.body)
	}
	if tok := got.decode(t)["access_token"].(string); do(t, f.c, call{method: "GET", path: "/v1/user/products", token: tok}).status != 200 {
		t.Errorf("user token refused on /v1/user/products")
	}

	// MFA: the password answers 403 mfa_required with a token for step two.
	got = do(t, f.c, tokenCall(particle, url.Values{"grant_type": {"password"}, "username": {"bob@example.com"}, "password": {"hunter22"}}))
	m := got.decode(t)
	mfa, _ := m["mfa_token"].(string)
	if got.status != 403 || m["error"] != "mfa_required" || m["error_description"] != "Multi-factor authentication required" || mfa == "" {
		t.Fatalf("MFA step one: %d %s", got.status, got.body)
	}
	if keys := len(m); keys != 3 {
		t.Errorf("mfa body has %d keys, want error, error_description, mfa_token", keys)
	}
	otp := func(code string) reply {
		return do(t, f.c, tokenCall(particle, url.Values{"grant_type": {"urn:custom:mfa-otp"}, "mfa_token": {mfa}, "otp": {code}}))
	}
	if got := otp("000000"); got.status != 400 || got.decode(t)["error"] != "invalid_grant" {
		t.Errorf("wrong OTP: %d %s", got.status, got.body)
	}
	if got := otp("123456"); got.status != 200 {
		t.Errorf("right OTP: %d %s", got.status, got.body)
	}
	if got := otp("123456"); got.status != 400 {
		t.Errorf("mfa_token reused: %d %s", got.status, got.body)
	}

	// An mfa_token goes stale.
	got = do(t, f.c, tokenCall(particle, url.Values{"grant_type": {"password"}, "username": {"bob@example.com"}, "password": {"hunter22"}}))
	mfa = got.decode(t)["mfa_token"].(string)
	f.clock.Advance(10 * time.Minute)
	if got := otp("123456"); got.status != 400 || got.decode(t)["error_description"] != "OTP expired" {
		t.Errorf("stale mfa_token: %d %s", got.status, got.body)
	}

	// Recovery code, single use.
	got = do(t, f.c, tokenCall(particle, url.Values{"grant_type": {"password"}, "username": {"bob@example.com"}, "password": {"hunter22"}}))
	mfa = got.decode(t)["mfa_token"].(string)
	rec := tokenCall(particle, url.Values{"grant_type": {"urn:custom:recovery-code"}, "mfa_token": {mfa}, "recovery_code": {"rc-1"}})
	if got := do(t, f.c, rec); got.status != 200 {
		t.Errorf("recovery code: %d %s", got.status, got.body)
	}
}

func TestRefreshGrant(t *testing.T) {
	f := newFixture(t, Options{})
	creds := basic(f.client.ID, f.client.Secret)
	got := do(t, f.c, tokenCall(creds, url.Values{"grant_type": {"client_credentials"}, "expires_in": {"60"}}))
	first := got.decode(t)
	refresh := first["refresh_token"].(string)
	f.clock.Advance(time.Minute)
	if got := do(t, f.c, call{method: "GET", path: "/v1/products/100", token: first["access_token"].(string)}); got.status != 401 {
		t.Fatalf("expired access token: %d", got.status)
	}
	got = do(t, f.c, tokenCall(creds, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}))
	if got.status != 200 {
		t.Fatalf("refresh: %d %s", got.status, got.body)
	}
	second := got.decode(t)
	if do(t, f.c, call{method: "GET", path: "/v1/products/100", token: second["access_token"].(string)}).status != 200 {
		t.Errorf("refreshed token refused")
	}
	if got := do(t, f.c, tokenCall(creds, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})); got.status != 400 {
		t.Errorf("refresh token reused: %d %s", got.status, got.body)
	}
	f.clock.Advance(RefreshTokenLifetime)
	got = do(t, f.c, tokenCall(creds, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second["refresh_token"].(string)}}))
	if diff := cmp.Diff(`{"error":"invalid_grant","error_description":"Refresh token has expired"}`, got.body); diff != "" {
		t.Errorf("stale refresh token (-want +got):\n%s", diff)
	}
}

func TestLoginLockout(t *testing.T) {
	f := newFixture(t, Options{LoginLockout: true})
	particle := basic("particle", "particle")
	wrong := tokenCall(particle, url.Values{"grant_type": {"password"}, "username": {"alice@example.com"}, "password": {"nope"}})
	right := tokenCall(particle, url.Values{"grant_type": {"password"}, "username": {"alice@example.com"}, "password": {"correct horse"}})
	for range LoginLockoutThreshold - 1 {
		do(t, f.c, wrong)
	}
	if got := do(t, f.c, right); got.status != 200 {
		t.Fatalf("success before the threshold: %d %s", got.status, got.body)
	}
	for range LoginLockoutThreshold {
		do(t, f.c, wrong)
	}
	got := do(t, f.c, right)
	if got.status != 429 || got.header.Get("Retry-After") != "1800" || got.decode(t)["error"] != "rate_limit_exceeded" {
		t.Fatalf("locked out: %d %q %s", got.status, got.header.Get("Retry-After"), got.body)
	}
	f.clock.Advance(LoginLockoutTime)
	if got := do(t, f.c, right); got.status != 200 {
		t.Errorf("after the lockout: %d %s", got.status, got.body)
	}
}

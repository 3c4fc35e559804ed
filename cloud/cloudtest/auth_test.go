package cloudtest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTokenCarriers(t *testing.T) {
	f := newFixture(t, Options{})
	expired := f.c.AddToken(Token{User: "alice@example.com", ExpiresAt: epoch.Add(-time.Second)})
	const (
		notFound  = `{"error":"invalid_request","error_description":"The access token was not found"}`
		onlyOne   = `{"error":"invalid_request","error_description":"Only one method may be used to authenticate at a time (Auth header,  GET or POST)."}`
		invalid   = `{"error":"invalid_token","error_description":"The access token provided is invalid."}`
		expiredB  = `{"error":"invalid_token","error_description":"The access token provided has expired."}`
		bodyGET   = `{"error":"invalid_request","error_description":"Method cannot be GET When putting the token in the body."}`
		bodyType  = `{"error":"invalid_request","error_description":"When putting the token in the body, content type must be application/x-www-form-urlencoded."}`
		malformed = `{"error":"invalid_request","error_description":"Malformed auth header"}`
		queryPOST = `{"error":"invalid_request","error_description":"Method must be GET when putting the token in the query."}`
	)
	tests := []struct {
		name       string
		call       call
		wantStatus int
		wantBody   string // exact, when set
		wantVia    []AuthCarrier
	}{
		{name: "header", call: call{method: "GET", path: "/v1/devices", token: f.user},
			wantStatus: 200, wantVia: []AuthCarrier{AuthHeader}},
		{name: "query on GET", call: call{method: "GET", path: "/v1/devices?access_token=" + f.user},
			wantStatus: 200, wantVia: []AuthCarrier{AuthQuery}},
		{name: "query on POST", call: call{method: "POST", path: "/v1/device_claims?access_token=" + f.user},
			wantStatus: 400, wantBody: queryPOST, wantVia: []AuthCarrier{AuthQuery}},
		{name: "form body on PUT", call: call{method: "PUT", path: "/v1/devices/" + photonB,
			form: url.Values{"access_token": {f.user}, "notes": {"n"}}},
			wantStatus: 200, wantVia: []AuthCarrier{AuthBody}},
		{name: "form body on POST", call: call{method: "POST", path: "/v1/device_claims",
			form: url.Values{"access_token": {f.user}}},
			wantStatus: 200, wantVia: []AuthCarrier{AuthBody}},
		{name: "body on GET", call: call{method: "GET", path: "/v1/devices",
			form: url.Values{"access_token": {f.user}}},
			wantStatus: 400, wantBody: bodyGET, wantVia: []AuthCarrier{AuthBody}},
		{name: "JSON body token", call: call{method: "POST", path: "/v1/device_claims",
			json: map[string]string{"access_token": f.user}},
			wantStatus: 400, wantBody: bodyType, wantVia: []AuthCarrier{AuthBody}},
		{name: "header and query", call: call{method: "GET", path: "/v1/devices?access_token=" + f.user, token: f.user},
			wantStatus: 400, wantBody: onlyOne, wantVia: []AuthCarrier{AuthHeader, AuthQuery}},
		{name: "header and body", call: call{method: "PUT", path: "/v1/devices/" + photonB, token: f.user,
			form: url.Values{"access_token": {f.user}, "notes": {"n"}}},
			wantStatus: 400, wantBody: onlyOne, wantVia: []AuthCarrier{AuthHeader, AuthBody}},
		{name: "none", call: call{method: "GET", path: "/v1/devices"},
			wantStatus: 400, wantBody: notFound, wantVia: nil},
		{name: "unknown", call: call{method: "GET", path: "/v1/devices", token: "0000000000000000000000000000000000000000"},
			wantStatus: 401, wantBody: invalid, wantVia: []AuthCarrier{AuthHeader}},
		{name: "expired", call: call{method: "GET", path: "/v1/devices", token: expired},
			wantStatus: 401, wantBody: expiredB, wantVia: []AuthCarrier{AuthHeader}},
		{name: "not bearer", call: call{method: "GET", path: "/v1/devices", header: http.Header{"Authorization": {"Token " + f.user}}},
			wantStatus: 400, wantBody: malformed, wantVia: []AuthCarrier{AuthHeader}},
		{name: "basic on resource route", call: call{method: "GET", path: "/v1/devices", header: basic("a", "b")},
			wantStatus: 400, wantBody: malformed, wantVia: []AuthCarrier{AuthBasic}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.c.ResetRequests()
			got := do(t, f.c, tt.call)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(tt.wantBody, got.body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
				for _, h := range []string{"Cache-Control: no-store", "Pragma: no-cache"} {
					k, v, _ := cut(h, ": ")
					if got.header.Get(k) != v {
						t.Errorf("header %s = %q, want %q", k, got.header.Get(k), v)
					}
				}
				if got.header.Get("WWW-Authenticate") != "" {
					t.Errorf("WWW-Authenticate set on a non-client error")
				}
			}
			reqs := f.c.Requests()
			if len(reqs) != 1 {
				t.Fatalf("logged %d requests, want 1", len(reqs))
			}
			if diff := cmp.Diff(tt.wantVia, reqs[0].Auth); diff != "" {
				t.Errorf("logged auth carriers (-want +got):\n%s", diff)
			}
			if reqs[0].Status != tt.wantStatus {
				t.Errorf("logged status %d, want %d", reqs[0].Status, tt.wantStatus)
			}
		})
	}
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

func TestTokenExpiresWithClock(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.c.AddToken(Token{User: "alice@example.com", ExpiresAt: epoch.Add(time.Hour)})
	if got := do(t, f.c, call{method: "GET", path: "/v1/devices", token: tok}); got.status != 200 {
		t.Fatalf("fresh token: status %d", got.status)
	}
	f.clock.Advance(time.Hour)
	got := do(t, f.c, call{method: "GET", path: "/v1/devices", token: tok})
	if got.status != 401 || got.decode(t)["error_description"] != "The access token provided has expired." {
		t.Fatalf("after expiry: %d %s", got.status, got.body)
	}
}

func TestSecretsInURLs(t *testing.T) {
	f := newFixture(t, Options{})
	do(t, f.c, call{method: "GET", path: "/v1/devices", token: f.user})
	do(t, f.c, call{method: "POST", path: "/oauth/token", header: basic(f.client.ID, f.client.Secret),
		form: url.Values{"grant_type": {"client_credentials"}}})
	if leaks := f.c.SecretsInURLs(); len(leaks) != 0 {
		t.Fatalf("header and body credentials reported as URL leaks: %+v", leaks)
	}
	do(t, f.c, call{method: "GET", path: "/v1/devices?access_token=" + f.user})
	do(t, f.c, call{method: "GET", path: "/v1/products/100/devices?x=" + f.client.Secret, token: f.product})
	// A revoked token and a path-escaped claim code are still secrets.
	revoked := f.c.UserToken("alice@example.com")
	f.c.RevokeToken(revoked)
	do(t, f.c, call{method: "GET", path: "/v1/x?t=" + revoked, token: f.user})
	code := do(t, f.c, call{method: "POST", path: "/v1/device_claims", token: f.user}).decode(t)["claim_code"].(string)
	do(t, f.c, call{method: "GET", path: "/v1/y/" + url.PathEscape(code), token: f.user})
	leaks := f.c.SecretsInURLs()
	var paths []string
	for _, l := range leaks {
		paths = append(paths, l.Path)
	}
	if diff := cmp.Diff([]string{"/v1/devices", "/v1/products/100/devices", "/v1/x", "/v1/y/" + url.PathEscape(code)}, paths); diff != "" {
		t.Errorf("leaking requests (-want +got):\n%s", diff)
	}
}

func TestTokenManagement(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.c.AddToken(Token{User: "alice@example.com", ClientID: "particle-cli", ExpiresAt: epoch.Add(time.Hour)})
	got := do(t, f.c, call{method: "GET", path: "/v1/access_tokens/current", token: tok})
	want := map[string]any{"expires_at": "2026-11-26T13:00:00.000Z", "client": "particle-cli", "client_id": "particle-cli",
		"scopes": []any{}, "orgs": []any{map[string]any{"id": "org1", "slug": "acme"}}}
	if diff := cmp.Diff(want, got.decode(t)); diff != "" {
		t.Errorf("current token (-want +got):\n%s", diff)
	}
	// Basic user credentials list the tokens; a wrong password is refused.
	if got := do(t, f.c, call{method: "GET", path: "/v1/access_tokens", header: basic("alice@example.com", "nope")}); got.status != 401 {
		t.Errorf("wrong password: %d %s", got.status, got.body)
	}
	if got := do(t, f.c, call{method: "GET", path: "/v1/access_tokens", header: basic("alice@example.com", "correct horse")}); got.status != 200 {
		t.Errorf("list tokens: %d %s", got.status, got.body)
	}
	// Revoking a token by value, then the current one.
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/access_tokens/" + f.user, token: tok}); got.body != `{"ok":true}` {
		t.Errorf("delete token: %d %s", got.status, got.body)
	}
	if got := do(t, f.c, call{method: "GET", path: "/v1/devices", token: f.user}); got.status != 401 {
		t.Errorf("revoked token still works: %d", got.status)
	}
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/access_tokens/current", token: tok}); got.body != `{"ok":true}` {
		t.Errorf("delete current: %d %s", got.status, got.body)
	}
	if got := do(t, f.c, call{method: "GET", path: "/v1/devices", token: tok}); got.status != 401 {
		t.Errorf("revoked current token still works: %d", got.status)
	}
	// Revoke all of a user's tokens; other users' tokens survive.
	a1, a2, bob := f.c.UserToken("alice@example.com"), f.c.UserToken("alice@example.com"), f.c.UserToken("bob@example.com")
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/access_tokens", token: a1}); got.body != `{"ok":true}` {
		t.Errorf("delete all: %d %s", got.status, got.body)
	}
	for _, tc := range []struct {
		tok  string
		want int
	}{{a1, 401}, {a2, 401}, {bob, 200}} {
		if got := do(t, f.c, call{method: "GET", path: "/v1/user", token: tc.tok}); got.status != tc.want {
			t.Errorf("after delete all: %d, want %d", got.status, tc.want)
		}
	}
	f.c.RevokeToken(bob)
	if got := do(t, f.c, call{method: "GET", path: "/v1/user", token: bob}); got.status != 401 {
		t.Errorf("after RevokeToken: %d", got.status)
	}
}

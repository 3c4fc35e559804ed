package cloud

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// decodeCase is one error answer and what the client must make of it.
type decodeCase struct {
	name       string
	status     int
	body       string
	retryAfter time.Duration
	want       Error // Op, Body are filled in by the test
}

var decodeCases = []decodeCase{
	// Family A: OAuth.
	{name: "A no token", status: 400, body: `{"error":"invalid_request","error_description":"The access token was not found"}`,
		want: Error{Kind: KindUnauthorized, Code: "invalid_request", ServerMessage: "The access token was not found"}},
	{name: "A unknown token", status: 401, body: `{"error":"invalid_token","error_description":"The access token provided is invalid."}`,
		want: Error{Kind: KindUnauthorized, Code: "invalid_token", ServerMessage: "The access token provided is invalid."}},
	{name: "A expired token", status: 401, body: `{"error":"invalid_token","error_description":"The access token provided has expired."}`,
		want: Error{Kind: KindTokenExpired, Code: "invalid_token", ServerMessage: "The access token provided has expired."}},
	{name: "A expired_token code (CLI)", status: 401, body: `{"error":"expired_token"}`,
		want: Error{Kind: KindTokenExpired, Code: "expired_token", ServerMessage: "expired_token"}},
	{name: "A description only (CLI fixture)", status: 401, body: `{"error_description":"Invalid token"}`,
		want: Error{Kind: KindUnauthorized, ServerMessage: "Invalid token"}},
	{name: "A malformed header", status: 400, body: `{"error":"invalid_request","error_description":"Malformed auth header"}`,
		want: Error{Kind: KindUnauthorized, Code: "invalid_request", ServerMessage: "Malformed auth header"}},
	{name: "A wrong password", status: 400, body: `{"error":"invalid_grant","error_description":"User credentials are invalid"}`,
		want: Error{Kind: KindBadCredentials, Code: "invalid_grant", ServerMessage: "User credentials are invalid"}},
	{name: "A wrong client secret", status: 400, body: `{"error":"invalid_client","error_description":"Client credentials are invalid"}`,
		want: Error{Kind: KindBadCredentials, Code: "invalid_client", ServerMessage: "Client credentials are invalid"}},
	{name: "A OTP expired", status: 400, body: `{"error":"invalid_grant","error_description":"OTP expired"}`,
		want: Error{Kind: KindBadCredentials, Code: "invalid_grant", ServerMessage: "OTP expired"}},
	{name: "A MFA required", status: 403, body: `{"error":"mfa_required","error_description":"Multi-factor authentication required","mfa_token":"eyJhbGciOi.mfa"}`,
		want: Error{Kind: KindMFARequired, Code: "mfa_required", ServerMessage: "Multi-factor authentication required", MFAToken: "eyJhbGciOi.mfa"}},
	{name: "A SSO user", status: 403, body: `{"error":"sso_user","error_description":"Use single sign-on"}`,
		want: Error{Kind: KindPermissionDenied, Code: "sso_user", ServerMessage: "Use single sign-on"}},
	{name: "A rate limit with Retry-After", status: 429, retryAfter: 30 * time.Second, body: `{"error":"rate_limit_exceeded","error_description":"Too many requests"}`,
		want: Error{Kind: KindRateLimited, Code: "rate_limit_exceeded", ServerMessage: "Too many requests", RetryAfter: 30 * time.Second}},
	{name: "A server error", status: 503, body: `{"error":"server_error","error_description":"Service unavailable"}`,
		want: Error{Kind: KindServerError, Code: "server_error", ServerMessage: "Service unavailable"}},
	{name: "A wrong encoding", status: 400, body: `{"error":"invalid_request","error_description":"Method must be POST with application/x-www-form-urlencoded encoding"}`,
		want: Error{Kind: KindBadRequest, Code: "invalid_request", ServerMessage: "Method must be POST with application/x-www-form-urlencoded encoding"}},
	// Family B: ok/error.
	{name: "B timed out 408", status: 408, body: `{"ok":false,"error":"timed out"}`,
		want: Error{Kind: KindDeviceOffline, Code: "timed out", ServerMessage: "timed out"}},
	{name: "B timed out 404 (old tutorial)", status: 404, body: `{"ok":false,"error":"timed out"}`,
		want: Error{Kind: KindDeviceOffline, Code: "timed out", ServerMessage: "timed out"}},
	{name: "B timed out 400 (live log)", status: 400, body: `{"ok":false,"error":"timed out"}`,
		want: Error{Kind: KindDeviceOffline, Code: "timed out", ServerMessage: "timed out"}},
	{name: "B Timed out. (spark-server)", status: 408, body: `{"error":"Timed out."}`,
		want: Error{Kind: KindDeviceOffline, Code: "Timed out.", ServerMessage: "Timed out."}},
	{name: "B unknown variable", status: 404, body: `{"ok":false,"error":"Unknown Variable: sensor2"}`,
		want: Error{Kind: KindUnknownVariable, Code: "Unknown Variable: sensor2", ServerMessage: "Unknown Variable: sensor2"}},
	{name: "B variable not found (2016)", status: 404, body: `{"ok":false,"error":"Variable not found"}`,
		want: Error{Kind: KindUnknownVariable, Code: "Variable not found", ServerMessage: "Variable not found"}},
	{name: "B function not found", status: 404, body: `{"ok":false,"error":"Function MISSING not found"}`,
		want: Error{Kind: KindUnknownFunction, Code: "Function MISSING not found", ServerMessage: "Function MISSING not found"}},
	{name: "B customer exists (fake's suggestion)", status: 400, body: `{"ok":false,"error":"Customer already exists"}`,
		want: Error{Kind: KindCustomerExists, Code: "Customer already exists", ServerMessage: "Customer already exists"}},
	// Family C: permission, with the token echoed in info.
	{name: "C permission denied", status: 403, body: `{"error":"Permission Denied","info":"I didn't recognize that device name or ID, try opening https://api.particle.io/v1/devices?access_token=feedc0ffee0123456789abcdef0123456789abcd"}`,
		want: Error{Kind: KindPermissionDenied, Code: "Permission Denied", ServerMessage: "Permission Denied"}},
	{name: "C lower-case, unknown product", status: 403, body: `{"error":"Permission denied"}`,
		want: Error{Kind: KindPermissionDenied, Code: "Permission denied", ServerMessage: "Permission denied"}},
	// Family D: errors array.
	{name: "D belongs to someone else", status: 403, body: `{"errors":["That belongs to someone else."]}`,
		want: Error{Kind: KindClaimedBySomeoneElse, Code: "That belongs to someone else.", ServerMessage: "That belongs to someone else."}},
	{name: "D with ok:false", status: 403, body: `{"ok":false,"errors":["That belongs to someone else."]}`,
		want: Error{Kind: KindClaimedBySomeoneElse, Code: "That belongs to someone else.", ServerMessage: "That belongs to someone else."}},
	{name: "D device not found", status: 400, body: `{"ok":false,"errors":["device not found"]}`,
		want: Error{Kind: KindNotFound, Code: "device not found", ServerMessage: "device not found"}},
	{name: "D nested error objects", status: 400, body: `{"errors":[{"error":{"status":"Bad thing"}},"second"]}`,
		want: Error{Kind: KindBadRequest, Code: "Bad thing", ServerMessage: "Bad thing\nsecond"}},
	// Family E: diagnostics.
	{name: "E bad dates", status: 400, body: `{"error":"bad_request","description":"start_date and end_date must be ISO8601 formatted"}`,
		want: Error{Kind: KindBadRequest, Code: "bad_request", ServerMessage: "start_date and end_date must be ISO8601 formatted"}},
	// Family F: API users.
	{name: "F API user", status: 400, body: `{"error":"unauthorized","error_description":"API users are not allowed to call this endpoint"}`,
		want: Error{Kind: KindPermissionDenied, Code: "unauthorized", ServerMessage: "API users are not allowed to call this endpoint"}},
	// Not-found texts of the product routes.
	{name: "product device not found", status: 404, body: `{"ok":false,"error":"Device not found for this product"}`,
		want: Error{Kind: KindNotFound, Code: "Device not found for this product", ServerMessage: "Device not found for this product"}},
	// Plain text, HTML and empty bodies.
	{name: "plain text 502", status: 502, body: "Bad Gateway\nmore", want: Error{Kind: KindServerError, ServerMessage: "Bad Gateway"}},
	{name: "HTML 504 (not a device timeout)", status: 504, body: "<html><body>Gateway timed out</body></html>", want: Error{Kind: KindServerError}},
	{name: "plain text 504 timed out stays a server error", status: 504, body: "upstream timed out", want: Error{Kind: KindServerError, ServerMessage: "upstream timed out"}},
	{name: "empty 429 (load balancer)", status: 429, retryAfter: 2 * time.Second, want: Error{Kind: KindRateLimited, RetryAfter: 2 * time.Second}},
	{name: "529 (docs typo for 429)", status: 529, want: Error{Kind: KindRateLimited}},
	{name: "empty 401", status: 401, want: Error{Kind: KindUnauthorized}},
	{name: "empty 403", status: 403, want: Error{Kind: KindPermissionDenied}},
	{name: "empty 404", status: 404, want: Error{Kind: KindNotFound}},
	{name: "empty 408", status: 408, want: Error{Kind: KindDeviceOffline}},
	{name: "empty 500", status: 500, want: Error{Kind: KindServerError}},
	{name: "empty 409", status: 409, want: Error{Kind: KindBadRequest}},
	{name: "JSON array body", status: 400, body: `["x"]`, want: Error{Kind: KindBadRequest, ServerMessage: `["x"]`}},
	{name: "broken JSON", status: 500, body: `{"error":`, want: Error{Kind: KindServerError, ServerMessage: `{"error":`}},
}

func TestDecodeError(t *testing.T) {
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeError("get thing", tt.status, tt.retryAfter, []byte(tt.body))
			want := tt.want
			want.Op = "get thing"
			want.StatusCode = tt.status
			want.Body = maskTokens(tt.body)
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("decodeError (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrorTextIsSafe checks that the logged text holds no token, no
// secret-looking value from the body, and says what to do.
func TestErrorTextIsSafe(t *testing.T) {
	const tok = "feedc0ffee0123456789abcdef0123456789abcd"
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			e := decodeError("get device", tt.status, tt.retryAfter, []byte(tt.body))
			for _, s := range []string{e.Error(), e.ServerMessage, e.Body, e.Details()} {
				if strings.Contains(s, tok) {
					t.Errorf("token leaked into %q", s)
				}
			}
			if e.MFAToken != "" && strings.Contains(e.Error(), e.MFAToken) {
				t.Errorf("MFA token in Error(): %q", e.Error())
			}
			msg := e.Error()
			if !strings.HasPrefix(msg, "get device: ") || len(msg) < 40 {
				t.Errorf("Error() = %q, want the operation and a sentence", msg)
			}
			if tt.body != "" && strings.Contains(msg, tt.body) {
				t.Errorf("Error() repeats the raw body: %q", msg)
			}
		})
	}
}

func TestIsHelpers(t *testing.T) {
	helpers := map[string]func(error) bool{
		"IsUnauthorized": IsUnauthorized, "IsTokenExpired": IsTokenExpired, "IsBadCredentials": IsBadCredentials,
		"IsPermissionDenied": IsPermissionDenied, "IsNotFound": IsNotFound, "IsDeviceOffline": IsDeviceOffline,
		"IsUnknownVariable": IsUnknownVariable, "IsUnknownFunction": IsUnknownFunction, "IsRateLimited": IsRateLimited,
		"IsClaimedBySomeoneElse": IsClaimedBySomeoneElse, "IsCustomerExists": IsCustomerExists,
		"IsMFARequired": IsMFARequired, "IsServerError": IsServerError, "IsNetwork": IsNetwork,
	}
	tests := []struct {
		kind Kind
		want []string
	}{
		{KindUnauthorized, []string{"IsUnauthorized"}},
		{KindTokenExpired, []string{"IsTokenExpired", "IsUnauthorized"}},
		{KindBadCredentials, []string{"IsBadCredentials", "IsUnauthorized"}},
		{KindPermissionDenied, []string{"IsPermissionDenied"}},
		{KindNotFound, []string{"IsNotFound"}},
		{KindDeviceOffline, []string{"IsDeviceOffline"}},
		{KindUnknownVariable, []string{"IsUnknownVariable"}},
		{KindUnknownFunction, []string{"IsUnknownFunction"}},
		{KindRateLimited, []string{"IsRateLimited"}},
		{KindClaimedBySomeoneElse, []string{"IsClaimedBySomeoneElse"}},
		{KindCustomerExists, []string{"IsCustomerExists"}},
		{KindMFARequired, []string{"IsMFARequired"}},
		{KindServerError, []string{"IsServerError"}},
		{KindNetwork, []string{"IsNetwork"}},
		{KindBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			// Wrapped, as callers do, to prove errors.As is used.
			err := fmt.Errorf("step 4: %w", &Error{Op: "x", Kind: tt.kind})
			var got []string
			for name, is := range helpers {
				if is(err) {
					got = append(got, name)
				}
			}
			if diff := cmp.Diff(tt.want, got, cmpSortStrings); diff != "" {
				t.Errorf("helpers true (-want +got):\n%s", diff)
			}
		})
	}
	if IsNetwork(nil) || IsNotFound(errors.New("plain")) {
		t.Error("helpers must be false for nil and foreign errors")
	}
}

var cmpSortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
})

func TestMFATokenAndRetryAfter(t *testing.T) {
	mfa := fmt.Errorf("login: %w", decodeError("sign in", 403, 0, []byte(`{"error":"mfa_required","error_description":"Multi-factor authentication required","mfa_token":"m-1"}`)))
	if got := MFAToken(mfa); got != "m-1" {
		t.Errorf("MFAToken = %q, want m-1", got)
	}
	// An mfa_token on another kind of error is not offered.
	other := decodeError("sign in", 400, 0, []byte(`{"error":"invalid_grant","mfa_token":"m-2"}`))
	if got := MFAToken(other); got != "" {
		t.Errorf("MFAToken of a non-MFA error = %q, want empty", got)
	}
	rl := decodeError("list devices", 429, 7*time.Second, nil)
	if d, ok := RetryAfter(rl); !ok || d != 7*time.Second {
		t.Errorf("RetryAfter = %v, %v; want 7s, true", d, ok)
	}
	if !strings.Contains(rl.Error(), "7s") {
		t.Errorf("rate-limit text %q does not say how long to wait", rl.Error())
	}
	if _, ok := RetryAfter(errors.New("x")); ok {
		t.Error("RetryAfter of a foreign error reported a wait")
	}
}

func TestUnwrap(t *testing.T) {
	netErr := &net.OpError{Op: "dial", Err: errors.New("connection refused")}
	e := &Error{Op: "x", Kind: KindNetwork, Err: netErr}
	var op *net.OpError
	if !errors.As(e, &op) {
		t.Error("errors.As cannot reach the network error")
	}
	c := canceled("x", context.DeadlineExceeded)
	if !errors.Is(c, context.DeadlineExceeded) {
		t.Error("errors.Is cannot reach the context error")
	}
	if !strings.Contains(e.Details(), "connection refused") {
		t.Errorf("Details %q lacks the Go error", e.Details())
	}
}

// FuzzDecodeError checks that no answer makes the decoder panic, that the
// kind is always a known one, and that an echoed access token never reaches
// the logged text.
func FuzzDecodeError(f *testing.F) {
	for _, tt := range decodeCases {
		f.Add(tt.status, tt.body)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := decodeError("op", status, 0, []byte(body))
		if e.Kind < KindUnknown || int(e.Kind) >= len(kindNames) {
			t.Fatalf("unknown kind %d", e.Kind)
		}
		msg := e.Error()
		if strings.Contains(msg, "access_token=") && !strings.Contains(msg, "access_token=REDACTED") {
			t.Fatalf("token parameter in Error(): %q", msg)
		}
		if strings.Contains(strings.ToLower(e.ServerMessage), "access_token=") && !strings.Contains(e.ServerMessage, "REDACTED") {
			t.Fatalf("token parameter in ServerMessage: %q", e.ServerMessage)
		}
		if len(e.Body) > maxBodyInError*4 {
			t.Fatalf("Body not bounded: %d bytes", len(e.Body))
		}
	})
}

// TestMaskSecrets: secrets in a body or server text kept for the "Details"
// view are masked, whether echoed as a query parameter or as JSON fields
// (a token answer that could not be decoded, an MFA error's mfa_token, a
// created OAuth client's secret, a claim code), even when the 4 KiB limit
// cuts a value off.
func TestMaskSecrets(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"query token", `try https://api.particle.io/v1/devices?access_token=abc123&x=1`,
			`try https://api.particle.io/v1/devices?access_token=REDACTED&x=1`},
		{"token answer", `{"token_type":"bearer","access_token":"254406f7","expires_in":"soon","refresh_token":"b5b9","scope":"customer=a@b.c"}`,
			`{"token_type":"bearer","access_token":"REDACTED","expires_in":"soon","refresh_token":"REDACTED","scope":"customer=a@b.c"}`},
		{"MFA error", `{"error":"mfa_required","error_description":"Multi-factor authentication required","mfa_token":"eyJ.x.y"}`,
			`{"error":"mfa_required","error_description":"Multi-factor authentication required","mfa_token":"REDACTED"}`},
		{"client secret, spaces, escaped quote", `{"client": {"id":"a-1", "secret" : "61\"5c"}}`,
			`{"client": {"id":"a-1", "secret" : "REDACTED"}}`},
		{"claim code and password", `{"claim_code":"rCFr2+/x","password":"hunter2","CLIENT_SECRET":"s"}`,
			`{"claim_code":"REDACTED","password":"REDACTED","CLIENT_SECRET":"REDACTED"}`},
		{"value cut off by the size limit", `{"access_token":"254406f79c1999af`, `{"access_token":"REDACTED"`},
		{"form echo", `grant_type=password&username=u&password=hunter2&client_secret=s`,
			`grant_type=password&username=u&password=REDACTED&client_secret=REDACTED`},
		{"nothing secret", `{"ok":false,"error":"timed out"}`, `{"ok":false,"error":"timed out"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, maskTokens(tt.in)); diff != "" {
				t.Errorf("maskTokens (-want +got):\n%s", diff)
			}
		})
	}
	// The MFA error keeps the token for LoginOTP, but not in its body.
	e := decodeError("sign in", 403, 0, []byte(`{"error":"mfa_required","error_description":"Multi-factor authentication required","mfa_token":"eyJ.secret.mfa"}`))
	if e.MFAToken != "eyJ.secret.mfa" || strings.Contains(e.Body, "eyJ.secret.mfa") {
		t.Errorf("MFAToken %q, Body %q: want the token kept apart from the body", e.MFAToken, e.Body)
	}
}

// TestErrorDebugPrintingHidesSecrets: %#v of an error (a debugging print)
// shows neither the MFA token nor the raw body; %v and %+v are the
// plain-language text.
func TestErrorDebugPrintingHidesSecrets(t *testing.T) {
	e := &Error{Op: "sign in", Kind: KindMFARequired, StatusCode: 403, Code: "mfa_required",
		MFAToken: "eyJ.secret.mfa", Body: `{"mfa_token":"eyJ.secret.mfa"}`, Err: errors.New("inner")}
	for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
		for _, v := range []any{e, fmt.Errorf("wrapped: %w", e)} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "eyJ.secret.mfa") {
				t.Errorf("%s shows the MFA token: %s", verb, out)
			}
		}
	}
	got := fmt.Sprintf("%#v", e)
	for _, want := range []string{`Op:"sign in"`, "Kind:MFA required", "StatusCode:403", "MFAToken:(hidden)", `Err:"inner"`} {
		if !strings.Contains(got, want) {
			t.Errorf("%%#v = %s, lacks %s", got, want)
		}
	}
}

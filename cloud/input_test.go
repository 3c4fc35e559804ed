package cloud_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
)

var deviceIDCases = []struct {
	in, want string
	ok       bool
}{
	{"0123456789abcdef01234567", "0123456789abcdef01234567", true},
	{"0123456789ABCDEF01234567", "0123456789abcdef01234567", true},
	{"  0123456789AbCdEf01234567\n", "0123456789abcdef01234567", true},
	{"0123456789abcdef0123456", "", false},
	{"0123456789abcdef012345678", "", false},
	{"0123456789abcdefg1234567", "", false},
	{"", "", false},
	{"my-photon", "", false},
	{"0123456789abcdef 1234567", "", false},
}

func TestNormalizeDeviceID(t *testing.T) {
	for _, tt := range deviceIDCases {
		t.Run(tt.in, func(t *testing.T) {
			got, err := cloud.NormalizeDeviceID(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("NormalizeDeviceID(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "24 characters") {
				t.Errorf("error %q does not say what a device ID looks like", err)
			}
			if cloud.IsDeviceID(tt.in) != tt.ok {
				t.Errorf("IsDeviceID(%q) != %v", tt.in, tt.ok)
			}
		})
	}
}

func FuzzNormalizeDeviceID(f *testing.F) {
	for _, tt := range deviceIDCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := cloud.NormalizeDeviceID(in)
		if err != nil {
			return
		}
		if len(got) != 24 || strings.ToLower(got) != got || strings.Trim(got, "0123456789abcdef") != "" {
			t.Fatalf("NormalizeDeviceID(%q) = %q, not 24 lower-case hex", in, got)
		}
		if again, err := cloud.NormalizeDeviceID(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

var baseURLCases = []struct {
	url string
	ok  bool
}{
	{"https://api.particle.io", true},
	{"https://api.particle.io/", true},
	{"https://proxy.factory.example:8443/particle", true},
	{"http://127.0.0.1:41234", true},
	{"http://127.5.6.7", true},
	{"http://localhost:8080", true},
	{"http://[::1]:9000", true},
	{"http://api.particle.io", false},
	{"http://192.168.0.1", false},
	{"http://localhost.evil.example", false},
	{"http://127.0.0.1.nip.io", false},
	{"ftp://api.particle.io", false},
	{"api.particle.io", false},
	{"https://", false},
	{"https://user:pass@api.particle.io", false},
	{"user:pass@api.particle.io", false},
	{"https://us er:pass@api.particle.io/", false},
	{"http://a b:pass@127.0.0.1", false},
	{"https://api.particle.io/?access_token=x", false},
	{"", false},
	{"://bad", false},
}

func TestCheckBaseURL(t *testing.T) {
	for _, tt := range baseURLCases {
		t.Run(tt.url, func(t *testing.T) {
			err := cloud.CheckBaseURL(tt.url)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckBaseURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "pass") {
				t.Errorf("error repeats user info: %v", err)
			}
		})
	}
}

func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func FuzzCheckBaseURL(f *testing.F) {
	for _, tt := range baseURLCases {
		f.Add(tt.url)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if cloud.CheckBaseURL(raw) != nil {
			return
		}
		// Whatever passes is https, or http to a loopback host, and
		// carries no user name, query or fragment.
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", raw, err)
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && (strings.EqualFold(u.Hostname(), "localhost") || strings.HasSuffix(strings.ToLower(u.Hostname()), ".localhost") || isLoopbackIP(u.Hostname())):
		default:
			t.Fatalf("accepted %q (scheme %q, host %q)", raw, u.Scheme, u.Hostname())
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q with user info, query or fragment", raw)
		}
	})
}

// TestRefusedBeforeSending: an insecure base URL or a bad device ID never
// reaches the network; the error says what to fix.
func TestRefusedBeforeSending(t *testing.T) {
	s := newCannedServer(t)
	tests := []struct {
		name string
		base string
		call func(context.Context, *cloud.Client) (any, error)
		is   func(error) bool
	}{
		{"plain http to a LAN host", "http://192.0.2.1", func(ctx context.Context, c *cloud.Client) (any, error) { return c.ProductToken(ctx, testClient, 0) }, nil},
		{"bad ID on a product route", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.GetDevice(ctx, cloud.ProductDevice("1234", "bench-photon"))
		}, nil},
		{"bad ID to claim", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) { return c.ClaimDevice(ctx, "xyz", false) }, nil},
		{"bad ID to import", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) { return c.ImportDevice(ctx, "1234", "12345") }, nil},
		{"bad ID for vitals", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.LastVitals(ctx, cloud.UserDevice("name"))
		}, nil},
		{"empty product", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) { return c.GetProduct(ctx, " ") }, nil},
		{"empty customer", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.CreateShadowCustomer(ctx, "1234", testClient, "")
		}, nil},
		{"no IDs to import", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.ImportDevices(ctx, "1234", []string{" "}, cloud.ImportOptions{})
		}, nil},
		{"no client secret", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.ProductToken(ctx, cloud.ClientCredentials{ID: "x"}, 0)
		}, cloud.IsBadCredentials},
		{"no token", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) { return c.WithToken("").ListDevices(ctx) }, cloud.IsUnauthorized},
		{"empty event name", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) {
			return nil, c.Publish(ctx, cloud.PublishRequest{})
		}, nil},
		{"empty login", s.URL, func(ctx context.Context, c *cloud.Client) (any, error) { return c.Login(ctx, "", "", 0) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(s, cloud.NewFakeClock())
			c.BaseURL = tt.base
			_, err := tt.call(t.Context(), c)
			var e *cloud.Error
			if !asCloudError(err, &e) {
				t.Fatalf("err = %v, want a *cloud.Error", err)
			}
			if tt.is != nil && !tt.is(err) {
				t.Errorf("err %v has the wrong kind %v", err, e.Kind)
			}
			if tt.is == nil && e.Kind != cloud.KindInvalidInput {
				t.Errorf("kind = %v, want invalid input", e.Kind)
			}
		})
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

func asCloudError(err error, e **cloud.Error) bool {
	if err == nil {
		return false
	}
	x, ok := err.(*cloud.Error)
	*e = x
	return ok
}

func TestZeroClientUsesParticle(t *testing.T) {
	// The zero client aims at https://api.particle.io; a recording transport
	// shows the URL without any network.
	rec := &recordingTransport{}
	c := &cloud.Client{Transport: rec, Token: testToken}
	_, _ = c.ListDevices(t.Context())
	if got := rec.urls(); len(got) != 1 || got[0] != "https://api.particle.io/v1/devices" {
		t.Errorf("zero client requested %v", got)
	}
}

// TestSecretsHiddenFromPrinting: values that carry secrets print without them.
func TestSecretsHiddenFromPrinting(t *testing.T) {
	exp := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	values := []any{
		testClient,
		cloud.Token{AccessToken: testToken, RefreshToken: "refresh-" + testSecret, Scope: "customer=a@b.c", ExpiresAt: exp},
		cloud.ClaimCode{Code: "rCFr2KAJNgzJ2rR3Jm1ZoUd7G4Sr3ak7MRHdWrM274eYzInP1+psZ0fP2qNehlj", ExpiresAt: exp},
		cloud.OAuthClient{ID: "station-1", Name: "Station", Type: "installed", Secret: testSecret},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			out := fmt.Sprintf(verb, v)
			for _, secret := range []string{testToken, testSecret, "rCFr2KAJNgzJ2rR3Jm1ZoUd7G4Sr3ak7MRHdWrM274eYzInP1+psZ0fP2qNehlj"} {
				if strings.Contains(out, secret) {
					t.Errorf("%s of %T shows a secret: %s", verb, v, out)
				}
			}
		}
	}
}

func TestTokenHelpers(t *testing.T) {
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	tok := cloud.Token{Scope: "customer=a@b.c", ExpiresAt: now.Add(time.Hour)}
	if tok.Customer() != "a@b.c" {
		t.Errorf("Customer() = %q", tok.Customer())
	}
	if tok.Expired(now, time.Minute) || !tok.Expired(now, time.Hour) {
		t.Error("Expired does not respect the margin")
	}
	if (cloud.Token{}).Expired(now.Add(1000*time.Hour), 0) {
		t.Error("a never-expiring token expired")
	}
	cc := cloud.ClaimCode{Code: "x", ExpiresAt: now.Add(time.Hour)}
	if cc.Stale(now, 5*time.Minute) || !cc.Stale(now.Add(56*time.Minute), 5*time.Minute) {
		t.Error("Stale does not respect the margin")
	}
}

func TestImportOutcome(t *testing.T) {
	r := cloud.ImportResult{Updated: 1, UpdatedDeviceIDs: []string{"aaaaaaaaaaaaaaaaaaaaaaaa"}, ExistingDeviceIDs: []string{"bbbbbbbbbbbbbbbbbbbbbbbb"},
		NonmemberDeviceIDs: []string{"cccccccccccccccccccccccc"}, InvalidDeviceIDs: []string{"dddddddddddddddddddddddd"}}
	tests := []struct {
		id   string
		in   bool
		word string
	}{
		{"AAAAAAAAAAAAAAAAAAAAAAAA", true, "added"},
		{"bbbbbbbbbbbbbbbbbbbbbbbb", true, "already"},
		{"cccccccccccccccccccccccc", false, "unclaim"},
		{"dddddddddddddddddddddddd", false, "another product"},
		{"eeeeeeeeeeeeeeeeeeeeeeee", false, "not reported"},
	}
	for _, tt := range tests {
		in, msg := r.Outcome(tt.id)
		if in != tt.in || !strings.Contains(msg, tt.word) {
			t.Errorf("Outcome(%s) = %v, %q; want %v and %q", tt.id, in, msg, tt.in, tt.word)
		}
	}
	old := cloud.ImportResult{Updated: 1}
	if in, _ := old.Outcome("aaaaaaaaaaaaaaaaaaaaaaaa"); !in {
		t.Error("an older count-only answer was not taken as added")
	}
}

func TestEnsureCustomer(t *testing.T) {
	clk := cloud.NewFakeClock()
	t.Run("new customer", func(t *testing.T) {
		s := newCannedServer(t, replay{body: `{"token_type":"bearer","access_token":"new","expires_in":7776000,"scope":"customer=c@x.com"}`})
		tok, created, err := newClient(s, clk).EnsureCustomer(t.Context(), "1234", testClient, "c@x.com", 0)
		if err != nil || !created || tok.AccessToken != "new" {
			t.Fatalf("EnsureCustomer = %v, %v, %v", tok, created, err)
		}
	})
	t.Run("existing customer", func(t *testing.T) {
		s := newCannedServer(t, replay{status: 400, body: `{"ok":false,"error":"Customer already exists"}`},
			replay{body: `{"token_type":"bearer","access_token":"existing","expires_in":7776000,"scope":"customer=c@x.com"}`})
		tok, created, err := newClient(s, clk).EnsureCustomer(t.Context(), "1234", testClient, "C@x.com", time.Hour)
		if err != nil || created || tok.AccessToken != "existing" {
			t.Fatalf("EnsureCustomer = %v, %v, %v", tok, created, err)
		}
		reqs := s.requests()
		want := []captured{
			{Method: "POST", Path: "/v1/products/1234/customers", Auth: basic(testClient.ID, testSecret), Accept: "application/json",
				Type: "application/x-www-form-urlencoded", Body: form("email", "c@x.com", "no_password", "true")},
			{Method: "POST", Path: "/oauth/token", Auth: basic(testClient.ID, testSecret), Accept: "application/json",
				Type: "application/x-www-form-urlencoded", Body: form("expires_in", "3600", "grant_type", "client_credentials", "scope", "customer=c@x.com")},
		}
		if diff := cmp.Diff(want, reqs); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
	t.Run("other failure", func(t *testing.T) {
		s := newCannedServer(t, replay{status: 400, body: `{"error":"invalid_client","error_description":"Client credentials are invalid"}`})
		_, _, err := newClient(s, clk).EnsureCustomer(t.Context(), "1234", testClient, "c@x.com", 0)
		if !cloud.IsBadCredentials(err) || len(s.requests()) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(s.requests()))
		}
	})
}

func TestProductDevicesIterator(t *testing.T) {
	s := newCannedServer(t,
		replay{body: `{"devices":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaa"},{"id":"bbbbbbbbbbbbbbbbbbbbbbbb"}],"meta":{"total_pages":3}}`},
		replay{body: `{"devices":[{"id":"cccccccccccccccccccccccc"},{"id":"dddddddddddddddddddddddd"}],"meta":{"total_pages":3}}`},
		replay{body: `{"devices":[{"id":"eeeeeeeeeeeeeeeeeeeeeeee"}],"meta":{"total_pages":3}}`},
	)
	c := newClient(s, cloud.NewFakeClock())
	var got []string
	for d, err := range c.ProductDevices(t.Context(), "1234", cloud.DeviceQuery{PerPage: 2, Groups: []string{"tray7"}}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.ID[:1])
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, got); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
	var pages []string
	for _, r := range s.requests() {
		pages = append(pages, r.Query.Get("page")+"/"+r.Query.Get("perPage")+"/"+r.Query.Get("groups"))
	}
	if diff := cmp.Diff([]string{"1/2/tray7", "2/2/tray7", "3/2/tray7"}, pages); diff != "" {
		t.Errorf("pages requested (-want +got):\n%s", diff)
	}

	// Stopping early asks for no more pages; an error ends the iteration.
	s2 := newCannedServer(t, replay{body: `{"devices":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaa"},{"id":"bbbbbbbbbbbbbbbbbbbbbbbb"}],"meta":{"total_pages":9}}`}, replay{status: 403, body: `{"error":"Permission Denied"}`})
	c2 := newClient(s2, cloud.NewFakeClock())
	for range c2.ProductDevices(t.Context(), "1234", cloud.DeviceQuery{}) {
		break
	}
	if n := len(s2.requests()); n != 1 {
		t.Errorf("early stop made %d requests", n)
	}
	var errs []error
	n := 0
	for _, err := range c2.ProductDevices(t.Context(), "1234", cloud.DeviceQuery{}) {
		if err != nil {
			errs = append(errs, err)
		}
		n++
	}
	if len(errs) != 1 || !cloud.IsPermissionDenied(errs[0]) || n != 1 {
		t.Errorf("got %d items and errors %v, want one permission error", n, errs)
	}
}

// TestPastedSecretNotEchoed: a token or claim code pasted into a device ID
// or name field is refused without repeating it in the error.
func TestPastedSecretNotEchoed(t *testing.T) {
	const claimCode = "rCFr2KAJNgzJ2rR3Jm1ZoUd7G4Sr3ak7MRHdWrM274eYzInP1+psZ0fP2qNehlj"
	s := newCannedServer(t, replay{status: 404, body: `{"ok":false,"error":"Variable not found"}`})
	c := newClient(s, cloud.NewFakeClock())
	var errs []error
	_, err := cloud.NormalizeDeviceID(testToken)
	errs = append(errs, err)
	_, err = c.ClaimDevice(t.Context(), claimCode, false)
	errs = append(errs, err)
	_, err = c.GetVariable(t.Context(), cloud.ProductDevice("1234", testToken), "v")
	errs = append(errs, err)
	_, err = c.GetVariable(t.Context(), cloud.UserDevice(testSecret), claimCode)
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("a pasted secret was accepted")
		}
		for _, secret := range []string{testToken, testSecret, claimCode} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error echoes a secret: %v", err)
			}
		}
	}
}

func TestVariableTypedResult(t *testing.T) {
	tests := []struct {
		raw       string
		float     float64
		floatOK   bool
		integer   int64
		intOK     bool
		boolean   bool
		boolOK    bool
		text      string
		wantValue any
	}{
		{raw: `7`, float: 7, floatOK: true, integer: 7, intOK: true, text: "7", wantValue: float64(7)},
		{raw: `90.7249984741211`, float: 90.7249984741211, floatOK: true, text: "90.7249984741211", wantValue: 90.7249984741211},
		{raw: `"bench"`, text: "bench", wantValue: "bench"},
		{raw: `true`, boolean: true, boolOK: true, text: "true", wantValue: true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v := cloud.Variable{Name: "v", Result: []byte(tt.raw)}
			f, err := v.Float()
			if (err == nil) != tt.floatOK || f != tt.float {
				t.Errorf("Float = %v, %v", f, err)
			}
			n, err := v.Int()
			if (err == nil) != tt.intOK || n != tt.integer {
				t.Errorf("Int = %v, %v", n, err)
			}
			b, err := v.Bool()
			if (err == nil) != tt.boolOK || b != tt.boolean {
				t.Errorf("Bool = %v, %v", b, err)
			}
			if v.Text() != tt.text {
				t.Errorf("Text = %q", v.Text())
			}
			if diff := cmp.Diff(tt.wantValue, v.Value()); diff != "" {
				t.Errorf("Value (-want +got):\n%s", diff)
			}
		})
	}
}

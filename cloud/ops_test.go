package cloud_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/internal/clock"
)

const (
	testToken  = "feedc0ffee0123456789abcdef0123456789abcd"
	testSecret = "5ec2e7000000111122223333444455556666aaaa"
	devUpper   = "0123456789ABCDEF01234567"
	devLower   = "0123456789abcdef01234567"
)

var testClient = cloud.ClientCredentials{ID: "station-1234", Secret: testSecret}

// captured is the part of a request the tests assert on.
type captured struct {
	Method string
	Path   string // escaped
	Query  url.Values
	Auth   string
	Accept string
	Type   string // media type of the body
	Body   any    // JSON object, form fields, or multipart fields (file as "file:<name>")
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

const bearer = "Bearer " + testToken

// capture reads what the tests assert on from a request.
func capture(t testing.TB, r *http.Request) captured {
	t.Helper()
	c := captured{Method: r.Method, Path: r.URL.EscapedPath(), Auth: r.Header.Get("Authorization"), Accept: r.Header.Get("Accept")}
	if q := r.URL.Query(); len(q) > 0 {
		c.Query = q
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading body: %v", err)
	}
	if len(body) == 0 {
		return c
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	c.Type = mt
	switch mt {
	case "application/json":
		var m any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("body is not JSON: %q", body)
		}
		c.Body = m
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("body is not a form: %q", body)
		}
		c.Body = v
	case "multipart/form-data":
		mr := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
		m := map[string]string{}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			key := p.FormName()
			if p.FileName() != "" {
				key = "file:" + p.FileName()
			}
			m[key] = string(b)
		}
		c.Body = m
	default:
		c.Body = string(body)
	}
	return c
}

// replay is a canned answer.
type replay struct {
	status int
	body   string
	ctype  string
	header map[string]string
}

// cannedServer answers every request with the next canned reply and records
// what it got.
type cannedServer struct {
	*httptest.Server
	t       testing.TB
	mu      sync.Mutex
	replies []replay
	got     []captured
}

func newCannedServer(t testing.TB, replies ...replay) *cannedServer {
	s := &cannedServer{t: t, replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, capture(t, r))
		rep := replay{status: 200, body: "{}"}
		if len(s.replies) > 0 {
			rep = s.replies[0]
			if len(s.replies) > 1 {
				s.replies = s.replies[1:]
			}
		}
		s.mu.Unlock()
		ct := rep.ctype
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if rep.status == 0 {
			rep.status = 200
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *cannedServer) requests() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func newClient(s *cannedServer, clk clock.Clock) *cloud.Client {
	return &cloud.Client{BaseURL: s.URL, Token: testToken, Transport: s.Client().Transport, Clock: clk, Retry: cloud.RetryPolicy{MaxAttempts: 1}}
}

func jsonBody(s string) any {
	var m any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func boolp(b bool) *bool { return &b }

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

const tokenJSON = `{"token_type":"bearer","access_token":"254406f79c1999af65a7df4388971354f85cfee9","expires_in":7776000,"refresh_token":"b5b901e8760164e134199bc2c3dd1d228acf2d90"}`

// TestOperations checks, for every operation, the request on the wire
// (method, path, query, encoding, auth) and the decoded result.
func TestOperations(t *testing.T) {
	clk := cloud.NewFakeClock()
	now := clk.Now()
	const json_ = "application/json"
	const form_ = "application/x-www-form-urlencoded"
	tests := []struct {
		name    string
		enc     cloud.Encoding
		call    func(context.Context, *cloud.Client) (any, error)
		reply   replay
		want    captured
		wantRes any
	}{
		{
			name:  "product token, server default lifetime",
			call:  func(ctx context.Context, c *cloud.Client) (any, error) { return c.ProductToken(ctx, testClient, 0) },
			reply: replay{body: tokenJSON},
			want:  captured{Method: "POST", Path: "/oauth/token", Auth: basic(testClient.ID, testSecret), Type: form_, Body: form("grant_type", "client_credentials")},
			wantRes: cloud.Token{AccessToken: "254406f79c1999af65a7df4388971354f85cfee9", TokenType: "bearer", RefreshToken: "b5b901e8760164e134199bc2c3dd1d228acf2d90",
				ExpiresIn: 7776000 * time.Second, ExpiresAt: now.Add(7776000 * time.Second)},
		},
		{
			name: "product token that never expires (expires_in=0, no refresh token)",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.ProductToken(ctx, testClient, cloud.NeverExpires)
			},
			reply:   replay{body: `{"token_type":"bearer","access_token":"aaaa","expires_in":0}`},
			want:    captured{Method: "POST", Path: "/oauth/token", Auth: basic(testClient.ID, testSecret), Type: form_, Body: form("expires_in", "0", "grant_type", "client_credentials")},
			wantRes: cloud.Token{AccessToken: "aaaa", TokenType: "bearer"},
		},
		{
			name: "product token for one hour, JSON encoding still sends a form",
			enc:  cloud.EncodeJSON,
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.ProductToken(ctx, testClient, time.Hour)
			},
			reply:   replay{body: `{"token_type":"bearer","access_token":"bbbb","expires_in":3600,"refresh_token":"r"}`},
			want:    captured{Method: "POST", Path: "/oauth/token", Auth: basic(testClient.ID, testSecret), Type: form_, Body: form("expires_in", "3600", "grant_type", "client_credentials")},
			wantRes: cloud.Token{AccessToken: "bbbb", TokenType: "bearer", RefreshToken: "r", ExpiresIn: time.Hour, ExpiresAt: now.Add(time.Hour)},
		},
		{
			name: "customer token for an existing customer",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CustomerToken(ctx, testClient, "Customer5@MyCompany.com", 0)
			},
			reply: replay{body: `{"token_type":"bearer","access_token":"59993d84","expires_in":7776000,"refresh_token":"290f","scope":"customer=customer5@mycompany.com"}`},
			want: captured{Method: "POST", Path: "/oauth/token", Auth: basic(testClient.ID, testSecret), Type: form_,
				Body: form("grant_type", "client_credentials", "scope", "customer=customer5@mycompany.com")},
			wantRes: cloud.Token{AccessToken: "59993d84", TokenType: "bearer", RefreshToken: "290f", Scope: "customer=customer5@mycompany.com",
				ExpiresIn: 7776000 * time.Second, ExpiresAt: now.Add(7776000 * time.Second)},
		},
		{
			name: "user login with the password grant",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.Login(ctx, " sup@example.com ", "pa ss", 0)
			},
			reply: replay{body: tokenJSON},
			want: captured{Method: "POST", Path: "/oauth/token", Auth: basic("particle", "particle"), Type: form_,
				Body: form("grant_type", "password", "password", "pa ss", "username", "sup@example.com")},
			wantRes: cloud.Token{AccessToken: "254406f79c1999af65a7df4388971354f85cfee9", TokenType: "bearer", RefreshToken: "b5b901e8760164e134199bc2c3dd1d228acf2d90",
				ExpiresIn: 7776000 * time.Second, ExpiresAt: now.Add(7776000 * time.Second)},
		},
		{
			name:  "MFA second step",
			call:  func(ctx context.Context, c *cloud.Client) (any, error) { return c.LoginOTP(ctx, "mfa-xyz", " 123456 ") },
			reply: replay{body: `{"token_type":"bearer","access_token":"cccc","expires_in":"60"}`},
			want: captured{Method: "POST", Path: "/oauth/token", Auth: basic("particle", "particle"), Type: form_,
				Body: form("grant_type", "urn:custom:mfa-otp", "mfa_token", "mfa-xyz", "otp", "123456")},
			wantRes: cloud.Token{AccessToken: "cccc", TokenType: "bearer", ExpiresIn: time.Minute, ExpiresAt: now.Add(time.Minute)},
		},
		{
			name:    "current token (docs shape with client)",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.CurrentToken(ctx) },
			reply:   replay{body: `{"expires_at":"2014-04-27T06:31:08.991Z","client":"particle","scopes":[],"orgs":[]}`},
			want:    captured{Method: "GET", Path: "/v1/access_tokens/current", Auth: bearer},
			wantRes: cloud.TokenInfo{ExpiresAt: mustTime("2014-04-27T06:31:08.991Z"), Client: "particle", Scopes: []string{}, Orgs: []cloud.Organization{}},
		},
		{
			name:    "current token (api-js shape with client_id, never expires)",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.CurrentToken(ctx) },
			reply:   replay{body: `{"expires_at":null,"client_id":"station-1234","scopes":["x"],"orgs":[{"id":"o1","slug":"acme"}]}`},
			want:    captured{Method: "GET", Path: "/v1/access_tokens/current", Auth: bearer},
			wantRes: cloud.TokenInfo{Client: "station-1234", Scopes: []string{"x"}, Orgs: []cloud.Organization{{ID: "o1", Slug: "acme"}}},
		},
		{
			name:    "revoke the current token",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return nil, c.RevokeCurrentToken(ctx) },
			reply:   replay{body: `{"ok":true}`},
			want:    captured{Method: "DELETE", Path: "/v1/access_tokens/current", Auth: bearer},
			wantRes: nil,
		},
		{
			name:  "list devices (2016 shape: connected, null name)",
			call:  func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListDevices(ctx) },
			reply: replay{body: `[{"id":"0123456789ABCDEF01234567","name":null,"last_app":null,"last_ip_address":"0.0.0.0","last_heard":"2016-08-21T05:30:06.221Z","product_id":6,"connected":true,"platform_id":6,"cellular":false,"status":"normal"},{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","name":"b","online":false,"last_heard":null,"functions":[],"variables":{"power":"int32","temperature":"double"}}]`},
			want:  captured{Method: "GET", Path: "/v1/devices", Auth: bearer},
			wantRes: []cloud.Device{
				{ID: devLower, LastIPAddress: "0.0.0.0", LastHeard: mustTime("2016-08-21T05:30:06.221Z"), ProductID: 6, Connected: true, Online: true, PlatformID: 6, Status: "normal"},
				{ID: "aaaaaaaaaaaaaaaaaaaaaaaa", Name: "b", Functions: []string{}, Variables: map[string]string{"power": "int32", "temperature": "double"}},
			},
		},
		{
			name: "get device by name on the user route",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.GetDevice(ctx, cloud.UserDevice("bench photon/2"))
			},
			reply:   replay{body: `{"id":"0123456789abcdef01234567","name":"bench photon/2","online":true,"notes":null,"system_firmware_version":"1.5.2"}`},
			want:    captured{Method: "GET", Path: "/v1/devices/bench%20photon%2F2", Auth: bearer},
			wantRes: cloud.Device{ID: devLower, Name: "bench photon/2", Online: true, SystemFirmwareVersion: "1.5.2"},
		},
		{
			name: "get product device (ID lower-cased)",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.GetDevice(ctx, cloud.ProductDevice("1234", devUpper))
			},
			reply:   replay{body: `{"id":"0123456789abcdef01234567","product_id":1234,"online":false,"groups":["a"],"firmware_version":3,"desired_firmware_version":null,"development":true,"quarantined":false,"denied":false,"owner":"c@x.com"}`},
			want:    captured{Method: "GET", Path: "/v1/products/1234/devices/" + devLower, Auth: bearer},
			wantRes: cloud.Device{ID: devLower, ProductID: 1234, Groups: []string{"a"}, FirmwareVersion: 3, Development: true, Owner: "c@x.com"},
		},
		{
			name: "get variable (current docs shape)",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.GetVariable(ctx, cloud.UserDevice(devUpper), "temperature")
			},
			reply: replay{body: `{"name":"temperature","result":46.5,"coreInfo":{"name":"weatherman","deviceID":"0123456789abcdef01234567","connected":true,"last_handshake_at":"2015-07-17T22:28:40.907Z"}}`},
			want:  captured{Method: "GET", Path: "/v1/devices/" + devLower + "/temperature", Auth: bearer},
			wantRes: cloud.Variable{Name: "temperature", Result: json.RawMessage(`46.5`),
				CoreInfo: cloud.CoreInfo{Name: "weatherman", DeviceID: devLower, Connected: true, LastHandshakeAt: mustTime("2015-07-17T22:28:40.907Z")}},
		},
		{
			name: "get variable on the product route (2016 shape)",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.GetVariable(ctx, cloud.ProductDevice("my-product", devLower), "power")
			},
			reply: replay{body: `{"cmd":"VarReturn","name":"power","result":0,"coreInfo":{"last_app":"","last_heard":"2016-08-22T21:03:41.643Z","connected":true,"deviceID":"0123456789abcdef01234567","product_id":6}}`},
			want:  captured{Method: "GET", Path: "/v1/products/my-product/devices/" + devLower + "/power", Auth: bearer},
			wantRes: cloud.Variable{Name: "power", Result: json.RawMessage(`0`),
				CoreInfo: cloud.CoreInfo{DeviceID: devLower, Connected: true, LastHeard: mustTime("2016-08-22T21:03:41.643Z"), ProductID: 6}},
		},
		{
			name: "get variable raw",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.GetVariableRaw(ctx, cloud.UserDevice(devLower), "temp")
			},
			reply:   replay{body: `46`, ctype: "text/plain"},
			want:    captured{Method: "GET", Path: "/v1/devices/" + devLower + "/temp", Query: form("format", "raw"), Auth: bearer, Accept: "*/*"},
			wantRes: "46",
		},
		{
			name: "call function, JSON arg",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CallFunction(ctx, cloud.UserDevice(devUpper), "led", "255,255,0")
			},
			reply:   replay{body: `{"id":"0123456789abcdef01234567","name":"gongbot","connected":true,"return_value":1}`},
			want:    captured{Method: "POST", Path: "/v1/devices/" + devLower + "/led", Auth: bearer, Type: json_, Body: jsonBody(`{"arg":"255,255,0"}`)},
			wantRes: cloud.FunctionResult{ID: devLower, Name: "gongbot", Connected: true, ReturnValue: 1},
		},
		{
			name: "call function, form arg, product route, negative result",
			enc:  cloud.EncodeForm,
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CallFunction(ctx, cloud.ProductDevice("1234", devLower), "led", "a&b=c")
			},
			reply:   replay{body: `{"id":"0123456789abcdef01234567","connected":true,"return_value":-1}`},
			want:    captured{Method: "POST", Path: "/v1/products/1234/devices/" + devLower + "/led", Auth: bearer, Type: form_, Body: form("arg", "a&b=c")},
			wantRes: cloud.FunctionResult{ID: devLower, Connected: true, ReturnValue: -1},
		},
		{
			name: "rename, JSON",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.RenameDevice(ctx, cloud.UserDevice(devLower), "phancy_photon")
			},
			reply:   replay{body: `{"id":"0123456789abcdef01234567","name":"phancy_photon","updated_at":"2017-03-10T20:21:49.059Z"}`},
			want:    captured{Method: "PUT", Path: "/v1/devices/" + devLower, Auth: bearer, Type: json_, Body: jsonBody(`{"name":"phancy_photon"}`)},
			wantRes: cloud.DeviceUpdate{ID: devLower, Name: "phancy_photon", UpdatedAt: mustTime("2017-03-10T20:21:49.059Z")},
		},
		{
			name: "rename, form, product route",
			enc:  cloud.EncodeForm,
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.RenameDevice(ctx, cloud.ProductDevice("1234", devLower), "bench-7")
			},
			reply:   replay{body: `{"id":"0123456789abcdef01234567","name":"bench-7"}`},
			want:    captured{Method: "PUT", Path: "/v1/products/1234/devices/" + devLower, Auth: bearer, Type: form_, Body: form("name", "bench-7")},
			wantRes: cloud.DeviceUpdate{ID: devLower, Name: "bench-7"},
		},
		{
			name: "set notes",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.SetNotes(ctx, cloud.UserDevice(devLower), "the note added")
			},
			reply:   replay{body: `{"id":"0123456789abcdef01234567","notes":"the note added","updated_at":"2017-03-10T20:21:49.059Z"}`},
			want:    captured{Method: "PUT", Path: "/v1/devices/" + devLower, Auth: bearer, Type: json_, Body: jsonBody(`{"notes":"the note added"}`)},
			wantRes: cloud.DeviceUpdate{ID: devLower, Notes: "the note added", UpdatedAt: mustTime("2017-03-10T20:21:49.059Z")},
		},
		{
			name: "ping",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.Ping(ctx, cloud.UserDevice(devLower))
			},
			reply:   replay{body: `{"online":true,"ok":true}`},
			want:    captured{Method: "PUT", Path: "/v1/devices/" + devLower + "/ping", Auth: bearer},
			wantRes: true,
		},
		{
			name: "ping on the product route, offline",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.Ping(ctx, cloud.ProductDevice("1234", devLower))
			},
			reply:   replay{body: `{"online":false,"ok":true}`},
			want:    captured{Method: "PUT", Path: "/v1/products/1234/devices/" + devLower + "/ping", Auth: bearer},
			wantRes: false,
		},
		{
			name:    "claim",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.ClaimDevice(ctx, devUpper, false) },
			reply:   replay{body: `{"ok":true,"deviceID":"0123456789abcdef01234567","claimed":true}`},
			want:    captured{Method: "POST", Path: "/v1/devices", Auth: bearer, Type: json_, Body: jsonBody(`{"id":"` + devLower + `"}`)},
			wantRes: cloud.ClaimResult{DeviceID: devLower, Claimed: true},
		},
		{
			name:    "claim with request transfer, form",
			enc:     cloud.EncodeForm,
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.ClaimDevice(ctx, devLower, true) },
			reply:   replay{body: `{"ok":true,"claimed":false}`},
			want:    captured{Method: "POST", Path: "/v1/devices", Auth: bearer, Type: form_, Body: form("id", devLower, "request_transfer", "true")},
			wantRes: cloud.ClaimResult{DeviceID: devLower, TransferRequested: true},
		},
		{
			name: "unclaim on the user route",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return nil, c.UnclaimDevice(ctx, cloud.UserDevice(devLower))
			},
			reply: replay{body: `{"ok":true}`},
			want:  captured{Method: "DELETE", Path: "/v1/devices/" + devLower, Auth: bearer},
		},
		{
			name: "unclaim on the product route (owner), 204",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return nil, c.UnclaimDevice(ctx, cloud.ProductDevice("1234", devLower))
			},
			reply: replay{status: 204, body: ``},
			want:  captured{Method: "DELETE", Path: "/v1/products/1234/devices/" + devLower + "/owner", Auth: bearer},
		},
		{
			name: "remove from product, 204",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return nil, c.RemoveFromProduct(ctx, "1234", devUpper, false)
			},
			reply: replay{status: 204},
			want:  captured{Method: "DELETE", Path: "/v1/products/1234/devices/" + devLower, Auth: bearer},
		},
		{
			name: "deny a quarantined device",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return nil, c.RemoveFromProduct(ctx, "1234", devLower, true)
			},
			reply: replay{status: 204},
			want:  captured{Method: "DELETE", Path: "/v1/products/1234/devices/" + devLower, Auth: bearer, Type: json_, Body: jsonBody(`{"deny":true}`)},
		},
		{
			name:  "list products",
			call:  func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListProducts(ctx) },
			reply: replay{body: `{"products":[{"id":1234,"platform_id":6,"name":"Bench","slug":"bench-v1","description":null,"groups":["a"],"settings":{"quarantine":true},"org":{"id":"o1","slug":"acme"},"device_count":3}]}`},
			want:  captured{Method: "GET", Path: "/v1/user/products", Auth: bearer},
			wantRes: []cloud.Product{{ID: 1234, PlatformID: 6, Name: "Bench", Slug: "bench-v1", Groups: []string{"a"}, DeviceCount: 3, Org: "acme", Settings: struct {
				Quarantine bool "json:\"quarantine\""
			}{true}}},
		},
		{
			name:    "list organization products",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListOrgProducts(ctx, "acme") },
			reply:   replay{body: `{"products":[{"id":7,"name":"P7","slug":"p7","organization_id":"o1"}]}`},
			want:    captured{Method: "GET", Path: "/v1/orgs/acme/products", Auth: bearer},
			wantRes: []cloud.Product{{ID: 7, Name: "P7", Slug: "p7", OrganizationID: "o1"}},
		},
		{
			name:    "get product by slug",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.GetProduct(ctx, "bench-v1") },
			reply:   replay{body: `{"product":{"id":1234,"name":"Bench","slug":"bench-v1","platform_id":6}}`},
			want:    captured{Method: "GET", Path: "/v1/products/bench-v1", Auth: bearer},
			wantRes: cloud.Product{ID: 1234, Name: "Bench", Slug: "bench-v1", PlatformID: 6},
		},
		{
			name:    "list organizations",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListOrganizations(ctx) },
			reply:   replay{body: `{"organizations":[{"id":"o1","slug":"acme","name":"Acme"}]}`},
			want:    captured{Method: "GET", Path: "/v1/orgs", Auth: bearer},
			wantRes: []cloud.Organization{{ID: "o1", Slug: "acme", Name: "Acme"}},
		},
		{
			name: "list product devices with every filter",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.ListProductDevices(ctx, "1234", cloud.DeviceQuery{DeviceID: "0123ABC", DeviceName: "bench", Groups: []string{"a", "b"},
					SortAttr: cloud.SortByLastConnection, SortDir: cloud.Descending, Quarantined: boolp(false), Page: 2, PerPage: 10})
			},
			reply: replay{body: `{"devices":[{"id":"0123456789abcdef01234567","name":"bench-1","online":true}],"customers":[{"id":"123abc","username":"c@x.com"}],"meta":{"total_pages":3}}`},
			want: captured{Method: "GET", Path: "/v1/products/1234/devices", Auth: bearer, Query: form("deviceId", "0123abc", "deviceName", "bench", "groups", "a,b",
				"sortAttr", "lastConnection", "sortDir", "desc", "quarantined", "false", "page", "2", "perPage", "10", "per_page", "10")},
			wantRes: cloud.DevicePage{Devices: []cloud.Device{{ID: devLower, Name: "bench-1", Online: true}}, Customers: []cloud.Customer{{ID: "123abc", Username: "c@x.com"}},
				Meta: cloud.PageMeta{Page: 2, TotalPages: 3}},
		},
		{
			name:  "import one device",
			call:  func(ctx context.Context, c *cloud.Client) (any, error) { return c.ImportDevice(ctx, "1234", devUpper) },
			reply: replay{body: `{"updated":1,"updatedDeviceIds":["0123456789abcdef01234567"],"existingDeviceIds":[],"nonmemberDeviceIds":[],"invalidDeviceIds":[]}`},
			want:  captured{Method: "POST", Path: "/v1/products/1234/devices", Auth: bearer, Type: json_, Body: jsonBody(`{"id":"` + devLower + `"}`)},
			wantRes: cloud.ImportResult{Updated: 1, UpdatedDeviceIDs: []string{devLower}, ExistingDeviceIDs: []string{}, NonmemberDeviceIDs: []string{},
				InvalidDeviceIDs: []string{}, ProtectedDeviceIDs: []string{}},
		},
		{
			name:  "import one device, form, older answer with three keys",
			enc:   cloud.EncodeForm,
			call:  func(ctx context.Context, c *cloud.Client) (any, error) { return c.ImportDevice(ctx, "1234", devLower) },
			reply: replay{body: `{"updated":1,"nonmemberDeviceIds":[],"invalidDeviceIds":[]}`},
			want:  captured{Method: "POST", Path: "/v1/products/1234/devices", Auth: bearer, Type: form_, Body: form("id", devLower)},
			wantRes: cloud.ImportResult{Updated: 1, UpdatedDeviceIDs: []string{}, ExistingDeviceIDs: []string{}, NonmemberDeviceIDs: []string{},
				InvalidDeviceIDs: []string{}, ProtectedDeviceIDs: []string{}},
		},
		{
			name: "import many devices (always JSON)",
			enc:  cloud.EncodeForm,
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.ImportDevices(ctx, "1234", []string{devUpper, " ", "aaaaaaaaaaaaaaaaaaaaaaaa", "SN-123"}, cloud.ImportOptions{ClaimUser: "u@x.com"})
			},
			reply: replay{body: `{"updated":1,"updatedDeviceIds":["0123456789abcdef01234567"],"existingDeviceIds":["aaaaaaaaaaaaaaaaaaaaaaaa"],"nonmemberDeviceIds":[],"invalidDeviceIds":["SN-123"],"protectedDeviceIds":[]}`},
			want: captured{Method: "POST", Path: "/v1/products/1234/devices", Auth: bearer, Type: json_,
				Body: jsonBody(`{"ids":["` + devLower + `","aaaaaaaaaaaaaaaaaaaaaaaa","SN-123"],"claim_user":"u@x.com"}`)},
			wantRes: cloud.ImportResult{Updated: 1, UpdatedDeviceIDs: []string{devLower}, ExistingDeviceIDs: []string{"aaaaaaaaaaaaaaaaaaaaaaaa"}, NonmemberDeviceIDs: []string{},
				InvalidDeviceIDs: []string{"SN-123"}, ProtectedDeviceIDs: []string{}},
		},
		{
			name: "import a file of IDs (multipart)",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.ImportDeviceFile(ctx, "1234", "tray7.txt", strings.NewReader(devLower+"\nbbbbbbbbbbbbbbbbbbbbbbbb\n"), cloud.ImportOptions{ClaimUser: "u@x.com", ImportSIMs: true})
			},
			reply: replay{body: `{"updated":1,"updatedDeviceIds":["0123456789abcdef01234567"],"existingDeviceIds":[],"nonmemberDeviceIds":["bbbbbbbbbbbbbbbbbbbbbbbb"],"invalidDeviceIds":[]}`},
			want: captured{Method: "POST", Path: "/v1/products/1234/devices", Auth: bearer, Type: "multipart/form-data",
				Body: map[string]string{"file:tray7.txt": devLower + "\nbbbbbbbbbbbbbbbbbbbbbbbb\n", "claim_user": "u@x.com", "import_sims": "true"}},
			wantRes: cloud.ImportResult{Updated: 1, UpdatedDeviceIDs: []string{devLower}, ExistingDeviceIDs: []string{}, NonmemberDeviceIDs: []string{"bbbbbbbbbbbbbbbbbbbbbbbb"},
				InvalidDeviceIDs: []string{}, ProtectedDeviceIDs: []string{}},
		},
		{
			name:    "list customers",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListCustomers(ctx, "1234", 1, 50) },
			reply:   replay{body: `{"customers":[{"id":"123abc3456","username":"customer@gmail.com"}],"meta":{"total_pages":1}}`},
			want:    captured{Method: "GET", Path: "/v1/products/1234/customers", Auth: bearer, Query: form("page", "1", "perPage", "50", "per_page", "50")},
			wantRes: cloud.CustomerPage{Customers: []cloud.Customer{{ID: "123abc3456", Username: "customer@gmail.com"}}, Meta: cloud.PageMeta{TotalPages: 1}},
		},
		{
			name: "create a shadow customer (Basic client credentials, form, no_password)",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CreateShadowCustomer(ctx, "1234", testClient, "Tray7-Slot3@Factory.example")
			},
			reply: replay{body: `{"token_type":"bearer","access_token":"59993d84d58dcc198069a171e9c2c69b0d52a58b","expires_in":7776000,"refresh_token":"290ffe88","scope":"customer=tray7-slot3@factory.example"}`},
			want: captured{Method: "POST", Path: "/v1/products/1234/customers", Auth: basic(testClient.ID, testSecret), Type: form_,
				Body: form("email", "tray7-slot3@factory.example", "no_password", "true")},
			wantRes: cloud.Token{AccessToken: "59993d84d58dcc198069a171e9c2c69b0d52a58b", TokenType: "bearer", RefreshToken: "290ffe88", Scope: "customer=tray7-slot3@factory.example",
				ExpiresIn: 7776000 * time.Second, ExpiresAt: now.Add(7776000 * time.Second)},
		},
		{
			name: "claim code on the user route",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CreateClaimCode(ctx, cloud.ClaimCodeRequest{})
			},
			reply:   replay{body: `{"claim_code":"rCFr2KAJNgzJ2rR3Jm1ZoUd7G4Sr3ak7MRHdWrM274eYzInP1+psZ0fP2qNehlj","device_ids":["33FF210644893F533E242597"]}`},
			want:    captured{Method: "POST", Path: "/v1/device_claims", Auth: bearer, Type: json_, Body: jsonBody(`{}`)},
			wantRes: cloud.ClaimCode{Code: "rCFr2KAJNgzJ2rR3Jm1ZoUd7G4Sr3ak7MRHdWrM274eYzInP1+psZ0fP2qNehlj", DeviceIDs: []string{"33ff210644893f533e242597"}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
		},
		{
			name: "claim code on the product route with an IMEI, form",
			enc:  cloud.EncodeForm,
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CreateClaimCode(ctx, cloud.ClaimCodeRequest{Product: "1234", IMEI: "352753090000000"})
			},
			reply:   replay{body: `{"claim_code":"xyz","device_ids":[]}`},
			want:    captured{Method: "POST", Path: "/v1/products/1234/device_claims", Auth: bearer, Type: form_, Body: form("imei", "352753090000000")},
			wantRes: cloud.ClaimCode{Code: "xyz", DeviceIDs: []string{}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
		},
		{
			name: "claim code with an ICCID, JSON",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CreateClaimCode(ctx, cloud.ClaimCodeRequest{ICCID: "8934076500002589174"})
			},
			reply:   replay{body: `{"claim_code":"xyz","device_ids":[]}`},
			want:    captured{Method: "POST", Path: "/v1/device_claims", Auth: bearer, Type: json_, Body: jsonBody(`{"iccid":"8934076500002589174"}`)},
			wantRes: cloud.ClaimCode{Code: "xyz", DeviceIDs: []string{}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
		},
		{
			name: "create a product OAuth client",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CreateOAuthClient(ctx, "1234", cloud.OAuthClientSpec{Name: "Station"})
			},
			reply:   replay{body: `{"ok":true,"client":{"name":"Station","type":"installed","id":"station-2416","secret":"615c620d647b6e1dab13bef1695c120b0293c342"}}`},
			want:    captured{Method: "POST", Path: "/v1/products/1234/clients", Auth: bearer, Type: json_, Body: jsonBody(`{"name":"Station","type":"installed"}`)},
			wantRes: cloud.OAuthClient{ID: "station-2416", Name: "Station", Type: "installed", Secret: "615c620d647b6e1dab13bef1695c120b0293c342"},
		},
		{
			name: "create a user web OAuth client, form",
			enc:  cloud.EncodeForm,
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.CreateOAuthClient(ctx, "", cloud.OAuthClientSpec{Name: "W", Type: cloud.OAuthWeb, RedirectURI: "https://x/cb", Scope: "create_customer"})
			},
			reply:   replay{body: `{"ok":true,"client":{"name":"W","type":"web","id":"w-1"}}`},
			want:    captured{Method: "POST", Path: "/v1/clients", Auth: bearer, Type: form_, Body: form("name", "W", "type", "web", "redirect_uri", "https://x/cb", "scope", "create_customer")},
			wantRes: cloud.OAuthClient{ID: "w-1", Name: "W", Type: "web"},
		},
		{
			name:    "list OAuth clients",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListOAuthClients(ctx, "") },
			reply:   replay{body: `{"ok":true,"clients":[{"name":"MyApp","type":"installed","id":"myapp-2146"}]}`},
			want:    captured{Method: "GET", Path: "/v1/clients", Auth: bearer},
			wantRes: []cloud.OAuthClient{{ID: "myapp-2146", Name: "MyApp", Type: "installed"}},
		},
		{
			name:    "list a product's OAuth clients",
			call:    func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListOAuthClients(ctx, "1234") },
			reply:   replay{body: `{"ok":true,"clients":[]}`},
			want:    captured{Method: "GET", Path: "/v1/products/1234/clients", Auth: bearer},
			wantRes: []cloud.OAuthClient{},
		},
		{
			name: "last vitals",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.LastVitals(ctx, cloud.UserDevice(devUpper))
			},
			reply:   replay{body: `{"diagnostics":{"updated_at":"2017-12-19T12:37:07.318Z","deviceID":"0123456789abcdef01234567","payload":{"device":{"system":{"uptime":5}}}}}`},
			want:    captured{Method: "GET", Path: "/v1/diagnostics/" + devLower + "/last", Auth: bearer},
			wantRes: cloud.Vitals{UpdatedAt: mustTime("2017-12-19T12:37:07.318Z"), DeviceID: devLower, Payload: json.RawMessage(`{"device":{"system":{"uptime":5}}}`)},
		},
		{
			name: "last vitals on the product route",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.LastVitals(ctx, cloud.ProductDevice("1234", devLower))
			},
			reply:   replay{body: `{"diagnostics":{"updated_at":"2017-12-19T12:37:07.318Z","deviceID":"0123456789abcdef01234567","payload":{}}}`},
			want:    captured{Method: "GET", Path: "/v1/products/1234/diagnostics/" + devLower + "/last", Auth: bearer},
			wantRes: cloud.Vitals{UpdatedAt: mustTime("2017-12-19T12:37:07.318Z"), DeviceID: devLower, Payload: json.RawMessage(`{}`)},
		},
		{
			name: "vitals history as JSON",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return c.VitalsHistory(ctx, cloud.UserDevice(devLower), mustTime("2026-11-19T00:00:00Z"), mustTime("2026-11-26T00:00:00+01:00"))
			},
			reply:   replay{body: `{"diagnostics":[{"updated_at":"2026-11-20T12:00:00Z","deviceID":"0123456789abcdef01234567","payload":{"a":1}}]}`},
			want:    captured{Method: "GET", Path: "/v1/diagnostics/" + devLower, Auth: bearer, Query: form("start_date", "2026-11-19T00:00:00Z", "end_date", "2026-11-25T23:00:00Z")},
			wantRes: []cloud.Vitals{{UpdatedAt: mustTime("2026-11-20T12:00:00Z"), DeviceID: devLower, Payload: json.RawMessage(`{"a":1}`)}},
		},
		{
			name: "vitals history as CSV on the product route",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				b, err := c.VitalsHistoryCSV(ctx, cloud.ProductDevice("1234", devLower), mustTime("2026-11-19T00:00:00Z"), time.Time{})
				return string(b), err
			},
			reply:   replay{body: "updated_at,deviceID\n2026-11-20T12:00:00Z,0123\n", ctype: "text/csv"},
			want:    captured{Method: "GET", Path: "/v1/products/1234/diagnostics/" + devLower, Auth: bearer, Accept: "text/csv", Query: form("start_date", "2026-11-19T00:00:00Z")},
			wantRes: "updated_at,deviceID\n2026-11-20T12:00:00Z,0123\n",
		},
		{
			name: "publish on the user endpoint",
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return nil, c.Publish(ctx, cloud.PublishRequest{Name: "station/hello", Data: "25.3", Private: true, TTL: time.Minute})
			},
			reply: replay{body: `{"ok":true}`},
			want:  captured{Method: "POST", Path: "/v1/devices/events", Auth: bearer, Type: json_, Body: jsonBody(`{"name":"station/hello","data":"25.3","private":true,"ttl":60}`)},
		},
		{
			name: "publish on the product endpoint, form",
			enc:  cloud.EncodeForm,
			call: func(ctx context.Context, c *cloud.Client) (any, error) {
				return nil, c.Publish(ctx, cloud.PublishRequest{Product: "1234", Name: "go"})
			},
			reply: replay{body: `{"ok":true}`},
			want:  captured{Method: "POST", Path: "/v1/products/1234/events", Auth: bearer, Type: form_, Body: form("name", "go", "private", "false")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCannedServer(t, tt.reply)
			c := newClient(s, clk)
			c.Encoding = tt.enc
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call failed: %v (%s)", err, details(err))
			}
			if tt.wantRes != nil || got != nil {
				if diff := cmp.Diff(tt.wantRes, got); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			}
			reqs := s.requests()
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1", len(reqs))
			}
			want := tt.want
			if want.Accept == "" {
				want.Accept = "application/json"
			}
			if diff := cmp.Diff(want, reqs[0]); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func details(err error) string {
	var e *cloud.Error
	if errors.As(err, &e) {
		return e.Details()
	}
	return ""
}

// TestClaimWithTransferBareOK: the claim body is unconfirmed; a bare
// {"ok":true} after request_transfer says neither "claimed" nor "transfer",
// so the client asks for the device: the caller's now, or a transfer waits.
func TestClaimWithTransferBareOK(t *testing.T) {
	for _, tc := range []struct {
		name string
		get  replay
		want cloud.ClaimResult
	}{
		{"the device is the caller's now", replay{body: `{"id":"` + devLower + `","name":"x","connected":true}`},
			cloud.ClaimResult{DeviceID: devLower, Claimed: true}},
		{"someone else still owns it", replay{status: 403, body: `{"error":"Permission Denied","info":"I didn't recognize that device name or ID"}`},
			cloud.ClaimResult{DeviceID: devLower, TransferRequested: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newCannedServer(t, replay{body: `{"ok":true}`}, tc.get)
			got, err := newClient(s, nil).ClaimDevice(context.Background(), devLower, true)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if reqs := s.requests(); len(reqs) != 2 || reqs[1].Method != "GET" || reqs[1].Path != "/v1/devices/"+devLower {
				t.Errorf("requests %+v, want the claim then a look at the device", reqs)
			}
		})
	}
}

// TestVitalsErrorIn200: a bad date range answered with a family-E body and
// status 200 (the status is unconfirmed) is an error, not an empty history.
func TestVitalsErrorIn200(t *testing.T) {
	s := newCannedServer(t, replay{body: `{"error":"bad_request","description":"start_date must be before end_date"}`})
	_, err := newClient(s, nil).VitalsHistory(context.Background(), cloud.UserDevice(devLower), time.Now(), time.Now().Add(-time.Hour))
	var ce *cloud.Error
	if !errors.As(err, &ce) || !strings.Contains(ce.Error()+ce.Details(), "start_date") {
		t.Fatalf("got %v, want the cloud's bad_request", err)
	}
}

package cloudtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// epoch is the fixed start of every test clock.
var epoch = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const (
	photonA  = "0123456789abcdef01234567"
	photonB  = "1123456789abcdef01234567"
	photonC  = "2123456789abcdef01234567"
	stranger = "ffffffffffffffffffffffff"
)

// fixture is a cloud with one user, a product the user is on the team of,
// another product, a product client and a few devices.
type fixture struct {
	c       *Cloud
	clock   *ManualClock
	client  OAuthClient // product 100's client
	user    string      // token of alice, team member of product 100
	product string      // product 100 token
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := NewManualClock(epoch)
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	c := New(opts)
	t.Cleanup(c.Close)
	c.AddUser(User{Email: "alice@example.com", Password: "correct horse"})
	c.AddUser(User{Email: "bob@example.com", Password: "hunter22", OTP: "123456", RecoveryCodes: []string{"rc-1"}})
	c.AddOrg(Org{ID: "org1", Slug: "acme", Name: "Acme", Members: []string{"alice@example.com"}})
	c.AddProduct(Product{ID: 100, Slug: "bench-v1", Name: "Bench", Members: []string{"alice@example.com"}})
	c.AddProduct(Product{ID: 200, Slug: "other-v1", Name: "Other", Org: "acme"})
	c.AddProduct(Product{ID: 300, Slug: "argons", Name: "Argons", PlatformID: 12})
	cl := c.AddOAuthClient(OAuthClient{ID: "bench-1234", Name: "Bench", ProductID: 100})
	c.AddDevice(Device{ID: photonA, Name: "alpha", ProductID: 100, Online: true,
		Variables: map[string]Variable{"temp": {Type: "double", Value: 21.5}, "count": {Type: "int32", Value: 7},
			"label": {Type: "string", Value: "bench"}, "ready": {Type: "bool", Value: true}},
		Functions: map[string]Function{"echo": func(arg string) int32 { return int32(len(arg)) }}})
	c.AddDevice(Device{ID: photonB, Name: "beta", Owner: "alice@example.com", Online: false,
		Functions: map[string]Function{"echo": func(string) int32 { return 1 }}})
	c.AddDevice(Device{ID: photonC, Name: "gamma", ProductID: 200, Online: true})
	return &fixture{c: c, clock: clock, client: cl,
		user: c.UserToken("alice@example.com"), product: c.ProductToken(100)}
}

// call is one request for do.
type call struct {
	method, path string
	token        string // sent as Authorization: Bearer when set
	header       http.Header
	form         url.Values // form-encoded body
	json         any        // JSON body
	body         string     // raw body with contentType
	contentType  string
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (r reply) decode(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func do(t *testing.T, c *Cloud, cl call) reply {
	t.Helper()
	var body io.Reader
	ct := cl.contentType
	switch {
	case cl.form != nil:
		body, ct = strings.NewReader(cl.form.Encode()), "application/x-www-form-urlencoded"
	case cl.json != nil:
		b, err := json.Marshal(cl.json)
		if err != nil {
			t.Fatal(err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	case cl.body != "":
		body = strings.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), cl.method, c.URL()+cl.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, vs := range cl.header {
		req.Header[k] = vs
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", cl.method, cl.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// multipartBody builds a multipart form with one file field and some
// plain fields.
func multipartBody(t *testing.T, fileField, fileName, content string, fields map[string]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func basic(id, secret string) http.Header {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(id, secret)
	return http.Header{"Authorization": r.Header["Authorization"]}
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

package cloud_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud"
)

// recordingTransport records every request it sees (URL and body) and
// answers with a canned response, or passes on to next when set.
type recordingTransport struct {
	mu     sync.Mutex
	seen   []string
	bodies []string
	next   http.RoundTripper
	status int
	body   string
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	r.seen = append(r.seen, req.URL.String())
	r.bodies = append(r.bodies, string(body))
	r.mu.Unlock()
	if r.next != nil {
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		return r.next.RoundTrip(req)
	}
	status := r.status
	if status == 0 {
		status = 200
	}
	b := r.body
	if req.Header.Get("Accept") == "text/event-stream" && status == 200 {
		// A stream that opened would wait on the fake clock to reopen;
		// the test only needs the request, so refuse it for good.
		status, b = 401, `{"error":"invalid_token","error_description":"The access token provided is invalid."}`
	}
	if b == "" {
		b = "{}"
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(b)), Request: req}, nil
}

func (r *recordingTransport) urls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// everyOperation calls every client operation once, with the test's token,
// client secret, password, MFA token and one-time code, and returns every
// error it got.
func everyOperation(ctx context.Context, c *cloud.Client) []error {
	var errs []error
	add := func(_ any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	addErr := func(err error) { add(nil, err) }
	user, prod := cloud.UserDevice(devLower), cloud.ProductDevice("1234", devLower)
	add(c.ProductToken(ctx, testClient, 0))
	add(c.CustomerToken(ctx, testClient, "c@x.com", cloud.NeverExpires))
	add(c.Login(ctx, "sup@x.com", secretPassword, 0))
	add(c.LoginOTP(ctx, secretMFAToken, "123456"))
	add(c.CurrentToken(ctx))
	addErr(c.RevokeCurrentToken(ctx))
	add(c.ListDevices(ctx))
	for _, ref := range []cloud.DeviceRef{user, prod} {
		add(c.GetDevice(ctx, ref))
		add(c.GetVariable(ctx, ref, "v"))
		add(c.GetVariableRaw(ctx, ref, "v"))
		add(c.CallFunction(ctx, ref, "f", "arg"))
		add(c.RenameDevice(ctx, ref, "n"))
		add(c.SetNotes(ctx, ref, "n"))
		add(c.Ping(ctx, ref))
		addErr(c.UnclaimDevice(ctx, ref))
		add(c.LastVitals(ctx, ref))
		add(c.VitalsHistory(ctx, ref, time.Time{}, time.Time{}))
		add(c.VitalsHistoryCSV(ctx, ref, time.Time{}, time.Time{}))
	}
	add(c.ClaimDevice(ctx, devLower, true))
	addErr(c.RemoveFromProduct(ctx, "1234", devLower, true))
	add(c.ListProducts(ctx))
	add(c.ListOrganizations(ctx))
	add(c.ListOrgProducts(ctx, "acme"))
	add(c.GetProduct(ctx, "1234"))
	add(c.ListProductDevices(ctx, "1234", cloud.DeviceQuery{DeviceName: "x", Page: 1, PerPage: 5}))
	add(c.ImportDevice(ctx, "1234", devLower))
	add(c.ImportDevices(ctx, "1234", []string{devLower}, cloud.ImportOptions{ClaimUser: "u@x.com"}))
	add(c.ImportDeviceFile(ctx, "1234", "f.txt", strings.NewReader(devLower), cloud.ImportOptions{}))
	add(c.ListCustomers(ctx, "1234", 1, 10))
	add(c.CreateShadowCustomer(ctx, "1234", testClient, "c@x.com"))
	add(c.CreateClaimCode(ctx, cloud.ClaimCodeRequest{}))
	add(c.CreateClaimCode(ctx, cloud.ClaimCodeRequest{Product: "1234"}))
	add(c.CreateOAuthClient(ctx, "1234", cloud.OAuthClientSpec{Name: "n"}))
	add(c.ListOAuthClients(ctx, "1234"))
	addErr(c.Publish(ctx, cloud.PublishRequest{Name: "e", Data: "d"}))
	addErr(c.Publish(ctx, cloud.PublishRequest{Product: "1234", Name: "e"}))
	for _, s := range []cloud.Stream{{}, {Device: devLower}, {Product: "1234"}, {Product: "1234", Device: devLower}} {
		s.MaxFailures = 1
		for _, err := range c.Subscribe(ctx, s) {
			addErr(err)
			break
		}
	}
	return errs
}

const (
	secretPassword = "pa55-w0rd-never-in-url"
	secretMFAToken = "mfa.jwt.never-in-url"
)

// TestNoSecretInURLs runs every operation and proves that no URL carries the
// token, the client secret, the password or the MFA token, and that no
// error text does either, whatever the server answered.
func TestNoSecretInURLs(t *testing.T) {
	secrets := []string{testToken, testSecret, secretPassword, secretMFAToken}
	answers := []struct {
		name   string
		status int
		body   string
	}{
		{"success", 200, `{}`},
		{"family C echoing the token", 403, `{"error":"Permission Denied","info":"try opening https://api.particle.io/v1/devices?access_token=` + testToken + `"}`},
		{"server error", 500, `{"error":"server_error"}`},
		{"error body echoing JSON secrets", 400, `{"error":"invalid_request","access_token":"` + testToken + `","client_secret":"` + testSecret +
			`","password":"` + secretPassword + `","mfa_token":"` + secretMFAToken + `"}`},
		{"undecodable success echoing JSON secrets", 200, `{"access_token":"` + testToken + `","refresh_token":"` + testSecret +
			`","mfa_token":"` + secretMFAToken + `","password":"` + secretPassword + `","expires_in":[`},
	}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			rec := &recordingTransport{status: a.status, body: a.body}
			c := &cloud.Client{BaseURL: "https://api.particle.io", Token: testToken, Transport: rec, Clock: cloud.NewFakeClock(), Retry: cloud.RetryPolicy{MaxAttempts: 1}}
			errs := everyOperation(t.Context(), c)
			urls := rec.urls()
			if len(urls) < 45 {
				t.Fatalf("only %d requests were made; the run does not cover every operation", len(urls))
			}
			for _, u := range urls {
				for _, s := range secrets {
					if strings.Contains(u, s) {
						t.Errorf("URL %q carries a secret", u)
					}
				}
				if pu, err := url.Parse(u); err != nil || pu.Query().Has("access_token") {
					t.Errorf("URL %q has an access_token parameter", u)
				}
			}
			for _, b := range rec.bodies {
				if strings.Contains(b, testToken) {
					t.Errorf("request body carries the token: %q", b)
				}
				if strings.Contains(b, testSecret) {
					t.Errorf("request body carries the client secret: %q", b)
				}
			}
			for _, err := range errs {
				var ce *cloud.Error
				if !errors.As(err, &ce) {
					t.Errorf("error %v is not a *cloud.Error", err)
					continue
				}
				// The text, the details view, the raw body and a debug
				// print: none may carry a secret.
				for _, shown := range []string{err.Error(), ce.Details(), ce.Body, ce.ServerMessage, fmt.Sprintf("%#v", err), fmt.Sprintf("%+v", err)} {
					for _, s := range secrets {
						if strings.Contains(shown, s) {
							t.Errorf("%s: an error shows a secret: %q", ce.Op, shown)
						}
					}
				}
			}
			if a.status != 200 && len(errs) == 0 {
				t.Error("no errors were produced for an error answer")
			}
		})
	}
}

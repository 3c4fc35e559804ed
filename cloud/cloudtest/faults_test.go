package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaults(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.InjectFault(Fault{Method: "POST", Path: "/v1/products/:product/devices", Times: 2, Status: 503,
		Header: http.Header{"X-Fault": {"yes"}}, Body: `{"error":"server_error"}`})
	f.c.InjectRateLimit("GET", "/v1/products/*/devices/*", 1, 7*time.Second)
	importCall := call{method: "POST", path: "/v1/products/100/devices", token: f.product, form: url.Values{"id": {photonA}}}

	var got []string
	for range 3 {
		r := do(t, f.c, importCall)
		got = append(got, fmt.Sprintf("%d %s %s", r.status, r.header.Get("X-Fault"), r.body))
	}
	want := []string{`503 yes {"error":"server_error"}`, `503 yes {"error":"server_error"}`, `200  ` + do(t, f.c, importCall).body}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("import with two faults (-want +got):\n%s", diff)
	}
	// The list route is not matched by the device-detail pattern; the
	// detail route is, once.
	if r := do(t, f.c, call{method: "GET", path: "/v1/products/100/devices", token: f.product}); r.status != 200 {
		t.Errorf("list hit the rate limit: %d", r.status)
	}
	r := do(t, f.c, call{method: "GET", path: "/v1/products/100/devices/" + photonA, token: f.product})
	if r.status != 429 || r.header.Get("Retry-After") != "7" {
		t.Errorf("rate limited: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if r := do(t, f.c, call{method: "GET", path: "/v1/products/100/devices/" + photonA, token: f.product}); r.status != 200 {
		t.Errorf("after the rate limit: %d", r.status)
	}

	// Faults answer before authentication, like a load balancer would, and
	// the request log still records them.
	f.c.InjectFault(Fault{Path: "/oauth/token", Status: 500, Body: "{}"})
	if r := do(t, f.c, call{method: "POST", path: "/oauth/token"}); r.status != 500 {
		t.Errorf("unlimited fault: %d", r.status)
	}
	if r := do(t, f.c, call{method: "POST", path: "/oauth/token"}); r.status != 500 {
		t.Errorf("unlimited fault, second time: %d", r.status)
	}
	f.c.ClearFaults()
	if r := do(t, f.c, call{method: "POST", path: "/oauth/token"}); r.status != 400 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
	reqs := f.c.Requests()
	if last := reqs[len(reqs)-2]; last.Path != "/oauth/token" || last.Status != 500 {
		t.Errorf("logged fault: %+v", last)
	}
}

func TestFaultCloseConnection(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.InjectFault(Fault{Method: "GET", Path: "/v1/devices", Times: 1, CloseConnection: true})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", f.c.URL()+"/v1/devices", nil)
	req.Header.Set("Authorization", "Bearer "+f.user)
	if resp, err := f.c.HTTPClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	if r := do(t, f.c, call{method: "GET", path: "/v1/devices", token: f.user}); r.status != 200 {
		t.Errorf("after the dropped connection: %d", r.status)
	}
}

func TestRequestLog(t *testing.T) {
	f := newFixture(t, Options{})
	body, ct := multipartBody(t, "file", "ids.txt", photonA, map[string]string{"import_sims": "true"})
	do(t, f.c, call{method: "POST", path: "/v1/products/100/devices?claim_user=a%40b.c", token: f.product, body: body, contentType: ct})
	do(t, f.c, call{method: "POST", path: "/oauth/token", header: basic(f.client.ID, f.client.Secret),
		form: url.Values{"grant_type": {"client_credentials"}, "expires_in": {"0"}}})
	do(t, f.c, call{method: "PUT", path: "/v1/devices/" + photonA, token: f.user, json: map[string]string{"notes": "x"}})
	got := f.c.Requests()
	for i := range got {
		got[i].Header, got[i].Time = nil, time.Time{}
	}
	want := []Request{
		{Method: "POST", Path: "/v1/products/100/devices", RawQuery: "claim_user=a%40b.c", ContentType: "multipart/form-data",
			BodyEncoding: "multipart", BodyKeys: []string{"file", "import_sims"}, QueryKeys: []string{"claim_user"}, Auth: []AuthCarrier{AuthHeader}, Status: 200},
		{Method: "POST", Path: "/oauth/token", ContentType: "application/x-www-form-urlencoded", BodyEncoding: "form",
			BodyKeys: []string{"expires_in", "grant_type"}, Auth: []AuthCarrier{AuthBasic}, Status: 200},
		{Method: "PUT", Path: "/v1/devices/" + photonA, ContentType: "application/json", BodyEncoding: "json",
			BodyKeys: []string{"notes"}, Auth: []AuthCarrier{AuthHeader}, Status: 200},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request log (-want +got):\n%s", diff)
	}
}

// TestConcurrentUse drives every kind of state change at once; run it
// with -race.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: time.Millisecond})
	f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
	cust := f.c.CustomerToken(100, "carol@example.com")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	// A stream reader that runs throughout.
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		req, _ := http.NewRequestWithContext(ctx, "GET", f.c.URL()+"/v1/products/100/events", nil)
		req.Header.Set("Authorization", "Bearer "+f.product)
		resp, err := f.c.HTTPClient().Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		buf := make([]byte, 512)
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				return
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				id := fmt.Sprintf("%02x%02xcccccccccccccccccccc", w, i)
				f.c.AddDevice(Device{ID: id, Online: false})
				send := func(cl call) reply {
					rec := httptest.NewRecorder()
					var req *http.Request
					if cl.form != nil {
						req = httptest.NewRequest(cl.method, cl.path, strings.NewReader(cl.form.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					} else {
						req = httptest.NewRequest(cl.method, cl.path, nil)
					}
					req.Header.Set("Authorization", "Bearer "+cl.token)
					f.c.Handler().ServeHTTP(rec, req)
					return reply{status: rec.Code, body: rec.Body.String()}
				}
				if r := send(call{method: "POST", path: "/v1/products/100/devices", token: f.product, form: url.Values{"id": {id}}}); r.status != 200 {
					errs <- "import: " + r.body
				}
				r := send(call{method: "POST", path: "/v1/products/100/device_claims", token: cust})
				code := r.decode(t)["claim_code"].(string)
				if err := f.c.DeviceOnline(id, code); err != nil {
					errs <- "online: " + err.Error()
				}
				f.c.Publish(id, "tick", "1")
				send(call{method: "GET", path: "/v1/products/100/devices?perPage=5", token: f.product})
				f.c.Requests()
				f.c.SecretsInURLs()
				f.c.InjectFault(Fault{Path: "/nowhere", Status: 500, Times: 1})
				_ = f.c.ClaimCodes()
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var owned int
	for w := range 8 {
		for i := range 10 {
			if d, _ := f.c.Device(fmt.Sprintf("%02x%02xcccccccccccccccccccc", w, i)); d.Owner == "carol@example.com" && d.Online {
				owned++
			}
		}
	}
	if owned != 80 {
		t.Errorf("%d of 80 devices claimed and online", owned)
	}
	cancel()
	<-streamDone
}

func TestFaultHang(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.InjectFault(Fault{Path: "/v1/devices", Times: 1, Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", f.c.URL()+"/v1/devices", nil)
	req.Header.Set("Authorization", "Bearer "+f.user)
	errc := make(chan error, 1)
	logged := f.c.RequestLogged()
	go func() {
		resp, err := f.c.HTTPClient().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	// The request arrives and is held.
	select {
	case <-logged:
	case err := <-errc:
		t.Fatalf("hung request answered: %v", err)
	}
	select {
	case err := <-errc:
		t.Fatalf("hung request answered: %v", err)
	default:
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error = %v, want context.Canceled", err)
	}
	if r := do(t, f.c, call{method: "GET", path: "/v1/devices", token: f.user}); r.status != 200 {
		t.Errorf("after the hang: %d", r.status)
	}
}

func TestLatencyHonoursCancel(t *testing.T) {
	f := newFixture(t, Options{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.c.URL()+"/v1/devices", nil)
	if _, err := f.c.HTTPClient().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the client's deadline", err)
	}
}

package cloud_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
)

var noJitter = func(d time.Duration) time.Duration { return d }

// retryClient is a client with retries on, no jitter and a fake clock.
func retryClient(s *cannedServer, clk *cloud.FakeClock) *cloud.Client {
	c := newClient(s, clk)
	c.Retry = cloud.RetryPolicy{MaxAttempts: 3, Jitter: noJitter}
	return c
}

type result struct {
	v   any
	err error
}

// start runs call in the background and returns its result channel.
func start(ctx context.Context, c *cloud.Client, call func(context.Context, *cloud.Client) (any, error)) chan result {
	ch := make(chan result, 1)
	go func() {
		v, err := call(ctx, c)
		ch <- result{v, err}
	}()
	return ch
}

func getDevices(ctx context.Context, c *cloud.Client) (any, error) { return c.ListDevices(ctx) }

func TestRetryAfterServerErrorWithBackoff(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{status: 503, body: `{"error":"server_error"}`}, replay{status: 502, body: "Bad Gateway"}, replay{body: `[]`})
	done := start(t.Context(), retryClient(s, clk), getDevices)
	clk.WaitForTimer(t, 500*time.Millisecond)
	clk.Advance(500 * time.Millisecond)
	clk.WaitForTimer(t, time.Second)
	clk.Advance(time.Second)
	r := <-done
	if r.err != nil {
		t.Fatalf("ListDevices after two 5xx: %v", r.err)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("server got %d requests, want 3", n)
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	start0 := cloud.NewFakeClock().Now()
	tests := []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"HTTP date", start0.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := cloud.NewFakeClock()
			s := newCannedServer(t, replay{status: 429, header: map[string]string{"Retry-After": tt.header}}, replay{body: `[]`})
			done := start(t.Context(), retryClient(s, clk), getDevices)
			clk.WaitForTimer(t, tt.want)
			if n := len(s.requests()); n != 1 {
				t.Errorf("retried before Retry-After passed: %d requests", n)
			}
			clk.Advance(tt.want)
			if r := <-done; r.err != nil {
				t.Fatalf("after Retry-After: %v", r.err)
			}
			if n := len(s.requests()); n != 2 {
				t.Errorf("server got %d requests, want 2", n)
			}
		})
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{status: 500, body: `{"error":"boom"}`})
	done := start(t.Context(), retryClient(s, clk), getDevices)
	clk.WaitForTimer(t, 500*time.Millisecond)
	clk.Advance(500 * time.Millisecond)
	clk.WaitForTimer(t, time.Second)
	clk.Advance(time.Second)
	r := <-done
	if !cloud.IsServerError(r.err) {
		t.Fatalf("err = %v, want a server error", r.err)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("server got %d requests, want 3 (MaxAttempts)", n)
	}
	if diff := cmp.Diff([]time.Duration{500 * time.Millisecond, time.Second}, clk.Started()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestRetryAfterTooLongIsReturned(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{status: 429, header: map[string]string{"Retry-After": "600"}})
	_, err := retryClient(s, clk).ListDevices(t.Context())
	if d, ok := cloud.RetryAfter(err); !cloud.IsRateLimited(err) || !ok || d != 10*time.Minute {
		t.Fatalf("err = %v (retry after %v), want rate limited for 10m", err, d)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

// TestNoRetryWhereRepeatIsHarmful: function calls and publishes act on the
// world, and 4xx answers do not get better by asking again.
func TestNoRetryWhereRepeatIsHarmful(t *testing.T) {
	tests := []struct {
		name  string
		reply replay
		call  func(context.Context, *cloud.Client) (any, error)
		is    func(error) bool
	}{
		{"function call on 503", replay{status: 503}, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.CallFunction(ctx, cloud.UserDevice(devLower), "open", "door")
		}, cloud.IsServerError},
		{"publish on 429", replay{status: 429, header: map[string]string{"Retry-After": "1"}}, func(ctx context.Context, c *cloud.Client) (any, error) {
			return nil, c.Publish(ctx, cloud.PublishRequest{Name: "x"})
		}, cloud.IsRateLimited},
		{"OAuth client creation on 500", replay{status: 500}, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.CreateOAuthClient(ctx, "1", cloud.OAuthClientSpec{Name: "n"})
		}, cloud.IsServerError},
		{"GET on 404", replay{status: 404, body: `{"ok":false,"error":"device not found"}`}, getDevices, cloud.IsNotFound},
		{"GET on 401", replay{status: 401, body: `{"error":"invalid_token","error_description":"The access token provided is invalid."}`}, getDevices, cloud.IsUnauthorized},
		{"variable on 408", replay{status: 408, body: `{"ok":false,"error":"timed out"}`}, func(ctx context.Context, c *cloud.Client) (any, error) {
			return c.GetVariable(ctx, cloud.UserDevice(devLower), "v")
		}, cloud.IsDeviceOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := cloud.NewFakeClock()
			s := newCannedServer(t, tt.reply, replay{body: `{}`})
			_, err := tt.call(t.Context(), retryClient(s, clk))
			if !tt.is(err) {
				t.Fatalf("err = %v, wrong kind", err)
			}
			if n := len(s.requests()); n != 1 {
				t.Errorf("server got %d requests, want 1", n)
			}
			if st := clk.Started(); len(st) != 0 {
				t.Errorf("waited %v, want no wait", st)
			}
		})
	}
}

// flakyTransport fails the first n round trips with a network error.
type flakyTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.n.Add(-1) >= 0 {
		return nil, errors.New("connection reset by peer")
	}
	return f.next.RoundTrip(r)
}

func TestRetryOnNetworkError(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{body: `[]`})
	c := retryClient(s, clk)
	ft := &flakyTransport{next: s.Client().Transport}
	ft.n.Store(1)
	c.Transport = ft
	done := start(t.Context(), c, getDevices)
	clk.WaitForTimer(t, 500*time.Millisecond)
	clk.Advance(500 * time.Millisecond)
	if r := <-done; r.err != nil {
		t.Fatalf("after one network error: %v", r.err)
	}

	// A function call is not repeated after a network error: it may have run.
	ft.n.Store(1)
	_, err := c.CallFunction(t.Context(), cloud.UserDevice(devLower), "f", "")
	if !cloud.IsNetwork(err) {
		t.Fatalf("CallFunction err = %v, want a network error", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

// TestRateGateSharedBackoff: when one client of a station gets a 429, the
// other clients sharing the gate hold their requests too.
func TestRateGateSharedBackoff(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{status: 429, header: map[string]string{"Retry-After": "10"}}, replay{body: `[]`})
	gate := &cloud.RateGate{}
	a := retryClient(s, clk)
	a.Gate = gate
	b := a.WithToken(testToken)

	doneA := start(t.Context(), a, getDevices)
	clk.WaitForTimer(t, 10*time.Second) // a waits at the gate
	if until := gate.Until(); !until.Equal(clk.Now().Add(10 * time.Second)) {
		t.Errorf("gate held until %v, want now+10s", until)
	}
	doneB := start(t.Context(), b, getDevices)
	clk.WaitForTimers(t, 10*time.Second, 2) // b waits at the gate as well
	if n := len(s.requests()); n != 1 {
		t.Fatalf("server got %d requests while the gate was held, want 1", n)
	}
	clk.Advance(10 * time.Second)
	for _, ch := range []chan result{doneA, doneB} {
		if r := <-ch; r.err != nil {
			t.Fatalf("after the gate opened: %v", r.err)
		}
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("server got %d requests, want 3", n)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{status: 503})
	ctx, cancel := context.WithCancel(t.Context())
	done := start(ctx, retryClient(s, clk), getDevices)
	clk.WaitForTimer(t, 500*time.Millisecond)
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", r.err)
	}
}

// TestCustomerCreationRetriedOnlyAfter429: creating a customer is not
// idempotent, but a 429 means the cloud did not act, so only that is retried.
func TestCustomerCreationRetriedOnlyAfter429(t *testing.T) {
	create := func(ctx context.Context, c *cloud.Client) (any, error) {
		return c.CreateShadowCustomer(ctx, "1234", testClient, "c@x.com")
	}
	ok := replay{body: `{"token_type":"bearer","access_token":"t","expires_in":60}`}

	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{status: 429, header: map[string]string{"Retry-After": "3"}}, ok)
	done := start(t.Context(), retryClient(s, clk), create)
	clk.WaitForTimer(t, 3*time.Second)
	clk.Advance(3 * time.Second)
	if r := <-done; r.err != nil {
		t.Fatalf("after a 429: %v", r.err)
	}

	s2 := newCannedServer(t, replay{status: 503}, ok)
	if _, err := create(t.Context(), retryClient(s2, cloud.NewFakeClock())); !cloud.IsServerError(err) {
		t.Fatalf("after a 503: %v, want the server error", err)
	}
	if n := len(s2.requests()); n != 1 {
		t.Errorf("a 503 on customer creation was repeated: %d requests", n)
	}
}

// TestRateGateHeldByUnrepeatedRequest: a 429 on a publish (never repeated)
// still makes the other clients of the station hold off.
func TestRateGateHeldByUnrepeatedRequest(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newCannedServer(t, replay{status: 429, header: map[string]string{"Retry-After": "5"}}, replay{body: `[]`})
	gate := &cloud.RateGate{}
	c := retryClient(s, clk)
	c.Gate = gate
	if err := c.Publish(t.Context(), cloud.PublishRequest{Name: "x"}); !cloud.IsRateLimited(err) {
		t.Fatalf("publish: %v", err)
	}
	if until := gate.Until(); !until.Equal(clk.Now().Add(5 * time.Second)) {
		t.Fatalf("gate held until %v, want now+5s", until)
	}
	done := start(t.Context(), c, getDevices)
	clk.WaitForTimer(t, 5*time.Second)
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests went out while the gate was held", n)
	}
	clk.Advance(5 * time.Second)
	if r := <-done; r.err != nil {
		t.Fatal(r.err)
	}
}

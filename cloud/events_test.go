package cloud_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/internal/clock"
)

// sseConn is one open event stream on sseServer, driven by the test.
type sseConn struct {
	req  captured
	send chan string   // text to write and flush
	end  chan struct{} // close to end the stream from the server side
	gone chan struct{} // closed when the client disconnected
}

func (c *sseConn) write(t testing.TB, s string) {
	t.Helper()
	select {
	case c.send <- s:
	case <-c.gone:
		t.Fatalf("client went away before %q was sent", s)
	case <-time.After(10 * time.Second):
		t.Fatal("stream handler stuck")
	}
}

func (c *sseConn) waitGone(t testing.TB) {
	t.Helper()
	select {
	case <-c.gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the client never closed the stream")
	}
}

// sseServer hands each stream request to the test as an sseConn, after
// answering the first `fail` requests with the canned error replies.
type sseServer struct {
	*httptest.Server
	conns chan *sseConn
	mu    sync.Mutex
	fails []replay
	opens int
}

func newSSEServer(t testing.TB, fails ...replay) *sseServer {
	s := &sseServer{conns: make(chan *sseConn, 8), fails: fails}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.opens++
		var fail *replay
		if len(s.fails) > 0 {
			fail = &s.fails[0]
			s.fails = s.fails[1:]
		}
		s.mu.Unlock()
		c := &sseConn{req: capture(t, r), send: make(chan string), end: make(chan struct{}), gone: make(chan struct{})}
		if fail != nil {
			for k, v := range fail.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(fail.status)
			io.WriteString(w, fail.body)
			s.conns <- c
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		s.conns <- c
		for {
			select {
			case txt := <-c.send:
				io.WriteString(w, txt)
				w.(http.Flusher).Flush()
			case <-c.end:
				return
			case <-r.Context().Done():
				close(c.gone)
				return
			}
		}
	}))
	t.Cleanup(func() { s.CloseClientConnections(); s.Close() })
	return s
}

func (s *sseServer) next(t testing.TB) *sseConn {
	t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no stream request arrived")
		return nil
	}
}

// consumer ranges over a subscription in the background.
type consumer struct {
	events chan cloud.Event
	errs   chan error
	done   chan struct{}
}

func consume(ctx context.Context, c *cloud.Client, s cloud.Stream) *consumer {
	k := &consumer{events: make(chan cloud.Event), errs: make(chan error, 4), done: make(chan struct{})}
	go func() {
		defer close(k.done)
		for ev, err := range c.Subscribe(ctx, s) {
			if err != nil {
				k.errs <- err
				continue
			}
			k.events <- ev
		}
	}()
	return k
}

func (k *consumer) next(t testing.TB) cloud.Event {
	t.Helper()
	select {
	case ev := <-k.events:
		return ev
	case err := <-k.errs:
		t.Fatalf("stream error: %v", err)
	case <-k.done:
		t.Fatal("the subscription ended")
	case <-time.After(10 * time.Second):
		t.Fatal("no event arrived")
	}
	return cloud.Event{}
}

func (k *consumer) wait(t testing.TB) {
	t.Helper()
	select {
	case <-k.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the subscription did not end")
	}
}

func sseClient(s *sseServer, clk clock.Clock) *cloud.Client {
	return &cloud.Client{BaseURL: s.URL, Token: testToken, Transport: s.Client().Transport, Clock: clk}
}

func TestSubscribeRoutes(t *testing.T) {
	tests := []struct {
		name   string
		stream cloud.Stream
		path   string
	}{
		{"my devices", cloud.Stream{}, "/v1/devices/events"},
		{"my devices with prefix", cloud.Stream{Prefix: "temp"}, "/v1/devices/events/temp"},
		{"one device", cloud.Stream{Device: devUpper}, "/v1/devices/" + devLower + "/events"},
		{"product", cloud.Stream{Product: "1234"}, "/v1/products/1234/events"},
		{"product with a prefix that has a slash", cloud.Stream{Product: "bench-v1", Prefix: "spark/status"}, "/v1/products/bench-v1/events/spark%2Fstatus"},
		{"product device", cloud.Stream{Product: "1234", Device: devLower, Prefix: "t"}, "/v1/products/1234/devices/" + devLower + "/events/t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The 401 before the stream starts ends the subscription with a
			// typed error: reopening cannot cure a bad token.
			s := newSSEServer(t, replay{status: 401, body: `{"error":"invalid_token","error_description":"The access token provided is invalid."}`})
			k := consume(t.Context(), sseClient(s, cloud.NewFakeClock()), tt.stream)
			conn := s.next(t)
			want := captured{Method: "GET", Path: tt.path, Auth: bearer, Accept: "text/event-stream"}
			if diff := cmp.Diff(want, conn.req); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			select {
			case err := <-k.errs:
				if !cloud.IsUnauthorized(err) {
					t.Errorf("err = %v, want unauthorized", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no error")
			}
			k.wait(t)
		})
	}
	_, err := first(sseClient(newSSEServer(t), cloud.NewFakeClock()).Subscribe(t.Context(), cloud.Stream{Product: "1", Device: "nope"}))
	if !errors.As(err, new(*cloud.Error)) {
		t.Errorf("a bad device ID gave %v, want a *cloud.Error", err)
	}
}

func first(seq func(func(cloud.Event, error) bool)) (cloud.Event, error) {
	for ev, err := range seq {
		return ev, err
	}
	return cloud.Event{}, nil
}

func TestSubscribeDeliversEvents(t *testing.T) {
	s := newSSEServer(t)
	k := consume(t.Context(), sseClient(s, cloud.NewFakeClock()), cloud.Stream{Product: "1234"})
	conn := s.next(t)
	conn.write(t, ":ok\n\n")
	conn.write(t, "event: temp\r\ndata: {\"data\":\"25.34\",\"ttl\":60,\"published_at\":\"2015-07-18T00:12:18.174Z\",\"coreid\":\"0123456789abcdef01234567\"}\r\n\r\n")
	conn.write(t, "\n") // an old-style keep-alive
	conn.write(t, "event: spark/status\ndata: {\"data\":\"online\",\"ttl\":\"60\",")
	conn.write(t, "\"coreid\":\"0123456789ABCDEF01234567\",\"productID\":1234}\n\n")
	got := []cloud.Event{k.next(t), k.next(t)}
	want := []cloud.Event{
		{Name: "temp", Data: "25.34", TTL: 60, PublishedAt: mustTime("2015-07-18T00:12:18.174Z"), DeviceID: devLower},
		{Name: "spark/status", Data: "online", TTL: 60, DeviceID: devLower, ProductID: 1234},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestSubscribeKeepAliveTimeoutReconnects: a stream silent for longer than
// KeepAlive is closed and reopened after ReconnectDelay.
func TestSubscribeKeepAliveTimeoutReconnects(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newSSEServer(t)
	var mu sync.Mutex
	var reasons []error
	ctx, cancel := context.WithCancel(t.Context())
	k := consume(ctx, sseClient(s, clk), cloud.Stream{Device: devLower, KeepAlive: 30 * time.Second, ReconnectDelay: 3 * time.Second,
		OnReconnect: func(err error) { mu.Lock(); reasons = append(reasons, err); mu.Unlock() }})
	c1 := s.next(t)
	c1.write(t, ":ok\n\nevent: a\ndata: {\"data\":\"1\"}\n\n")
	if ev := k.next(t); ev.Data != "1" {
		t.Fatalf("first event %+v", ev)
	}
	// Keep-alive lines keep the stream trusted: each one restarts the
	// keep-alive timer, so 58s pass without a reconnect.
	clk.WaitForTimer(t, 30*time.Second)
	n := len(clk.Started())
	c1.write(t, ":\n\n")
	clk.WaitForStarted(t, n+1)
	clk.Advance(29 * time.Second)
	n = len(clk.Started())
	c1.write(t, "\n")
	clk.WaitForStarted(t, n+1)
	clk.Advance(29 * time.Second)
	if diff := cmp.Diff([]time.Duration{30 * time.Second}, clk.Pending()); diff != "" {
		t.Fatalf("keep-alive timer was not restarted by keep-alive lines (-want +got pending):\n%s", diff)
	}
	// Now silence.
	clk.Advance(30 * time.Second)
	c1.waitGone(t)
	clk.WaitForTimer(t, 3*time.Second)
	clk.Advance(3 * time.Second)
	c2 := s.next(t)
	if c2.req.Auth != bearer {
		t.Errorf("reconnect sent Authorization %q", c2.req.Auth)
	}
	c2.write(t, ":ok\n\nevent: b\ndata: {\"data\":\"2\"}\n\n")
	if ev := k.next(t); ev.Data != "2" {
		t.Fatalf("event after reconnect %+v", ev)
	}
	mu.Lock()
	if len(reasons) != 1 || !cloud.IsNetwork(reasons[0]) {
		t.Errorf("OnReconnect got %v, want one network error", reasons)
	}
	mu.Unlock()
	cancel()
	k.wait(t)
	c2.waitGone(t)
}

func TestSubscribeReconnectsWhenServerEndsStream(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newSSEServer(t)
	k := consume(t.Context(), sseClient(s, clk), cloud.Stream{})
	c1 := s.next(t)
	c1.write(t, ":ok\n\nevent: a\ndata: {\"data\":\"1\"}\n\n")
	k.next(t)
	close(c1.end)
	clk.WaitForTimer(t, 2*time.Second) // the default reconnect delay
	clk.Advance(2 * time.Second)
	c2 := s.next(t)
	c2.write(t, "event: b\ndata: {\"data\":\"2\"}\n\n")
	if ev := k.next(t); ev.Name != "b" {
		t.Fatalf("got %+v after reconnect", ev)
	}
}

func TestSubscribeRetriesFailedOpens(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newSSEServer(t, replay{status: 503, body: `{"error":"server_error"}`}, replay{status: 429, header: map[string]string{"Retry-After": "9"}})
	k := consume(t.Context(), sseClient(s, clk), cloud.Stream{Product: "1234"})
	s.next(t)
	clk.WaitForTimer(t, 2*time.Second) // backoff after the 503
	clk.Advance(2 * time.Second)
	s.next(t)
	clk.WaitForTimer(t, 9*time.Second) // the 429's Retry-After
	clk.Advance(9 * time.Second)
	c := s.next(t)
	c.write(t, "event: x\ndata: {}\n\n")
	if ev := k.next(t); ev.Name != "x" {
		t.Fatalf("got %+v", ev)
	}
}

func TestSubscribeGivesUpAfterMaxFailures(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newSSEServer(t, replay{status: 500}, replay{status: 500})
	k := consume(t.Context(), sseClient(s, clk), cloud.Stream{MaxFailures: 2})
	s.next(t)
	clk.WaitForTimer(t, 2*time.Second)
	clk.Advance(2 * time.Second)
	s.next(t)
	select {
	case err := <-k.errs:
		if !cloud.IsServerError(err) {
			t.Errorf("err = %v, want a server error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no error after MaxFailures")
	}
	k.wait(t)
}

func TestSubscribeCancellation(t *testing.T) {
	s := newSSEServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	k := consume(ctx, sseClient(s, cloud.NewFakeClock()), cloud.Stream{})
	c := s.next(t)
	c.write(t, ":ok\n\n")
	cancel()
	k.wait(t)
	c.waitGone(t)
	select {
	case err := <-k.errs:
		t.Errorf("cancellation yielded %v, want a quiet end", err)
	default:
	}
}

func TestSubscribeConsumerBreak(t *testing.T) {
	s := newSSEServer(t)
	c := sseClient(s, cloud.NewFakeClock())
	got := make(chan cloud.Event, 1)
	go func() {
		for ev, err := range c.Subscribe(t.Context(), cloud.Stream{}) {
			if err == nil {
				got <- ev
				break
			}
		}
	}()
	conn := s.next(t)
	conn.write(t, "event: a\ndata: {}\n\nevent: b\ndata: {}\n\n")
	if ev := <-got; ev.Name != "a" {
		t.Errorf("got %q", ev.Name)
	}
	conn.waitGone(t)
}

// TestSubscribeQuietStreamsBackOff: streams that end before any event are
// reopened ever more slowly; an event resets the delay.
func TestSubscribeQuietStreamsBackOff(t *testing.T) {
	clk := cloud.NewFakeClock()
	s := newSSEServer(t)
	k := consume(t.Context(), sseClient(s, clk), cloud.Stream{Product: "1234", ReconnectDelay: time.Second})
	for _, wait := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		c := s.next(t)
		c.write(t, ":ok\n\n")
		close(c.end)
		clk.WaitForTimer(t, wait)
		clk.Advance(wait)
	}
	c := s.next(t)
	c.write(t, "event: a\ndata: {}\n\n")
	k.next(t)
	close(c.end)
	clk.WaitForTimer(t, time.Second)
	clk.Advance(time.Second)
	s.next(t)
}

// TestSubscribeLongRetryAfterEnds: a 429 asking for a wait longer than the
// client's MaxRetryAfter ends the subscription with the rate-limit error
// instead of parking the stream (and, through the gate, every other client)
// for that long; the gate is held only up to MaxRetryAfter.
func TestSubscribeLongRetryAfterEnds(t *testing.T) {
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "600", 10 * time.Minute},
		{"HTTP date decades ahead", "Thu, 01 Nov 2070 00:00:00 GMT", 7 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := cloud.NewFakeClock()
			s := newSSEServer(t, replay{status: 429, header: map[string]string{"Retry-After": tt.header}})
			c := sseClient(s, clk)
			c.Gate = &cloud.RateGate{}
			k := consume(t.Context(), c, cloud.Stream{Product: "1234"})
			s.next(t)
			select {
			case err := <-k.errs:
				if d, ok := cloud.RetryAfter(err); !cloud.IsRateLimited(err) || !ok || d != tt.want {
					t.Errorf("err = %v (retry after %v), want rate limited for %v", err, d, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no error for a long Retry-After")
			}
			k.wait(t)
			if st := clk.Started(); len(st) != 0 {
				t.Errorf("the subscription waited %v, want no wait", st)
			}
			if until := c.Gate.Until(); !until.Equal(clk.Now().Add(cloud.DefaultRetryPolicy.MaxRetryAfter)) {
				t.Errorf("gate held until %v, want now+%v", until, cloud.DefaultRetryPolicy.MaxRetryAfter)
			}
			s.mu.Lock()
			opens := s.opens
			s.mu.Unlock()
			if opens != 1 {
				t.Errorf("the stream was opened %d times, want 1", opens)
			}
		})
	}
}

package cloudtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stream is an open SSE response read frame by frame.
type stream struct {
	t    *testing.T
	resp *http.Response
	r    *bufio.Reader
}

func openStream(t *testing.T, c *Cloud, path, token string) *stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream %s: %d %s", path, resp.StatusCode, b)
	}
	s := &stream{t: t, resp: resp, r: bufio.NewReader(resp.Body)}
	head := make([]byte, 5)
	if _, err := io.ReadFull(s.r, head); err != nil || string(head) != ":ok\n\n" {
		t.Fatalf("stream opened with %q, %v; want \":ok\\n\\n\"", head, err)
	}
	return s
}

// next returns the next event frame ("event: ...\ndata: ...\n\n"),
// skipping keep-alive blank lines.
func (s *stream) next() string {
	s.t.Helper()
	var frame strings.Builder
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("reading stream: %v (partial %q)", err, frame.String()+line)
		}
		if line == "\n" {
			if frame.Len() == 0 {
				continue // keep-alive
			}
			return frame.String() + "\n"
		}
		frame.WriteString(line)
	}
}

func TestStreamFraming(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: time.Hour})
	s := openStream(t, f.c, "/v1/products/100/events", f.product)
	if ct := s.resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := s.resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q", cc)
	}
	f.c.Publish(strings.ToUpper(photonA), "temperature", "25.34")
	want := "event: temperature\ndata: " +
		`{"coreid":"` + photonA + `","data":"25.34","name":"temperature","productID":100,"public":false,"published_at":"2026-11-26T12:00:00.000Z","ttl":60,"version":0}` +
		"\n\n"
	if diff := cmp.Diff(want, s.next()); diff != "" {
		t.Errorf("frame (-want +got):\n%s", diff)
	}
	// Devices outside the product stay off the product stream; going
	// offline and online shows spark/status.
	f.c.Publish(photonC, "temperature", "1")
	f.c.SetOnline(photonA, false)
	if err := f.c.DeviceOnline(photonA, ""); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{"offline", "online"} {
		frame := s.next()
		if !strings.HasPrefix(frame, "event: spark/status\ndata: ") || !strings.Contains(frame, `"data":"`+status+`"`) {
			t.Errorf("frame %q, want spark/status %s", frame, status)
		}
	}
}

func TestStreamKeepAlive(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: 5 * time.Millisecond})
	s := openStream(t, f.c, "/v1/devices/events", f.user)
	for range 3 {
		line, err := s.r.ReadString('\n')
		if err != nil || line != "\n" {
			t.Fatalf("keep-alive = %q, %v; want a bare newline", line, err)
		}
	}
}

func TestStreamRoutesAndPrefixes(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: time.Hour})
	f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
	carols := f.c.AddDevice(Device{ProductID: 100, Owner: "carol@example.com", Online: true})
	cust := f.c.CustomerToken(100, "carol@example.com")

	mine := openStream(t, f.c, "/v1/devices/events/temp", f.user)
	device := openStream(t, f.c, "/v1/devices/"+photonA+"/events", f.user)
	productDevice := openStream(t, f.c, "/v1/products/100/devices/"+carols+"/events/spark%2Fstatus", f.product)
	customer := openStream(t, f.c, "/v1/devices/events", cust)

	f.c.Publish(photonB, "humidity", "40")   // alice's, wrong prefix
	f.c.Publish(photonA, "temperature", "1") // product device, not alice's own
	f.c.Publish(photonB, "temperature", "2") // alice's
	f.c.Publish(carols, "hello", "c")
	f.c.SetOnline(carols, false)
	f.c.Publish(photonA, "done", "")
	do(t, f.c, call{method: "POST", path: "/v1/devices/events", token: f.user,
		json: map[string]any{"name": "temp/api", "data": "x", "private": true}})

	expectEvent := func(s *stream, name, coreid string) {
		t.Helper()
		frame := s.next()
		var data map[string]any
		_, payload, _ := strings.Cut(strings.TrimSuffix(frame, "\n\n"), "\ndata: ")
		if err := json.Unmarshal([]byte(payload), &data); err != nil {
			t.Fatalf("frame %q: %v", frame, err)
		}
		if !strings.HasPrefix(frame, "event: "+name+"\n") || data["coreid"] != coreid {
			t.Errorf("frame %q, want event %s from %s", frame, name, coreid)
		}
	}
	expectEvent(mine, "temperature", photonB)
	expectEvent(mine, "temp/api", "api")
	expectEvent(device, "temperature", photonA)
	expectEvent(device, "done", photonA)
	expectEvent(productDevice, "spark/status", carols)
	expectEvent(customer, "hello", carols)
	expectEvent(customer, "spark/status", carols)

	if got := f.c.OpenStreams(); got != 4 {
		t.Errorf("OpenStreams = %d, want 4", got)
	}
	t.Run("refused before streaming", func(t *testing.T) {
		for _, tc := range []struct{ path, token string }{
			{"/v1/products/100/events", cust},
			{"/v1/devices/" + photonC + "/events", f.c.UserToken("mallory@example.com")},
			{"/v1/devices/events", "nope"},
			{"/v1/events", f.user},
		} {
			got := do(t, f.c, call{method: "GET", path: tc.path, token: tc.token})
			if got.status < 400 || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %s", tc.path, got.status, got.header.Get("Content-Type"))
			}
		}
	})
}

func TestDropStreamsAndClose(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: time.Hour})
	s := openStream(t, f.c, "/v1/devices/events", f.user)
	f.c.DropStreams()
	if _, err := s.r.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Errorf("read after DropStreams: %v, want EOF", err)
	}
	openStream(t, f.c, "/v1/devices/events", f.user)
	f.c.Close() // must not hang on the open stream
	f.c.Close()
}

// TestStreamsChanged: the channel is closed when a stream opens, when the
// client leaves and when DropStreams ends the streams, so tests can wait
// for a stream count without polling.
func TestStreamsChanged(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: time.Hour})
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	ch := f.c.StreamsChanged()
	if closed(ch) {
		t.Fatal("StreamsChanged closed before any stream opened")
	}
	s := openStream(t, f.c, "/v1/devices/events", f.user)
	if !closed(ch) || f.c.OpenStreams() != 1 {
		t.Fatalf("after opening: closed %v, %d streams", closed(ch), f.c.OpenStreams())
	}
	ch = f.c.StreamsChanged()
	if closed(ch) {
		t.Fatal("a fresh StreamsChanged channel is already closed")
	}
	f.c.DropStreams()
	if !closed(ch) || f.c.OpenStreams() != 0 {
		t.Fatalf("after DropStreams: closed %v, %d streams", closed(ch), f.c.OpenStreams())
	}
	if _, err := s.r.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Errorf("read after DropStreams: %v, want EOF", err)
	}

	// A client that goes away closes the channel too (the handler notices
	// the cancelled request).
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", f.c.URL()+"/v1/devices/events", nil)
	req.Header.Set("Authorization", "Bearer "+f.user)
	opened := f.c.StreamsChanged()
	resp, err := f.c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-opened
	gone := f.c.StreamsChanged()
	cancel()
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("StreamsChanged not closed when the client left")
	}
	if n := f.c.OpenStreams(); n != 0 {
		t.Errorf("%d streams open after the client left", n)
	}
}

func TestPublish(t *testing.T) {
	f := newFixture(t, Options{KeepAlive: time.Hour})
	f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
	cust := f.c.CustomerToken(100, "carol@example.com")
	product := openStream(t, f.c, "/v1/products/100/events", f.product)
	tests := []struct {
		name       string
		call       call
		wantStatus int
	}{
		{name: "user JSON", call: call{method: "POST", path: "/v1/devices/events", token: f.user, json: map[string]any{"name": "a", "data": "1", "private": true}}, wantStatus: 200},
		{name: "product form", call: call{method: "POST", path: "/v1/products/100/events", token: f.product, form: url.Values{"name": {"b"}, "private": {"false"}, "ttl": {"30"}}}, wantStatus: 200},
		{name: "customer on device route", call: call{method: "POST", path: "/v1/devices/events", token: cust, json: map[string]any{"name": "c"}}, wantStatus: 200},
		{name: "no name", call: call{method: "POST", path: "/v1/devices/events", token: f.user, json: map[string]any{"data": "1"}}, wantStatus: 400},
		{name: "customer on product route", call: call{method: "POST", path: "/v1/products/100/events", token: cust, json: map[string]any{"name": "d"}}, wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, f.c, tt.call)
			if got.status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantStatus == 200 && got.body != `{"ok":true}` {
				t.Errorf("body %s", got.body)
			}
		})
	}
	if frame := product.next(); !strings.HasPrefix(frame, "event: b\n") || !strings.Contains(frame, `"public":true`) || !strings.Contains(frame, `"ttl":30`) || !strings.Contains(frame, `"coreid":"api"`) {
		t.Errorf("product stream frame %q", frame)
	}
	if frame := product.next(); !strings.HasPrefix(frame, "event: c\n") {
		t.Errorf("customer's event missing from the product stream: %q", frame)
	}
	var names []string
	for _, ev := range f.c.Events() {
		names = append(names, ev.Name)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, names); diff != "" {
		t.Errorf("Events (-want +got):\n%s", diff)
	}
}

func TestVitals(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.AddVitals(photonA, epoch.Add(-2*time.Hour), json.RawMessage(`{"device":{"network":{"signal":{"strength":80}}},"service":{"device":{"status":"ok"}}}`))
	f.c.AddVitals(photonA, epoch.Add(-time.Hour), json.RawMessage(`{"device":{"network":{"signal":{"strength":75.5}}}}`))
	got := do(t, f.c, call{method: "GET", path: "/v1/diagnostics/" + photonA + "/last", token: f.user})
	want := `{"diagnostics":{"deviceID":"` + photonA + `","payload":{"device":{"network":{"signal":{"strength":75.5}}}},"updated_at":"2026-11-26T11:00:00.000Z"}}`
	if diff := cmp.Diff(want, got.body); diff != "" {
		t.Errorf("last (-want +got):\n%s", diff)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/products/100/diagnostics/" + photonA + "?start_date=2026-11-26T10:30:00Z", token: f.product})
	if n := len(got.decode(t)["diagnostics"].([]any)); n != 1 {
		t.Errorf("history since 10:30: %d records: %s", n, got.body)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/diagnostics/" + photonA, token: f.user, header: http.Header{"Accept": {"text/csv"}}})
	wantCSV := "updated_at,deviceID,device.network.signal.strength,service.device.status\n" +
		"2026-11-26T10:00:00.000Z," + photonA + ",80,ok\n" +
		"2026-11-26T11:00:00.000Z," + photonA + ",75.5,\n"
	if diff := cmp.Diff(wantCSV, got.body); diff != "" || !strings.HasPrefix(got.header.Get("Content-Type"), "text/csv") {
		t.Errorf("CSV %s (-want +got):\n%s", got.header.Get("Content-Type"), diff)
	}
	for _, q := range []string{"start_date=yesterday", "start_date=2026-10-01T00:00:00Z"} {
		got := do(t, f.c, call{method: "GET", path: "/v1/diagnostics/" + photonA + "?" + q, token: f.user})
		if got.status != 400 || got.decode(t)["error"] != "bad_request" {
			t.Errorf("%s: %d %s", q, got.status, got.body)
		}
	}
	if got := do(t, f.c, call{method: "GET", path: "/v1/diagnostics/" + photonB + "/last", token: f.user}); got.status != 404 {
		t.Errorf("no vitals: %d", got.status)
	}
}

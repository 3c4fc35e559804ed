package softaptest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/softap"
)

func frame(command, body string) string { return string(softap.FrameRequest(command, []byte(body))) }

func newDevice(t *testing.T, opts ...Option) *Device {
	t.Helper()
	d, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// rawRequest sends one raw TCP request and returns the connection for reading.
func rawRequest(t *testing.T, d *Device, req string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", d.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	return c
}

// readUntil reads until want has arrived (or fails), without needing EOF.
func readUntil(t *testing.T, c net.Conn, want string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading %q: %v (got %q)", want, err, got)
	}
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// stillOpen reports whether c is still open after the reply: a short read
// deadline expires instead of EOF.
func stillOpen(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	var b [1]byte
	_, err := c.Read(b[:])
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	if err != io.EOF {
		t.Fatalf("read after reply: %v", err)
	}
	return false
}

func TestFirstTCPConnectionLeftOpen(t *testing.T) {
	d := newDevice(t)
	first := rawRequest(t, d, "version\n0\n\n")
	readUntil(t, first, "\n\n{\"v\":2}")
	if !stillOpen(t, first) {
		t.Error("first connection closed; the #1252 quirk wants it left open")
	}
	second := rawRequest(t, d, "version\n0\n\n")
	readUntil(t, second, "\n\n{\"v\":2}")
	if stillOpen(t, second) {
		t.Error("second connection left open")
	}
	// Close releases the connection the device kept.
	d.Close()
	_ = first.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := first.Read(make([]byte, 1)); err == nil {
		t.Error("first connection still open after Close")
	}
}

func TestFirstConnectionClosedOption(t *testing.T) {
	d := newDevice(t, WithFirstConnectionClosed())
	c := rawRequest(t, d, "version\n0\n\n")
	readUntil(t, c, "\n\n{\"v\":2}")
	if stillOpen(t, c) {
		t.Error("first connection left open despite WithFirstConnectionClosed")
	}
}

// TestRawTCP checks replies byte for byte, after spending the first
// connection so every reply ends in EOF.
func TestRawTCP(t *testing.T) {
	tests := []struct {
		name, req, want string
	}{
		{"version", "version\n0\n\n", "\n\n{\"v\":2}"},
		{"device-id upper case", "device-id\n0\n\n", "\n\n{\"id\":\"3B002100174735323634303A\",\"c\":\"0\"}"},
		{"headers skipped", "version\n0\nX: y\n\n", "\n\n{\"v\":2}"},
		{"set", "set\n20\n\n{\"k\":\"cc\",\"v\":\"abc\"}", "\n\n{\"r\":0}"},
		{"set wrong key", "set\n20\n\n{\"k\":\"xx\",\"v\":\"abc\"}", "\n\n{\"r\":-1}"},
		{"set empty value", "set\n17\n\n{\"k\":\"cc\",\"v\":\"\"}", "\n\n{\"r\":-1}"},
		{"set unknown key", frame("set", `{"k":"cc","v":"abc","x":""}`), "\n\n"},
		{"configure wrong type", frame("configure-ap", `{"sec":"0"}`), "\n\n"},
		{"configure open", frame("configure-ap", `{"idx":0,"ssid":"Guest","sec":0,"ch":null}`), "\n\n{\"r\":0}"},
		{"connect-ap body ignored", "connect-ap\n3\n\nxyz", "\n\n{\"r\":0}"},
		{"unknown command", "provision-keys\n0\n\n", ""},
		{"antenna answers nothing", "ant-internal\n0\n\n", ""},
		{"lower-case command unknown", "VERSION\n0\n\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDevice(t, WithDeviceID("3b002100174735323634303a"))
			readUntil(t, rawRequest(t, d, "version\n0\n\n"), "\n\n{\"v\":2}")
			c := rawRequest(t, d, tt.req)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSingleThreadedTCP: a request that declares more body than it sends
// blocks the whole TCP service, as on the device.
func TestSingleThreadedTCP(t *testing.T) {
	locked := make(chan struct{}, 4)
	d := newDevice(t, WithFirstConnectionClosed(), func(d *Device) { d.tcpLocked = func() { locked <- struct{}{} } })
	stuck := rawRequest(t, d, "set\n100\n\n{}")
	<-locked // the stuck request holds the TCP service
	next := rawRequest(t, d, "version\n0\n\n")
	if !stillOpen(t, next) {
		t.Fatal("second request answered while the first was stuck")
	}
	stuck.Close()
	readUntil(t, next, "\n\n{\"v\":2}")
}

func TestPublicKeyReply(t *testing.T) {
	d := newDevice(t)
	c := rawRequest(t, d, "public-key\n0\n\n")
	r := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := r.ReadString('}')
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, `{"b":"`) || !strings.HasSuffix(line, `","r":0}`) {
		t.Fatalf("reply %q", line)
	}
	b := strings.TrimSuffix(strings.TrimPrefix(line, `{"b":"`), `","r":0}`)
	if len(b) != 588 || strings.ToUpper(b) != b {
		t.Fatalf("b is %d characters, upper case %v; want 588 upper-case", len(b), strings.ToUpper(b) == b)
	}
	raw, _ := hex.DecodeString(b)
	if !bytes.HasPrefix(raw, []byte{0x30, 0x81, 0x9f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x81, 0x8d, 0x00, 0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00}) {
		t.Errorf("key does not start with the firmware's 29-byte header: % x", raw[:29])
	}
	if !bytes.Equal(raw[162:], make([]byte, 132)) {
		t.Errorf("the last 132 bytes are not zero padding")
	}
	key, err := softap.ParsePublicKey([]byte(line))
	if err != nil || !key.Equal(d.PublicKey()) {
		t.Errorf("ParsePublicKey: %v, equal %v", err, err == nil && key.Equal(d.PublicKey()))
	}
}

func TestHTTP(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
		location                 string
		want                     string
	}{
		{"hello", "GET", "/hello", "", 200, "", "Soft AP Setup"},
		{"root redirects", "GET", "/", "", 302, "/index", ""},
		{"index redirects", "GET", "/index", "", 301, "/hello", ""},
		{"app page 404", "GET", "/nope", "", 404, "", "404 page not found\n"},
		{"version", "GET", "/version", "", 200, "", `{"v":2}`},
		{"set", "POST", "/set", `{"k":"cc","v":"abc"}`, 200, "", `{"r":0}`},
		{"rejected is empty", "POST", "/set", `{"k":"cc","v":"abc","name":"x"}`, 200, "", ""},
		{"ant-internal not on http", "GET", "/ant-internal", "", 404, "", "404 page not found\n"},
	}
	d := newDevice(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, "http://"+d.Addr()+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			got := struct {
				Status   int
				Location string
				Body     string
			}{resp.StatusCode, resp.Header.Get("Location"), string(body)}
			want := got
			want.Status, want.Location, want.Body = tt.status, tt.location, tt.want
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tt.status == 200 && tt.path != "/hello" {
				if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
					t.Errorf("no CORS header")
				}
				if len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
					t.Errorf("transfer encoding %v, want chunked", resp.TransferEncoding)
				}
			}
		})
	}
}

func TestConcurrentTransports(t *testing.T) {
	d := newDevice(t)
	done := make(chan error, 10)
	for i := range 10 {
		go func() {
			c := &softap.Client{Addr: d.Addr(), Transport: []softap.Transport{softap.TCP, softap.HTTP}[i%2]}
			_, err := c.DeviceID(t.Context())
			done <- err
		}()
	}
	for range 10 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if n := len(d.Record().Commands); n < 10 {
		t.Errorf("recorded %d commands, want at least 10", n)
	}
}

var flatTests = []struct {
	name string
	in   string
	want map[string]value
	ok   bool
}{
	{"configure", `{"idx":0,"ssid":"A","sec":4194308,"ch":6,"pwd":"00"}`,
		map[string]value{"idx": {}, "ssid": {str: "A"}, "sec": {num: 4194308}, "ch": {num: 6}, "pwd": {str: "00"}}, true},
	{"raw string not unescaped", `{"ssid":"a\nb"}`, map[string]value{"ssid": {str: `a\nb`}}, true},
	{"null channel", `{"ch":null}`, map[string]value{"ch": {}}, true},
	{"null sec refused", `{"sec":null}`, nil, false},
	{"unknown key", `{"ssid":"A","name":"x"}`, nil, false},
	{"string for number", `{"sec":"1"}`, nil, false},
	{"number for string", `{"ssid":1}`, nil, false},
	{"nested", `{"ssid":{"a":1}}`, nil, false},
	{"array", `[1]`, nil, false},
	{"empty", ``, nil, false},
	{"null", `null`, nil, false},
	{"bool", `{"idx":true}`, nil, false},
}

var flatKeys = map[string]kind{"idx": kindNumber, "ssid": kindString, "sec": kindNumber, "ch": kindNumber, "pwd": kindString}

func TestParseFlat(t *testing.T) {
	for _, tt := range flatTests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseFlat([]byte(tt.in), flatKeys)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(value{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseFlat(f *testing.F) {
	for _, tt := range flatTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parseFlat(b, flatKeys)
		if !ok {
			return
		}
		for k := range got {
			if _, allowed := flatKeys[k]; !allowed {
				t.Fatalf("accepted key %q", k)
			}
		}
	})
}

func TestLenientHex(t *testing.T) {
	tests := []struct{ in, want string }{
		{"00ff", "00ff"},
		{"00FF", "00ff"},
		{"zz1", "00"},
		{"g1", "01"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(lenientHex(tt.in, 256)); got != tt.want {
			t.Errorf("lenientHex(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestBadDeviceID(t *testing.T) {
	if _, err := New(WithDeviceID("xyz")); err == nil {
		t.Error("New accepted a bad device ID")
	}
}

func TestUnescapePEM(t *testing.T) {
	tests := []struct{ in, want string }{
		{`-----BEGIN X-----\r\nAB\/C\r\n`, "-----BEGIN X-----\r\nAB/C\r\n"},
		{`a\"b\\c\td\be\ff\n`, "a\"b\\c\td\be\ff\n"},
		{`\u0041 stays`, `\u0041 stays`},
		{`trailing\`, `trailing\`},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := unescapePEM(tt.in); got != tt.want {
			t.Errorf("unescapePEM(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

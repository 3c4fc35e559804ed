package softaptest

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// connectAP sends connect-ap over transport and checks the whole reply
// arrived: the raw TCP JSON, or an HTTP response ended properly.
func connectAP(t *testing.T, d *Device, transport string) {
	t.Helper()
	if transport == "tcp" {
		c := rawRequest(t, d, frame("connect-ap", `{"idx":0}`))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "\n\n{\"r\":0}" {
			t.Fatalf("connect-ap reply %q, %v", got, err)
		}
		return
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := client.Post("http://"+d.Addr()+"/connect-ap", "application/x-www-form-urlencoded", strings.NewReader(`{"idx":0}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != `{"r":0}` {
		t.Fatalf("connect-ap reply %q, %v: the response was cut short", body, err)
	}
}

// configure stores an open network, or a WPA2 one with password.
func configure(t *testing.T, d *Device, ssid, password string) {
	t.Helper()
	body := `{"idx":0,"ssid":"` + ssid + `","sec":0,"ch":1}`
	if password != "" {
		//lint:ignore SA1019 the device protocol is PKCS#1 v1.5.
		ct, err := rsa.EncryptPKCS1v15(rand.Reader, d.PublicKey(), []byte(password))
		if err != nil {
			t.Fatal(err)
		}
		body = `{"idx":0,"ssid":"` + ssid + `","sec":4194308,"ch":6,"pwd":"` + hex.EncodeToString(ct) + `"}`
	}
	c := rawRequest(t, d, frame("configure-ap", body))
	readUntil(t, c, "\n\n{\"r\":0}")
}

// next waits for the next change of the access point (or for the online
// callback, for a string channel).
func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("the device did not leave or re-enter listening mode within 5 s")
	}
	var zero T
	return zero
}

// refused checks that nothing answers on the device's address any more.
func refused(t *testing.T, d *Device) {
	t.Helper()
	c, err := net.DialTimeout("tcp", d.Addr(), 2*time.Second)
	if err == nil {
		c.Close()
		t.Fatal("the access point still accepts connections after connect-ap")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after connect-ap: %v, want connection refused", err)
	}
}

// A Photon leaves listening mode after connect-ap's reply: its access point
// goes, with the connection the #1252 quirk kept open, and stays gone once
// the Photon is online.
func TestAccessPointDownAfterConnect(t *testing.T) {
	for _, tr := range []string{"tcp", "http"} {
		t.Run(tr, func(t *testing.T) {
			ap := make(chan bool, 4)
			online := make(chan string, 1)
			d := newDevice(t, WithAccessPointHook(func(up bool) { ap <- up }), WithOnline(func(id, _ string) { online <- id }))
			first := rawRequest(t, d, "version\n0\n\n")
			readUntil(t, first, "\n\n{\"v\":2}")
			configure(t, d, "Guest", "")
			connectAP(t, d, tr)
			if up := next(t, ap); up {
				t.Fatal("the access point came up instead of going down")
			}
			next(t, online)
			refused(t, d)
			if d.Listening() {
				t.Error("Listening() after connect-ap")
			}
			_ = first.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := first.Read(make([]byte, 1)); errors.Is(err, net.ErrClosed) || err == nil || isTimeout(err) {
				t.Errorf("the connection kept open by #1252 survived the access point: %v", err)
			}
			select {
			case up := <-ap:
				t.Errorf("access point changed again (up %v) although the Photon is online", up)
			default:
			}
		})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// A Photon that cannot join falls back to listening mode: the access point
// returns on the same address, with a fresh TCP server (the #1252 quirk
// again), and the device has kept what it was given.
func TestAccessPointBackAfterFallBack(t *testing.T) {
	for _, tr := range []string{"tcp", "http"} {
		t.Run(tr, func(t *testing.T) {
			ap := make(chan bool, 4)
			d := newDevice(t, WithWiFiPassword("the-right-one"), WithAccessPointHook(func(up bool) { ap <- up }))
			readUntil(t, rawRequest(t, d, "version\n0\n\n"), "\n\n{\"v\":2}")
			configure(t, d, "Workshop", "the-wrong-one")
			connectAP(t, d, tr)
			if up := next(t, ap); up {
				t.Fatal("the access point did not go down first")
			}
			if up := next(t, ap); !up {
				t.Fatal("the access point did not come back")
			}
			if !d.Listening() || d.Online() {
				t.Errorf("Listening %v, Online %v; want back in listening mode, offline", d.Listening(), d.Online())
			}
			c := rawRequest(t, d, "device-id\n0\n\n")
			readUntil(t, c, "\n\n{\"id\":\"3B0021001747353236343033\",\"c\":\"0\"}")
			if !stillOpen(t, c) {
				t.Error("the first connection after the restart was closed; a fresh TCP server keeps it (#1252)")
			}
			if rec := d.Record(); rec.SSID != "Workshop" || rec.Password != "the-wrong-one" || rec.Connects != 1 {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

// Holding SETUP on an online Photon brings its access point back.
func TestEnterListeningMode(t *testing.T) {
	ap := make(chan bool, 4)
	d := newDevice(t, WithFirstConnectionClosed(), WithAccessPointHook(func(up bool) { ap <- up }))
	if err := d.EnterListeningMode(); err != nil || len(ap) != 0 {
		t.Fatalf("EnterListeningMode while listening: %v, hook calls %d", err, len(ap))
	}
	configure(t, d, "Guest", "")
	connectAP(t, d, "tcp")
	next(t, ap)
	refused(t, d)
	if err := d.EnterListeningMode(); err != nil {
		t.Fatal(err)
	}
	if up := next(t, ap); !up || !d.Listening() || d.Online() {
		t.Fatalf("hook %v, Listening %v, Online %v", up, d.Listening(), d.Online())
	}
	readUntil(t, rawRequest(t, d, "version\n0\n\n"), "\n\n{\"v\":2}")
}

// A Photon answers one HTTP request per connection: "Connection: close",
// then the connection ends; a pipelined second request gets nothing.
func TestHTTPOneRequestPerConnection(t *testing.T) {
	d := newDevice(t)
	c := rawRequest(t, d, "GET /version HTTP/1.1\r\nHost: 192.168.0.1\r\n\r\nGET /device-id HTTP/1.1\r\nHost: 192.168.0.1\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != `{"v":2}` || !resp.Close {
		t.Errorf("first response: body %q, Connection: close %v", body, resp.Close)
	}
	rest, err := io.ReadAll(br)
	if err != nil || len(rest) != 0 {
		t.Errorf("after the first response: %q, %v; want the connection closed", rest, err)
	}
	if cmds := d.Record().Commands; len(cmds) != 1 || cmds[0] != "http version" {
		t.Errorf("device handled %v, want only the first request", cmds)
	}
}

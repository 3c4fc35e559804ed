package softap_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// Tests of the client against the emulator's faithful behaviour: the
// access point going after connect-ap, one HTTP request per connection,
// slow devices, Enterprise configurations.

// TestHTTPOneConnectionPerRequest: the client opens a connection per
// request even where the server would keep it alive: a Photon answers one
// request per connection, so a reused one would go unanswered.
func TestHTTPOneConnectionPerRequest(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"v":2}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := &softap.Client{Addr: srv.Listener.Addr().String(), Transport: softap.HTTP, Attempts: 1}
	for i := range 3 {
		if _, err := c.Version(ctx(t)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("3 requests used %d connections, want one each", n)
	}
}

// TestHTTPAgainstOneRequestDevice: the whole setup over HTTP against a
// device that closes every connection after one answer.
func TestHTTPAgainstOneRequestDevice(t *testing.T) {
	d := newDevice(t)
	c := newClient(d, softap.HTTP, nil)
	c.Attempts = 1
	for i := range 3 {
		if _, err := c.DeviceID(ctx(t)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
}

// TestAccessPointGoneAfterConnectAP: once connect-ap is acknowledged the
// Photon's access point is gone; the next request fails as unreachable
// (connection refused on loopback), and ConnectAP still reported success.
func TestAccessPointGoneAfterConnectAP(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			down := make(chan bool, 2)
			d := newDevice(t, softaptest.WithAccessPointHook(func(up bool) { down <- !up }))
			c := newClient(d, tr, nil)
			c.Attempts = 1
			if err := c.ConfigureAP(ctx(t), d.PublicKey(), softap.Credentials{SSID: "Guest", Security: softap.Open}); err != nil {
				t.Fatal(err)
			}
			if acked, err := c.ConnectAP(ctx(t)); err != nil || !acked {
				t.Fatalf("ConnectAP = %v, %v; want acknowledged", acked, err)
			}
			select {
			case <-down:
			case <-time.After(5 * time.Second):
				t.Fatal("the access point is still up 5 s after connect-ap")
			}
			_, err := c.DeviceID(ctx(t))
			var te *softap.TransportError
			if !errors.As(err, &te) || !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("DeviceID after connect-ap: %v, want a TransportError (connection refused)", err)
			}
		})
	}
}

// TestSlowDeviceCancelled: a caller that stops waiting while the device is
// busy scanning gets the cancellation at once, over either transport.
func TestSlowDeviceCancelled(t *testing.T) {
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			seen := make(chan string, 4)
			d := newDevice(t, softaptest.WithDelays(softaptest.Realistic), softaptest.WithClock(heldClock{}),
				softaptest.WithRequestHook(func(_, got string) { seen <- got }))
			c := newClient(d, tr, nil)
			cctx, cancel := context.WithCancel(ctx(t))
			done := make(chan error, 1)
			go func() { _, err := c.ScanAP(cctx); done <- err }()
			for got := ""; got != "scan-ap"; {
				select {
				case got = <-seen:
				case err := <-done:
					t.Fatalf("ScanAP returned while the device was scanning: %v", err)
				}
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ScanAP did not return within 5 s of its cancellation")
			}
		})
	}
}

// heldClock never fires: a device on it stays busy until Close.
type heldClock struct{}

func (heldClock) Now() time.Time                     { return time.Unix(0, 0) }
func (heldClock) NewTimer(time.Duration) clock.Timer { return chanTimer(make(chan time.Time)) }

// enterpriseKeys are an EAP-TLS private key encrypted the way
// softap-setup-js sends it (docs/softap.md, "WPA Enterprise"): a random AES-128 key
// and IV, RSA-encrypted to the device ("ek"), and the PEM text plus CRLF
// in AES-128-CBC with PKCS#7 padding ("key").
func enterpriseKeys(t *testing.T, pub *rsa.PublicKey, pem string) (ek, key string, stored string) {
	t.Helper()
	kiv := make([]byte, 32)
	if _, err := rand.Read(kiv); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the device protocol is PKCS#1 v1.5.
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, kiv)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(pem + "\r\n")
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(kiv[:16])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, kiv[16:]).CryptBlocks(out, plain)
	return hex.EncodeToString(ct), hex.EncodeToString(out), string(plain)
}

// TestEnterpriseConfigurations: the device stores a well-formed WPA
// Enterprise configuration (PEAP or EAP-TLS) and refuses a malformed one
// with r=1, which the client reports as ErrEnterpriseUnsupported. The
// station itself never sends one (ConfigureAP refuses Enterprise
// networks); these go through the client's transport by hand, as
// softap-setup-js would send them.
func TestEnterpriseConfigurations(t *testing.T) {
	const crt = "-----BEGIN CERTIFICATE-----\nMIIBfake/client+cert==\n-----END CERTIFICATE-----"
	const ca = "-----BEGIN CERTIFICATE-----\nMIIBfake/ca==\n-----END CERTIFICATE-----"
	const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIICfake/key==\n-----END RSA PRIVATE KEY-----"
	corp := softap.Network{SSID: "Corp", RSSI: -50, Code: softap.SecWPA2AESEnt, Channel: 6}
	jsonString := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	type want struct {
		code       int
		enterprise *softaptest.Enterprise
		password   string
	}
	tests := []struct {
		name string
		body func(d *softaptest.Device, enc func(string) string) (string, want)
	}{
		{"PEAP", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":25,"oi":"anonymous","ii":"jdoe","pwd":"` + enc("pässwörd") + `","ca":` + jsonString(ca+"\r\n") + `}`,
				want{0, &softaptest.Enterprise{EAPType: 25, OuterIdentity: "anonymous", InnerIdentity: "jdoe", CACert: ca + "\r\n"}, "pässwörd"}
		}},
		{"EAP-TLS", func(d *softaptest.Device, enc func(string) string) (string, want) {
			ek, key, stored := enterpriseKeys(t, d.PublicKey(), pem)
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":13,"oi":"device@corp","crt":` + jsonString(crt+"\r\n") + `,"key":"` + key + `","ek":"` + ek + `"}`,
				want{0, &softaptest.Enterprise{EAPType: 13, OuterIdentity: "device@corp", ClientCert: crt + "\r\n", PrivateKey: stored}, ""}
		}},
		{"PEAP without user name", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":25,"pwd":"` + enc("secret") + `"}`, want{code: 1}
		}},
		{"PEAP without password", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":25,"ii":"jdoe"}`, want{code: 1}
		}},
		{"PEAP user name over 64 bytes", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":25,"ii":"` + strings.Repeat("u", 65) + `","pwd":"` + enc("secret") + `"}`, want{code: 1}
		}},
		{"EAP-TLS without key", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":13,"crt":` + jsonString(crt) + `}`, want{code: 1}
		}},
		{"EAP-TLS without certificate", func(d *softaptest.Device, enc func(string) string) (string, want) {
			ek, key, _ := enterpriseKeys(t, d.PublicKey(), pem)
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":13,"key":"` + key + `","ek":"` + ek + `"}`, want{code: 1}
		}},
		{"EAP-TTLS is not supported", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":21,"ii":"jdoe","pwd":"` + enc("secret") + `"}`, want{code: 1}
		}},
		{"CA certificate too large", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"eap":25,"ii":"jdoe","pwd":"` + enc("secret") + `","ca":"` + strings.Repeat("A", 4097) + `"}`, want{code: 1}
		}},
		{"Enterprise security without eap", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Corp","sec":37748740,"ch":6,"ii":"jdoe","pwd":"` + enc("secret") + `"}`, want{code: 1}
		}},
		{"Enterprise network not in range", func(d *softaptest.Device, enc func(string) string) (string, want) {
			return `{"idx":0,"ssid":"Elsewhere","sec":37748740,"ch":6,"eap":25,"ii":"jdoe","pwd":"` + enc("secret") + `"}`, want{code: -2}
		}},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(string(tr)+"/"+tt.name, func(t *testing.T) {
				d := newDevice(t, softaptest.WithNetworks(corp))
				enc := func(s string) string {
					//lint:ignore SA1019 the device protocol is PKCS#1 v1.5.
					ct, err := rsa.EncryptPKCS1v15(rand.Reader, d.PublicKey(), []byte(s))
					if err != nil {
						t.Fatal(err)
					}
					return hex.EncodeToString(ct)
				}
				body, w := tt.body(d, enc)
				reply, err := newClient(d, tr, nil).DoRaw(ctx(t), "configure-ap", []byte(body))
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf(`{"r":%d}`, w.code); string(reply) != want {
					t.Fatalf("reply %s, want %s", reply, want)
				}
				if w.code == 1 && !errors.Is(softap.ResultOf("configure-ap", reply), softap.ErrEnterpriseUnsupported) {
					t.Errorf("r=1 maps to %v", softap.ResultOf("configure-ap", reply))
				}
				rec := d.Record()
				if diff := cmp.Diff(w.enterprise, rec.Enterprise); diff != "" {
					t.Errorf("stored Enterprise configuration (-want +got):\n%s", diff)
				}
				if w.code == 0 && (rec.SSID != "Corp" || rec.Sec != int64(softap.SecWPA2AESEnt) || rec.Password != w.password || rec.Configured != 1) {
					t.Errorf("record: SSID %q sec %d configured %d, password as sent %v", rec.SSID, rec.Sec, rec.Configured, rec.Password == w.password)
				}
				if w.code != 0 && rec.Configured != 0 {
					t.Errorf("a refused configuration was stored: %+v", rec)
				}
			})
		}
	}
}

// TestWarmUpAfterFallBack: a Photon back in listening mode after a failed
// join runs a new TCP server that again keeps its first connection open
// (#1252). The client spends that connection again, so a request the
// device rejects is reported at once instead of waiting for the timeout.
func TestWarmUpAfterFallBack(t *testing.T) {
	up := make(chan bool, 4)
	d := newDevice(t, softaptest.WithWiFiPassword("the-right-one"), softaptest.WithAccessPointHook(func(u bool) { up <- u }))
	c := newClient(d, softap.TCP, nil)
	c.Attempts = 1
	c.Timeouts.ConfigureAP = 3 * time.Second
	if err := c.ConfigureAP(ctx(t), d.PublicKey(), softap.Credentials{SSID: "Workshop", Security: softap.WPA2, Password: "the-wrong-one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConnectAP(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []bool{false, true} {
		select {
		case got := <-up:
			if got != want {
				t.Fatalf("access point up=%v, want %v", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the access point did not change to up=%v within 5 s", want)
		}
	}
	start := time.Now()
	_, err := c.DoRaw(ctx(t), "configure-ap", []byte(`{"idx":0,"ssid":"Workshop","name":"x"}`))
	if !errors.Is(err, softap.ErrRejected) {
		t.Fatalf("got %v, want ErrRejected", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("the rejection took %s: it went on the connection the device keeps open", el)
	}
}

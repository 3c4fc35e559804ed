package provisioning

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// softAPDevice is the pipeline's Device for an emulated SoftAP Photon.
func softAPDevice(dev *softaptest.Device, tr softap.Transport, scanTimeout time.Duration) Device {
	client := &softap.Client{Addr: dev.Addr(), Transport: tr, Timeouts: softap.Timeouts{Command: 2 * time.Second, ConfigureAP: 5 * time.Second}}
	return Device{Slot: "softap", Open: func(context.Context) (DeviceChannel, error) {
		ch := NewSoftAPChannel(client)
		ch.ScanTimeout = scanTimeout
		return ch, nil
	}}
}

func newSoftAPPhoton(t *testing.T, opts ...softaptest.Option) *softaptest.Device {
	t.Helper()
	dev, err := softaptest.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	return dev
}

// A network name and password beyond ASCII reach the Photon byte for byte
// over either transport: the client writes UTF-8 unescaped (the firmware
// never unescapes JSON strings) and counts the TCP length in bytes.
func TestEndToEndSoftAPNonASCII(t *testing.T) {
	const ssid = "Café ☕ Büro-Ü" // 18 bytes
	const password = "pässwörd-ünïcode-日本"
	for _, tr := range []softap.Transport{softap.TCP, softap.HTTP} {
		t.Run(string(tr), func(t *testing.T) {
			e := newE2E(t, Profile{SSID: ssid, Security: SecurityWPA2, Channel: ChannelSoftAP})
			e.pipeline.Credentials.WiFiPassword = password
			id := e.cloud.AddDevice(cloudtest.Device{ID: "320020001847333531323135"})
			network := softap.Network{SSID: ssid, RSSI: -52, Code: softap.SecWPA2AESPSK, Channel: 11, MaxDataRate: 54000}
			dev := newSoftAPPhoton(t, softaptest.WithDeviceID(id), softaptest.WithWiFiPassword(password),
				softaptest.WithOnline(e.online), softaptest.WithNetworks(network))
			res := e.run(softAPDevice(dev, tr, 0))
			e.check(res, id, "")
			rec := dev.Record()
			if rec.SSID != ssid || rec.Password != password || rec.Sec != int64(softap.SecWPA2AESPSK) || rec.Channel != 11 {
				t.Errorf("the Photon stored SSID % x (want % x), sec %d ch %d, password as sent %v",
					rec.SSID, ssid, rec.Sec, rec.Channel, rec.Password == password)
			}
			if dev.Listening() {
				t.Error("the Photon's access point is still up after it joined the network")
			}
		})
	}
}

// A Photon that scans slower than the channel's ScanTimeout: the scan is
// given up, configure-ap goes with the profile's security code (over TCP it
// waits for the device's single-threaded server to finish the scan), and
// the run passes. The device's scan lasts, on its own clock, until the
// station has given it up (it closed the scan's connection).
func TestEndToEndSoftAPSlowScan(t *testing.T) {
	for _, tr := range []softap.Transport{softap.TCP, softap.HTTP} {
		t.Run(string(tr), func(t *testing.T) {
			e := newE2E(t, Profile{SSID: "Workshop", Security: SecurityWPA2, Channel: ChannelSoftAP})
			id := e.cloud.AddDevice(cloudtest.Device{ID: "320020001847333531323135"})
			scanEnds := make(chan time.Time)
			dev := newSoftAPPhoton(t, softaptest.WithDeviceID(id), softaptest.WithWiFiPassword(wifiPassword),
				softaptest.WithOnline(e.online), softaptest.WithDelays(softaptest.Delays{ScanAP: time.Minute}),
				softaptest.WithClock(gateClock{scanEnds}))
			d := softAPDevice(dev, tr, 100*time.Millisecond)
			open := d.Open
			var once sync.Once
			d.Open = func(ctx context.Context) (DeviceChannel, error) {
				ch, err := open(ctx)
				if sc, ok := ch.(*SoftAPChannel); ok {
					sc.Client.Dialer = scanCloseWatch(func() { once.Do(func() { close(scanEnds) }) })
				}
				return ch, err
			}
			res := e.run(d)
			e.check(res, id, "")
			rec := dev.Record()
			if got := softap.SecurityCode(rec.Sec); got != softap.SecWPA2MixedPSK {
				t.Errorf("configure-ap sent sec %s, want the profile's %s: the slow scan was not given up", got, softap.SecWPA2MixedPSK)
			}
			if n := strings.Count(strings.Join(rec.Commands, "\n"), "scan-ap"); n != 1 {
				t.Errorf("the device saw %d scans, want 1 (a timed-out scan is not retried)", n)
			}
		})
	}
}

// gateClock is an emulated Photon's clock whose waits all end when the
// test closes its channel.
type gateClock struct{ ends chan time.Time }

func (gateClock) Now() time.Time                       { return time.Now() }
func (g gateClock) NewTimer(time.Duration) clock.Timer { return gateTimer(g) }

type gateTimer gateClock

func (g gateTimer) C() <-chan time.Time { return g.ends }
func (gateTimer) Stop() bool            { return false }

// scanCloseWatch dials plainly and calls closed when the station closes
// the connection that carried a scan-ap request.
type scanCloseWatch func()

func (f scanCloseWatch) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &watchedConn{Conn: c, closed: f}, nil
}

type watchedConn struct {
	net.Conn
	closed func()
	scan   atomic.Bool
}

func (c *watchedConn) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("scan-ap")) {
		c.scan.Store(true)
	}
	return c.Conn.Write(p)
}

func (c *watchedConn) Close() error {
	err := c.Conn.Close()
	if c.scan.Load() {
		c.closed()
	}
	return err
}

// A wrong Wi-Fi password: the Photon acknowledges connect-ap, its access
// point goes, it cannot join and falls back to listening mode, and the
// verdict says so because the access point answers again.
func TestEndToEndSoftAPWrongPassword(t *testing.T) {
	for _, tr := range []softap.Transport{softap.TCP, softap.HTTP} {
		t.Run(string(tr), func(t *testing.T) {
			e := newE2E(t, Profile{SSID: "Workshop", Security: SecurityWPA2, Channel: ChannelSoftAP})
			e.pipeline.Profile.VerifyTimeout = 300 * time.Millisecond
			id := e.cloud.AddDevice(cloudtest.Device{ID: "320020001847333531323135"})
			changes := make(chan bool, 4)
			dev := newSoftAPPhoton(t, softaptest.WithDeviceID(id), softaptest.WithWiFiPassword("the-network's-real-one"),
				softaptest.WithOnline(e.online), softaptest.WithAccessPointHook(func(up bool) { changes <- up }))
			res := e.run(softAPDevice(dev, tr, 0))
			if res.Outcome != OutcomeFail || res.FailedStep != StepVerify {
				t.Fatalf("%s at %s: %s", res.Outcome, res.FailedStep, res.Message)
			}
			if !strings.Contains(res.Message, "went back to listening mode") || !strings.Contains(res.Action, "Wi-Fi password") {
				t.Errorf("message %q / action %q", res.Message, res.Action)
			}
			if len(changes) != 2 || <-changes || !<-changes {
				t.Errorf("the access point did not go down and come back once")
			}
			if strings.Contains(res.Message+res.Details, wifiPassword) {
				t.Error("the Wi-Fi password is in the result")
			}
		})
	}
}

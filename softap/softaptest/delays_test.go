package softaptest

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/internal/clock"
)

// recordingClock fires every timer at once and records its duration.
type recordingClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *recordingClock) Now() time.Time { return time.Unix(0, 0) }
func (c *recordingClock) NewTimer(d time.Duration) clock.Timer {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, 0)
	return firedTimer(ch)
}

func (c *recordingClock) take() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.waits
	c.waits = nil
	return w
}

type firedTimer chan time.Time

func (t firedTimer) C() <-chan time.Time { return t }
func (t firedTimer) Stop() bool          { return false }

// With delays, each command waits on the device's clock for as long as the
// Photon takes: scan-ap its scan, configure-ap its sniff scan (only for the
// families that need one), the join after connect-ap.
func TestDelaysOnTheClock(t *testing.T) {
	clk := &recordingClock{}
	online := make(chan string, 1)
	d := newDevice(t, WithDelays(Realistic), WithClock(clk), WithFirstConnectionClosed(),
		WithOnline(func(id, _ string) { online <- id }), WithLatency("public-key", time.Second))
	steps := []struct {
		req, reply string
		want       []time.Duration
	}{
		{"version\n0\n\n", `{"v":2}`, nil},
		{"scan-ap\n0\n\n", `{"scans":[`, []time.Duration{Realistic.ScanAP}},
		{"public-key\n0\n\n", `{"b":"`, []time.Duration{time.Second}},
		{frame("configure-ap", `{"idx":0,"ssid":"Guest","sec":0,"ch":1}`), `{"r":0}`, nil},
	}
	for _, s := range steps {
		readUntil(t, rawRequest(t, d, s.req), "\n\n"+s.reply)
		if diff := cmp.Diff(s.want, clk.take()); diff != "" {
			t.Errorf("%q waited (-want +got):\n%s", s.req, diff)
		}
	}
	configure(t, d, "Workshop", "a-good-password")
	if diff := cmp.Diff([]time.Duration{Realistic.ConfigureAP}, clk.take()); diff != "" {
		t.Errorf("WPA2 configure-ap waited (-want +got):\n%s", diff)
	}
	connectAP(t, d, "tcp")
	next(t, online)
	if diff := cmp.Diff([]time.Duration{Realistic.Join}, clk.take()); diff != "" {
		t.Errorf("the join waited (-want +got):\n%s", diff)
	}
	if d.Delays() != Realistic {
		t.Errorf("Delays() = %+v", d.Delays())
	}
}

// stoppedClock never fires: a device on it stays in the middle of a slow
// command until Close.
type stoppedClock struct{}

func (stoppedClock) Now() time.Time                     { return time.Unix(0, 0) }
func (stoppedClock) NewTimer(time.Duration) clock.Timer { return firedTimer(make(chan time.Time)) }

// A Photon given a wrong password waits FallBack before its access point
// returns; until then nothing answers. Close ends the wait.
func TestFallBackWaits(t *testing.T) {
	ap := make(chan bool, 4)
	d := newDevice(t, WithDelays(Delays{FallBack: time.Minute}), WithClock(stoppedClock{}), WithAccessPointHook(func(up bool) { ap <- up }))
	connectAP(t, d, "http") // nothing configured: the join cannot succeed
	if up := next(t, ap); up {
		t.Fatal("the access point did not go down")
	}
	refused(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if len(ap) != 0 || d.Listening() {
		t.Error("the access point came back before FallBack passed")
	}
}

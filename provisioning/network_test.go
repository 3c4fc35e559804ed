package provisioning

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// air stands for the computer's one Wi-Fi radio among Photons' access
// points. Each SSID is served by a softaptest Photon on loopback; the radio
// is on at most one access point, and a connection reaches the Photon of
// the access point the radio is on, whatever address is dialled (every
// Photon is 192.168.0.1). It notes every join, leave, device request and
// cloud request, and every cloud request that arrives while the radio is
// on a Photon's network.
type air struct {
	mu     sync.Mutex
	aps    map[string]*softaptest.Device
	inAir  func(finds int) []string // SSIDs in range, strongest first, at the n-th scan
	finds  int
	on     string // the access point the radio is on ("": the computer's own network)
	manual string // the access point the technician joins by hand
	log    []string
	// budgets of the joins' and leaves' contexts
	joinBudgets, leaveBudgets []time.Duration
	violations                []string
}

func (a *air) note(s string) {
	a.mu.Lock()
	a.log = append(a.log, s)
	a.mu.Unlock()
}

func (a *air) inRange() []string { return a.inAir(a.finds) }

func (a *air) Find(context.Context) ([]softap.PhotonAP, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.finds++
	var out []softap.PhotonAP
	for i, s := range a.inRange() {
		out = append(out, softap.PhotonAP{SSID: s, Strength: 90 - 20*i})
	}
	if len(out) == 0 {
		return nil, softap.ErrNoPhotonAP
	}
	return out, nil
}

func budget(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return -1
	}
	return time.Until(dl)
}

func (a *air) Join(ctx context.Context, ssid string) (SoftAPLink, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.joinBudgets = append(a.joinBudgets, budget(ctx))
	for _, s := range a.inRange() {
		if s == ssid {
			a.on = ssid
			a.log = append(a.log, "join "+ssid)
			return airLink{a}, nil
		}
	}
	return nil, fmt.Errorf("no network %s", ssid)
}

func (a *air) WaitJoined(context.Context) (SoftAPLink, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.on = a.manual
	a.log = append(a.log, "joined by hand "+a.manual)
	return manualLink{a}, a.manual, nil
}

// dial reaches the Photon whose access point the radio is on.
func (a *air) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	a.mu.Lock()
	d := a.aps[a.on]
	a.mu.Unlock()
	if d == nil {
		return nil, errors.New("no route to host")
	}
	return (&net.Dialer{}).DialContext(ctx, network, d.Addr())
}

type airLink struct{ a *air }

func (l airLink) Dialer() softap.Dialer { return l.a }

func (l airLink) Restore(ctx context.Context) error {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	l.a.leaveBudgets = append(l.a.leaveBudgets, budget(ctx))
	l.a.on = ""
	l.a.log = append(l.a.log, "leave")
	return nil
}

// manualLink is a join by hand: only the technician can undo it.
type manualLink struct{ a *air }

func (l manualLink) Dialer() softap.Dialer { return l.a }

func (l manualLink) Restore(context.Context) error {
	panic("the station undid the technician's join")
}

// photon adds a softaptest Photon answering on ssid.
func (a *air) photon(t *testing.T, e *e2e, ssid, id string) *softaptest.Device {
	t.Helper()
	e.cloud.AddDevice(cloudtest.Device{ID: id})
	var d *softaptest.Device
	d, err := softaptest.New(softaptest.WithDeviceID(id), softaptest.WithWiFiPassword(wifiPassword), softaptest.WithOnline(e.online),
		softaptest.WithRequestHook(func(_, command string) { a.note("device " + id[len(id)-4:] + " " + command) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	a.mu.Lock()
	a.aps[ssid] = d
	a.mu.Unlock()
	return d
}

// onAir is an e2e whose cloud is reached through the network's guard and
// whose cloudtest notes every request against the radio's state.
func onAir(t *testing.T, inAir func(finds int) []string) (*e2e, *air, *DeviceNetwork) {
	t.Helper()
	e := newE2E(t, Profile{SSID: "Workshop", Security: SecurityWPA2, Channel: ChannelSoftAP, Customer: CustomerEmail, CustomerPattern: customerMail})
	a := &air{aps: map[string]*softaptest.Device{}, inAir: inAir}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.log = append(a.log, "cloud "+r.Method+" "+r.URL.Path)
		if a.on != "" {
			a.violations = append(a.violations, fmt.Sprintf("%s %s while on %s", r.Method, r.URL.Path, a.on))
		}
		a.mu.Unlock()
		e.cloud.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	n := NewDeviceNetwork(a, func() *softap.Client {
		return &softap.Client{Timeouts: softap.Timeouts{Command: 2 * time.Second, ConfigureAP: 5 * time.Second}}
	})
	e.pipeline.Cloud = NewCloudAPI(n.Guard(&cloud.Client{BaseURL: srv.URL, Timeout: 5 * time.Second}))
	return e, a, n
}

const (
	idA, idB, idC = "320020001847333531323135", "3a001d000247343339373536", "1e0032000447343138333038"
	apA, apB      = "Photon-AAAA", "Photon-BBBB"
)

// wroteNothing fails when the Photon got a claim code or Wi-Fi settings.
func wroteNothing(t *testing.T, name string, d *softaptest.Device) {
	t.Helper()
	if r := d.Record(); r.ClaimCode != "" || r.Configured != 0 || r.Connects != 0 {
		t.Errorf("%s got claim code %v, %d configure-ap, %d connect-ap", name, r.ClaimCode != "", r.Configured, r.Connects)
	}
}

func (a *air) check(t *testing.T) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.violations) > 0 {
		t.Errorf("cloud requests on a Photon's network: %v\nlog: %v", a.violations, a.log)
	}
	if a.on != "" && a.on != a.manual {
		t.Errorf("the attempt ended on %s", a.on)
	}
}

// Two Photons in range, and the stronger one changes after the first
// scan: the attempt keeps the access point of its first join, and the
// claim code and Wi-Fi reach only the Photon it identified there.
func TestSoftAPTwoPhotonsStrongestChanges(t *testing.T) {
	e, a, n := onAir(t, func(finds int) []string {
		if finds <= 1 {
			return []string{apA, apB}
		}
		return []string{apB, apA}
	})
	dA, dB := a.photon(t, e, apA, idA), a.photon(t, e, apB, idB)
	res := e.run(n.Device())
	e.check(res, idA, customerMail)
	wroteNothing(t, "the other Photon", dB)
	if r := dA.Record(); r.ClaimCode == "" || r.SSID != "Workshop" || r.Connects != 1 {
		t.Errorf("identified Photon: claim code %v, SSID %q, connects %d", r.ClaimCode != "", r.SSID, r.Connects)
	}
	a.check(t)
	var joins []string
	for _, x := range a.log {
		if strings.HasPrefix(x, "join ") {
			joins = append(joins, x)
		}
	}
	if diff := cmp.Diff([]string{"join " + apA, "join " + apA}, joins); diff != "" {
		t.Errorf("joins (-want +got):\n%s", diff)
	}
}

// The identified Photon's access point is gone when the station comes back
// for the claim code: the attempt fails saying so, and the Photon still in
// range gets nothing.
func TestSoftAPIdentifiedPhotonGone(t *testing.T) {
	e, a, n := onAir(t, func(finds int) []string {
		if finds <= 1 {
			return []string{apA, apB}
		}
		return []string{apB}
	})
	dA, dB := a.photon(t, e, apA, idA), a.photon(t, e, apB, idB)
	res := e.run(n.Device())
	if res.Outcome != OutcomeFail || res.FailedStep != StepDeliverCode {
		t.Fatalf("%s at %s: %s", res.Outcome, res.FailedStep, res.Message)
	}
	if !strings.Contains(res.Message, apA+", the Photon this attempt identified, is no longer in range") {
		t.Errorf("message: %s", res.Message)
	}
	wroteNothing(t, apA, dA)
	wroteNothing(t, apB, dB)
	a.check(t)
}

// Another Photon answers on the identified access point's name (the first
// was switched off, the second took over its SSID): the device ID check
// refuses it before anything is written.
func TestSoftAPAnotherPhotonOnTheSameAccessPoint(t *testing.T) {
	e, a, n := onAir(t, func(int) []string { return []string{apA} })
	dA := a.photon(t, e, apA, idA)
	swapped := false
	var dC *softaptest.Device
	e.pipeline.Cloud = swapOnImport{CloudAPI: e.pipeline.Cloud, swap: func() {
		if !swapped {
			swapped = true
			dC = a.photon(t, e, apA, idC)
		}
	}}
	res := e.run(n.Device())
	if res.Outcome != OutcomeFail || res.FailedStep != StepDeliverCode {
		t.Fatalf("%s at %s: %s", res.Outcome, res.FailedStep, res.Message)
	}
	if !strings.Contains(res.Message, "answered by Photon "+idC+", not by "+idA) || !strings.Contains(res.Message, "nothing was sent") {
		t.Errorf("message: %s", res.Message)
	}
	wroteNothing(t, "the Photon that took over "+apA, dC)
	wroteNothing(t, "the identified Photon, switched off", dA)
	a.check(t)
}

// swapOnImport runs swap when the import step asks the cloud: between the
// station's two visits to the Photon's network.
type swapOnImport struct {
	CloudAPI
	swap func()
}

func (s swapOnImport) ImportDevice(ctx context.Context, tok Token, product, id string) (ImportResult, error) {
	s.swap()
	return s.CloudAPI.ImportDevice(ctx, tok, product, id)
}

// The wizard joins the Photon's access point on its own page, so the
// attempt starts on the Photon's network: no cloud request (token, event
// stream, import, customer, claim code, verification) reaches the cloud
// until the station has left it, and none while it is back for the claim
// code and Wi-Fi.
func TestWizardSoftAPNoCloudWhileJoined(t *testing.T) {
	e, a, n := onAir(t, func(int) []string { return []string{apA} })
	a.photon(t, e, apA, idA)
	ssid, err := n.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Join(context.Background(), ssid); err != nil {
		t.Fatal(err)
	}
	res := e.run(n.Device())
	e.check(res, idA, customerMail)
	a.check(t)
	// The order the radio went: identify on the Photon's network, the
	// cloud at home, then claim code and Wi-Fi in one visit.
	var trips []string
	for _, x := range a.log {
		if strings.HasPrefix(x, "join") || x == "leave" {
			trips = append(trips, x)
		}
	}
	if diff := cmp.Diff([]string{"join " + apA, "leave", "join " + apA, "leave"}, trips); diff != "" {
		t.Errorf("trips (-want +got):\n%s\nlog: %v", diff, a.log)
	}
	// The page's join, then the wizard's Leave (Back, Cancel, Finish):
	// nothing to undo once the attempt is over.
	if err := n.Leave(context.Background()); err != nil {
		t.Error(err)
	}
	if a.on != "" {
		t.Errorf("on %s after Leave", a.on)
	}
}

// A technician who joined by hand stays on the Photon's network: the
// station never switches networks and still checks the device ID; the
// Photon's network has no internet, so no cloud request goes out from
// there: the attempt fails before its first cloud step, saying why.
func TestWizardSoftAPManualJoin(t *testing.T) {
	e, a, n := onAir(t, func(int) []string { return []string{apA} })
	a.manual = apA
	ph := a.photon(t, e, apA, idA)
	ssid, err := n.WaitJoined(context.Background())
	if err != nil || ssid != apA {
		t.Fatalf("WaitJoined = %q, %v", ssid, err)
	}
	res := e.run(n.Device())
	if res.Outcome != OutcomeFail || res.FailedStep != StepPreflight ||
		!strings.Contains(res.Message, "This computer is on the Photon's Wi-Fi, joined by hand") {
		t.Fatalf("%s at %s: %s", res.Outcome, res.FailedStep, res.Message)
	}
	if err := n.Leave(context.Background()); err != nil {
		t.Error(err)
	}
	a.check(t)
	if a.on != apA {
		t.Errorf("the station switched the technician's network: on %q", a.on)
	}
	devIDs := 0
	for _, x := range a.log {
		if strings.HasPrefix(x, "join ") || x == "leave" {
			t.Errorf("%s after a join by hand", x)
		}
		if strings.HasSuffix(x, " device-id") {
			devIDs++
		}
	}
	if devIDs < 1 {
		t.Errorf("the Photon was not identified: %v", a.log)
	}
	if got := ph.Record(); got.ClaimCode != "" || got.Configured != 0 {
		t.Errorf("the Photon got %+v", got)
	}
	// The hold was the attempt's: other cloud users are not held after it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.startRequest(ctx); err != nil {
		t.Errorf("cloud requests are still held after the attempt: %v", err)
	} else {
		n.endRequest()
	}
}

// Joining and leaving have budgets of their own: a slow OS join does not
// eat into the step's timeout, and the step's timeout does not cut a join
// short.
func TestSoftAPJoinOutsideStepTimeouts(t *testing.T) {
	e, a, n := onAir(t, func(int) []string { return []string{apA} })
	a.photon(t, e, apA, idA)
	e.pipeline.Timeouts.Join, e.pipeline.Timeouts.Leave = time.Hour, 2*time.Hour
	res := e.run(n.Device())
	e.check(res, idA, customerMail)
	a.check(t)
	if len(a.joinBudgets) != 2 || len(a.leaveBudgets) != 2 {
		t.Fatalf("joins %v, leaves %v", a.joinBudgets, a.leaveBudgets)
	}
	// e.run gives the whole attempt 30 s; the joins are bounded by that
	// only, never by a step's 10 or 20 s.
	for _, b := range a.joinBudgets {
		if b < 25*time.Second {
			t.Errorf("a join had %v: a step's timeout", b)
		}
	}
	for _, b := range a.leaveBudgets {
		if b < time.Hour {
			t.Errorf("a leave had %v, want its own 2h", b)
		}
	}
}

// readyClock notes the access point the radio is on each time the attempt
// gives the product event stream a moment to open (Watcher.Ready).
type readyClock struct {
	clock.Clock
	a  *air
	mu sync.Mutex
	on []string
}

func (c *readyClock) NewTimer(d time.Duration) clock.Timer {
	if d == streamReadyWait {
		c.a.mu.Lock()
		on := c.a.on
		c.a.mu.Unlock()
		c.mu.Lock()
		c.on = append(c.on, on)
		c.mu.Unlock()
	}
	return c.Clock.NewTimer(d)
}

// The attempt waits for the product event stream before it joins the
// Photon's network for the claim code and Wi-Fi, not while on it: there
// the guard holds the stream's reconnect, and the wait would run its full
// time.
func TestSoftAPStreamWaitBeforeTheDeviceVisit(t *testing.T) {
	e, a, n := onAir(t, func(int) []string { return []string{apA} })
	a.photon(t, e, apA, idA)
	rc := &readyClock{Clock: clock.Or(nil), a: a}
	e.pipeline.Clock = rc
	e.check(e.run(n.Device()), idA, customerMail)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.on) == 0 {
		t.Fatal("the attempt never waited for the product event stream")
	}
	for _, on := range rc.on {
		if on != "" {
			t.Errorf("waited for the product event stream while on %s", on)
		}
	}
}

// An attempt that panics (a bug) on the Photon's network still puts the
// computer back on its own network before its result is told.
func TestSoftAPPanicLeavesBeforeTheResult(t *testing.T) {
	e, a, n := onAir(t, func(int) []string { return []string{apA} })
	a.photon(t, e, apA, idA)
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("the attempt's panic did not go on up")
			}
		}()
		e.pipeline.RunDevice(t.Context(), n.Device(), func(ev Event) {
			switch {
			case ev.Step == StepWiFi && ev.Kind == EventStarted:
				panic("a bug in the Wi-Fi step")
			case ev.Kind == EventResult:
				a.note("result")
			}
		})
	}()
	a.mu.Lock()
	defer a.mu.Unlock()
	var order []string
	for _, x := range a.log {
		if x == "leave" || x == "result" {
			order = append(order, x)
		}
	}
	// identify's visit, then the claim code's and Wi-Fi's, left before the
	// result.
	if diff := cmp.Diff([]string{"leave", "leave", "result"}, order); diff != "" {
		t.Errorf("leaves and result (-want +got):\n%s\nlog: %v", diff, a.log)
	}
}

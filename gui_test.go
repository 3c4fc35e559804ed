package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/demo"
	"github.com/photon-station/photon-station/internal/fynetest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui"
)

// guiUnderTest is the whole main window, wired to the demo exactly as
// `photon-station -demo` wires it, on Fyne's test driver.
type guiUnderTest struct {
	t     *testing.T
	s     *station
	view  *ui.MainView
	win   fyne.Window
	world *demo.World
	queue chan func()
	limit time.Duration // of waitFor; zero: 20 s
}

func startDemoGUI(t *testing.T, tweak ...func(*demo.Options)) *guiUnderTest {
	t.Helper()
	a := test.NewTempApp(t)
	light := theme.VariantLight
	a.Settings().SetTheme(&ui.StationTheme{Forced: &light}) // as NewMainWindow does
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opt := demo.FastOptions()
	opt.ManualSetup = true // the not-listening Photon stays so until the test holds SETUP
	for _, f := range tweak {
		f(&opt)
	}
	s, err := demoStation(ctx, t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	g := &guiUnderTest{t: t, s: s, world: s.world, queue: make(chan func())}
	deps := s.deps()
	deps.Dispatch = g.dispatch
	// The device tools update their widgets with fyne.Do, which the test
	// driver runs on the calling goroutine; they have their own tests.
	deps.DeviceTools = nil
	g.win = test.NewTempWindow(t, nil)
	g.win.Resize(fyne.NewSize(1280, 800))
	g.view = ui.Build(g.win, deps)
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { g.view.Close(); close(done) }()
		for {
			select {
			case <-done:
				return
			case fn := <-g.queue:
				fn()
			}
		}
	})
	return g
}

// dispatch hands UI work from the engine's goroutines to the test
// goroutine, which runs it while it waits (see drain): the one UI
// goroutine of the real app, as far as the race detector can tell.
func (g *guiUnderTest) dispatch(fn func()) {
	done := make(chan struct{})
	g.queue <- func() { fn(); close(done) }
	<-done
}

// drain runs the UI work queued so far.
func (g *guiUnderTest) drain() {
	for {
		select {
		case fn := <-g.queue:
			fn()
		default:
			return
		}
	}
}

// key presses a key on the window, as the technician's keyboard does.
func (g *guiUnderTest) key(name fyne.KeyName) {
	g.view.TypedKey(&fyne.KeyEvent{Name: name})
	g.drain()
}

// waitFor waits (bounded) until cond, read on the UI goroutine, holds.
func (g *guiUnderTest) waitFor(what string, cond func() bool) {
	g.t.Helper()
	limit := g.limit
	if limit == 0 {
		limit = 20 * time.Second
	}
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		g.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("timed out waiting for %s; the screen shows:\n%s", what, strings.Join(g.shown(), "\n"))
		}
		select {
		case fn := <-g.queue:
			fn()
		case <-tick.C:
		}
	}
}

// shown is every piece of text drawn in the window now.
func (g *guiUnderTest) shown() []string {
	return texts(g.win.Canvas().Content())
}

func (g *guiUnderTest) shows(s string) bool {
	for _, t := range texts(g.win.Canvas().Content()) {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// texts walks the visible object tree and collects what it says.
func texts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *canvas.Text:
			out = append(out, v.Text)
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		case *widget.RichText:
			out = append(out, v.String())
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(v)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// findButton finds the visible button labelled label.
func (g *guiUnderTest) findButton(label string) *widget.Button {
	found := findIn(g.win.Canvas().Content(), label)
	if found == nil {
		g.t.Fatalf("no button %q; the screen shows:\n%s", label, strings.Join(g.shown(), "\n"))
	}
	return found
}

func (g *guiUnderTest) tap(label string) {
	test.Tap(g.findButton(label))
	g.drain()
}

func (g *guiUnderTest) phase(slot string) ui.Phase {
	t := g.view.Bench.Tile(slot)
	if t == nil {
		return ui.PhaseWaiting
	}
	return t.Slot().Phase
}

// TestDemoBenchEndToEnd drives the bench of `photon-station -demo`: Enter
// starts it, the good Photons pass, the one not in listening mode and the
// one with the wrong Wi-Fi password fail with what to do, and after the
// technician holds SETUP, Retry makes the first pass.
func TestDemoBenchEndToEnd(t *testing.T) {
	g := startDemoGUI(t)
	bench := g.world.Bench()
	slots := map[demo.Kind][]string{}
	for _, b := range bench {
		slots[b.Kind] = append(slots[b.Kind], b.Port.Path)
	}
	if len(slots[demo.Good]) != 2 || len(slots[demo.NotListening]) != 1 || len(slots[demo.WrongPassword]) != 1 {
		t.Fatalf("demo bench = %+v, want two good, one not listening, one wrong password", bench)
	}
	if !g.shows("Demo Thermostats") || !g.shows("Start bench") {
		t.Errorf("the bench does not offer the demo profile and Start bench:\n%s", strings.Join(g.shown(), "\n"))
	}

	g.key(fyne.KeyReturn) // Enter starts the bench
	notListening, wrongPW := slots[demo.NotListening][0], slots[demo.WrongPassword][0]
	g.waitFor("every slot's result", func() bool {
		c := g.view.Bench.Counters()
		return c.Passed+c.Failed == len(bench)
	})
	{
		for _, p := range slots[demo.Good] {
			if got := g.phase(p); got != ui.PhasePass {
				t.Errorf("good Photon on %s: phase %v, want PASS", p, got)
			}
		}
		nl := g.view.Bench.Tile(notListening).Slot()
		if nl.Phase != ui.PhaseFail || !strings.Contains(nl.Message+nl.Action, "listening mode") || !strings.Contains(nl.Action, "dark blue") {
			t.Errorf("not-listening Photon: %+v, want FAIL saying listening mode and the dark-blue LED", nl)
		}
		wp := g.view.Bench.Tile(wrongPW).Slot()
		if wp.Phase != ui.PhaseFail || !strings.Contains(strings.ToLower(wp.Message+wp.Action), "password") {
			t.Errorf("wrong-password Photon: %+v, want FAIL naming the Wi-Fi password", wp)
		}
		for _, want := range []string{"PASS", "FAIL", "Retry", "Unplug and plug in the next one", "hub port 1", "hub port 4", "Needs attention: "} {
			if !g.shows(want) {
				t.Errorf("the bench does not show %q", want)
			}
		}
		if !g.shows(notListening + " (hub port ") {
			t.Errorf("the attention line does not say where %s is on the hub:\n%s", notListening, strings.Join(g.shown(), "\n"))
		}
		if c := g.view.Bench.Counters(); c.Passed != 2 || c.Failed != 2 {
			t.Errorf("counters = %+v, want 2 passed, 2 failed", c)
		}
	}

	// The technician holds SETUP on the Photon that was running its
	// application, then retries it from its tile.
	if err := g.world.HoldSetup(notListening); err != nil {
		t.Fatal(err)
	}
	retryOnTile(g, notListening)
	g.waitFor("the retried Photon to pass", func() bool { return g.phase(notListening) == ui.PhasePass })
	// Counters count Photons by their latest attempt: the retried one is
	// a pass now, no longer a failure.
	if c := g.view.Bench.Counters(); c.Passed != 3 || c.Failed != 1 {
		t.Errorf("after the retry counters = %+v, want 3 passed, 1 failed", c)
	}
	id := g.view.Bench.Tile(notListening).Slot().DeviceID
	if st, ok := g.world.Cloud.Device(id); !ok || !st.Online || !st.OwnerIsCustomer {
		t.Errorf("the retried Photon is not online and owned in the cloud: %+v", st)
	}
	g.key(fyne.KeyEscape)
}

// retryOnTile taps the Retry button drawn on slot's tile.
func retryOnTile(g *guiUnderTest, slot string) {
	g.t.Helper()
	b := findIn(g.view.Bench.Tile(slot), "Retry")
	if b == nil {
		g.t.Fatalf("the tile of %s has no Retry button", slot)
	}
	test.Tap(b)
	g.drain()
}

func findIn(o fyne.CanvasObject, label string) *widget.Button {
	if o == nil || !o.Visible() {
		return nil
	}
	if lb, ok := o.(interface{ AsButton() *widget.Button }); ok { // the bench's large buttons
		o = lb.AsButton()
	}
	if b, ok := o.(*widget.Button); ok && b.Text == label {
		return b
	}
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			if b := findIn(c, label); b != nil {
				return b
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			if b := findIn(c, label); b != nil {
				return b
			}
		}
	}
	return nil
}

// TestDemoWizardEndToEnd drives the one-device wizard of the demo over USB
// serial: pick the port, confirm listening mode, and watch the Photon pass.
func TestDemoWizardEndToEnd(t *testing.T) {
	g := startDemoGUI(t)
	g.view.Tabs.SelectIndex(1)
	g.tap("Look for Photons")
	g.waitFor("a port to be found", g.nextEnabled)
	g.tap("Next")
	g.waitFor("the listening-mode page", func() bool { return g.shows("blinks dark blue") || g.shows("blinking dark blue") })
	g.tap("Start")
	g.waitFor("the wizard's verdict", func() bool { return g.shows("PASS") || g.shows("FAIL") })
	if !g.shows("PASS") {
		t.Errorf("the wizard did not pass the good Photon; it shows:\n%s", strings.Join(g.shown(), "\n"))
	}
	if log := g.view.Wizard.LogText(); !strings.Contains(log, "Wi-Fi") {
		t.Errorf("the live log does not tell of the Wi-Fi step:\n%s", log)
	}
	recs := g.s.journal.Records()
	if len(recs) == 0 || recs[len(recs)-1].Outcome != provisioning.OutcomePass {
		t.Fatalf("the journal does not record the wizard's pass: %+v", recs)
	}
	// The same Photon, still plugged in and now running its application,
	// set up again: already provisioned, not a FAIL.
	id := recs[len(recs)-1].DeviceID
	g.waitFor("the attempt to end", func() bool { return findIn(g.win.Canvas().Content(), "Set up another") != nil })
	g.tap("Set up another")
	g.tap("Start")
	g.waitFor("the second verdict", func() bool { return g.shows("ALREADY PROVISIONED") || g.shows("FAIL") })
	if !g.shows("ALREADY PROVISIONED") {
		t.Errorf("the passed Photon is not recognised; the wizard shows:\n%s", strings.Join(g.shown(), "\n"))
	}
	byID := g.s.journal.ByDevice(id)
	for _, r := range byID {
		if r.Outcome == provisioning.OutcomeFail {
			t.Errorf("a FAIL record for the passed Photon: %s", r.Message)
		}
	}
	if last := byID[len(byID)-1]; last.Outcome != provisioning.OutcomeProvisioned {
		t.Errorf("the journal's latest word is %q", last.Outcome)
	}
}

// nextEnabled says whether the wizard's Next button is shown and enabled.
func (g *guiUnderTest) nextEnabled() bool {
	b := findIn(g.win.Canvas().Content(), "Next")
	return b != nil && !b.Disabled()
}

// entryWithPlaceholder finds the visible entry whose placeholder is ph,
// in the open dialog when there is one.
func (g *guiUnderTest) entryWithPlaceholder(ph string) *widget.Entry {
	g.t.Helper()
	root := g.win.Canvas().Content()
	if top := g.win.Canvas().Overlays().Top(); top != nil {
		root = top
	}
	for _, o := range fynetest.Objects(root) {
		e, ok := o.(*widget.Entry)
		if f, isField := o.(interface{ AsEntry() *widget.Entry }); isField {
			e, ok = f.AsEntry(), o.Visible()
		}
		if ok && e.Visible() && e.PlaceHolder == ph {
			return e
		}
	}
	g.t.Fatalf("no entry %q; the screen shows:\n%s", ph, strings.Join(g.shown(), "\n"))
	return nil
}

// typeInto focuses e as a click does and types text.
func (g *guiUnderTest) typeInto(e *widget.Entry, text string) {
	g.win.Canvas().Focus(e)
	for _, r := range text {
		e.TypedRune(r)
	}
	g.drain()
}

// tapInDialog taps the button labelled label in the open dialog.
func (g *guiUnderTest) tapInDialog(label string) {
	g.t.Helper()
	top := g.win.Canvas().Overlays().Top()
	if top == nil {
		g.t.Fatalf("no dialog open to tap %q in", label)
	}
	b := findIn(top, label)
	if b == nil {
		g.t.Fatalf("the dialog has no %q button", label)
	}
	test.Tap(b)
	g.drain()
}

// TestDemoSupervisorSignInAndNewClient drives the supervisor's sign-in on
// the Profiles screen against the demo's simulated cloud (password, then
// the two-step code), picks the product from the account, lets the station
// create the product's OAuth client, saves the profile and proves the new
// client works with Test connection; the client secret is never on screen.
func TestDemoSupervisorSignInAndNewClient(t *testing.T) {
	g := startDemoGUI(t)
	g.view.Tabs.SelectIndex(2)
	g.waitFor("the demo supervisor signed in", func() bool { return g.shows("Signed in as " + demo.UserEmail) })

	g.tap("Sign out")
	g.tapInDialog("Yes")
	g.waitFor("signed out", func() bool { return g.shows("Not signed in.") })
	if _, err := g.world.Supervisor.Client(context.Background()); err == nil {
		t.Fatal("the sign-in is still kept after signing out")
	}

	g.tap("Sign in…")
	g.typeInto(g.entryWithPlaceholder("you@company.com"), demo.UserEmail)
	g.typeInto(g.entryWithPlaceholder(""), demo.UserPassword)
	g.tapInDialog("Sign in")
	g.waitFor("the code dialog", func() bool { return g.shows("Password accepted") })
	g.typeInto(g.entryWithPlaceholder("6-digit code"), demo.UserCode)
	g.tapInDialog("Verify")
	g.waitFor("signed in again", func() bool { return g.shows("Signed in as " + demo.UserEmail) })

	g.tap("New")
	g.typeInto(g.entryWithPlaceholder("e.g. Line 3 thermostats"), "Line 2")
	g.typeInto(g.entryWithPlaceholder("the network name"), "Line2-WiFi")
	g.typeInto(g.entryWithPlaceholder("the Wi-Fi password"), "line-two-password")
	g.tap("Choose…")
	var picker *widget.List
	g.waitFor("the product picker", func() bool {
		if top := g.win.Canvas().Overlays().Top(); top != nil {
			for _, o := range fynetest.Objects(top) {
				if l, ok := o.(*widget.List); ok {
					picker = l
				}
			}
		}
		return picker != nil
	})
	if picker.Length() != 1 {
		t.Fatalf("the picker lists %d products, want the demo's one", picker.Length())
	}
	picker.Select(0)
	g.drain()
	if got := g.entryWithPlaceholder("product ID (a number) or slug").Text; got != strconv.Itoa(demo.ProductID) {
		t.Fatalf("product after choosing = %q", got)
	}
	before := len(g.world.Cloud.OAuthClients())
	g.tap("Create client")
	g.tapInDialog("Yes")
	g.waitFor("the profile saved with its new client", func() bool { return g.shows("Saved Line 2") })
	clients := g.world.Cloud.OAuthClients()
	if len(clients) != before+1 {
		t.Fatalf("%d OAuth clients after creating one, had %d", len(clients), before)
	}
	saved, err := g.s.profiles.Load("Line 2")
	if err != nil {
		t.Fatal(err)
	}
	var secret string
	for _, c := range clients {
		if c.ID == saved.ClientID {
			secret = c.Secret
		}
	}
	if secret == "" {
		t.Fatalf("the saved profile's client %q is not the one created", saved.ClientID)
	}
	if got, err := g.s.secrets.Get(context.Background(), "Line 2", provisioning.SecretClientSecret); err != nil || got != secret {
		t.Fatalf("the keychain does not hold the new client's secret (%v)", err)
	}
	for _, s := range g.shown() {
		if strings.Contains(s, secret) {
			t.Fatalf("the client secret is on screen: %q", s)
		}
	}
	g.tap("Test connection")
	g.waitFor("the connection test", func() bool {
		return g.shows("Connected. Product "+demo.ProductName) || g.shows("did not accept the test")
	})
	if !g.shows("Connected. Product " + demo.ProductName) {
		t.Errorf("the new client does not connect; the screen shows:\n%s", strings.Join(g.shown(), "\n"))
	}
	if leaks := g.world.Cloud.SecretsInURLs(); len(leaks) != 0 {
		t.Errorf("secrets in request URLs: %+v", leaks)
	}
	// Neither the client secret nor the sign-in token is in any file the
	// station wrote (profiles, journal).
	signedIn, err := g.world.Supervisor.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(filepath.Dir(g.s.profiles.Dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for what, v := range map[string]string{"client secret": secret, "sign-in token": signedIn.Token, "password": demo.UserPassword} {
			if strings.Contains(string(b), v) {
				t.Errorf("%s holds the %s", path, what)
			}
		}
		return nil
	})
	if err != nil || files < 4 {
		t.Errorf("read %d of the station's files (want the three profiles and the journal): %v", files, err)
	}
}

// TestDemoWizardSoftAP drives the wizard's SoftAP path in the demo: the
// station joins the Photon's network, Back returns the laptop to the
// factory network, and a second pass sets the Photon up over SoftAP. No
// secret reaches the live log or the screen.
func TestDemoWizardSoftAP(t *testing.T) {
	g := startDemoGUI(t)
	ctx := context.Background()
	g.view.Tabs.SelectIndex(1)
	g.view.Wizard.ChooseProfile(demo.SoftAPProfileName)
	g.drain()
	g.tap("Next")
	g.waitFor("the listening-mode page", func() bool { return g.shows("blinks dark blue") || g.shows("blinking dark blue") })
	g.tap("Next")
	g.waitFor("the station to join the Photon's network", func() bool { return g.shows("This computer has joined Photon-") })
	if cur, _ := g.world.AP.Current(ctx); !strings.HasPrefix(cur, "Photon-") {
		t.Fatalf("the demo laptop is on %q, want the Photon's network", cur)
	}
	g.tap("Back")
	g.waitFor("the laptop back on the factory network", func() bool {
		cur, _ := g.world.AP.Current(ctx)
		return cur == demo.WiFiSSID
	})
	g.tap("Next")
	g.waitFor("the join again", func() bool { return g.shows("This computer has joined Photon-") })
	g.tap("Start")
	g.waitFor("the wizard's verdict", func() bool { return g.shows("PASS") || g.shows("FAIL") })
	if !g.shows("PASS") {
		t.Fatalf("the SoftAP Photon did not pass; the screen shows:\n%s", strings.Join(g.shown(), "\n"))
	}
	wifi, err := g.s.secrets.Get(ctx, demo.SoftAPProfileName, provisioning.SecretWiFiPassword)
	if err != nil {
		t.Fatal(err)
	}
	client, err := g.s.secrets.Get(ctx, demo.SoftAPProfileName, provisioning.SecretClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	screen := strings.Join(g.shown(), "\n") + g.view.Wizard.LogText()
	for what, v := range map[string]string{"Wi-Fi password": wifi, "client secret": client} {
		if strings.Contains(screen, v) {
			t.Errorf("the %s is on the screen or in the live log", what)
		}
	}
}

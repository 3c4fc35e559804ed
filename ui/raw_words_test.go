package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
)

// rawCause is a failure as Go, the cloud and the keychain word it: what a
// technician must never have to read.
const rawCause = `RAWCAUSE open /dev/ttyACM0: exec: "dbus-launch": executable file not found in $PATH [HTTP 403] set PARTICLE_CLIENT_SECRET or WIFI_PASSWORD`

// rawMarks are the parts of a raw cause that must stay behind Details.
var rawMarks = []string{"RAWCAUSE", "HTTP 4", "HTTP 5", "PARTICLE_CLIENT_SECRET", "WIFI_PASSWORD", "dbus-launch", "$PATH", "exec:", "/dev/ttyACM0:"}

// shownWords is every text on the window and its dialogs that can be read
// without opening an expander (Details for support, the wizard's Live log).
func shownWords(w fyne.Window) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Accordion:
			return
		case *widget.Label:
			b.WriteString(x.Text + "\n")
			return
		case *canvas.Text:
			b.WriteString(x.Text + "\n")
		case *widget.Button:
			b.WriteString(x.Text + "\n")
			return
		}
		switch c := o.(type) {
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(c).Objects() {
				walk(child)
			}
		case *fyne.Container:
			for _, child := range c.Objects {
				walk(child)
			}
		}
	}
	walk(w.Content())
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	return b.String()
}

// noRawWords fails when a raw cause can be read on w outside Details, and
// checks that the details keep it for support.
func noRawWords(t *testing.T, w fyne.Window, what string, details *detailsExpander) {
	t.Helper()
	shown := shownWords(w)
	for _, m := range rawMarks {
		if strings.Contains(shown, m) {
			t.Errorf("%s: %q is shown outside Details:\n%s", what, m, shown)
		}
	}
	if details != nil && (!details.acc.Visible() || details.text.Text == "") {
		t.Errorf("%s: the raw cause is not kept behind Details for support", what)
	}
}

// Each failure the test can cause on the station's own screens is told in
// a technician's words; the raw cause is only behind Details.
func TestFailuresShowNoRawErrors(t *testing.T) {
	s := newTestStation(t)
	st := s.view.Bench.control.(*fakeStation)
	ctx := context.Background()
	s.secrets.Set(ctx, lineProfile.Name, provisioning.SecretClientSecret, "a-client-secret")
	s.secrets.Set(ctx, lineProfile.Name, provisioning.SecretWiFiPassword, "a-wifi-password")
	s.view.Bench.checkSecrets()
	s.q.until(t, "the secrets checked", func() bool { return s.view.Bench.noSecrets == "" && !s.view.Bench.startStop.Disabled() })

	// The bench does not start.
	st.startErr = errors.New(rawCause)
	test.Tap(s.view.Bench.startStop)
	expectCall(t, s.q, st, "start "+lineProfile.Name)
	s.q.until(t, "the banner", func() bool { return s.view.Bench.banner.Visible() })
	noRawWords(t, s.win, "bench start", s.view.Bench.bannerMore)
	if !strings.Contains(s.view.Bench.banner.Text, "press Start bench again") {
		t.Errorf("banner %q names no action", s.view.Bench.banner.Text)
	}
	shootSizes(t, s, "bench-start-failed")
	s.view.Bench.bannerMore.acc.Open(0)
	shootSizes(t, s, "bench-start-failed-details")
	s.view.Bench.bannerMore.acc.CloseAll()

	// The bench does not start because the keychain is missing.
	st.startErr = noKeychainStore{}.err()
	s.q.until(t, "Start bench offered again", func() bool { return !s.view.Bench.startStop.Disabled() })
	test.Tap(s.view.Bench.startStop)
	expectCall(t, s.q, st, "start "+lineProfile.Name)
	s.q.until(t, "the keychain banner", func() bool { return strings.Contains(s.view.Bench.banner.Text, "no keychain") })
	noRawWords(t, s.win, "bench start without keychain", s.view.Bench.bannerMore)

	// A profile is not saved; Test connection is refused.
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.lib.mu.Lock()
	s.lib.saveErr = errors.New(rawCause)
	s.lib.mu.Unlock()
	p.open(lineProfile.Name) // again, now that its secrets are stored
	typeInto(s.win, p.ssid, "-2")
	s.q.until(t, "the form savable", func() bool { return !p.save.Disabled() })
	test.Tap(p.save)
	s.q.until(t, "the save refused", func() bool { return strings.Contains(p.message.Text, "not saved") })
	noRawWords(t, s.win, "profile save", p.messageMore)
	shootSizes(t, s, "profiles-save-failed")
	p.messageMore.acc.Open(0)
	shootSizes(t, s, "profiles-save-failed-details")
	p.messageMore.acc.CloseAll()
	s.tester.err = errors.New(rawCause)
	test.Tap(p.testBtn)
	recv(t, s.tester.secret)
	s.q.until(t, "the test refused", func() bool { return !p.testBtn.Disabled() })
	noRawWords(t, s.win, "test connection", p.testMore)

	// The serial monitor's port stops with an I/O error.
	s.view.Tabs.SelectIndex(4)
	m := s.view.Monitor
	test.Tap(m.find)
	s.q.until(t, "ports listed", func() bool { return m.portPick.Selected() == "/dev/ttyACM0" })
	test.Tap(m.connect)
	recv(t, s.console.opened)
	s.q.until(t, "port open", func() bool { return strings.HasPrefix(m.status.Text, "Showing") })
	s.console.w.CloseWithError(errors.New(rawCause))
	s.q.until(t, "the port stopped", func() bool { return strings.Contains(m.status.Text, "stopped sending") })
	noRawWords(t, s.win, "serial monitor", m.statusMore)
	shootSizes(t, s, "monitor-stopped")
}

// failingRunner refuses every attempt before it starts.
type failingRunner struct{}

func (failingRunner) ProvisionOne(context.Context, OneDeviceRequest, func(provisioning.Event)) error {
	return errors.New(rawCause)
}

func TestWizardFailureShowsNoRawError(t *testing.T) {
	s := newTestStation(t, func(d *Deps) { d.OneDevice = failingRunner{} })
	s.view.Tabs.SelectIndex(1)
	wz := s.view.Wizard
	wz.portPick.setPorts([]provisioning.Port{{Path: "/dev/ttyACM3"}})
	test.Tap(wz.next)
	test.Tap(wz.next)
	s.q.until(t, "the refusal", func() bool { return strings.Contains(wz.status.Text, "could not start") })
	noRawWords(t, s.win, "wizard", wz.statusMore)
	shootSizes(t, s, "wizard-could-not-start")
}

// The Particle Cloud (cloudtest) refuses: a product the supervisor may not
// manage, and then no answer at all.
func TestCloudRefusalsShowNoRawError(t *testing.T) {
	ct := cloudtest.New(cloudtest.Options{})
	t.Cleanup(ct.Close)
	ct.AddUser(cloudtest.User{Email: madeLead, Password: madePassword})
	ct.AddUser(cloudtest.User{Email: "someone@else.example", Password: "another-long-password"})
	ct.AddProduct(cloudtest.Product{ID: 300, Slug: "not-mine", Name: "Not mine", Members: []string{"someone@else.example"}})
	s := signedInOnProfiles(t, ct)
	p := s.view.Profiles
	p.product.SetText("300")
	test.Tap(p.createBtn)
	_, yes := inDialog(t, s.win, "Yes")
	test.Tap(yes)
	s.q.until(t, "the refusal", func() bool { return strings.Contains(p.message.Text, "No OAuth client was set up") })
	noRawWords(t, s.win, "create client refused", p.messageMore)
	for _, w := range []string{"403", "404", "Permission", "not found"} {
		if strings.Contains(p.message.Text, w) {
			t.Errorf("the message %q carries the cloud's %q", p.message.Text, w)
		}
	}
	shootSizes(t, s, "profiles-create-client-refused")

	ct.Close() // no answer at all
	test.Tap(p.chooseBtn)
	s.q.until(t, "no products", func() bool { return strings.Contains(p.message.Text, "could not be listed") })
	noRawWords(t, s.win, "products unreachable", p.messageMore)
	if strings.Contains(p.message.Text, "127.0.0.1") || strings.Contains(p.message.Text, "connection refused") {
		t.Errorf("the message %q carries the network error", p.message.Text)
	}
}

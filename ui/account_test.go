package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/internal/fynetest"
	"github.com/photon-station/photon-station/provisioning"
)

const (
	fakeSupPassword = "correct-horse-battery"
	fakeSupCode     = "424242"
	fakeNewSecret   = "n3w-cl13nt-s3cr3t-from-particle"
)

// fakeAccount is a supervisor account with two-step verification. What it
// creates goes into secrets, as provisioning.Supervisor's does.
type fakeAccount struct {
	secrets provisioning.Secrets
	expires time.Time
	broken  error         // what Current answers when set
	gate    chan struct{} // when set, CreateProductClient waits for it

	mu       sync.Mutex
	who      string
	pending  bool
	created  []string // "profile → product"
	signOuts int
}

func (f *fakeAccount) Current(context.Context) (provisioning.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken != nil {
		return provisioning.Account{}, f.broken
	}
	if f.who == "" {
		return provisioning.Account{}, provisioning.ErrNotSignedIn
	}
	return provisioning.Account{Username: f.who, ExpiresAt: f.expires}, nil
}

func (f *fakeAccount) SignIn(_ context.Context, user, pass string) (provisioning.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pass != fakeSupPassword {
		return provisioning.Account{}, fmt.Errorf("%w: sign in: the Particle Cloud did not accept the credentials [HTTP 400]", provisioning.ErrPasswordNotAccepted)
	}
	f.pending = true
	return provisioning.Account{}, provisioning.ErrCodeNeeded
}

func (f *fakeAccount) SignInCode(_ context.Context, code string) (provisioning.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.pending || code != fakeSupCode {
		return provisioning.Account{}, provisioning.ErrCodeNotAccepted
	}
	f.pending, f.who = false, "lead@factory.example"
	return provisioning.Account{Username: f.who, ExpiresAt: f.expires}, nil
}

func (f *fakeAccount) SignOut(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.who = ""
	f.signOuts++
	return nil
}

func (f *fakeAccount) Products(context.Context) ([]provisioning.ProductChoice, error) {
	return []provisioning.ProductChoice{
		{ID: 4711, Slug: "acme-sensor", Name: "Acme Sensor", Org: "Acme Inc"},
		{ID: 200, Slug: "bench-proto", Name: "bench proto"},
	}, nil
}

func (f *fakeAccount) CreateProductClient(ctx context.Context, profile, product string) (string, error) {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	f.created = append(f.created, profile+" → "+product)
	f.mu.Unlock()
	if err := f.secrets.Set(ctx, profile, provisioning.SecretClientSecret, fakeNewSecret); err != nil {
		return "", err
	}
	return "photon-station-line-9-1234", nil
}

func (f *fakeAccount) DeleteProductClient(ctx context.Context, profile, product, clientID string) error {
	return f.secrets.Delete(ctx, profile, provisioning.SecretClientSecret)
}

// inDialog finds the entries and the button labelled button in the top
// overlay (the open dialog).
func inDialog(t *testing.T, w fyne.Window, button string) ([]*widget.Entry, *widget.Button) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog is open (looking for %q)", button)
	}
	var entries []*widget.Entry
	var btn *widget.Button
	for _, o := range fynetest.Objects(top) {
		switch x := o.(type) {
		case *widget.Entry:
			entries = append(entries, x)
		case *widget.Button:
			if x.Text == button {
				btn = x
			}
		}
	}
	if btn == nil {
		t.Fatalf("the dialog has no %q button", button)
	}
	return entries, btn
}

func TestProfilesSupervisorSignInChooseAndCreateClient(t *testing.T) {
	acct := &fakeAccount{expires: time.Date(2027, 2, 24, 9, 0, 0, 0, time.UTC)}
	s := newTestStation(t, func(d *Deps) { d.Account = acct })
	acct.secrets = s.secrets
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	card := p.accountCard
	s.q.until(t, "sign-in checked", func() bool { return strings.HasPrefix(card.status.Text, "Not signed in") })
	if !p.chooseBtn.Disabled() || !p.createBtn.Disabled() {
		t.Fatal("Choose and Create are enabled with nobody signed in")
	}
	if !card.signIn.Visible() || card.signOut.Visible() {
		t.Fatal("signed out, the card does not offer Sign in")
	}

	// A wrong password says so, and the password is not on screen.
	test.Tap(card.signIn)
	entries, signIn := inDialog(t, s.win, "Sign in")
	if len(entries) != 2 {
		t.Fatalf("sign-in dialog has %d entries, want e-mail and password", len(entries))
	}
	test.Type(entries[0], "lead@factory.example")
	test.Type(entries[1], "wrong-pass-123")
	if !entries[1].Password {
		t.Error("the password entry is not masked")
	}
	test.Tap(signIn)
	s.q.until(t, "wrong password shown", func() bool { return strings.Contains(card.status.Text, "password was not accepted") })
	if got := card.status.Text; !strings.Contains(got, "lead@factory.example") || strings.Contains(got, "wrong-pass-123") || strings.Contains(got, "HTTP") {
		t.Errorf("status after a wrong password = %q", got)
	}

	// Password, then the code.
	test.Tap(card.signIn)
	entries, _ = inDialog(t, s.win, "Sign in")
	if got := entries[0].Text; got != "lead@factory.example" {
		t.Errorf("the sign-in form forgot the e-mail: %q", got)
	}
	test.Type(entries[1], fakeSupPassword)
	entries[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter signs in
	s.q.until(t, "code asked", func() bool { return strings.HasPrefix(card.status.Text, "Password accepted") })
	entries, _ = inDialog(t, s.win, "Verify")
	test.Type(entries[0], fakeSupCode)
	entries[0].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter verifies
	s.q.until(t, "signed in", func() bool { return card.who != "" })
	if got, want := card.status.Text, "Signed in as lead@factory.example (until 24 Feb 2027)."; !strings.HasPrefix(got, want) {
		t.Errorf("status = %q, want it to start %q", got, want)
	}
	if p.chooseBtn.Disabled() || p.createBtn.Disabled() || card.signIn.Visible() || !card.signOut.Visible() {
		t.Fatal("signed in, but Choose/Create/Sign out are not offered")
	}

	// A new profile: choose the product from the account.
	test.Tap(p.newBtn)
	typeInto(s.win, p.name, "Line 9")
	typeInto(s.win, p.ssid, "Line9-WiFi")
	test.Tap(p.chooseBtn)
	s.q.until(t, "product picker", func() bool { return p.productList != nil })
	shoot(t, "profiles-choose-product", s.win.Canvas())
	p.productList.Select(0)
	if got := p.product.Text; got != "4711" {
		t.Errorf("product after choosing = %q, want 4711", got)
	}
	if s.win.Canvas().Overlays().Top() != nil {
		t.Error("the picker stayed open after choosing")
	}

	// A client is created only for a profile that is saved with it at
	// once: not while the new profile lacks its Wi-Fi password.
	if !p.createBtn.Disabled() {
		t.Error("Create client is offered for a new profile that cannot be saved yet")
	}
	typeInto(s.win, p.wifiPassword.entry, "line-nine-password")
	if p.createBtn.Disabled() {
		t.Fatalf("Create client is not offered for a complete new profile: %s", p.message.Text)
	}

	// Create the OAuth client: its secret goes to the keychain, never on
	// screen, and the new profile is saved with it.
	test.Tap(p.createBtn)
	_, yes := inDialog(t, s.win, "Yes")
	test.Tap(yes)
	s.q.until(t, "client created", func() bool { return p.clientID.Text != "" })
	if got := p.clientID.Text; got != "photon-station-line-9-1234" {
		t.Errorf("client ID = %q", got)
	}
	if got, err := s.secrets.Get(context.Background(), "Line 9", provisioning.SecretClientSecret); err != nil || got != fakeNewSecret {
		t.Errorf("keychain holds %q, %v", got, err)
	}
	if !p.clientSecret.has || p.clientSecret.entry.Visible() {
		t.Error("the secret field does not show 'Stored in the keychain'")
	}
	if !p.name.Disabled() {
		t.Error("the new profile's name can still change, away from where its client secret is stored")
	}
	s.q.until(t, "saved", func() bool { return p.current == "Line 9" && strings.HasPrefix(p.message.Text, "Saved") })
	for _, o := range fynetest.Objects(s.win.Canvas().Content()) {
		if txt := objectText(o); strings.Contains(txt, fakeNewSecret) {
			t.Errorf("the new client secret is on screen: %q", txt)
		}
	}
	s.win.Canvas().Unfocus()
	shoot(t, "profiles-signed-in", s.win.Canvas())
	test.AssertImageMatches(t, "profiles-signed-in.png", s.win.Canvas().Capture())
	saved, err := s.lib.Load("Line 9")
	if err != nil {
		t.Fatal(err)
	}
	if saved.Product != "4711" || saved.ClientID != "photon-station-line-9-1234" {
		t.Errorf("saved product %q client %q", saved.Product, saved.ClientID)
	}
	if got := acct.created; len(got) != 1 || got[0] != "Line 9 → 4711" {
		t.Errorf("created %v", got)
	}
	if !p.list.Visible() || p.dupBtn.Disabled() || p.delBtn.Disabled() {
		t.Error("after saving, Duplicate and Delete are not offered for the new profile")
	}

	// Locked editing keeps Choose and Create off.
	lockWithPIN(t, s, testPIN)
	if !p.chooseBtn.Disabled() || !p.createBtn.Disabled() {
		t.Error("locked, Choose/Create still enabled")
	}
	fyne.CurrentApp().Preferences().SetBool(PrefEditingLocked, false)
	p.refreshLock()

	// Sign out.
	test.Tap(card.signOut)
	_, yes = inDialog(t, s.win, "Yes")
	test.Tap(yes)
	s.q.until(t, "signed out", func() bool { return card.who == "" && card.signIn.Visible() })
	if acct.signOuts != 1 || !p.chooseBtn.Disabled() {
		t.Errorf("sign-outs %d, choose disabled %v", acct.signOuts, p.chooseBtn.Disabled())
	}
}

func TestProfilesCreateClientRefusesTakenName(t *testing.T) {
	acct := &fakeAccount{who: "lead@factory.example"}
	s := newTestStation(t, func(d *Deps) { d.Account = acct })
	acct.secrets = s.secrets
	p := s.view.Profiles
	s.q.until(t, "signed in", func() bool { return p.accountCard.who != "" })
	test.Tap(p.newBtn)
	test.Type(p.name, "Line 3 thermostats") // taken
	test.Type(p.product, "4711")
	test.Type(p.ssid, "Line3-WiFi")
	test.Type(p.wifiPassword.entry, "line-three-password")
	test.Tap(p.createBtn)
	if got := p.message.Text; !strings.Contains(got, "already exists") {
		t.Errorf("message = %q, want the name taken", got)
	}
	if s.win.Canvas().Overlays().Top() != nil || len(acct.created) != 0 {
		t.Error("a client was offered or created for another profile's name")
	}
}

// typeInto focuses the entry through the canvas, as a click does, and types
// into it, so the form sees focus move as it does for a person.
func typeInto(w fyne.Window, e fyne.Focusable, text string) {
	w.Canvas().Focus(e)
	for _, r := range text {
		e.TypedRune(r)
	}
}

func TestProfilesSignInWithoutKeychain(t *testing.T) {
	acct := &fakeAccount{broken: noKeychainStore{}.err()}
	s := newTestStation(t, func(d *Deps) { d.Account = acct })
	p := s.view.Profiles
	card := p.accountCard
	s.q.until(t, "keychain checked", func() bool { return strings.HasPrefix(card.status.Text, "Signing in needs the keychain") })
	if got := card.status.Text; strings.Contains(got, "PARTICLE_CLIENT_SECRET") || strings.Contains(got, "dbus-launch") {
		t.Errorf("status = %q: a variable name or a Go error outside Details", got)
	}
	if !p.keychain.box.Visible() || !strings.Contains(p.keychain.more.text.Text, "dbus-launch") {
		t.Error("the note on the missing keychain, with the cause in its details, is not shown")
	}
	if !card.signIn.Disabled() || !p.chooseBtn.Disabled() || !p.createBtn.Disabled() {
		t.Error("without a keychain, Sign in/Choose/Create are still offered")
	}
}

// Creating a client for a stored profile writes the new client ID into that
// profile's file at once (its secret has changed), and the form stays on
// that profile while the cloud answers.
func TestProfilesCreateClientForStoredProfile(t *testing.T) {
	acct := &fakeAccount{who: "lead@factory.example", gate: make(chan struct{})}
	s := newTestStation(t, func(d *Deps) { d.Account = acct })
	acct.secrets = s.secrets
	s.lib.profiles["Spares"] = provisioning.Profile{Name: "Spares", Product: "12345", ClientID: "spares-1", SSID: "Spares",
		Security: provisioning.SecurityOpen, Customer: provisioning.CustomerNone, Channel: provisioning.ChannelSerial}
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	p.reloadList()
	s.q.until(t, "signed in", func() bool { return p.accountCard.who != "" })
	p.list.Select(0)
	s.q.until(t, "Line 3 open", func() bool { return p.current == "Line 3 thermostats" })
	p.ssid.SetText("") // an unfinished edit: the form cannot be saved as it is
	test.Tap(p.createBtn)
	_, yes := inDialog(t, s.win, "Yes")
	test.Tap(yes)
	if !p.createBtn.Disabled() || !p.save.Disabled() || !p.newBtn.Disabled() {
		t.Error("while creating, Create/Save/New are still offered")
	}
	p.list.Select(1) // try to open Spares meanwhile
	if p.current != "Line 3 thermostats" {
		t.Fatalf("the form moved to %q while the client was being created", p.current)
	}
	close(acct.gate)
	s.q.until(t, "client created", func() bool { return !p.creating })
	saved, _ := s.lib.Load("Line 3 thermostats")
	if saved.ClientID != "photon-station-line-9-1234" || saved.SSID != lineProfile.SSID {
		t.Errorf("stored profile: client %q, SSID %q (want the new client, the unsaved edit left out)", saved.ClientID, saved.SSID)
	}
	if other, _ := s.lib.Load("Spares"); other.ClientID != "spares-1" {
		t.Errorf("another profile changed: %q", other.ClientID)
	}
	if got, _ := s.secrets.Get(context.Background(), "Line 3 thermostats", provisioning.SecretClientSecret); got != fakeNewSecret {
		t.Error("the secret is not stored under the profile")
	}
	if got := p.message.Text; !strings.Contains(got, "created and saved in Line 3 thermostats") {
		t.Errorf("message = %q", got)
	}
	if p.createBtn.Disabled() || p.newBtn.Disabled() {
		t.Error("after creating, Create/New stay disabled")
	}
}

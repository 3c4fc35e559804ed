package ui

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/internal/fynetest"
)

const (
	testPIN      = "482913"
	testWrongPIN = "730561"
)

// lockWithPIN locks editing through the button and the PIN dialog.
func lockWithPIN(t *testing.T, s *testStation, pin string) {
	t.Helper()
	p := s.view.Profiles
	test.Tap(p.lockBtn)
	entries, lock := inDialog(t, s.win, "Lock")
	if len(entries) != 2 {
		t.Fatalf("the lock dialog has %d entries, want PIN and PIN again", len(entries))
	}
	typeInto(s.win, entries[0], pin)
	typeInto(s.win, entries[1], pin)
	test.Tap(lock)
	s.q.until(t, "locked", p.isLocked)
}

// unlockWithPIN types pin into the unlock dialog and presses Unlock.
func unlockWithPIN(t *testing.T, s *testStation, pin string) {
	t.Helper()
	test.Tap(s.view.Profiles.lockBtn)
	entries, unlock := inDialog(t, s.win, "Unlock")
	if len(entries) != 1 {
		t.Fatalf("the unlock dialog has %d entries", len(entries))
	}
	typeInto(s.win, entries[0], pin)
	test.Tap(unlock)
}

// screenTexts is every label and text drawn on the window, dialogs included.
func screenTexts(w fyne.Window) string {
	var b strings.Builder
	roots := append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...)
	for _, r := range roots {
		for _, o := range fynetest.Objects(r) {
			switch x := o.(type) {
			case *widget.Label:
				b.WriteString(x.Text + "\n")
			case *canvas.Text:
				b.WriteString(x.Text + "\n")
			}
		}
	}
	return b.String()
}

func TestLockNeedsAPINTwice(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	test.Tap(p.lockBtn)
	entries, lock := inDialog(t, s.win, "Lock")
	for _, tc := range []struct{ pin, again string }{{"123", "123"}, {"12a4", "12a4"}, {"4829", "4828"}} {
		entries[0].SetText("")
		entries[1].SetText("")
		typeInto(s.win, entries[0], tc.pin)
		typeInto(s.win, entries[1], tc.again)
		if !lock.Disabled() {
			t.Errorf("PIN %q / %q: Lock is offered", tc.pin, tc.again)
		}
	}
	typeInto(s.win, entries[0], "") // leave the form as it is
	shootSizes(t, s, "lock-pin-dialog")
	if p.isLocked() {
		t.Fatal("an invalid PIN locked editing")
	}
}

func TestLockWithPINAndUnlock(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	prefs := fyne.CurrentApp().Preferences()

	lockWithPIN(t, s, testPIN)
	if !p.product.Disabled() || !p.save.Disabled() || !p.delBtn.Disabled() || !s.view.Bench.lockIcon.Visible() {
		t.Fatal("locking did not disable editing")
	}
	first := prefs.String(PrefLockPIN)
	if first == "" || strings.Contains(first, testPIN) {
		t.Fatalf("stored hash %q: empty or holds the PIN", first)
	}
	if p.lockBtn.Text != "Unlock editing" {
		t.Errorf("button = %q", p.lockBtn.Text)
	}

	// A wrong PIN: a plain message, the dialog stays, still locked.
	unlockWithPIN(t, s, testWrongPIN)
	s.q.until(t, "wrong PIN answered", func() bool { return strings.Contains(screenTexts(s.win), "That PIN is not right") })
	if !p.isLocked() || prefs.String(PrefLockPIN) != first {
		t.Fatal("a wrong PIN unlocked editing")
	}
	shootSizes(t, s, "unlock-wrong-pin")
	for _, pin := range []string{testPIN, testWrongPIN} {
		if strings.Contains(screenTexts(s.win), pin) {
			t.Errorf("a PIN is on the screen")
		}
	}
	// The right PIN in the same dialog opens the lock and forgets the hash.
	entries, unlock := inDialog(t, s.win, "Unlock")
	typeInto(s.win, entries[0], testPIN)
	test.Tap(unlock)
	s.q.until(t, "unlocked", func() bool { return !p.isLocked() })
	if s.win.Canvas().Overlays().Top() != nil {
		t.Error("the unlock dialog stays open after the right PIN")
	}
	if prefs.String(PrefLockPIN) != "" || p.product.Disabled() {
		t.Error("unlocked, but the hash is kept or editing is still off")
	}

	// The same PIN again: another salt, another hash.
	lockWithPIN(t, s, testPIN)
	if second := prefs.String(PrefLockPIN); second == first || second == "" {
		t.Errorf("two locks with the same PIN stored %q and %q: not salted", first, second)
	}
	shootSizes(t, s, "profiles-locked-pin")

	var all strings.Builder
	for _, k := range []string{PrefLockPIN, PrefEditingLocked, PrefBenchProfile} {
		fmt.Fprintln(&all, prefs.String(k))
	}
	all.WriteString(logged.String())
	all.WriteString(p.message.Text)
	for _, pin := range []string{testPIN, testWrongPIN} {
		if strings.Contains(all.String(), pin) {
			t.Errorf("a PIN is in the preferences, the log or a message")
		}
	}
}

// Locked, the supervisor's account is not offered: no sign-in, no
// sign-out, and it comes back when the lock opens.
func TestLockHidesTheSupervisorAccount(t *testing.T) {
	acct := &fakeAccount{who: "lead@factory.example"}
	s := newTestStation(t, func(d *Deps) { d.Account = acct })
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	card := p.accountCard
	s.q.until(t, "signed in", func() bool { return card.who != "" })

	lockWithPIN(t, s, testPIN)
	if card.signIn.Visible() || card.signOut.Visible() || card.who != "" {
		t.Error("locked, the account card still offers sign-in or sign-out")
	}
	if !p.chooseBtn.Disabled() || !p.createBtn.Disabled() {
		t.Error("locked, Choose/Create still enabled")
	}
	if !EditingLocked() {
		t.Error("EditingLocked (what the device tools ask) says unlocked")
	}
	if !strings.Contains(card.status.Text, "not used on this station") {
		t.Errorf("status = %q", card.status.Text)
	}
	shootSizes(t, s, "profiles-locked-account")

	unlockWithPIN(t, s, testPIN)
	s.q.until(t, "unlocked", func() bool { return !p.isLocked() })
	if card.who != "lead@factory.example" || !card.signOut.Visible() {
		t.Errorf("unlocked, the account is not back: who %q", card.who)
	}
}

// accountTools stands in for the device tools: it counts the times it was
// told the supervisor's account changed.
type accountTools struct {
	widget.Label
	changed int
}

func (a *accountTools) AccountChanged() { a.changed++ }

// Locking and unlocking tell the device tools, which forget what the
// supervisor's account showed.
func TestLockTellsTheDeviceTools(t *testing.T) {
	tools := &accountTools{}
	s := newTestStation(t, func(d *Deps) {
		d.DeviceTools = func(fyne.Window) fyne.CanvasObject { return tools }
	})
	s.view.Tabs.SelectIndex(2)
	lockWithPIN(t, s, testPIN)
	if tools.changed != 1 {
		t.Fatalf("locking told the device tools %d times", tools.changed)
	}
	unlockWithPIN(t, s, testPIN)
	s.q.until(t, "unlocked", func() bool { return !s.view.Profiles.isLocked() })
	if tools.changed != 2 {
		t.Errorf("unlocking told the device tools %d times in all", tools.changed)
	}
}

// shootSizes captures the window at a laptop's and a desktop's size for a
// person to look at (UI_SHOTS), and puts the laptop size back.
func shootSizes(t *testing.T, s *testStation, name string) {
	t.Helper()
	for _, size := range []fyne.Size{{Width: 1920, Height: 1080}, {Width: 1280, Height: 800}} {
		s.win.Resize(size)
		shoot(t, fmt.Sprintf("%s-%.0fx%.0f", name, size.Width, size.Height), s.win.Canvas())
	}
}

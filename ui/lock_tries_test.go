package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
)

// stepClock is a clock the test moves on by hand.
type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time { return c.t }

// unlockDialog is the open unlock dialog's PIN entry, button and message.
func unlockDialog(t *testing.T, s *testStation) (*widget.Entry, *widget.Button, func() string) {
	t.Helper()
	entries, unlock := inDialog(t, s.win, "Unlock")
	return entries[0], unlock, func() string { return overlayText(s.win.Canvas()) }
}

// After PINFreeTries wrong PINs the dialog waits, counting down from the
// station's clock (no sleeps), longer after each further wrong PIN; the
// wait is kept in the preferences, so reopening (or restarting) does not
// end it, and even the right PIN does not open during it.
func TestUnlockWaitsAfterTooManyWrongPINs(t *testing.T) {
	clk := &stepClock{t: shiftStart}
	s := newTestStation(t, func(d *Deps) { d.Now = clk.now })
	ticks := &manualTicker{c: make(chan time.Time)}
	p := s.view.Profiles
	p.newTicker = ticks.start
	s.view.Tabs.SelectIndex(2)
	lockWithPIN(t, s, testPIN)

	test.Tap(p.lockBtn)
	for i := 1; i < provisioning.PINFreeTries; i++ {
		pin, unlock, text := unlockDialog(t, s)
		typeInto(s.win, pin, testWrongPIN)
		test.Tap(unlock)
		s.q.until(t, "wrong PIN answered", func() bool { return strings.Contains(text(), "That PIN is not right") })
		if pin.Disabled() {
			t.Fatalf("after %d wrong PINs the entry is held", i)
		}
	}
	pin, unlock, text := unlockDialog(t, s)
	typeInto(s.win, pin, testWrongPIN)
	test.Tap(unlock)
	s.q.until(t, "the wait", func() bool { return strings.Contains(text(), "Too many wrong PINs. Try again in 30 s") })
	if !pin.Disabled() || !unlock.Disabled() {
		t.Fatal("during the wait the PIN can be typed and sent")
	}
	shootSizes(t, s, "unlock-wait")

	// The clock moves; each tick says what is left.
	clk.t = clk.t.Add(20 * time.Second)
	ticks.c <- clk.t
	s.q.until(t, "the countdown", func() bool { return strings.Contains(text(), "Try again in 10 s") })

	// The wait is in the preferences: a new start, or the dialog opened
	// again, still waits, and the right PIN does not open meanwhile.
	again := supervisorLock{prefs: fyne.CurrentApp().Preferences(), now: clk.now}
	if left := again.waitLeft(); left != 10*time.Second {
		t.Errorf("after a restart the wait left is %v, want 10s", left)
	}
	if ok, wait := again.unlock(testPIN); ok || wait != 10*time.Second {
		t.Errorf("the right PIN during the wait: opened %v, wait %v", ok, wait)
	}
	_, cancel := inDialog(t, s.win, "Cancel")
	test.Tap(cancel)
	test.Tap(p.lockBtn)
	pin, unlock, text = unlockDialog(t, s)
	if !pin.Disabled() || !strings.Contains(text(), "Try again in 10 s") {
		t.Fatalf("the dialog opened again does not wait: %q", text())
	}

	clk.t = clk.t.Add(10 * time.Second)
	ticks.c <- clk.t
	s.q.until(t, "the end of the wait", func() bool { return strings.Contains(text(), "You can type the PIN again") })
	if pin.Disabled() || unlock.Disabled() {
		t.Fatal("after the wait the PIN cannot be typed")
	}
	// One more wrong PIN waits twice as long.
	typeInto(s.win, pin, testWrongPIN)
	test.Tap(unlock)
	s.q.until(t, "the longer wait", func() bool { return strings.Contains(text(), "Try again in 60 s") })

	clk.t = clk.t.Add(time.Minute)
	ticks.c <- clk.t
	s.q.until(t, "the end of the wait", func() bool { return !pin.Disabled() })
	typeInto(s.win, pin, testPIN)
	test.Tap(unlock)
	s.q.until(t, "unlocked", func() bool { return !p.isLocked() })
	prefs := fyne.CurrentApp().Preferences()
	if prefs.Int(PrefLockWrong) != 0 || prefs.String(PrefLockWaitUntil) != "" {
		t.Error("the right PIN leaves the count of wrong ones behind")
	}
}

// A lock left by an older version (locked, no PIN hash) does not open on
// a Yes: a supervisor gives it a PIN, and unlocking then asks for it.
func TestOldLockWithoutPINAsksForOne(t *testing.T) {
	s := newTestStation(t)
	prefs := fyne.CurrentApp().Preferences()
	prefs.SetBool(PrefEditingLocked, true)
	prefs.RemoveValue(PrefLockPIN)
	p := s.view.Profiles
	p.refreshLock()
	s.view.Tabs.SelectIndex(2)

	test.Tap(p.lockBtn)
	text := overlayText(s.win.Canvas())
	if !strings.Contains(text, "older version") {
		t.Fatalf("the old lock's dialog says %q", text)
	}
	entries, set := inDialog(t, s.win, "Set PIN")
	if len(entries) != 2 {
		t.Fatalf("the dialog has %d entries, want PIN and PIN again", len(entries))
	}
	shootSizes(t, s, "old-lock-set-pin")
	typeInto(s.win, entries[0], testPIN)
	typeInto(s.win, entries[1], testPIN)
	test.Tap(set)
	s.q.until(t, "the PIN stored", func() bool { return prefs.String(PrefLockPIN) != "" })
	s.q.until(t, "the message", func() bool { return strings.Contains(p.message.Text, "The lock now has a PIN") })
	if !p.isLocked() {
		t.Fatal("setting the PIN of an old lock unlocked the station")
	}
	unlockWithPIN(t, s, testPIN)
	s.q.until(t, "unlocked", func() bool { return !p.isLocked() })
}

package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// TestTwoStepCodeNotAccepted: a wrong code says the code was not accepted
// (not "check the user name and password"), asks for the code again, and
// the sign-in form keeps the e-mail.
func TestTwoStepCodeNotAccepted(t *testing.T) {
	acct := &fakeAccount{expires: time.Date(2027, 2, 24, 9, 0, 0, 0, time.UTC)}
	s := newTestStation(t, func(d *Deps) { d.Account = acct })
	s.view.Tabs.SelectIndex(2)
	card := signInWithAWrongCode(t, s)
	got := card.status.Text
	if !strings.Contains(got, "lead@factory.example") || strings.Contains(got, "password") || strings.Contains(got, "OAuth") {
		t.Errorf("after a wrong code the card says %q", got)
	}
	shoot(t, "profiles-code-not-accepted", s.win.Canvas())
	// The code is asked again; cancelling it, the sign-in form keeps the e-mail.
	_, cancel := inDialog(t, s.win, "Cancel")
	test.Tap(cancel)
	test.Tap(card.signIn)
	entries, _ := inDialog(t, s.win, "Sign in")
	if entries[0].Text != "lead@factory.example" {
		t.Errorf("the sign-in form shows e-mail %q", entries[0].Text)
	}
	if s.win.Canvas().Focused() != entries[1] {
		t.Error("with the e-mail kept, the password does not have the focus")
	}
}

// signInWithAWrongCode signs the supervisor in on the Profiles tab with the
// right password and a two-step code the account refuses, and returns the
// account card once it says so.
func signInWithAWrongCode(t *testing.T, s *testStation) *accountCard {
	t.Helper()
	card := s.view.Profiles.accountCard
	s.q.until(t, "sign-in checked", func() bool { return strings.HasPrefix(card.status.Text, "Not signed in") })
	test.Tap(card.signIn)
	entries, signIn := inDialog(t, s.win, "Sign in")
	test.Type(entries[0], "lead@factory.example")
	test.Type(entries[1], fakeSupPassword)
	test.Tap(signIn)
	s.q.until(t, "code asked", func() bool { return strings.HasPrefix(card.status.Text, "Password accepted") })
	entries, verify := inDialog(t, s.win, "Verify")
	test.Type(entries[0], "111111")
	test.Tap(verify)
	s.q.until(t, "code refused", func() bool { return strings.Contains(card.status.Text, "not accepted") })
	return card
}

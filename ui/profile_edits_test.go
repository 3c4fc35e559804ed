package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	fynetest "fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Unsaved edits are asked about when another profile is clicked, and kept
// unless the supervisor discards them.
func TestProfilesAskBeforeDroppingEdits(t *testing.T) {
	other := lineProfile
	other.Name, other.SSID = "Line 4 sensors", "Line4-WiFi"
	s := newTestStation(t, func(d *Deps) { d.Profiles.Save(other) })
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.q.until(t, "profile open", func() bool { return p.current == lineProfile.Name })
	p.ssid.SetText("")
	typeInto(s.win, p.ssid, "Edited-WiFi")

	p.list.Select(1) // Line 4 sensors
	_, keep := inDialog(t, s.win, "Keep editing")
	shoot(t, "profiles-unsaved-1280x800", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "profiles-unsaved-1920x1080", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1280, 800))
	if p.current != lineProfile.Name || p.ssid.Text != "Edited-WiFi" {
		t.Fatalf("asking already opened %q (Wi-Fi %q)", p.current, p.ssid.Text)
	}
	fynetest.Tap(keep)
	if p.current != lineProfile.Name || p.ssid.Text != "Edited-WiFi" {
		t.Errorf("Keep editing: %q with Wi-Fi %q, want the edit kept", p.current, p.ssid.Text)
	}

	// New asks too; Discard opens what was asked for.
	fynetest.Tap(p.newBtn)
	_, discard := inDialog(t, s.win, "Discard changes")
	fynetest.Tap(discard)
	if p.current != "" || p.ssid.Text != "" {
		t.Errorf("Discard: form on %q with Wi-Fi %q, want a new profile", p.current, p.ssid.Text)
	}
	if got, _ := s.lib.Load(lineProfile.Name); got.SSID != lineProfile.SSID {
		t.Errorf("the discarded edit reached the store: %q", got.SSID)
	}

	// Nothing typed: another profile opens without a question.
	p.list.Select(1)
	s.q.until(t, "other profile open", func() bool { return p.current == other.Name })
	if s.win.Canvas().Overlays().Top() != nil {
		t.Error("a question was asked with nothing to lose")
	}
}

// A new form shows no problem before anything is typed; a field's problem
// shows once the field is left.
func TestProfilesProblemsAfterAFieldIsLeft(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	fynetest.Tap(p.newBtn)
	if p.message.Importance == widget.DangerImportance || strings.Contains(p.message.Text, ":") {
		t.Errorf("a new form says %q (importance %v) before anything is typed", p.message.Text, p.message.Importance)
	}
	if !p.save.Disabled() {
		t.Error("Save is offered for an empty profile")
	}
	shoot(t, "profiles-new-1280x800", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "profiles-new-1920x1080", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1280, 800))

	typeInto(s.win, p.product, "Bad Slug!")
	if strings.HasPrefix(p.message.Text, "Product: ") {
		t.Errorf("the product is called wrong while it is being typed: %q", p.message.Text)
	}
	s.win.Canvas().Focus(p.clientID)
	if !strings.HasPrefix(p.message.Text, "Product: ") || p.message.Importance != widget.DangerImportance {
		t.Errorf("after leaving the product: %q, want the product's problem", p.message.Text)
	}
}

// Create client is off for a new profile until it can be saved with the
// client (covered end to end in TestProfilesSupervisorSignInChooseAndCreateClient);
// here, for a new profile with a name and product only.
func TestProfilesCreateClientWaitsForASavableProfile(t *testing.T) {
	acct := &fakeAccount{who: "lead@factory.example"}
	s := newTestStation(t, func(d *Deps) { d.Account = acct })
	acct.secrets = s.secrets
	p := s.view.Profiles
	s.q.until(t, "signed in", func() bool { return p.accountCard.who != "" })
	if p.createBtn.Disabled() {
		t.Fatal("Create client is off for the saved profile")
	}
	fynetest.Tap(p.newBtn)
	typeInto(s.win, p.name, "Line 9")
	typeInto(s.win, p.product, "4711")
	if !p.createBtn.Disabled() {
		t.Error("Create client is offered for an unsaved profile without its Wi-Fi")
	}
	fynetest.Tap(p.createBtn)
	if s.win.Canvas().Overlays().Top() != nil || len(acct.created) != 0 {
		t.Error("a client was offered for a profile that cannot be saved")
	}
	p.security.SetSelected(securityWords()[3]) // open network: no password
	typeInto(s.win, p.ssid, "Line9-Guest")
	if p.createBtn.Disabled() {
		t.Errorf("Create client is off for a complete new profile: %s", p.message.Text)
	}
}

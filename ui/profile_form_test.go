package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/internal/fynetest"
)

// Delete asks first: Cancel is the default, the red "Delete profile"
// button deletes.
func TestProfilesDeleteAsksWithDestructiveButton(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.q.until(t, "profile open", func() bool { return p.current == lineProfile.Name })
	test.Tap(p.delBtn)
	_, del := inDialog(t, s.win, "Delete profile")
	_, cancel := inDialog(t, s.win, "Cancel")
	if del.Importance != widget.DangerImportance || cancel.Importance != widget.HighImportance {
		t.Errorf("Delete profile importance %v, Cancel %v: want red delete, Cancel the default", del.Importance, cancel.Importance)
	}
	shoot(t, "profiles-delete-1280x800", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "profiles-delete-1920x1080", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1280, 800))
	test.Tap(cancel)
	if names, _ := s.lib.List(); len(names) != 1 {
		t.Fatalf("Cancel deleted: %v", names)
	}
	test.Tap(p.delBtn)
	_, del = inDialog(t, s.win, "Delete profile")
	test.Tap(del)
	s.q.until(t, "deleted", func() bool { return strings.HasPrefix(p.message.Text, "Deleted") })
	if names, _ := s.lib.List(); len(names) != 0 {
		t.Errorf("profiles after Delete profile = %v", names)
	}
}

// A field its choice makes moot is disabled, and enabled again when the
// choice needs it.
func TestProfilesMootFieldsDisabled(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.q.until(t, "profile open", func() bool { return p.current == lineProfile.Name })
	check := func(what string, w fyne.Disableable, wantOn bool) {
		t.Helper()
		if w.Disabled() == wantOn {
			t.Errorf("%s: disabled = %v, want %v", what, w.Disabled(), !wantOn)
		}
	}
	p.security.SetSelected("Open (no password)")
	check("Wi-Fi password of an open network", p.wifiPassword.entry, false)
	p.security.SetSelected("WPA2")
	check("Wi-Fi password of WPA2", p.wifiPassword.entry, true)

	p.customer.SetSelected("No customer")
	check("customer e-mail without a customer", p.customerPattern, false)
	for l, f := range p.column.fields {
		if f == fyne.Disableable(p.customerPattern) && l.Importance != widget.LowImportance {
			t.Errorf("the label %q of a disabled field is not greyed", l.Text)
		}
	}
	shoot(t, "profiles-moot-1280x800", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "profiles-moot-1920x1080", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1280, 800))
	p.customer.SetSelected("Shadow customer by e-mail")
	check("customer e-mail of a shadow customer", p.customerPattern, true)

	p.checkKind.SetSelected("No check")
	check("check name without a check", p.checkName, false)
	check("argument without a check", p.checkArg, false)
	p.checkKind.SetSelected("Read a variable")
	check("check name of a variable", p.checkName, true)
	check("argument of a variable", p.checkArg, false)
	p.checkKind.SetSelected("Call a function")
	check("argument of a function", p.checkArg, true)

	// A pattern left in a disabled field neither blocks saving nor is saved.
	p.customerPattern.SetText("left-{device_id}@example.com")
	p.customer.SetSelected("No customer")
	if got := p.Profile().CustomerPattern; got != "" {
		t.Errorf("a moot pattern is in the profile: %q", got)
	}
	for _, pr := range p.problems() {
		if pr.field == p.customerPattern {
			t.Errorf("a moot pattern is a problem: %s", pr.text)
		}
	}
}

// "90s" stays "90s" when the profile is read back, not "1m30s".
func TestProfilesTimeoutKeptAsTyped(t *testing.T) {
	stored := lineProfile
	stored.Name, stored.VerifyTimeout = "Slow Wi-Fi", 90*time.Second
	s := newTestStation(t, func(d *Deps) { d.Profiles.Save(stored) })
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	p.list.Select(1)
	s.q.until(t, "profile open", func() bool { return p.current == stored.Name })
	if got := p.verifyTimeout.Text; got != "90s" {
		t.Errorf("a 90 s limit shows as %q", got)
	}
	for typed, want := range map[string]string{"90s": "90s", "3m": "3m", "2m": "2m", "45s": "45s", "": ""} {
		p.verifyTimeout.SetText(typed)
		p.show(p.Profile())
		if got := p.verifyTimeout.Text; got != want {
			t.Errorf("typed %q, read back %q, want %q", typed, got, want)
		}
	}
}

// Every section's fields start at one x, and the patterns are explained.
func TestProfilesFormAligned(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.q.until(t, "profile open", func() bool { return p.current == lineProfile.Name })
	d := fyne.CurrentApp().Driver()
	x := d.AbsolutePositionForObject(p.product).X
	for what, o := range map[string]fyne.CanvasObject{"Security": p.security, "Customer": p.customer, "Verification time limit": p.verifyTimeout, "Notes": p.notes} {
		if got := d.AbsolutePositionForObject(o).X; got != x {
			t.Errorf("%s starts at x %v, Product at %v", what, got, x)
		}
	}
	var texts []string
	for _, o := range fynetest.Objects(p.form) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"{device_id} becomes the Photon's 24-character device ID.", "{device_id} becomes the device ID, {last6} its last six characters."} {
		if !strings.Contains(all, want) {
			t.Errorf("the form does not explain: %q", want)
		}
	}
	shoot(t, "profiles-aligned-1920x1080", s.win.Canvas())
}

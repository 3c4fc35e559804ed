package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/photon-station/photon-station/provisioning"
)

// TestProfilesHiddenNetworkCipher: the cipher is offered only for a hidden
// network, is saved with the profile, and shows again when it is opened.
func TestProfilesHiddenNetworkCipher(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	s.q.until(t, "profile open", func() bool { return p.current == lineProfile.Name })
	if p.hidden.Checked || p.cipherBox.Visible() {
		t.Fatal("a visible network's profile shows the cipher")
	}
	test.Tap(p.hidden)
	if !p.cipherBox.Visible() || p.cipher.Selected != "AES" {
		t.Fatalf("ticking Hidden network shows the cipher %v, chosen %q; want AES", p.cipherBox.Visible(), p.cipher.Selected)
	}
	p.cipher.SetSelected("TKIP")
	test.Type(p.clientSecret.entry, "s3cr3t-client")
	test.Type(p.wifiPassword.entry, "hidden-but-long-enough")
	if p.save.Disabled() {
		t.Fatalf("Save is disabled: %s", p.message.Text)
	}
	shoot(t, "profiles-hidden-network", s.win.Canvas())
	test.Tap(p.save)
	s.q.until(t, "saved", func() bool { return strings.HasPrefix(p.message.Text, "Saved") })
	if got, err := s.lib.Load(lineProfile.Name); err != nil || got.Cipher != provisioning.CipherTKIP {
		t.Fatalf("saved cipher %q, %v; want TKIP", got.Cipher, err)
	}

	test.Tap(p.newBtn)
	if p.hidden.Checked || p.cipherBox.Visible() {
		t.Error("a new profile starts as a hidden network")
	}
	p.list.Select(0)
	s.q.until(t, "reopened", func() bool { return p.current == lineProfile.Name && p.hidden.Checked })
	if !p.cipherBox.Visible() || p.cipher.Selected != "TKIP" {
		t.Errorf("reopened: cipher shown %v, chosen %q; want TKIP", p.cipherBox.Visible(), p.cipher.Selected)
	}
	test.Tap(p.hidden)
	if got := p.Profile().Cipher; got != "" {
		t.Errorf("unticking Hidden network leaves cipher %q, want the default", got)
	}
}

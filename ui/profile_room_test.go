package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

// TestProfileMessageKeepsItsRoom: Save and the form above it stay where
// they are when a validation message appears (two lines long), and when
// it goes again.
func TestProfileMessageKeepsItsRoom(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	at := func() [2]fyne.Position {
		s.win.Content().Refresh()
		d := fyne.CurrentApp().Driver()
		return [2]fyne.Position{d.AbsolutePositionForObject(p.save), d.AbsolutePositionForObject(p.message)}
	}
	// The bottom bar's top is where the form's scroll ends: its contents
	// keep their place when the message keeps its place.
	before := at()
	p.product.SetText("")
	typeInto(s.win, p.product, strings.Repeat("Thermostat kit for the customer site ", 3))
	s.win.Canvas().Focus(p.clientID)
	if got := p.message.Text; !strings.HasPrefix(got, "Product: ") {
		t.Fatalf("message = %q, want the product's problem", got)
	}
	if got := at(); got != before {
		t.Errorf("with the message Save and the message moved from %v to %v", before, got)
	}
	p.product.SetText("")
	typeInto(s.win, p.product, "thermo-kit")
	s.win.Canvas().Focus(p.clientID)
	if got := at(); got != before {
		t.Errorf("after the message went Save and the message moved from %v to %v", before, got)
	}
}

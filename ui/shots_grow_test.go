package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

// TestShotsGrowAndRoom captures the screens the growing tiles, the one
// step line and the kept room changed, at a laptop's and a large screen's
// size, for a person to look at (set UI_SHOTS to a folder).
func TestShotsGrowAndRoom(t *testing.T) {
	if os.Getenv("UI_SHOTS") == "" {
		t.Skip("UI_SHOTS is not set")
	}
	hub := append(append([]Phase{}, scenePhases...), scenePhases...)
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		suffix := fmt.Sprintf("-%.0fx%.0f", size.Width, size.Height)
		for _, phases := range [][]Phase{scenePhases[:4], hub} {
			name := fmt.Sprintf("i12-grow-%d%s", len(phases), suffix)
			t.Run(name, func(t *testing.T) {
				_, w := benchScene(t, phases, size)
				shoot(t, name, w.Canvas())
			})
		}
		t.Run("profiles"+suffix, func(t *testing.T) {
			s := newTestStation(t)
			s.win.Resize(size)
			s.view.Tabs.SelectIndex(2)
			p := s.view.Profiles
			p.product.SetText("")
			typeInto(s.win, p.product, strings.Repeat("Thermostat kit for the customer site ", 3))
			s.win.Canvas().Focus(p.clientID)
			shoot(t, "i12-profile-message"+suffix, s.win.Canvas())
		})
	}
}

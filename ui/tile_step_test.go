package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/photon-station/photon-station/provisioning"
)

// TestTileShowsOneStep: a tile names the one step under way (not six
// chips), names the steps the job skipped, and after the verdict the step
// that failed or that all were done.
func TestTileShowsOneStep(t *testing.T) {
	lightApp(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ev := func(kind provisioning.EventKind, step provisioning.Step) provisioning.Event {
		return provisioning.Event{Slot: "ttyACM0", Kind: kind, Step: step, Time: at, DeviceID: "3c0021000447363339343137"}
	}
	var s Slot
	for _, e := range []provisioning.Event{
		ev(provisioning.EventStarted, provisioning.StepDetect),
		ev(provisioning.EventDone, provisioning.StepIdentify),
		ev(provisioning.EventDone, provisioning.StepImport),
		ev(provisioning.EventSkipped, provisioning.StepCustomer),
		ev(provisioning.EventDone, provisioning.StepClaim),
		ev(provisioning.EventStarted, provisioning.StepWiFi),
	} {
		s.Apply(e)
	}
	tile := NewTile("ttyACM0", nil, nil)
	w := test.NewTempWindow(t, tile)
	tile.Display(s, at)
	if got, want := tile.step.label.Text, "Step 5 of 6: Wi-Fi"; got != want {
		t.Errorf("the step line says %q, want %q", got, want)
	}
	if got, want := tile.skipped.Text, "Customer skipped"; got != want {
		t.Errorf("the skipped steps read %q, want %q", got, want)
	}
	if got := stepWords(w.Content(), tile.skipped); len(got) != 1 {
		t.Errorf("the tile shows %d step words %v, want one", len(got), got)
	}

	failed := s
	failed.Apply(ev(provisioning.EventFailed, provisioning.StepWiFi))
	tile.Display(failed, at)
	if got, want := tile.step.label.Text, "Wi-Fi failed"; got != want {
		t.Errorf("after the failure the step line says %q, want %q", got, want)
	}
	passed := s
	passed.Apply(provisioning.Event{Slot: "ttyACM0", Kind: provisioning.EventResult, Outcome: provisioning.OutcomePass, Time: at})
	tile.Display(passed, at)
	if got, want := tile.step.label.Text, "All steps done"; got != want {
		t.Errorf("after PASS the step line says %q, want %q", got, want)
	}
	if got, want := tile.skipped.Text, "Customer skipped"; got != want {
		t.Errorf("after PASS the skipped steps read %q, want %q", got, want)
	}
}

// stepWords lists the visible texts under o that name a step, leaving out
// the line of skipped ones.
func stepWords(o fyne.CanvasObject, skipped *canvas.Text) []string {
	var out []string
	eachVisible(o, func(o fyne.CanvasObject) bool {
		x, ok := o.(*canvas.Text)
		if !ok || x == skipped {
			return true
		}
		for c := range chipCount {
			if strings.Contains(strings.ToLower(x.Text), strings.ToLower(chipLabel(c))) {
				out = append(out, x.Text)
				break
			}
		}
		return true
	})
	return out
}

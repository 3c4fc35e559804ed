package devicetools

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/internal/fynetest"
)

// A call in progress shows a still "Working…" line and Cancel, nothing
// animated: a call has no progress to show, and an animation repaints the
// window all the time.
func TestOutcomeWhileWorkingIsStill(t *testing.T) {
	test.NewTempApp(t)
	o := newOutcome()
	w := test.NewTempWindow(t, o)
	o.busy("Looking up the device…", func() {})
	var texts []string
	for _, obj := range fynetest.Objects(w.Content()) {
		if !obj.Visible() {
			continue
		}
		switch v := obj.(type) {
		case *widget.ProgressBarInfinite:
			t.Error("an animated progress bar while a call runs")
		case *widget.Label:
			texts = append(texts, v.Text)
		}
	}
	if !o.working.Visible() || o.working.Text != "Working…" || !o.stop.Visible() {
		t.Errorf("while working: %q shown %v, Cancel shown %v; labels %q", o.working.Text, o.working.Visible(), o.stop.Visible(), texts)
	}
	o.succeed("Found.")
	if o.working.Visible() || o.progressRow.Visible() {
		t.Error("\"Working…\" stays after the answer")
	}
}

package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/provisioning"
)

// shotFleet is a fleet database for the captures: it answers at once with
// what the capture shows.
type shotFleet struct {
	report func(FleetStatus)
	recent []provisioning.Record
}

func (f *shotFleet) Check(address string) error {
	if strings.Contains(address, ":secret@") {
		return errors.New("The address holds a password.")
	}
	return nil
}
func (f *shotFleet) PasswordStored(context.Context, string) (bool, error) { return true, nil }
func (f *shotFleet) StorePassword(context.Context, string, string) error  { return nil }
func (f *shotFleet) Test(context.Context, string, string) error           { return nil }
func (f *shotFleet) Use(_ string, _ int, report func(FleetStatus))        { f.report = report }
func (f *shotFleet) Recent(context.Context, int) ([]provisioning.Record, error) {
	return f.recent, nil
}

// TestShotsFleet captures the screens the fleet database added or changed
// (Station settings unlocked and locked, the bench's waiting line, the
// journal's All stations) at a laptop's and a large screen's size, for a
// person to look at (set UI_SHOTS to a folder).
func TestShotsFleet(t *testing.T) {
	if os.Getenv("UI_SHOTS") == "" {
		t.Skip("UI_SHOTS is not set")
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		suffix := fmt.Sprintf("-%.0fx%.0f", size.Width, size.Height)
		t.Run(suffix, func(t *testing.T) {
			var recent []provisioning.Record
			for i, r := range journalRecords() {
				r.Station = []string{"bench-1", "bench-2", "field-laptop"}[i%3]
				recent = append(recent, r)
			}
			f := &shotFleet{recent: recent}
			s := newTestStation(t, func(d *Deps) { d.Fleet = f })
			s.win.Resize(size)
			prefs := fyne.CurrentApp().Preferences()
			prefs.SetString(PrefFleetURL, "postgres://bench@db.factory.lan:5432/fleet?sslmode=verify-full")
			prefs.SetInt(PrefJournalKeepMonths, 24)
			s.view.useFleet()

			f.report(FleetStatus{State: FleetOffline, Waiting: 12, Problem: "The fleet database at db.factory.lan:5432 does not answer: check the network cable, or ask who runs the database whether it is up."})
			s.q.until(t, "the waiting line", func() bool { return strings.Contains(s.view.Bench.fleet.label.Text, "12 records") })
			shoot(t, "f14-bench-waiting"+suffix, s.win.Canvas())

			set := s.view.showStationSettings()
			s.q.until(t, "the stored password", func() bool { return set.password.has })
			shoot(t, "f14-settings"+suffix, s.win.Canvas())
			s.win.Canvas().Overlays().Remove(s.win.Canvas().Overlays().Top())

			prefs.SetBool(PrefEditingLocked, true)
			s.view.showStationSettings()
			shoot(t, "f14-settings-locked"+suffix, s.win.Canvas())
			s.win.Canvas().Overlays().Remove(s.win.Canvas().Overlays().Top())
			prefs.SetBool(PrefEditingLocked, false)

			s.view.Tabs.SelectIndex(3)
			s.view.Journal.ChooseScope("All stations")
			s.q.until(t, "every station's attempts", func() bool { return len(s.view.Journal.Rows()) == len(recent) })
			s.view.Journal.table.Select(widgetCell(0, 0))
			shoot(t, "f14-journal-all"+suffix, s.win.Canvas())
		})
	}
}

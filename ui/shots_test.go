package ui

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/provisioning"
)

// TestShotsLayoutAndWords captures the screens issue 12 changed, at a
// laptop's and a large screen's size, for a person to look at (set
// UI_SHOTS to a folder).
func TestShotsLayoutAndWords(t *testing.T) {
	if os.Getenv("UI_SHOTS") == "" {
		t.Skip("UI_SHOTS is not set")
	}
	for _, size := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1920, 1080)} {
		suffix := fmt.Sprintf("-%.0fx%.0f", size.Width, size.Height)
		t.Run(suffix, func(t *testing.T) {
			long := provisioning.Record{Attempt: "long", Profile: "Line 3 thermostats", Slot: "ttyACM1", DeviceID: "1e0032000c47343432313031",
				Started: shiftStart, Ended: shiftStart.Add(200 * time.Second), Outcome: provisioning.OutcomeFail, FailedStep: provisioning.StepVerify,
				Message: "The device did not come online within 3 minutes.", Action: `Ask a supervisor to check the Wi-Fi password of profile "Line 3 thermostats", then press Retry.`,
				Details: "cloud: GET /v1/products/12345/devices/1e0032000c47343432313031: " + strings.Repeat("the request timed out waiting for the device to answer ", 12)}
			dir := filepath.Join(t.TempDir(), "journal")
			acct := &fakeAccount{expires: time.Date(2027, 2, 24, 9, 0, 0, 0, time.UTC)}
			s := newTestStation(t, func(d *Deps) {
				d.Journal = &pathJournal{fakeJournal: fakeJournal{records: append(journalRecords(), long)}, path: filepath.Join(dir, "journal.jsonl")}
				d.Account = acct
			})
			s.win.Resize(size)
			s.view.openURL = func(*url.URL) error { return fmt.Errorf("no file manager") }

			s.view.Tabs.SelectIndex(3)
			s.view.Journal.table.Select(widgetCell(0, 0))
			shoot(t, "i12-journal-long"+suffix, s.win.Canvas())
			menuItem(t, s.win, "Help", "Show the journal folder").Action()
			shoot(t, "i12-journal-folder"+suffix, s.win.Canvas())
			s.win.Canvas().Overlays().Top().Hide()
			s.win.Canvas().Overlays().Remove(s.win.Canvas().Overlays().Top())
			s.view.metadata = fyne.AppMetadata{Version: "0.1.0", Build: 1}
			menuItem(t, s.win, "Help", "About Photon Station").Action()
			shoot(t, "i12-about"+suffix, s.win.Canvas())
			s.win.Canvas().Overlays().Remove(s.win.Canvas().Overlays().Top())

			s.view.Tabs.SelectIndex(0)
			shoot(t, "i12-bench"+suffix, s.win.Canvas())

			s.view.Tabs.SelectIndex(2)
			signInWithAWrongCode(t, s)
			shoot(t, "i12-code-not-accepted"+suffix, s.win.Canvas())
		})
	}
}

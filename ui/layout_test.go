package ui

import (
	"strings"
	"testing"

	"github.com/photon-station/photon-station/provisioning"
)

// TestLongJournalRowKeepsTheWindow selects an attempt whose "Details for
// support" is one long line: the steps pane wraps it, and neither the
// window nor the content's minimum width grows.
func TestLongJournalRowKeepsTheWindow(t *testing.T) {
	long := provisioning.Record{Attempt: "long", Profile: "Line 3 thermostats", Slot: "ttyACM1", DeviceID: "1e0032000c47343432313031",
		Started: shiftStart, Ended: shiftStart.Add(200e9), Outcome: provisioning.OutcomeFail, FailedStep: provisioning.StepVerify,
		Message: "The device did not come online within 3 minutes.", Action: "Check the Wi-Fi password.",
		Details: "cloud: GET /v1/products/12345/devices/1e0032000c47343432313031: " + strings.Repeat("the request timed out waiting for the device to answer ", 12)}
	s := newTestStation(t, func(d *Deps) { d.Journal = &fakeJournal{records: []provisioning.Record{long}} })
	s.view.Tabs.SelectIndex(3)
	before := s.win.Canvas().Size()
	min := s.win.Content().MinSize()
	s.view.Journal.table.Select(widgetCell(0, 0))
	if !strings.Contains(s.view.Journal.steps.Text, "Details for support") {
		t.Fatalf("steps pane = %q", s.view.Journal.steps.Text)
	}
	shoot(t, "journal-long-details", s.win.Canvas())
	if got := s.win.Content().MinSize(); got.Width > min.Width {
		t.Errorf("the window's content now needs %.0f px wide, %.0f before", got.Width, min.Width)
	}
	if got := s.win.Canvas().Size(); got.Width != before.Width {
		t.Errorf("the window is %.0f wide after choosing the row, %.0f before", got.Width, before.Width)
	}
	assertFits(t, "journal", s.win.Canvas())
}

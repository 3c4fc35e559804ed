package ui

import (
	"context"
	"errors"
	"io"
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// fleetRecentLimit is how many of every station's latest attempts "All
// stations" reads from the fleet database.
const fleetRecentLimit = 1000

// journalScopes are the journal view's two sources.
func journalScopes() []string { return []string{lang.L("This station"), lang.L("All stations")} }

// fleetRecords is a page of every station's attempts, read from the fleet
// database, filtered here as the local journal filters its own.
type fleetRecords []provisioning.Record

func (f fleetRecords) matching(flt provisioning.JournalFilter) []provisioning.Record {
	var out []provisioning.Record
	for _, r := range f {
		if journalMatches(flt, r) {
			out = append(out, r)
		}
	}
	return out
}

func (f fleetRecords) Count(flt provisioning.JournalFilter) (int, error) {
	return len(f.matching(flt)), nil
}

func (f fleetRecords) Page(flt provisioning.JournalFilter, offset, limit int) ([]provisioning.Record, error) {
	m := f.matching(flt)
	if offset >= len(m) {
		return nil, nil
	}
	return m[offset:min(len(m), offset+limit)], nil
}

// ExportCSV is not offered for every station here: `photon-station
// journal export --csv FILE --fleet` streams them all.
func (fleetRecords) ExportCSV(io.Writer) error {
	return errors.New(lang.L("Export every station's attempts with photon-station journal export --csv FILE --fleet."))
}

// journalMatches is provisioning.JournalFilter applied to one record: the
// text in any of the fields the local journal searches, and the outcome.
func journalMatches(f provisioning.JournalFilter, r provisioning.Record) bool {
	switch f.Outcome {
	case "pass":
		if r.Outcome != provisioning.OutcomePass {
			return false
		}
	case "fail":
		if r.Outcome != provisioning.OutcomeFail {
			return false
		}
	case "unfinished":
		if r.Outcome != provisioning.OutcomePending {
			return false
		}
	}
	t := strings.ToLower(strings.TrimSpace(f.Text))
	if t == "" {
		return true
	}
	for _, field := range []string{r.DeviceID, r.Slot, r.Port, r.Profile, r.Customer, r.Message, r.Operator, r.Station} {
		if strings.Contains(strings.ToLower(field), t) {
			return true
		}
	}
	return false
}

// setFleet offers "This station / All stations" while a fleet database
// is set, and goes back to this station when it is not.
func (v *JournalView) setFleet(link FleetLink, configured bool) {
	v.fleet = link
	if !configured {
		v.scope.Hide()
		if v.allStations {
			v.scope.SetSelected(journalScopes()[0])
		}
		return
	}
	v.scope.Show()
}

// ChooseScope shows "This station" or "All stations", as choosing it
// does.
func (v *JournalView) ChooseScope(choice string) { v.scope.SetSelected(choice) }

// chooseScope switches between this station's journal and every
// station's attempts in the fleet database.
func (v *JournalView) chooseScope(choice string) {
	all := choice == journalScopes()[1]
	if all == v.allStations {
		return
	}
	v.allStations = all
	v.setColumnWidths()
	setVisible(v.exportBtn, !all)
	v.Reload()
}

// columnCount leaves the Station column out for this station alone: its
// name would be every row's.
func (v *JournalView) columnCount() int {
	if v.allStations {
		return len(journalColumns())
	}
	return journalStationCol
}

// columnAt is the column (of journalColumns) shown at place i: for All
// stations the station comes second, after the time.
func (v *JournalView) columnAt(i int) int {
	switch {
	case !v.allStations || i < 1:
		return i
	case i == 1:
		return journalStationCol
	}
	return i - 1
}

func (v *JournalView) setColumnWidths() {
	for i := range v.columnCount() {
		v.table.SetColumnWidth(i, journalWidths[v.columnAt(i)])
	}
}

// loadFleet reads every station's latest attempts off the UI goroutine;
// until they come the view says it is reading, and when the fleet
// database cannot be reached it says so in the table's place.
func (v *JournalView) loadFleet() {
	v.loads++
	seq, link := v.loads, v.fleet
	v.source = fleetRecords(nil)
	v.showEmptyOnly(lang.L("Reading every station's attempts from the fleet database…"))
	if link == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), fleetCallTimeout)
		defer cancel()
		recs, err := link.Recent(ctx, fleetRecentLimit)
		v.do(func() {
			if seq != v.loads || !v.allStations {
				return
			}
			if err != nil {
				msg := lang.L("The fleet database cannot be reached, so only this station's journal can be shown: {{.Reason}}", map[string]any{"Reason": err.Error()})
				v.count.SetText(msg)
				v.showEmptyOnly(msg)
				return
			}
			v.source = fleetRecords(recs)
			v.apply()
		})
	}()
}

// showEmptyOnly empties the table and shows msg in its place.
func (v *JournalView) showEmptyOnly(msg string) {
	v.page, v.pageAt, v.shown = nil, 0, 0
	v.count.SetText(msg)
	v.showEmpty(msg)
	v.steps.SetText("")
	v.table.UnselectAll()
	v.table.Refresh()
}

// newScopeSelect makes the "This station / All stations" choice, hidden
// until a fleet database is set.
func (v *JournalView) newScopeSelect() *widget.Select {
	s := widget.NewSelect(journalScopes(), v.chooseScope)
	s.SetSelected(journalScopes()[0])
	s.Hide()
	return s
}

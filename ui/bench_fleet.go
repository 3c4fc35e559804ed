package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/ui/lang"
)

// fleetLine is the bench's line about the fleet database: how many
// records wait to be sent and, when it cannot be reached, why. Its place
// is kept while a fleet database is set, and it is one line (ending in
// "…" when the reason is long; tapped, it shows whole), so the tiles never
// move when it comes and goes.
type fleetLine struct {
	label *widget.Label
	box   *fyne.Container
}

func newFleetLine() *fleetLine {
	l := &fleetLine{label: widget.NewLabel("")}
	l.label.Truncation = fyne.TextTruncateEllipsis
	l.box = container.NewStack(newFullText(l.label))
	l.box.Hide()
	return l
}

// showFleet shows st on the bench's fleet line, or keeps the line's place
// empty when nothing waits and the database is reached. configured false
// takes the line away (the header changes height only then).
func (b *Bench) showFleet(configured bool, st FleetStatus) {
	l := b.fleet
	l.label.Importance = widget.MediumImportance
	if st.State == FleetOffline || st.State == FleetReadOnly {
		l.label.Importance = widget.WarningImportance
	}
	l.label.SetText(fleetWords(st))
	if l.box.Visible() != configured {
		setVisible(l.box, configured)
		b.layoutAll()
	}
}

// fleetWords is the bench's sentence for st, "" when there is nothing to
// say.
func fleetWords(st FleetStatus) string {
	var count string
	switch {
	case st.Waiting < 0:
		count = lang.L("The journal cannot say how many records wait for the fleet database")
	case st.Waiting == 1:
		count = lang.L("1 record waits for the fleet database")
	case st.Waiting > 1:
		count = lang.L("{{.Count}} records wait for the fleet database", map[string]any{"Count": st.Waiting})
	}
	bad := st.State == FleetOffline || st.State == FleetReadOnly
	switch {
	case bad && count == "":
		return lang.L("The fleet database cannot be reached: {{.Reason}}", map[string]any{"Reason": st.Problem})
	case bad:
		return lang.L("{{.Waiting}}: {{.Reason}}", map[string]any{"Waiting": count, "Reason": st.Problem})
	}
	return count
}

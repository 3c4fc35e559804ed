package ui

import (
	"fmt"
	"image/color"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// JournalSource is the part of *provisioning.Journal the journal view
// reads: how many attempts match a filter, a page of them newest first,
// and the CSV export. The view holds one page, whatever the journal's
// size.
type JournalSource interface {
	Count(f provisioning.JournalFilter) (int, error)
	Page(f provisioning.JournalFilter, offset, limit int) ([]provisioning.Record, error)
	ExportCSV(w io.Writer) error
}

// journalPageSize is how many attempts the view reads at a time.
const journalPageSize = 200

// JournalView is the supervisor's record of every attempt: a filterable
// table, the steps of the chosen attempt, and CSV export.
type JournalView struct {
	win    fyne.Window
	source JournalSource // what the table shows: local, or the fleet's page
	local  JournalSource // this station's journal
	// fleet and allStations: "All stations" reads the fleet database
	// (loads counts its reads, so only the latest is shown); do runs
	// their answer on the UI goroutine.
	fleet       FleetLink
	allStations bool
	loads       int
	do          dispatcher
	scope       *widget.Select
	exportBtn   *widget.Button
	now         clock
	filter      provisioning.JournalFilter
	// shown is how many attempts match the filter; page holds those
	// from pageAt on (newest first), read when a row outside it shows.
	shown   int
	pageAt  int
	page    []provisioning.Record
	chosen  int
	search  *widget.Entry
	outcome *widget.Select
	table   *widget.Table
	steps   *widget.Label
	count   *widget.Label
	empty   *widget.Label // says why the table has no rows
	// emptyBox holds empty on the background, hiding the grid behind it.
	emptyBox *fyne.Container
	// numberWidth is the row-number column's width, fitted to the largest.
	numberWidth float32
	content     fyne.CanvasObject
}

func outcomeWords() []string {
	return []string{lang.L("All results"), lang.L("Passed"), lang.L("Failed"), lang.L("Unfinished")}
}

var outcomeVals = []string{"", "pass", "fail", "unfinished"}

// journalColumns are the table's headings.
func journalColumns() []string {
	return []string{lang.L("Started"), lang.L("Slot"), lang.L("Device ID"), lang.L("Profile"), lang.L("Result"), lang.L("Failed step"), lang.L("Message"), lang.L("Station")}
}

// journalStationCol is the column of the station's name, shown only for
// All stations.
const journalStationCol = 7

var journalWidths = []float32{170, 110, 240, 170, 120, 110, 420, 160}

func newJournalView(win fyne.Window, source JournalSource, now clock) *JournalView {
	v := &JournalView{win: win, source: source, local: source, now: now, chosen: -1, do: fyneDispatch}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder(lang.L("Filter by device ID, slot, profile, customer or message"))
	v.search.OnChanged = func(s string) { v.filter.Text = s; v.apply() }
	v.outcome = widget.NewSelect(outcomeWords(), func(s string) { v.filter.Outcome = unpick(outcomeWords(), outcomeVals, s); v.apply() })
	v.outcome.SetSelected(outcomeWords()[0])
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return v.shown, v.columnCount() },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(canvas.NewRectangle(color.Transparent), l)
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			r, _ := v.row(id.Row)
			tint := c.Objects[0].(*canvas.Rectangle)
			want := color.Color(color.Transparent)
			col := v.columnAt(id.Col)
			if col == journalResultCol {
				want = outcomeTint(r.Outcome)
			}
			if tint.FillColor != want {
				tint.FillColor = want
				tint.Refresh()
			}
			c.Objects[1].(*widget.Label).SetText(journalCell(r, col))
		})
	v.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		switch {
		case id.Row < 0 && id.Col >= 0:
			l.SetText(journalColumns()[v.columnAt(id.Col)])
		case id.Col < 0 && id.Row >= 0:
			l.SetText(strconv.Itoa(id.Row + 1))
		default:
			l.SetText("")
		}
	}
	v.setColumnWidths()
	v.table.OnSelected = func(id widget.TableCellID) {
		v.chosen = id.Row
		v.showSteps()
	}
	v.steps = widget.NewLabel(lang.L("Choose an attempt to see its steps."))
	v.steps.TextStyle = fyne.TextStyle{Monospace: true}
	// A long message or "Details for support" wraps in the pane: as one
	// line it would make the window wider than the screen.
	v.steps.Wrapping = fyne.TextWrapWord
	v.count = widget.NewLabel("")
	v.exportBtn = widget.NewButtonWithIcon(lang.L("Export to CSV…"), theme.DocumentSaveIcon(), v.export)
	reload := widget.NewButtonWithIcon(lang.L("Reload"), theme.ViewRefreshIcon(), v.Reload)
	v.scope = v.newScopeSelect()
	top := container.NewBorder(nil, nil, v.scope, container.NewHBox(v.outcome, reload, v.exportBtn), v.search)
	v.empty = widget.NewLabel("")
	v.empty.Alignment = fyne.TextAlignCenter
	v.empty.Wrapping = fyne.TextWrapWord
	v.emptyBox = container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameBackground)), v.empty)
	v.emptyBox.Hide()
	split := container.NewVSplit(container.NewStack(v.table, container.NewVBox(layout.NewSpacer(), v.emptyBox, layout.NewSpacer())), container.NewVScroll(v.steps))
	split.Offset = 0.65
	v.content = container.NewBorder(top, v.count, nil, nil, split)
	v.Reload()
	return v
}

// Content is the screen's canvas object.
func (v *JournalView) Content() fyne.CanvasObject { return v.content }

// Reload reads the journal again (for All stations, the fleet database).
func (v *JournalView) Reload() {
	if v.allStations {
		v.loadFleet()
		return
	}
	v.source = v.local
	v.apply()
}

func (v *JournalView) apply() {
	if v.table == nil {
		return // still building
	}
	v.page, v.pageAt, v.shown = nil, 0, 0
	if v.source == nil {
		v.count.SetText(lang.L("No journal is open."))
		v.showEmpty(lang.L("No journal is open."))
		v.table.Refresh()
		return
	}
	total, err := v.source.Count(provisioning.JournalFilter{})
	if err == nil {
		v.shown, err = v.source.Count(v.filter)
	}
	if err != nil {
		v.shown = 0
		msg := lang.L("The journal could not be read: {{.Reason}}", map[string]any{"Reason": err.Error()})
		if v.allStations {
			msg = lang.L("The fleet database cannot be reached, so only this station's journal can be shown: {{.Reason}}", map[string]any{"Reason": err.Error()})
		}
		v.count.SetText(msg)
		v.showEmpty(msg)
		v.table.Refresh()
		return
	}
	switch {
	case total == 0:
		v.showEmpty(lang.L("The journal is empty. Every Photon the bench or One device works on adds a row here."))
	case v.shown == 0:
		v.showEmpty(lang.L("No attempt matches the filter."))
	default:
		v.showEmpty("")
	}
	v.fitRowNumbers()
	v.chosen = -1
	v.table.UnselectAll()
	v.table.Refresh()
	v.count.SetText(lang.L("{{.Shown}} of {{.Total}} attempts", map[string]any{"Shown": v.shown, "Total": total}))
	v.steps.SetText(lang.L("Choose an attempt to see its steps."))
}

// row returns the i-th attempt the table shows (newest first), reading
// its page when it is not the one held.
func (v *JournalView) row(i int) (provisioning.Record, bool) {
	if i < 0 || i >= v.shown {
		return provisioning.Record{}, false
	}
	if i < v.pageAt || i >= v.pageAt+len(v.page) {
		at := i / journalPageSize * journalPageSize
		page, err := v.source.Page(v.filter, at, journalPageSize)
		if err != nil || i-at >= len(page) {
			// Rows went away meanwhile (or the read failed): the
			// next Reload counts again.
			return provisioning.Record{}, false
		}
		v.page, v.pageAt = page, at
	}
	return v.page[i-v.pageAt], true
}

// showEmpty shows why the table is empty over it, or hides the note when
// msg is empty.
func (v *JournalView) showEmpty(msg string) {
	v.empty.SetText(msg)
	if msg == "" {
		v.emptyBox.Hide()
	} else {
		v.emptyBox.Show()
	}
}

// fitRowNumbers widens the row-number column so the largest number shows
// whole.
func (v *JournalView) fitRowNumbers() {
	v.numberWidth = widget.NewLabelWithStyle(strconv.Itoa(max(v.shown, 9)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}).MinSize().Width
	v.table.SetColumnWidth(-1, v.numberWidth)
}

// journalResultCol is the column that shows the outcome.
const journalResultCol = 4

// outcomeTint is the background of an outcome's cell: the bench tile's
// colour for the same outcome, so the two screens read alike.
func outcomeTint(o provisioning.Outcome) color.Color {
	switch o {
	case provisioning.OutcomePass:
		return theme.Color(ColorNameTilePass)
	case provisioning.OutcomeFail:
		return theme.Color(ColorNameTileFail)
	case provisioning.OutcomeProvisioned:
		return theme.Color(ColorNameTileProvisioned)
	case provisioning.OutcomeStopped, provisioning.OutcomeResumed:
		return theme.Color(ColorNameTileWaiting)
	}
	return color.Transparent
}

// Rows returns the attempts the table shows, newest first.
func (v *JournalView) Rows() []provisioning.Record {
	out := make([]provisioning.Record, 0, v.shown)
	for i := range v.shown {
		r, ok := v.row(i)
		if !ok {
			break
		}
		out = append(out, r)
	}
	return out
}

func journalCell(r provisioning.Record, col int) string {
	switch col {
	case 0:
		return r.Started.Local().Format("2006-01-02 15:04:05")
	case 1:
		return r.Slot
	case 2:
		return r.DeviceID
	case 3:
		return r.Profile
	case journalResultCol:
		switch r.Outcome {
		case provisioning.OutcomePass:
			return "✔ " + lang.L("PASS")
		case provisioning.OutcomeFail:
			return "× " + lang.L("FAIL")
		case provisioning.OutcomeProvisioned:
			return "ⓘ " + lang.L("ALREADY PROVISIONED")
		case provisioning.OutcomeStopped:
			return "■ " + lang.L("STOPPED")
		case provisioning.OutcomeResumed:
			return "↪ " + lang.L("RESUMED")
		}
		return "… " + lang.L("unfinished")
	case 5:
		return string(r.FailedStep)
	case 6:
		if r.Outcome == provisioning.OutcomeResumed {
			return lang.L("Resumed by attempt {{.Attempt}}", map[string]any{"Attempt": r.ResumedBy})
		}
		return r.Message
	case journalStationCol:
		return r.Station
	}
	return ""
}

func (v *JournalView) showSteps() {
	if r, ok := v.row(v.chosen); ok {
		v.steps.SetText(stepsText(r))
	}
}

// stepsText is one attempt's steps as aligned lines.
func stepsText(r provisioning.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  %s  %s\n", r.DeviceID, r.MAC, r.Firmware, r.Customer)
	for _, s := range r.Steps {
		d := ""
		if !s.Ended.IsZero() {
			d = s.Ended.Sub(s.Started).Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(&b, "%-13s %-8s %8s  %s\n", s.Step, s.Outcome, d, s.Message)
	}
	if r.Action != "" {
		fmt.Fprintf(&b, "→ %s\n", r.Action)
	}
	if r.Details != "" {
		fmt.Fprintf(&b, "%s: %s\n", lang.L("Details for support"), r.Details)
	}
	return strings.TrimRight(b.String(), "\n")
}

// exportTo writes the journal as CSV to w and closes it; only a file that
// was written and closed whole counts as exported.
func (v *JournalView) exportTo(w io.WriteCloser, name string) error {
	err := v.source.ExportCSV(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// The export holds every attempt; the filter only narrows the view.
	total, _ := v.source.Count(provisioning.JournalFilter{})
	v.count.SetText(lang.L("Exported all {{.Total}} attempts to {{.Name}} (the filter narrows only this view).",
		map[string]any{"Total": total, "Name": name}))
	return nil
}

func (v *JournalView) export() {
	if v.source == nil {
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		if err := v.exportTo(wc, wc.URI().Name()); err != nil {
			_ = storage.Delete(wc.URI()) // no half-written file left behind
			showProblem(v.win, lang.L("The journal was not exported. Choose another folder (a USB stick may be full or read-only) and export again."), err)
		}
	}, v.win)
	d.SetFileName("photon-station-journal-" + v.now().Format("2006-01-02") + ".csv")
	d.Show()
}

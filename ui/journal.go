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
// reads: the latest version of every attempt, and the CSV export.
type JournalSource interface {
	Records() []provisioning.Record
	ExportCSV(w io.Writer) error
}

// journalFilter is what the supervisor filters the attempts by.
type journalFilter struct {
	Text    string // matched against device ID, slot, port, profile, customer, message
	Outcome string // "", "pass", "fail", "unfinished"
}

func (f journalFilter) match(r provisioning.Record) bool {
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
		if r.Finished() {
			return false
		}
	}
	t := strings.ToLower(strings.TrimSpace(f.Text))
	if t == "" {
		return true
	}
	for _, s := range []string{r.DeviceID, r.Slot, r.Port, r.Profile, r.Customer, r.Message, r.Operator, r.Station} {
		if strings.Contains(strings.ToLower(s), t) {
			return true
		}
	}
	return false
}

// filterRecords returns the matching records, newest first.
func filterRecords(all []provisioning.Record, f journalFilter) []provisioning.Record {
	var out []provisioning.Record
	for i := len(all) - 1; i >= 0; i-- {
		if f.match(all[i]) {
			out = append(out, all[i])
		}
	}
	return out
}

// JournalView is the supervisor's record of every attempt: a filterable
// table, the steps of the chosen attempt, and CSV export.
type JournalView struct {
	win     fyne.Window
	source  JournalSource
	now     clock
	filter  journalFilter
	rows    []provisioning.Record
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
	return []string{lang.L("Started"), lang.L("Slot"), lang.L("Device ID"), lang.L("Profile"), lang.L("Result"), lang.L("Failed step"), lang.L("Message")}
}

var journalWidths = []float32{170, 110, 240, 170, 120, 110, 420}

func newJournalView(win fyne.Window, source JournalSource, now clock) *JournalView {
	v := &JournalView{win: win, source: source, now: now, chosen: -1}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder(lang.L("Filter by device ID, slot, profile, customer or message"))
	v.search.OnChanged = func(s string) { v.filter.Text = s; v.apply() }
	v.outcome = widget.NewSelect(outcomeWords(), func(s string) { v.filter.Outcome = unpick(outcomeWords(), outcomeVals, s); v.apply() })
	v.outcome.SetSelected(outcomeWords()[0])
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.rows), len(journalColumns()) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(canvas.NewRectangle(color.Transparent), l)
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			r := v.rows[id.Row]
			tint := c.Objects[0].(*canvas.Rectangle)
			want := color.Color(color.Transparent)
			if id.Col == journalResultCol {
				want = outcomeTint(r.Outcome)
			}
			if tint.FillColor != want {
				tint.FillColor = want
				tint.Refresh()
			}
			c.Objects[1].(*widget.Label).SetText(journalCell(r, id.Col))
		})
	v.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		switch {
		case id.Row < 0 && id.Col >= 0:
			l.SetText(journalColumns()[id.Col])
		case id.Col < 0 && id.Row >= 0:
			l.SetText(strconv.Itoa(id.Row + 1))
		default:
			l.SetText("")
		}
	}
	for i, w := range journalWidths {
		v.table.SetColumnWidth(i, w)
	}
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
	export := widget.NewButtonWithIcon(lang.L("Export to CSV…"), theme.DocumentSaveIcon(), v.export)
	reload := widget.NewButtonWithIcon(lang.L("Reload"), theme.ViewRefreshIcon(), v.Reload)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(v.outcome, reload, export), v.search)
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

// Reload reads the journal again.
func (v *JournalView) Reload() { v.apply() }

func (v *JournalView) apply() {
	if v.table == nil {
		return // still building
	}
	if v.source == nil {
		v.rows = nil
		v.count.SetText(lang.L("No journal is open."))
		v.showEmpty(lang.L("No journal is open."))
		v.table.Refresh()
		return
	}
	all := v.source.Records()
	v.rows = filterRecords(all, v.filter)
	switch {
	case len(all) == 0:
		v.showEmpty(lang.L("The journal is empty. Every Photon the bench or One device works on adds a row here."))
	case len(v.rows) == 0:
		v.showEmpty(lang.L("No attempt matches the filter."))
	default:
		v.showEmpty("")
	}
	v.fitRowNumbers()
	v.chosen = -1
	v.table.UnselectAll()
	v.table.Refresh()
	v.count.SetText(lang.L("{{.Shown}} of {{.Total}} attempts", map[string]any{"Shown": len(v.rows), "Total": len(all)}))
	v.steps.SetText(lang.L("Choose an attempt to see its steps."))
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
	v.numberWidth = widget.NewLabelWithStyle(strconv.Itoa(max(len(v.rows), 9)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}).MinSize().Width
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
func (v *JournalView) Rows() []provisioning.Record { return v.rows }

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
	}
	return ""
}

func (v *JournalView) showSteps() {
	if v.chosen < 0 || v.chosen >= len(v.rows) {
		return
	}
	v.steps.SetText(stepsText(v.rows[v.chosen]))
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
	v.count.SetText(lang.L("Exported all {{.Total}} attempts to {{.Name}} (the filter narrows only this view).",
		map[string]any{"Total": len(v.source.Records()), "Name": name}))
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

package ui

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
)

func newTestJournalView(t *testing.T, recs []provisioning.Record) *JournalView {
	lightApp(t)
	win := test.NewTempWindow(t, nil)
	v := newJournalView(win, &fakeJournal{records: recs}, (&fixedClock{t: shiftStart}).now)
	win.SetContent(v.Content())
	win.Resize(fyne.NewSize(1280, 800))
	return v
}

// An empty journal says so, and what fills it; a filter that matches
// nothing says that instead.
func TestJournalEmptyState(t *testing.T) {
	v := newTestJournalView(t, nil)
	if !v.emptyBox.Visible() || !strings.Contains(v.empty.Text, "The journal is empty") || !strings.Contains(v.empty.Text, "bench") {
		t.Errorf("empty journal shows %q (visible %v)", v.empty.Text, v.emptyBox.Visible())
	}
	win := v.win
	shoot(t, "journal-empty-1280x800", win.Canvas())
	win.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "journal-empty-1920x1080", win.Canvas())
	v = newTestJournalView(t, journalRecords())
	if v.emptyBox.Visible() {
		t.Errorf("a journal with rows shows %q", v.empty.Text)
	}
	test.Type(v.search, "no such thing")
	if !v.emptyBox.Visible() || v.empty.Text != "No attempt matches the filter." {
		t.Errorf("a filter matching nothing shows %q (visible %v)", v.empty.Text, v.emptyBox.Visible())
	}
}

// The result cell is tinted like the bench tile of the same outcome; other
// cells are not.
func TestJournalOutcomeTints(t *testing.T) {
	recs := []provisioning.Record{
		{Attempt: "p", Outcome: provisioning.OutcomePass},
		{Attempt: "f", Outcome: provisioning.OutcomeFail},
		{Attempt: "s", Outcome: provisioning.OutcomeStopped},
		{Attempt: "d", Outcome: provisioning.OutcomeProvisioned},
		{Attempt: "u"},
	}
	v := newTestJournalView(t, recs)
	want := map[string]color.Color{
		"p": theme.Color(ColorNameTilePass), "f": theme.Color(ColorNameTileFail),
		"s": theme.Color(ColorNameTileWaiting), "d": theme.Color(ColorNameTileProvisioned), "u": color.Transparent,
	}
	for row, r := range v.Rows() {
		for col := range journalColumns() {
			cell := v.table.CreateCell()
			v.table.UpdateCell(widgetCell(row, col), cell)
			got := cell.(*fyne.Container).Objects[0].(*canvas.Rectangle).FillColor
			w := color.Color(color.Transparent)
			if col == journalResultCol {
				w = want[r.Attempt]
			}
			if got != w {
				t.Errorf("attempt %s column %d tint = %v, want %v", r.Attempt, col, got, w)
			}
		}
	}
}

// Row numbers are whole integers in a column wide enough for the largest.
func TestJournalRowNumbersWhole(t *testing.T) {
	recs := make([]provisioning.Record, 1234)
	for i := range recs {
		recs[i] = provisioning.Record{Attempt: fmt.Sprint(i), Started: shiftStart}
	}
	v := newTestJournalView(t, recs)
	h := v.table.CreateHeader()
	v.table.UpdateHeader(widget.TableCellID{Row: 1233, Col: -1}, h)
	l := h.(*widget.Label)
	if l.Text != strconv.Itoa(1234) {
		t.Fatalf("last row number = %q", l.Text)
	}
	if l.MinSize().Width > v.numberWidth {
		t.Errorf("row number %q needs %v, the column is %v wide", l.Text, l.MinSize().Width, v.numberWidth)
	}
}

// An attempt a later one went on from reads "resumed by" that attempt, not
// a verdict. (The "Unfinished" filter is a query: provisioning's
// TestJournalUnfinishedLeavesOutResumed.)
func TestJournalShowsResumedAttempts(t *testing.T) {
	recs := []provisioning.Record{
		{Attempt: "old", DeviceID: "3b0021001747353236343033", Outcome: provisioning.OutcomeResumed, ResumedBy: "new",
			Message: "Resumed by attempt new."},
		{Attempt: "new", DeviceID: "3b0021001747353236343033", ResumedFrom: "old", Outcome: provisioning.OutcomePass},
		{Attempt: "open", DeviceID: "3b0021001747353236343034"},
	}
	v := newTestJournalView(t, recs)
	old := v.Rows()[2]
	if got := journalCell(old, journalResultCol); got != "↪ RESUMED" {
		t.Errorf("result cell %q", got)
	}
	if got := journalCell(old, 6); got != "Resumed by attempt new" {
		t.Errorf("message cell %q", got)
	}
	if outcomeTint(old.Outcome) == color.Transparent {
		t.Error("a resumed attempt is tinted like an unfinished one")
	}
}

// pageCounter is a fakeJournal that remembers the largest page asked for.
type pageCounter struct {
	fakeJournal
	largest int
}

func (j *pageCounter) Page(f provisioning.JournalFilter, offset, limit int) ([]provisioning.Record, error) {
	j.largest = max(j.largest, limit)
	return j.fakeJournal.Page(f, offset, limit)
}

// The view reads the journal a page at a time: a long history is never
// read whole to show a screenful, and every row is still reachable.
func TestJournalViewPages(t *testing.T) {
	lightApp(t)
	var recs []provisioning.Record
	for i := range 450 {
		recs = append(recs, provisioning.Record{Attempt: fmt.Sprintf("a%03d", i), Started: shiftStart.Add(time.Duration(i) * time.Minute)})
	}
	src := &pageCounter{fakeJournal: fakeJournal{records: recs}}
	win := test.NewTempWindow(t, nil)
	v := newJournalView(win, src, (&fixedClock{t: shiftStart}).now)
	win.SetContent(v.Content())
	win.Resize(fyne.NewSize(1280, 800))
	if rows, _ := v.table.Length(); rows != 450 {
		t.Fatalf("the table has %d rows, want 450", rows)
	}
	if !strings.Contains(v.count.Text, "450 of 450") {
		t.Errorf("count %q", v.count.Text)
	}
	if src.largest == 0 || src.largest > journalPageSize {
		t.Errorf("the view read %d attempts at once, want pages of at most %d", src.largest, journalPageSize)
	}
	for i, want := range map[int]string{0: "a449", 199: "a250", 200: "a249", 449: "a000"} {
		if r, ok := v.row(i); !ok || r.Attempt != want {
			t.Errorf("row %d = %q, want %s", i, r.Attempt, want)
		}
	}
	v.table.Select(widget.TableCellID{Row: 449, Col: 0})
	if v.chosen != 449 || strings.Contains(v.steps.Text, "Choose an attempt") {
		t.Errorf("choosing the last row: chosen %d, steps %q", v.chosen, v.steps.Text)
	}
}

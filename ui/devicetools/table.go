package devicetools

import (
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/ui/lang"
)

// column is one column of a dataTable.
type column[T any] struct {
	title string
	width float32
	text  func(T) string
	// cmp orders rows by this column (client-side sorting); nil with
	// sortable false means the column cannot be sorted.
	cmp func(a, b T) int
	// sortable marks a column the server sorts (server-side sorting).
	sortable bool
	// differing marks a column of names that often share a beginning
	// ("thermo-line3-…"): a name too long for the cell loses its shared
	// beginning rather than its end, so the rows can be told apart. The
	// whole name is in the selected row's detail pane.
	differing bool
}

// dataTable is a table of rows of T with a header row whose buttons sort
// it. Sorting is done here (columns with cmp) or asked of the server
// through onSort (columns marked sortable).
type dataTable[T any] struct {
	cols  []column[T]
	rows  []T
	table *widget.Table

	sortCol int // -1: unsorted
	desc    bool

	// onSort, if set, is told the new sort instead of sorting rows here.
	onSort func(col int, desc bool)
	// onSelect is told the selected row.
	onSelect func(row T)
	// empty is shown instead of an empty table.
	empty *widget.Label
	stack *fyne.Container
	// shared is, per differing column, how many runes every row's text
	// starts with in common.
	shared map[int]int
}

func newDataTable[T any](cols []column[T], empty string) *dataTable[T] {
	d := &dataTable[T]{cols: cols, sortCol: -1}
	d.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(d.rows), len(d.cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(d.rows) && id.Col < len(d.cols) {
				o.(*widget.Label).SetText(d.cellText(id.Row, id.Col))
			}
		})
	d.table.ShowHeaderColumn = false
	d.table.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		return b
	}
	d.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 || id.Col >= len(d.cols) {
			b.SetText("")
			return
		}
		c := d.cols[id.Col]
		b.SetText(c.title)
		b.SetIcon(nil)
		b.OnTapped = nil
		if c.cmp == nil && !c.sortable {
			return // a plain title: this column cannot be sorted
		}
		if id.Col == d.sortCol {
			if d.desc {
				b.SetIcon(theme.MoveDownIcon())
			} else {
				b.SetIcon(theme.MoveUpIcon())
			}
		}
		col := id.Col
		b.OnTapped = func() { d.sortBy(col) }
	}
	d.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(d.rows) && d.onSelect != nil {
			d.onSelect(d.rows[id.Row])
		}
	}
	for i, c := range cols {
		d.table.SetColumnWidth(i, c.width)
	}
	d.empty = widget.NewLabel(empty)
	d.empty.Alignment = fyne.TextAlignCenter
	d.empty.Wrapping = fyne.TextWrapWord
	d.stack = container.NewStack(d.table, container.NewVBox(layoutSpacer(), d.empty))
	d.setRows(nil)
	return d
}

// layoutSpacer keeps the "empty" note below the header row.
func layoutSpacer() fyne.CanvasObject {
	return widget.NewLabel("")
}

// sortBy sorts by column col, flipping the direction when it already is.
func (d *dataTable[T]) sortBy(col int) {
	if col == d.sortCol {
		d.desc = !d.desc
	} else {
		d.sortCol, d.desc = col, false
	}
	if d.onSort != nil {
		d.onSort(d.sortCol, d.desc)
		d.table.Refresh()
		return
	}
	d.sortRows()
	d.table.UnselectAll()
	d.table.Refresh()
}

func (d *dataTable[T]) sortRows() {
	if d.sortCol < 0 || d.cols[d.sortCol].cmp == nil {
		return
	}
	cmp := d.cols[d.sortCol].cmp
	slices.SortStableFunc(d.rows, func(a, b T) int {
		if d.desc {
			return cmp(b, a)
		}
		return cmp(a, b)
	})
}

// setRows replaces the rows (sorted by the current column when sorting is
// done here).
func (d *dataTable[T]) setRows(rows []T) {
	d.rows = slices.Clone(rows)
	d.findShared()
	if d.onSort == nil {
		d.sortRows()
	}
	d.table.UnselectAll()
	d.table.ScrollToTop()
	d.table.Refresh()
	if len(d.rows) == 0 {
		d.empty.Show()
	} else {
		d.empty.Hide()
	}
}

// updateRows replaces the rows of a live list without moving the view or
// the selection.
func (d *dataTable[T]) updateRows(rows []T) {
	d.rows = slices.Clone(rows)
	d.findShared()
	if d.onSort == nil {
		d.sortRows()
	}
	d.table.Refresh()
	if len(d.rows) == 0 {
		d.empty.Show()
	} else {
		d.empty.Hide()
	}
}

// findShared finds the beginning the rows share in each differing column.
func (d *dataTable[T]) findShared() {
	d.shared = map[int]int{}
	for i, c := range d.cols {
		if !c.differing || len(d.rows) < 2 {
			continue
		}
		first := []rune(c.text(d.rows[0]))
		n := len(first)
		for _, r := range d.rows[1:] {
			n = min(n, sharedRunes(first[:n], []rune(c.text(r))))
		}
		d.shared[i] = n
	}
}

func sharedRunes(a, b []rune) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// cellText is what a cell shows: the text, or for a differing column a
// text too long for the cell cut at its shared beginning ("…0042").
func (d *dataTable[T]) cellText(row, col int) string {
	c := d.cols[col]
	text := c.text(d.rows[row])
	if !c.differing {
		return text
	}
	room := c.width - 2*theme.InnerPadding()
	return keepDiffering(text, d.shared[col], func(s string) bool {
		return fyne.MeasureText(s, theme.TextSize(), fyne.TextStyle{}).Width <= room
	})
}

// keepDiffering shortens text that does not fit by dropping as little as
// needed of its first shared runes, marked by "…"; past the shared part
// the label's own ellipsis cuts the end.
func keepDiffering(text string, shared int, fits func(string) bool) string {
	if shared == 0 || fits(text) {
		return text
	}
	r := []rune(text)
	for start := 1; start < shared; start++ {
		if s := "…" + string(r[start:]); fits(s) {
			return s
		}
	}
	return "…" + string(r[shared:])
}

// cell is the text of a cell, for tests.
func (d *dataTable[T]) cell(row, col int) string {
	return d.cols[col].text(d.rows[row])
}

// pager moves through pages: Previous, "Page 2 of 5", Next, and how many
// rows a page holds.
type pager struct {
	page, perPage, pages, total int

	prev, next *widget.Button
	label      *widget.Label
	per        *widget.Select
	content    fyne.CanvasObject

	// onChange is told the page and page size the user asked for.
	onChange func(page, perPage int)
}

var perPageChoices = []string{"10", "25", "50", "100"}

func newPager(perPage int) *pager {
	p := &pager{page: 1, perPage: perPage, pages: 1}
	p.prev = widget.NewButtonWithIcon(lang.L("Previous"), theme.NavigateBackIcon(), func() { p.go_(p.page - 1) })
	p.next = widget.NewButtonWithIcon(lang.L("Next"), theme.NavigateNextIcon(), func() { p.go_(p.page + 1) })
	p.next.IconPlacement = widget.ButtonIconTrailingText
	p.label = widget.NewLabel("")
	p.per = widget.NewSelect(perPageChoices, func(s string) {
		n, err := strconv.Atoi(s)
		if err == nil && n > 0 && n != p.perPage {
			p.perPage = n
			p.go_(1)
		}
	})
	for _, c := range perPageChoices {
		if c == strconv.Itoa(perPage) {
			p.per.Selected = c
		}
	}
	p.content = container.NewHBox(p.prev, p.label, p.next, widget.NewLabel(lang.L("Per page")), p.per)
	p.set(1, 1, 0)
	return p
}

// go_ asks for page. The pager shows it only once set says the list is
// there: a request that fails leaves it on the page that is shown.
func (p *pager) go_(page int) {
	if page < 1 || page > max(p.pages, 1) {
		return
	}
	if p.onChange != nil {
		p.onChange(page, p.perPage)
	}
}

// set shows where the list is: page of pages, total rows.
func (p *pager) set(page, pages, total int) {
	p.page, p.pages, p.total = page, max(pages, 1), total
	p.label.SetText(lang.L("Page {{.Page}} of {{.Pages}} ({{.Total}} in all)",
		map[string]any{"Page": p.page, "Pages": p.pages, "Total": total}))
	if p.page > 1 {
		p.prev.Enable()
	} else {
		p.prev.Disable()
	}
	if p.page < p.pages {
		p.next.Enable()
	} else {
		p.next.Disable()
	}
}

// sortedBy returns all sorted by the table's current column, for lists
// that arrive whole and are paged here.
func sortedBy[T any](d *dataTable[T], all []T) []T {
	all = slices.Clone(all)
	if d.sortCol < 0 || d.cols[d.sortCol].cmp == nil {
		return all
	}
	cmp := d.cols[d.sortCol].cmp
	slices.SortStableFunc(all, func(a, b T) int {
		if d.desc {
			return cmp(b, a)
		}
		return cmp(a, b)
	})
	return all
}

// pageOf returns the rows of the current page of all, and updates the
// label, for lists that arrive whole.
func pageOf[T any](p *pager, all []T) []T {
	pages := (len(all) + p.perPage - 1) / p.perPage
	page := min(p.page, max(pages, 1))
	p.set(page, pages, len(all))
	start := min((page-1)*p.perPage, len(all))
	end := min(start+p.perPage, len(all))
	return all[start:end]
}

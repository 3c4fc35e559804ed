package devicetools

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// sortChoice is one way the server can sort the product's devices.
type sortChoice struct {
	label string
	attr  cloud.SortAttr
	dir   cloud.SortDir
}

func sortChoices() []sortChoice {
	return []sortChoice{
		{lang.L("Last connection, newest first"), cloud.SortByLastConnection, cloud.Descending},
		{lang.L("Last connection, oldest first"), cloud.SortByLastConnection, cloud.Ascending},
		{lang.L("Device ID, A to Z"), cloud.SortByDeviceID, cloud.Ascending},
		{lang.L("Device ID, Z to A"), cloud.SortByDeviceID, cloud.Descending},
		{lang.L("Firmware version, highest first"), cloud.SortByFirmwareVersion, cloud.Descending},
		{lang.L("Firmware version, lowest first"), cloud.SortByFirmwareVersion, cloud.Ascending},
	}
}

// productTab lists the product's devices, filtered, sorted and paged by
// the server, and imports files of device IDs into the product.
type productTab struct {
	t     *Tools
	query cloud.DeviceQuery

	idFilter, nameFilter, groupFilter *widget.Entry
	sortSel                           *widget.Select
	choices                           []sortChoice
	searchBtn, importBtn              *widget.Button

	list  *dataTable[cloud.Device]
	attrs []cloud.SortAttr // the server's sort key of each column, "" if none
	pager *pager
	out   *outcome
	pane  *devicePane

	importOut   *outcome
	importList  *dataTable[importRow]
	importPanel fyne.CanvasObject
	importTitle *widget.Label
	split       *container.Split
	root        *fyne.Container

	content fyne.CanvasObject
}

func newProductTab(t *Tools) *productTab {
	p := &productTab{t: t, choices: sortChoices()}
	p.query = cloud.DeviceQuery{SortAttr: cloud.SortByLastConnection, SortDir: cloud.Descending, Page: 1, PerPage: 25}

	cols := deviceColumns(t)
	p.attrs = []cloud.SortAttr{"", cloud.SortByDeviceID, "", cloud.SortByLastConnection, cloud.SortByFirmwareVersion, ""}
	cols = append(cols,
		column[cloud.Device]{title: lang.L("Firmware"), width: 75, text: func(d cloud.Device) string {
			if d.FirmwareVersion == 0 {
				return "–"
			}
			return fmt.Sprint(d.FirmwareVersion)
		}},
		column[cloud.Device]{title: lang.L("Groups"), width: 90, text: func(d cloud.Device) string { return strings.Join(d.Groups, ", ") }},
	)
	for i := range cols {
		cols[i].cmp = nil
		cols[i].sortable = p.attrs[i] != ""
	}
	p.list = newDataTable(cols, lang.L("No devices to show. Press Search to ask the Particle Cloud."))
	p.list.sortCol, p.list.desc = 3, true
	p.list.onSort = func(col int, desc bool) {
		dir := cloud.Ascending
		if desc {
			dir = cloud.Descending
		}
		for _, c := range p.choices {
			if c.attr == p.attrs[col] && c.dir == dir {
				p.sortSel.SetSelected(c.label) // searches
			}
		}
	}

	p.idFilter = widget.NewEntry()
	p.idFilter.SetPlaceHolder(lang.L("Part of a device ID"))
	p.nameFilter = widget.NewEntry()
	p.nameFilter.SetPlaceHolder(lang.L("Part of a name"))
	p.groupFilter = widget.NewEntry()
	p.groupFilter.SetPlaceHolder(lang.L("Groups, comma separated"))
	for _, e := range []*widget.Entry{p.idFilter, p.nameFilter, p.groupFilter} {
		e.OnSubmitted = func(string) { p.query.Page = 1; p.search() } // new filters: from the first page
	}
	labels := make([]string, len(p.choices))
	for i, c := range p.choices {
		labels[i] = c.label
	}
	p.sortSel = widget.NewSelect(labels, func(s string) {
		for _, c := range p.choices {
			if c.label == s {
				p.query.SortAttr, p.query.SortDir = c.attr, c.dir
				for i, a := range p.attrs {
					if a == c.attr {
						p.list.sortCol, p.list.desc = i, c.dir == cloud.Descending
					}
				}
			}
		}
		p.query.Page = 1
		p.search()
	})
	p.sortSel.Selected = p.choices[0].label
	p.searchBtn = widget.NewButtonWithIcon(lang.L("Search"), theme.SearchIcon(), func() {
		p.query.Page = 1
		p.search()
	})
	p.searchBtn.Importance = widget.HighImportance
	p.importBtn = widget.NewButtonWithIcon(lang.L("Import device IDs from a file…"), theme.UploadIcon(), p.chooseImport)

	p.pager = newPager(25)
	p.pager.onChange = func(page, perPage int) {
		p.query.Page, p.query.PerPage = page, perPage
		p.search()
	}
	p.out = newOutcome()
	p.pane = newDevicePane(t, true)
	p.list.onSelect = p.pane.show
	p.pane.onChanged = func(dev cloud.Device) {
		for i := range p.list.rows {
			if p.list.rows[i].ID == dev.ID {
				p.list.rows[i] = dev
			}
		}
		p.list.table.Refresh()
	}

	p.importOut = newOutcome()
	p.importList = newDataTable([]column[importRow]{
		{title: lang.L("Device ID"), width: 230, text: func(r importRow) string { return r.ID },
			cmp: func(a, b importRow) int { return strings.Compare(a.ID, b.ID) }},
		{title: lang.L("Result"), width: 180, text: func(r importRow) string { return r.Result },
			cmp: func(a, b importRow) int { return strings.Compare(a.Result, b.Result) }},
		{title: lang.L("What to do"), width: 740, text: func(r importRow) string { return r.Message }},
	}, "")
	p.importTitle = widget.NewLabel("")
	p.importTitle.TextStyle = fyne.TextStyle{Bold: true}
	closeImport := widget.NewButtonWithIcon(lang.L("Close"), theme.CancelIcon(), p.closeImport)
	p.importPanel = container.NewBorder(
		container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, closeImport, p.importTitle), p.importOut),
		nil, nil, nil, p.importList.stack)

	filters := container.NewGridWithColumns(3,
		labelled(lang.L("Device ID"), p.idFilter),
		labelled(lang.L("Name"), p.nameFilter),
		labelled(lang.L("Groups"), p.groupFilter))
	actions := container.NewBorder(nil, nil, container.NewHBox(p.searchBtn, p.importBtn), nil, p.sortSel)
	top := container.NewVBox(filters, actions, p.out)
	left := container.NewBorder(top, p.pager.content, nil, nil, p.list.stack)
	p.split = container.NewHSplit(left, p.pane.content)
	p.split.Offset = 0.6
	p.root = container.NewStack(p.split)
	p.content = p.root
	return p
}

// labelled puts a small caption above a field.
func labelled(caption string, field fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabel(caption)
	l.SizeName = theme.SizeNameCaptionText
	return container.NewBorder(l, nil, nil, nil, field)
}

func splitGroups(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// noProduct says so and reports true when the station has no product.
func (t *Tools) noProduct(out *outcome) bool {
	if t.src.Product() != "" {
		return false
	}
	out.problem(lang.L("The station has no product. Choose a job profile with a product, then try again."), "")
	return true
}

// search asks the server for the current page with the filters.
func (p *productTab) search() {
	if p.t.noProduct(p.out) {
		return
	}
	q := p.query
	q.DeviceID = strings.TrimSpace(p.idFilter.Text)
	q.DeviceName = strings.TrimSpace(p.nameFilter.Text)
	q.Groups = splitGroups(p.groupFilter.Text)
	product := p.t.src.Product()
	run(p.t, p.out, lang.L("Asking the Particle Cloud for the product's devices…"), p.t.cfg.timeout,
		[]fyne.Disableable{p.searchBtn, p.pager.prev, p.pager.next},
		func(ctx context.Context) (cloud.DevicePage, error) {
			c, err := p.t.src.ProductCloud(ctx)
			if err != nil {
				return cloud.DevicePage{}, err
			}
			return c.ListProductDevices(ctx, product, q)
		},
		func(page cloud.DevicePage) {
			p.list.setRows(page.Devices)
			p.pager.set(page.Meta.Page, page.Meta.TotalPages, page.Meta.Total)
			if page.Meta.Total == 0 {
				p.out.info(lang.L("No device of the product matches. Clear the filters to see them all."))
			}
		})
}

// importRow is what happened to one identifier of an imported file.
type importRow struct {
	ID      string
	Result  string
	Message string
	OK      bool
}

// importRows lists each identifier of the file once, in file order, with
// the cloud's verdict.
func importRows(ids []string, r cloud.ImportResult) []importRow {
	in := func(list []string, id string) bool {
		for _, x := range list {
			if strings.EqualFold(x, id) {
				return true
			}
		}
		return false
	}
	rows := make([]importRow, 0, len(ids))
	for _, id := range ids {
		ok, msg := r.Outcome(id)
		var res string
		switch {
		case in(r.UpdatedDeviceIDs, id):
			res = lang.L("Imported")
		case in(r.ExistingDeviceIDs, id):
			res = lang.L("Already in product")
		case in(r.NonmemberDeviceIDs, id):
			res = lang.L("Owner not on team")
		case in(r.InvalidDeviceIDs, id):
			res = lang.L("Invalid")
		case in(r.ProtectedDeviceIDs, id):
			res = lang.L("Protected")
		case ok:
			res = lang.L("Imported")
		default:
			res = lang.L("Not reported")
		}
		rows = append(rows, importRow{ID: id, Result: res, Message: sentence(msg), OK: ok})
	}
	return rows
}

// importIDs reads the identifiers of a device ID file: one per line,
// blank lines and lines starting with # skipped, each kept once. Device
// IDs are lower-cased as the cloud reports them.
func importIDs(content []byte) []string {
	var ids []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if i := strings.IndexAny(line, ",;\t "); i >= 0 {
			line = line[:i] // a CSV export: the ID is the first field
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if id, err := cloud.NormalizeDeviceID(line); err == nil {
			line = id
		}
		if !seen[strings.ToLower(line)] {
			seen[strings.ToLower(line)] = true
			ids = append(ids, line)
		}
	}
	return ids
}

// maxImportBytes bounds the file read for an import.
const maxImportBytes = 16 << 20

func (p *productTab) chooseImport() {
	if p.t.noProduct(p.out) {
		return
	}
	p.t.cfg.openFile(p.t.win, func(r io.ReadCloser, name string, err error) {
		if err != nil {
			p.showImport(name)
			p.importOut.problem(lang.L("The file could not be opened. Choose it again, or copy it to this computer first."), err.Error())
			return
		}
		if r == nil {
			return // cancelled
		}
		p.runImport(r, name)
	})
}

func (p *productTab) showImport(name string) {
	p.importTitle.SetText(lang.L("Import of {{.File}}", map[string]any{"File": name}))
	p.importList.setRows(nil)
	// The results take the whole width, under the list, so the advice
	// for each ID can be read.
	v := container.NewVSplit(p.split, p.importPanel)
	v.Offset = 0.45
	p.root.Objects = []fyne.CanvasObject{v}
	p.root.Refresh()
}

func (p *productTab) closeImport() {
	p.root.Objects = []fyne.CanvasObject{p.split}
	p.root.Refresh()
}

type importOutcome struct {
	ids []string
	res cloud.ImportResult
}

// runImport uploads the file r to the product and shows what happened to
// each ID. r is closed.
func (p *productTab) runImport(r io.ReadCloser, name string) {
	p.showImport(name)
	product := p.t.src.Product()
	run(p.t, p.importOut, lang.L("Importing the devices of {{.File}} into the product…", map[string]any{"File": name}),
		p.t.cfg.importTimeout, []fyne.Disableable{p.importBtn},
		func(ctx context.Context) (importOutcome, error) {
			content, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
			r.Close()
			if err != nil {
				return importOutcome{}, &localProblem{lang.L("The file of device IDs could not be read. Choose it again."), err}
			}
			if len(content) > maxImportBytes {
				return importOutcome{}, &localProblem{lang.L("The file is too large (over 16 MB). Split it into smaller files."), nil}
			}
			ids := importIDs(content)
			if len(ids) == 0 {
				return importOutcome{}, &localProblem{lang.L("The file holds no device IDs. It needs one device ID per line."), nil}
			}
			c, err := p.t.src.ProductCloud(ctx)
			if err != nil {
				return importOutcome{}, err
			}
			// One ID per line, as the cloud reads an uploaded file.
			body := strings.Join(ids, "\n") + "\n"
			res, err := c.ImportDeviceFile(ctx, product, name, strings.NewReader(body), cloud.ImportOptions{})
			return importOutcome{ids, res}, err
		},
		func(o importOutcome) {
			rows := importRows(o.ids, o.res)
			p.importList.setRows(rows)
			counts := map[bool]int{}
			for _, r := range rows {
				counts[r.OK]++
			}
			msg := lang.L("{{.OK}} of {{.N}} devices are now in the product; {{.Bad}} were refused (see the list).",
				map[string]any{"OK": counts[true], "N": len(rows), "Bad": counts[false]})
			if counts[false] == 0 {
				p.importOut.succeed(msg)
			} else {
				p.importOut.warn(msg)
			}
			p.search()
		})
}

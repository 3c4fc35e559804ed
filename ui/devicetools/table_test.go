package devicetools

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
)

// Long names that share a beginning show the part that differs, so the
// rows can be told apart; short names show whole.
func TestDataTableShowsTheDifferingPartOfNames(t *testing.T) {
	test.NewTempApp(t)
	var devs []cloud.Device
	for i := range 3 {
		devs = append(devs, cloud.Device{Name: fmt.Sprintf("thermostat-line3-east-wall-unit-%04d", i+40)})
	}
	cols := []column[cloud.Device]{{title: "Name", width: 120, differing: true, text: func(d cloud.Device) string { return d.Name }}}
	d := newDataTable(cols, "")
	d.setRows(devs)
	w := test.NewTempWindow(t, d.stack)
	w.Resize(fyne.NewSize(400, 300))
	room := cols[0].width - 2*theme.InnerPadding()
	seen := map[string]bool{}
	for row, dev := range devs {
		cell := d.table.CreateCell()
		d.table.UpdateCell(widget.TableCellID{Row: row, Col: 0}, cell)
		got := cell.(*widget.Label).Text
		tail := dev.Name[len(dev.Name)-4:]
		if !strings.HasSuffix(got, tail) || !strings.HasPrefix(got, "…") {
			t.Errorf("row %d shows %q, want it to end in %q", row, got, tail)
		}
		if wd := fyne.MeasureText(got, theme.TextSize(), fyne.TextStyle{}).Width; wd > room {
			t.Errorf("row %d text %q is %v wide, the cell %v", row, got, wd, room)
		}
		seen[got] = true
	}
	if len(seen) != len(devs) {
		t.Errorf("rows look alike: %v", seen)
	}
	w.Resize(fyne.NewSize(1280, 800))
	shoot(t, "devicetools-differing-names-1280x800", w.Canvas().Capture())
	w.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "devicetools-differing-names-1920x1080", w.Canvas().Capture())

	// A short name is shown whole.
	d.setRows([]cloud.Device{{Name: "porch"}, {Name: "porch-2"}})
	cell := d.table.CreateCell()
	d.table.UpdateCell(widget.TableCellID{Row: 0, Col: 0}, cell)
	if got := cell.(*widget.Label).Text; got != "porch" {
		t.Errorf("a short name shows as %q", got)
	}
}

func TestKeepDiffering(t *testing.T) {
	fitsIn := func(n int) func(string) bool { return func(s string) bool { return len([]rune(s)) <= n } }
	for _, tc := range []struct {
		text   string
		shared int
		room   int
		want   string
	}{
		{"abc", 2, 10, "abc"},
		{"prefix-0042", 9, 8, "…ix-0042"},
		{"prefix-0042", 9, 3, "…42"},
		{"prefix-0042", 0, 3, "prefix-0042"}, // nothing shared: the label's ellipsis cuts the end
	} {
		if got := keepDiffering(tc.text, tc.shared, fitsIn(tc.room)); got != tc.want {
			t.Errorf("keepDiffering(%q, %d, room %d) = %q, want %q", tc.text, tc.shared, tc.room, got, tc.want)
		}
	}
}

package devicetools

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// stationSizes draws sizes as the station's theme (ui.StationTheme) does:
// captions at no less than 14 px, everything else as Fyne's light theme.
type stationSizes struct{ fyne.Theme }

func (s stationSizes) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameCaptionText {
		return max(14, s.Theme.Size(n))
	}
	return s.Theme.Size(n)
}

// smallTexts lists the visible texts under o drawn smaller than size.
func smallTexts(o fyne.CanvasObject, size float32) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *canvas.Text:
			if x.Text != "" && x.TextSize < size {
				out = append(out, fmt.Sprintf("%q at %.0f px", x.Text, x.TextSize))
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// TestCaptionsReadableFromAMetre: on every Device tools screen, with a
// device selected and results shown, no text is under 14 px in the
// station's sizes (the bench's test, ui.TestCaptionsReadableFromAMetre,
// covers the other screens).
func TestCaptionsReadableFromAMetre(t *testing.T) {
	f := newFixture(t)
	fyne.CurrentApp().Settings().SetTheme(stationSizes{theme.LightTheme()})
	f.win.SetContent(f.tools)
	f.win.Resize(fyne.NewSize(1280, 800))
	check := func(screen string) {
		t.Helper()
		f.win.Content().Refresh()
		if small := smallTexts(f.win.Content(), 14); len(small) > 0 {
			t.Errorf("%s: texts under 14 px: %v", screen, small)
		}
	}
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	selectDevice(t, f, d.list, d.pane, "kitchen")
	test.Tap(d.pane.pingBtn)
	f.q.settle(t, "the ping", d.pane.pingOut)
	check("Devices")

	p := openProduct(t, f)
	selectDevice(t, f, p.list, p.pane, "bench-01")
	check("Product devices")

	f.tools.ShowTab(TabCustomers)
	f.q.settle(t, "the customers", f.tools.customers.out)
	check("Customers")

	f.tools.ShowTab(TabEvents)
	e := f.tools.events
	e.name.SetText("station/test")
	test.Tap(e.publishBtn)
	f.q.settle(t, "the publish", e.publishOut)
	check("Events")

	f.tools.ShowTab(TabVitals)
	v := f.tools.vitals
	v.device.SetText(benchID(1))
	test.Tap(v.readBtn)
	f.q.settle(t, "the last vitals", v.readOut)
	check("Vitals")

	f.tools.ShowTab(TabOrganizations)
	o := f.tools.orgs
	f.q.settle(t, "the products", o.out)
	o.orgs.table.Select(tableCell(0))
	f.q.settle(t, "the org's products", o.orgOut)
	check("Organizations")
}

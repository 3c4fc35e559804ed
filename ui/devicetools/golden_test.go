package devicetools

import (
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/")

// golden compares the window with testdata/name.png (light theme), and
// writes it to UI_SHOTS for a person to look at.
func golden(t *testing.T, f *fixture, name string) {
	t.Helper()
	f.win.Canvas().Unfocus()
	// The GL driver lays out again whatever changed size each frame; the
	// test canvas does not, so do it here before the capture.
	f.win.Content().Refresh()
	img := f.win.Canvas().Capture()
	shoot(t, "devicetools-"+strings.TrimSuffix(name, ".png"), img)
	if *update {
		writePNG(t, filepath.Join("testdata", name), img)
		return
	}
	test.AssertImageMatches(t, name, img)
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, img); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenDevices(t *testing.T) {
	f := newFixture(t)
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	selectDevice(t, f, d.list, d.pane, "kitchen")
	d.pane.varName.SetText("temp")
	test.Tap(d.pane.varBtn)
	f.q.settle(t, "the variable", d.pane.varOut)
	golden(t, f, "devices.png")
}

func TestGoldenError(t *testing.T) {
	f := newFixture(t)
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	selectDevice(t, f, d.list, d.pane, "garage")
	d.pane.fnName.SetText("led")
	test.Tap(d.pane.fnBtn)
	f.q.settle(t, "the function", d.pane.fnOut)
	d.pane.fnOut.expander.Open(0)
	golden(t, f, "devices-error.png")
}

func TestGoldenProductDevices(t *testing.T) {
	f := newFixture(t)
	p := openProduct(t, f)
	selectDevice(t, f, p.list, p.pane, "bench-29")
	golden(t, f, "product-devices.png")
}

func TestGoldenImport(t *testing.T) {
	file := strings.Join([]string{freeID, free2ID, strangerID, foreignID, benchID(3), "not-a-device"}, "\n")
	f := newFixture(t, func(c *config) {
		c.openFile = func(_ fyne.Window, chosen func(r ioReadCloser, name string, err error)) {
			chosen(nopCloser(file), "tray-7.txt", nil)
		}
	})
	p := openProduct(t, f)
	test.Tap(p.importBtn)
	f.q.settle(t, "the import", p.importOut)
	f.q.settle(t, "the refreshed list", p.out)
	golden(t, f, "product-import.png")
}

func TestGoldenCustomers(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabCustomers)
	f.q.settle(t, "the customers", f.tools.customers.out)
	golden(t, f, "customers.png")
}

func TestGoldenEvents(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabEvents)
	e := f.tools.events
	e.name.SetText("station/test")
	e.data.SetText("tray 7 done")
	test.Tap(e.publishBtn)
	f.q.settle(t, "the publish", e.publishOut)
	test.Tap(e.watchBtn)
	wait(t, "the stream to open", f.streamOpen)
	f.cloud.Publish(benchID(4), "temp", "21.5")
	f.cloud.SetOnline(benchID(5), false)
	f.cloud.Publish(benchID(7), "tray/done", `{"slot":3,"result":"pass"}`)
	f.q.until(t, "three events", func() bool { return len(e.events) == 3 })
	test.Tap(e.watchBtn) // stopped, so the capture holds still
	wait(t, "the stream to close", f.streamClosed)
	golden(t, f, "events.png")
}

func TestGoldenVitals(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabVitals)
	v := f.tools.vitals
	v.device.SetText(benchID(1))
	test.Tap(v.readBtn)
	f.q.settle(t, "the last vitals", v.readOut)
	golden(t, f, "vitals.png")
}

func TestGoldenOrganizations(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabOrganizations)
	o := f.tools.orgs
	f.q.settle(t, "the products", o.out)
	o.orgs.table.Select(tableCell(0))
	f.q.settle(t, "the org's products", o.orgOut)
	golden(t, f, "organizations.png")
}

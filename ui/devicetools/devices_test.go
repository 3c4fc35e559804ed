package devicetools

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
)

func TestDevicesTabListsAndSorts(t *testing.T) {
	f := newFixture(t)
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	if d.out.failed {
		t.Fatalf("list failed: %s", d.out.message)
	}
	// The cloud's order: last heard first.
	if diff := cmp.Diff([]string{"kitchen", "porch", "garage"}, columnOf(d.list, 0)); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("3 devices, 2 online. Select one to see it and act on it.", d.out.message); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	tests := []struct {
		header string
		col    int
		want   []string
	}{
		{"Name", 0, []string{"garage", "kitchen", "porch"}},
		{"Name", 0, []string{"porch", "kitchen", "garage"}}, // a second tap flips the order
		{"Device ID", 1, []string{kitchenID, garageID, porchID}},
		{"Status", 2, []string{"Offline", "Online", "Online"}},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			test.Tap(headerButton(t, f.win, tc.header))
			if diff := cmp.Diff(tc.want, columnOf(d.list, tc.col)); diff != "" {
				t.Errorf("after tapping %s (-want +got):\n%s", tc.header, diff)
			}
		})
	}
}

func TestDevicesTabPages(t *testing.T) {
	f := newFixture(t)
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	test.Tap(headerButton(t, f.win, "Name"))
	d.pager.perPage = 2 // the smallest choice is 10; three devices need a smaller page to page
	d.show()
	if diff := cmp.Diff([]string{"garage", "kitchen"}, columnOf(d.list, 0)); diff != "" {
		t.Errorf("page 1 (-want +got):\n%s", diff)
	}
	if got := d.pager.label.Text; got != "Page 1 of 2 (3 in all)" {
		t.Errorf("pager = %q", got)
	}
	if !d.pager.prev.Disabled() || d.pager.next.Disabled() {
		t.Error("on page 1, Previous should be off and Next on")
	}
	test.Tap(d.pager.next)
	if diff := cmp.Diff([]string{"porch"}, columnOf(d.list, 0)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	if !d.pager.next.Disabled() {
		t.Error("on the last page Next should be off")
	}
	test.Tap(d.pager.prev)
	if got := d.pager.label.Text; got != "Page 1 of 2 (3 in all)" {
		t.Errorf("pager after Previous = %q", got)
	}
}

// selectDevice selects the row of the device named name and waits for the
// pane to load its details.
func selectDevice(t *testing.T, f *fixture, list *dataTable[cloud.Device], pane *devicePane, name string) {
	t.Helper()
	for i, n := range columnOf(list, 0) {
		if n == name {
			list.table.Select(widget.TableCellID{Row: i, Col: 0})
			f.q.settle(t, "the device details", pane.load)
			if pane.load.failed {
				t.Fatalf("details failed: %s", pane.load.message)
			}
			return
		}
	}
	t.Fatalf("no device %q in the list %v", name, columnOf(list, 0))
}

func TestDevicePaneActions(t *testing.T) {
	f := newFixture(t)
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	selectDevice(t, f, d.list, d.pane, "kitchen")
	p := d.pane

	if got := p.infoValues["Device ID"].Text; got != kitchenID {
		t.Errorf("Device ID shown = %q", got)
	}
	if got := p.status.Text; got != "Online" {
		t.Errorf("status = %q", got)
	}
	if diff := cmp.Diff([]string{"label", "temp"}, p.varOptions); diff != "" {
		t.Errorf("variables offered (-want +got):\n%s", diff)
	}
	if got := p.notesEntry.Text; got != "on the shelf" {
		t.Errorf("notes = %q", got)
	}

	t.Run("read a variable", func(t *testing.T) {
		p.varName.SetText("temp")
		test.Tap(p.varBtn)
		if !p.varBtn.Disabled() {
			t.Error("Read should be off while the call runs")
		}
		f.q.settle(t, "the variable", p.varOut)
		if diff := cmp.Diff("temp = 21.5", p.varOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if p.varBtn.Disabled() {
			t.Error("Read should be back on")
		}
	})
	t.Run("call a function with an argument", func(t *testing.T) {
		p.fnName.SetText("led")
		test.Type(p.fnArg, "blink")
		test.Tap(p.fnBtn)
		f.q.settle(t, "the function", p.fnOut)
		if diff := cmp.Diff("led returned 5.", p.fnOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("rename", func(t *testing.T) {
		p.renameEntry.SetText("")
		test.Type(p.renameEntry, "kitchen-east")
		test.Tap(p.renameBtn)
		f.q.settle(t, "the rename", p.renameOut)
		if diff := cmp.Diff("Renamed to kitchen-east.", p.renameOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if st, _ := f.cloud.Device(kitchenID); st.Name != "kitchen-east" {
			t.Errorf("cloud has name %q", st.Name)
		}
		if !strings.Contains(strings.Join(columnOf(d.list, 0), ","), "kitchen-east") {
			t.Errorf("list still shows %v", columnOf(d.list, 0))
		}
		if got := p.name.Text; got != "kitchen-east" {
			t.Errorf("pane title %q", got)
		}
	})
	t.Run("notes", func(t *testing.T) {
		p.notesEntry.SetText("moved to the bench")
		test.Tap(p.notesBtn)
		f.q.settle(t, "the notes", p.notesOut)
		if diff := cmp.Diff("Notes saved.", p.notesOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if st, _ := f.cloud.Device(kitchenID); st.Notes != "moved to the bench" {
			t.Errorf("cloud has notes %q", st.Notes)
		}
	})
	t.Run("ping an online device", func(t *testing.T) {
		test.Tap(p.pingBtn)
		f.q.settle(t, "the ping", p.pingOut)
		if diff := cmp.Diff("The device answered: it is online.", p.pingOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("unknown variable in plain words", func(t *testing.T) {
		p.varName.SetText("humidity")
		test.Tap(p.varBtn)
		f.q.settle(t, "the variable", p.varOut)
		want := "The device firmware has no variable by that name. Check the name, or flash the expected firmware."
		if diff := cmp.Diff(want, p.varOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if !p.varOut.failed || !p.varOut.expander.Visible() {
			t.Error("a failure should show the Details expander")
		}
		if got := p.varOut.details.Text; !strings.Contains(got, "HTTP 404") {
			t.Errorf("details %q lack the status", got)
		}
		if strings.Contains(p.varOut.text.Text, "{") || strings.Contains(p.varOut.text.Text, "HTTP") {
			t.Errorf("raw detail in front of the technician: %q", p.varOut.text.Text)
		}
	})
	t.Run("empty name is caught before the call", func(t *testing.T) {
		p.fnName.SetText("")
		test.Tap(p.fnBtn)
		if diff := cmp.Diff("Choose or type a function name first.", p.fnOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestDevicePanePingOffline(t *testing.T) {
	f := newFixture(t)
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	selectDevice(t, f, d.list, d.pane, "garage")
	test.Tap(d.pane.pingBtn)
	f.q.settle(t, "the ping", d.pane.pingOut)
	want := "The device did not answer: it is offline. Check that it is powered and breathing cyan."
	if diff := cmp.Diff(want, d.pane.pingOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := d.pane.status.Text; got != "Offline" {
		t.Errorf("status = %q", got)
	}
}

// An action's answer for one device never lands on another: selecting
// another device drops what is still coming for the first.
func TestDevicePaneDropsAnswersForTheDeviceBefore(t *testing.T) {
	f := newFixture(t)
	d := f.tools.devices
	f.q.settle(t, "the device list", d.out)
	selectDevice(t, f, d.list, d.pane, "kitchen")
	p := d.pane
	f.cloud.InjectFault(cloudtest.Fault{Method: "PUT", Path: "/v1/devices/:id", Times: 1, Hang: true})
	p.renameEntry.SetText("renamed-kitchen")
	test.Tap(p.renameBtn)
	selectDevice(t, f, d.list, d.pane, "porch")
	f.tools.CancelRunning() // the kitchen's rename ends (stopped)
	f.q.until(t, "the rename to end", func() bool { return !p.renameBtn.Disabled() })
	if p.dev.ID != porchID || p.renameOut.message != "" {
		t.Errorf("the porch's pane (%s) shows %q from the kitchen's rename", p.dev.ID, p.renameOut.message)
	}
	for i, name := range columnOf(d.list, 0) {
		if name == "renamed-kitchen" {
			t.Errorf("row %d took the kitchen's new name", i)
		}
	}
}

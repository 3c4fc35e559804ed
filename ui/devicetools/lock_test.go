package devicetools

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
)

// While the station is locked the user routes give the locked message and
// what they showed is forgotten; the product routes, on the profile's own
// client, work; unlocked, the user routes come back.
func TestUserRoutesUnusableWhileLocked(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the fixture's list", f.tools.devices.out)
	var locked atomic.Bool // the tools' workers ask it
	tools := newTools(f.win, WhileUnlocked(f.source, locked.Load), f.tools.cfg)
	t.Cleanup(tools.Close)
	d := tools.devices
	f.q.settle(t, "the device list", d.out)
	if got := columnOf(d.list, 0); len(got) != 3 {
		t.Fatalf("unlocked: rows %v (%s)", got, d.out.message)
	}
	d.list.table.Select(tableCell(0))
	f.q.until(t, "the device pane", func() bool { return d.pane.has })
	f.q.settle(t, "the device's details", d.pane.load)

	locked.Store(true)
	tools.AccountChanged()
	f.q.settle(t, "the device list while locked", d.out)
	if !d.out.failed || !strings.Contains(d.out.message, "Locked: the supervisor's account is not used") {
		t.Fatalf("locked: failed %v, message %q", d.out.failed, d.out.message)
	}
	if got := columnOf(d.list, 0); len(got) != 0 || d.pane.has || d.pane.body.Visible() {
		t.Errorf("locked, the supervisor's devices are still shown: %v, pane %v", got, d.pane.has)
	}
	f.win.SetContent(tools)
	for _, size := range []fyne.Size{{Width: 1920, Height: 1080}, {Width: 1280, Height: 800}} {
		f.win.Resize(size)
		shoot(t, fmt.Sprintf("devicetools-locked-%.0fx%.0f", size.Width, size.Height), f.win.Canvas().Capture())
	}
	tools.ShowTab(TabOrganizations)
	f.q.settle(t, "the organizations while locked", tools.orgs.out)
	if !tools.orgs.out.failed || len(tools.orgs.products.rows) != 0 {
		t.Error("locked, the organizations (a user route) still load")
	}
	tools.ShowTab(TabProductDevices)
	f.q.settle(t, "the product devices", tools.product.out)
	if tools.product.out.failed {
		t.Errorf("locked, the product routes fail too: %s", tools.product.out.message)
	}

	locked.Store(false)
	tools.AccountChanged()
	f.q.settle(t, "the device list unlocked", d.out)
	if d.out.failed || len(columnOf(d.list, 0)) != 3 {
		t.Errorf("unlocked: failed %v (%s), rows %v", d.out.failed, d.out.message, columnOf(d.list, 0))
	}
	f.q.settle(t, "the organizations unlocked", tools.orgs.out)
	if tools.orgs.out.failed {
		t.Errorf("unlocked, organizations: %s", tools.orgs.out.message)
	}
}

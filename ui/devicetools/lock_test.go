package devicetools

import (
	"strings"
	"testing"
)

// While the station is locked the user routes give the locked message and
// reach no cloud; the product routes, on the profile's own client, work;
// unlocked, the user routes come back.
func TestUserRoutesUnusableWhileLocked(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the fixture's list", f.tools.devices.out)
	locked := true
	tools := newTools(f.win, WhileUnlocked(f.source, func() bool { return locked }), f.tools.cfg)
	t.Cleanup(tools.Close)
	d := tools.devices
	f.q.settle(t, "the device list while locked", d.out)
	if !d.out.failed || !strings.Contains(d.out.message, "The station is locked") {
		t.Fatalf("locked: failed %v, message %q", d.out.failed, d.out.message)
	}
	if got := columnOf(d.list, 0); len(got) != 0 {
		t.Errorf("locked, the supervisor's devices are listed: %v", got)
	}
	tools.ShowTab(TabOrganizations)
	f.q.settle(t, "the organizations while locked", tools.orgs.out)
	if !tools.orgs.out.failed {
		t.Error("locked, the organizations (a user route) still load")
	}
	tools.ShowTab(TabProductDevices)
	f.q.settle(t, "the product devices", tools.product.out)
	if tools.product.out.failed {
		t.Errorf("locked, the product routes fail too: %s", tools.product.out.message)
	}

	locked = false
	d.refresh()
	f.q.settle(t, "the device list unlocked", d.out)
	if d.out.failed || len(columnOf(d.list, 0)) != 3 {
		t.Errorf("unlocked: failed %v (%s), rows %v", d.out.failed, d.out.message, columnOf(d.list, 0))
	}
}

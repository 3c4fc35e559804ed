package devicetools

import (
	"context"
	"errors"

	"github.com/photon-station/photon-station/cloud"
)

// ErrLocked is what UserCloud gives while a supervisor has locked the
// station: the supervisor's account is then not used from the tools.
var ErrLocked = errors.New("the station is locked: the supervisor's account is not used")

// WhileUnlocked gives src's user routes only while locked says the
// station is not locked; locked, UserCloud returns ErrLocked. The product
// routes, which use the job profile's own OAuth client, stay.
func WhileUnlocked(src Source, locked func() bool) Source {
	return lockedSource{Source: src, locked: locked}
}

type lockedSource struct {
	Source
	locked func() bool
}

func (s lockedSource) UserCloud(ctx context.Context) (*cloud.Client, error) {
	if s.locked() {
		return nil, ErrLocked
	}
	return s.Source.UserCloud(ctx)
}

// AccountChanged makes the tabs that show the supervisor's account (My
// devices and its device pane, Organizations) forget what they showed and
// load again, now that the account became usable or unusable (a
// supervisor locked or unlocked the station). Call it on the UI goroutine.
func (t *Tools) AccountChanged() {
	d := t.devices
	d.all = nil
	d.show()
	d.out.forget()
	d.pane.hide()
	o := t.orgs
	o.products.setRows(nil)
	o.orgs.setRows(nil)
	o.orgProds.setRows(nil)
	o.out.forget()
	if t.loaded[TabDevices] {
		d.refresh()
	}
	if t.loaded[TabOrganizations] {
		o.refresh()
	}
}

package ui

import (
	"context"
	"time"

	"github.com/photon-station/photon-station/ui/lang"
)

// madeClient is an OAuth client Create client made in the cloud for a new
// profile before that profile was saved.
type madeClient struct {
	profile, product, id string
}

// deleteClientTimeout bounds the deletion of an abandoned profile's client.
const deleteClientTimeout = 20 * time.Second

// keepMadeClient settles the made client once the new profile is saved
// with clientID: it is the profile's now, or, when the form was given
// another client meanwhile, no profile's, and it is deleted.
func (v *ProfilesView) keepMadeClient(clientID string) {
	if v.made != nil && v.made.id == clientID {
		v.made = nil
	}
	v.dropMadeClient()
}

// dropMadeClient deletes the client made for a new profile that is being
// abandoned (Discard), and says how that went. UI goroutine.
func (v *ProfilesView) dropMadeClient() {
	m := v.made
	if m == nil || v.account == nil {
		return
	}
	v.made = nil
	go func() {
		ctx, cancel := context.WithTimeout(v.parent, deleteClientTimeout)
		defer cancel()
		err := v.account.DeleteProductClient(ctx, m.profile, m.product, m.id)
		v.do(func() {
			if err != nil {
				v.setProblem(lang.L("The OAuth client {{.ID}}, made for the profile that was not saved, could not be deleted. A supervisor deletes it in the Particle console (the product's Authentication page).", map[string]any{"ID": m.id}), err)
				return
			}
			v.setMessage(lang.L("The OAuth client {{.ID}}, made for the profile that was not saved, was deleted.", map[string]any{"ID": m.id}), false)
		})
	}()
}

// dropMadeClientNow is dropMadeClient for the window's close: it waits
// for the cloud's answer (the station may be quitting) and shows nothing.
func (v *ProfilesView) dropMadeClientNow() {
	m := v.made
	if m == nil || v.account == nil {
		return
	}
	v.made = nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(v.parent), deleteClientTimeout)
	defer cancel()
	_ = v.account.DeleteProductClient(ctx, m.profile, m.product, m.id) // nobody is left to tell
}

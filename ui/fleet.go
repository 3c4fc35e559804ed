package ui

import (
	"context"
	"sync"

	"github.com/photon-station/photon-station/provisioning"
)

// Preference keys of the station settings. The fleet address is kept
// without its password, which lives in the keychain.
const (
	PrefFleetURL = "fleet.url"
	// PrefJournalKeepMonths is how many months of attempts the journal
	// keeps; 0 keeps everything.
	PrefJournalKeepMonths = "journal.keep_months"
)

// FleetState is where the station stands with the fleet database.
type FleetState int

// The fleet states the bench shows.
const (
	FleetConnecting FleetState = iota
	FleetConnected
	FleetOffline
	FleetReadOnly
)

// FleetStatus is what the bench shows about the fleet database.
type FleetStatus struct {
	State FleetState
	// Waiting is how many attempts wait to be sent (-1: unknown).
	Waiting int
	// Problem is the last failure in plain words ("" when none).
	Problem string
}

// FleetLink is the station's fleet database, as the screens use it: the
// station settings check and test an address and keep its password, the
// bench shows what waits, and the journal reads every station's attempts.
// Addresses never hold a password.
type FleetLink interface {
	// Check says in plain words what is wrong with an address, or nil.
	Check(address string) error
	// PasswordStored tells whether the keychain holds the address's
	// password.
	PasswordStored(ctx context.Context, address string) (bool, error)
	// StorePassword keeps the address's password in the keychain.
	StorePassword(ctx context.Context, address, password string) error
	// Test connects to the address with password ("" uses the stored one)
	// and says in plain words what went wrong.
	Test(ctx context.Context, address, password string) error
	// Use starts sending the journal to address ("" stops) and keeps
	// keepMonths of attempts (0 keeps everything); report receives each
	// new status from the sender's goroutine.
	Use(address string, keepMonths int, report func(FleetStatus))
	// Recent reads every station's latest n attempts, newest first.
	Recent(ctx context.Context, n int) ([]provisioning.Record, error)
}

// fleetStatusPost hands the sender's statuses to the UI goroutine without
// making the sender wait: only the latest status is shown, and one
// dispatch at a time is in flight.
type fleetStatusPost struct {
	do   dispatcher
	show func(FleetStatus)

	mu      sync.Mutex
	latest  FleetStatus
	pending bool
}

func (p *fleetStatusPost) post(st FleetStatus) {
	p.mu.Lock()
	p.latest = st
	busy := p.pending
	p.pending = true
	p.mu.Unlock()
	if busy {
		return
	}
	go p.do(func() {
		p.mu.Lock()
		st := p.latest
		p.pending = false
		p.mu.Unlock()
		p.show(st)
	})
}

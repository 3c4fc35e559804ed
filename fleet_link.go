package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/photon-station/photon-station/fleet"
	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui"
	"github.com/photon-station/photon-station/ui/lang"
)

// pruneEvery is how often the journal's retention is applied while the
// app runs (and once at its start).
const pruneEvery = 24 * time.Hour

// fleetLink is the GUI's fleet database (ui.FleetLink): the station
// settings' checks, the password in the keyring, the sender that delivers
// the journal in the background, and the journal's retention.
type fleetLink struct {
	journal *provisioning.Journal
	secrets provisioning.Secrets // the keyring
	clk     clock.Clock
	log     io.Writer // where a failed prune is told
	// timeout bounds each connection and query (fleet.DefaultTimeout
	// when zero); minBackoff and maxBackoff bound the sender's wait
	// after a failure (its defaults when zero).
	timeout                time.Duration
	minBackoff, maxBackoff time.Duration
	// pruned, when set, is told each prune's result (tests wait on it).
	pruned func(n int, err error)

	mu      sync.Mutex
	address string
	stop    context.CancelFunc
	running sync.WaitGroup
}

// config parses address; the password comes from the keyring (or lookup).
func (l *fleetLink) config(address string, lookup fleet.PasswordLookup) (*fleet.Config, error) {
	cfg, err := fleet.ParseURL(address, lookup)
	if err != nil {
		return nil, err
	}
	if cfg.PasswordInAddress() {
		return nil, errors.New(lang.L("The address holds a password. Take the password out of the address and type it in the Password field: the station keeps it in the keychain, never in a file."))
	}
	cfg.Timeout = l.timeout
	return cfg, nil
}

// Check says what is wrong with an address.
func (l *fleetLink) Check(address string) error {
	_, err := l.config(address, nil)
	return err
}

// PasswordStored tells whether the keyring holds the address's password.
func (l *fleetLink) PasswordStored(ctx context.Context, address string) (bool, error) {
	cfg, err := l.config(address, nil)
	if err != nil {
		return false, err
	}
	_, err = l.secrets.Get(ctx, cfg.Target(), provisioning.SecretFleetPassword)
	if errors.Is(err, provisioning.ErrSecretNotFound) {
		return false, nil
	}
	return err == nil, err
}

// StorePassword keeps the address's password in the keyring.
func (l *fleetLink) StorePassword(ctx context.Context, address, password string) error {
	cfg, err := l.config(address, nil)
	if err != nil {
		return err
	}
	return l.secrets.Set(ctx, cfg.Target(), provisioning.SecretFleetPassword, password)
}

// Test connects with password ("" for the stored one), sets up the
// schema as the sender would, and says whether this station may write.
func (l *fleetLink) Test(ctx context.Context, address, password string) error {
	lookup := fleet.KeyringPassword(l.secrets)
	if password != "" {
		lookup = func(context.Context, string) (string, error) { return password, nil }
	}
	cfg, err := l.config(address, lookup)
	if err != nil {
		return err
	}
	db, err := fleet.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.ReadOnly()
}

// Recent reads every station's latest n attempts from the fleet database
// in use.
func (l *fleetLink) Recent(ctx context.Context, n int) ([]provisioning.Record, error) {
	l.mu.Lock()
	address := l.address
	l.mu.Unlock()
	if address == "" {
		return nil, errors.New(lang.L("No fleet database is set."))
	}
	cfg, err := l.config(address, fleet.KeyringPassword(l.secrets))
	if err != nil {
		return nil, err
	}
	db, err := fleet.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Recent(ctx, n)
}

// Use stops the sender and the retention started before, and starts them
// again for address ("" sends nothing) and keepMonths (0 keeps every
// attempt). It never waits for the database.
func (l *fleetLink) Use(address string, keepMonths int, report func(ui.FleetStatus)) {
	ctx, cancel := context.WithCancel(context.Background())
	l.mu.Lock()
	if l.stop != nil {
		l.stop() // a delivery in flight ends; its record stays unsent
	}
	l.address, l.stop = address, cancel
	l.mu.Unlock()
	if keepMonths > 0 {
		l.running.Add(1)
		go func() {
			defer l.running.Done()
			l.keep(ctx, keepMonths, address != "")
		}()
	}
	if address == "" {
		return
	}
	cfg, err := l.config(address, fleet.KeyringPassword(l.secrets))
	if err != nil {
		n, _ := l.journal.UnsentCount()
		report(ui.FleetStatus{State: ui.FleetOffline, Waiting: n, Problem: err.Error()})
		return
	}
	s := fleet.NewSender(cfg, fleet.SenderOptions{Outbox: l.journal, Wake: l.journal.Changed(), Clock: l.clk,
		MinBackoff: l.minBackoff, MaxBackoff: l.maxBackoff, Report: func(st fleet.Status) { report(fleetStatus(st)) }})
	l.running.Add(1)
	go func() {
		defer l.running.Done()
		s.Run(ctx)
	}()
}

// keep deletes the journal's attempts older than months now and once a
// pruneEvery; with keepUnsent, never one the fleet database lacks.
func (l *fleetLink) keep(ctx context.Context, months int, keepUnsent bool) {
	clk := clock.Or(l.clk)
	for {
		n, err := l.journal.Prune(clk.Now().AddDate(0, -months, 0), keepUnsent)
		if err != nil {
			fmt.Fprintf(l.log, "photon-station: the journal's old attempts were not deleted: %v\n", err)
		}
		if l.pruned != nil {
			l.pruned(n, err)
		}
		if clock.Sleep(ctx, clk, pruneEvery) != nil {
			return
		}
	}
}

// Close stops the sender and the retention and waits for them.
func (l *fleetLink) Close() {
	l.mu.Lock()
	if l.stop != nil {
		l.stop()
	}
	l.mu.Unlock()
	l.running.Wait()
}

// fleetStatus is the sender's status in the screens' terms.
func fleetStatus(st fleet.Status) ui.FleetStatus {
	out := ui.FleetStatus{Waiting: st.Waiting}
	switch st.State {
	case fleet.StateConnected:
		out.State = ui.FleetConnected
	case fleet.StateOffline:
		out.State = ui.FleetOffline
	case fleet.StateReadOnly:
		out.State = ui.FleetReadOnly
	default:
		out.State = ui.FleetConnecting
	}
	if st.Err != nil {
		out.Problem = st.Err.Error()
	}
	return out
}

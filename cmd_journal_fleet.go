package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/photon-station/photon-station/fleet"
	"github.com/photon-station/photon-station/provisioning"
)

// fleetSendWait is how long a headless provision waits for the fleet
// database to take its own attempt before it exits; what is not sent by
// then waits for the next `journal sync` (or the GUI's sender).
const fleetSendWait = 5 * time.Second

// fleetSyncWait bounds `journal sync` as a whole.
const fleetSyncWait = 5 * time.Minute

// fleetConfig reads the fleet database's address from
// PHOTON_STATION_FLEET_DB; set says whether one is set at all. lookup
// finds the password in the keyring when neither the URL nor PGPASSWORD
// holds it.
func fleetConfig(lookup fleet.PasswordLookup) (cfg *fleet.Config, set bool, err error) {
	raw := os.Getenv(fleet.EnvURL)
	if raw == "" {
		return nil, false, nil
	}
	cfg, err = fleet.ParseURL(raw, lookup)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", fleet.EnvURL, err)
	}
	return cfg, true, nil
}

// requiredFleetConfig is fleetConfig for a command that needs a fleet
// database.
func requiredFleetConfig(lookup fleet.PasswordLookup) (*fleet.Config, error) {
	cfg, set, err := fleetConfig(lookup)
	if err == nil && !set {
		err = errors.New("no fleet database is set: put its URL in " + fleet.EnvURL + " (postgres://USER@HOST:5432/DATABASE)")
	}
	return cfg, err
}

// runJournalSync is `photon-station journal sync`: it sends every attempt
// the fleet database has not acknowledged. It exits 0 when nothing is
// left to send, and non-zero, saying why and how many wait, otherwise.
func runJournalSync(ctx context.Context, outbox fleet.Outbox, lookup fleet.PasswordLookup, stdout, stderr io.Writer) int {
	fail := func(code int, msg string) int {
		fmt.Fprintln(stderr, "photon-station journal sync: "+oneLine(msg))
		return code
	}
	cfg, err := requiredFleetConfig(lookup)
	if err != nil {
		return fail(exitBadUsage, err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, fleetSyncWait)
	defer cancel()
	sent, left, err := fleet.Drain(ctx, cfg, outbox)
	if err != nil {
		return fail(exitFailed, fmt.Sprintf("%v (%s). Sent %d, %s wait on this station.", err, cfg, sent, waiting(left)))
	}
	if left != 0 {
		return fail(exitFailed, fmt.Sprintf("sent %d to %s, and %s still wait: run journal sync again.", sent, cfg, waiting(left)))
	}
	fmt.Fprintf(stdout, "Sent %d attempts to %s; nothing waits.\n", sent, cfg)
	return exitOK
}

func waiting(n int) string {
	if n < 0 {
		return "an unknown number of attempts"
	}
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// sendToFleet sends the attempt a headless provision has just run, if a
// fleet database is set, waiting at most fleetSendWait. A failure is a
// note on stderr, not a failure of the provision: the attempt waits in
// the journal for `journal sync`.
func sendToFleet(ctx context.Context, outbox fleet.Outbox, r provisioning.Record, lookup fleet.PasswordLookup, stderr io.Writer) {
	cfg, set, err := fleetConfig(lookup)
	if !set {
		return
	}
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, fleetSendWait)
		defer cancel()
		err = fleet.SendNow(sctx, cfg, outbox, r)
	}
	if err != nil {
		fmt.Fprintln(stderr, "photon-station provision: note: "+oneLine(fmt.Sprintf(
			"attempt %s is in the local journal and not yet in the fleet database: %v Run photon-station journal sync later.",
			r.Attempt, err)))
	}
}

// runJournalExportFleet is `photon-station journal export --csv FILE
// --fleet`: every station's attempts from the fleet database (FILE "-" is
// stdout).
func runJournalExportFleet(ctx context.Context, dest string, lookup fleet.PasswordLookup, stdout, stderr io.Writer) int {
	fail := func(code int, msg string) int {
		fmt.Fprintln(stderr, "photon-station journal: "+oneLine(msg))
		return code
	}
	cfg, err := requiredFleetConfig(lookup)
	if err != nil {
		return fail(exitBadUsage, err.Error())
	}
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return fail(exitBadUsage, dest+" is a folder: name the CSV file to write, e.g. "+filepath.Join(dest, "fleet.csv"))
	}
	db, err := fleet.Open(ctx, cfg)
	if err != nil {
		return fail(exitFailed, err.Error())
	}
	defer db.Close()
	if ro := db.ReadOnly(); ro != nil {
		fmt.Fprintln(stderr, "photon-station journal: note: "+oneLine(ro.Error()))
	}
	var rows int
	export := func(w io.Writer) (err error) {
		rows, err = db.ExportCSV(ctx, w)
		return err
	}
	if dest == "-" {
		if err := export(stdout); err != nil {
			return fail(exitFailed, err.Error())
		}
		return exitOK
	}
	if err := writeFileAtomically(dest, export); err != nil {
		return fail(exitFailed, "cannot write "+dest+": "+err.Error())
	}
	fmt.Fprintf(stdout, "Exported %d attempts of every station from %s to %s\n", rows, cfg, dest)
	return exitOK
}

// writeFileAtomically writes dest through a temporary file next to it,
// renamed into place once complete, so a failed export never replaces a
// good file.
func writeFileAtomically(dest string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), dest)
}

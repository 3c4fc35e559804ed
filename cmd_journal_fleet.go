package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/photon-station/photon-station/fleet"
	"github.com/photon-station/photon-station/provisioning"
)

// fleetSendWait is how long a headless provision waits for the fleet
// database to take its own attempt before it exits; what is not sent by
// then waits for the next `journal sync` (or the GUI's sender). A
// variable for tests.
var fleetSendWait = 5 * time.Second

// fleetSyncWait bounds `journal sync` as a whole.
const fleetSyncWait = 5 * time.Minute

// fleetPassword finds the fleet database's password in the OS keyring
// (service photon-station, under the database's Target) when neither the
// URL nor PGPASSWORD holds it: where the GUI's station settings keep it.
func fleetPassword() fleet.PasswordLookup {
	return fleet.KeyringPassword(provisioning.Keyring{})
}

// fleetConfig reads the fleet database's address from
// PHOTON_STATION_FLEET_DB; set says whether one is set at all.
func fleetConfig() (cfg *fleet.Config, set bool, err error) {
	raw := os.Getenv(fleet.EnvURL)
	if raw == "" {
		return nil, false, nil
	}
	cfg, err = fleet.ParseURL(raw, fleetPassword())
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", fleet.EnvURL, err)
	}
	return cfg, true, nil
}

// requiredFleetConfig is fleetConfig for a command that needs a fleet
// database.
func requiredFleetConfig() (*fleet.Config, error) {
	cfg, set, err := fleetConfig()
	if err == nil && !set {
		err = errors.New("no fleet database is set: put its URL in " + fleet.EnvURL + " (postgres://USER@HOST:5432/DATABASE) and its password in PGPASSWORD")
	}
	return cfg, err
}

// interruptible is a context that Ctrl-C and SIGTERM end.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runJournalSync is `photon-station journal sync`: it sends every attempt
// the fleet database has not acknowledged. It exits 0 when nothing is
// left to send, and non-zero, saying why and how many wait, otherwise.
func runJournalSync(path string, stdout, stderr io.Writer) int {
	fail := func(code int, msg string) int {
		fmt.Fprintln(stderr, "photon-station journal sync: "+oneLine(msg))
		return code
	}
	cfg, err := requiredFleetConfig()
	if err != nil {
		return fail(exitBadUsage, err.Error())
	}
	j, where, err := openSyncJournal(path)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "Nothing waits: there is no journal at %s yet.\n", where)
		return exitOK
	}
	if err != nil {
		return fail(exitFailed, err.Error())
	}
	defer j.Close()
	ctx, stop := interruptible()
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, fleetSyncWait)
	defer cancel()
	sent, left, err := fleet.Drain(ctx, cfg, j)
	if err != nil {
		msg := sentence(err.Error())
		if sent > 0 {
			msg += fmt.Sprintf(" Sent %d before that.", sent)
		}
		return fail(exitFailed, msg+" "+waiting(left))
	}
	if left != 0 {
		return fail(exitFailed, fmt.Sprintf("Sent %d to %s; %s Run photon-station journal sync again.", sent, cfg, waiting(left)))
	}
	if sent == 0 {
		fmt.Fprintf(stdout, "Nothing waits: %s has every attempt of this station.\n", cfg)
		return exitOK
	}
	fmt.Fprintf(stdout, "Sent %d attempts to %s; nothing waits.\n", sent, cfg)
	return exitOK
}

// openSyncJournal opens the journal at path for `journal sync` (the
// station's own when empty); one that does not exist yet is
// os.ErrNotExist, not created.
func openSyncJournal(path string) (*provisioning.Journal, string, error) {
	if path == "" {
		return readStationJournal("")
	}
	if !exists(path) {
		return nil, path, os.ErrNotExist
	}
	j, err := provisioning.OpenJournal(path)
	return j, path, err
}

// waiting says how many attempts wait to be sent, as a sentence.
func waiting(n int) string {
	switch {
	case n < 0:
		return "The journal could not say how many attempts wait."
	case n == 0:
		return "Nothing waits on this station."
	case n == 1:
		return "1 attempt waits on this station."
	}
	return fmt.Sprintf("%d attempts wait on this station.", n)
}

// sendToFleet sends the attempt a headless provision has just run, if a
// fleet database is set, waiting at most fleetSendWait. It returns a note
// for stderr when the attempt could not be sent: never a failure of the
// provision, since the attempt waits in the journal for `journal sync`
// (or the GUI's sender).
func sendToFleet(journal *provisioning.Journal, attempt string) string {
	cfg, set, err := fleetConfig()
	if !set || attempt == "" {
		return ""
	}
	if err == nil {
		cfg.Timeout = fleetSendWait // so a timeout's message names this wait
		ctx, cancel := context.WithTimeout(context.Background(), fleetSendWait)
		defer cancel()
		r, ok := journal.ByAttempt(attempt)
		switch {
		case !ok && journal.Err() != nil:
			err = journal.Err()
		case !ok:
			err = errors.New("it is not in the local journal")
		default:
			err = fleet.SendNow(ctx, cfg, journal, r)
		}
	}
	if err == nil {
		return ""
	}
	return oneLine(fmt.Sprintf("note: attempt %s is in this station's journal and not yet in the fleet database: %s It will be sent by `photon-station journal sync` or the station's GUI.",
		attempt, sentence(err.Error())))
}

// sentence ends s with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// runJournalExportFleet is `photon-station journal export --csv FILE
// --fleet`: every station's attempts from the fleet database (FILE "-" is
// stdout).
func runJournalExportFleet(dest string, stdout, stderr io.Writer) int {
	fail := func(code int, msg string) int {
		fmt.Fprintln(stderr, "photon-station journal: "+oneLine(msg))
		return code
	}
	cfg, err := requiredFleetConfig()
	if err != nil {
		return fail(exitBadUsage, err.Error())
	}
	ctx, stop := interruptible()
	defer stop()
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
	if err := writeExportFile(dest, export); err != nil {
		return fail(exitFailed, "cannot write "+dest+": "+err.Error())
	}
	fmt.Fprintf(stdout, "Exported %d attempts of every station from %s to %s\n", rows, cfg, dest)
	return exitOK
}

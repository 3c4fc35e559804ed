package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/photon-station/photon-station/provisioning"
)

const journalUsage = `photon-station journal export --csv FILE [--journal PATH]
photon-station journal export --csv FILE --fleet
photon-station journal export --jsonl FILE [--journal PATH]
photon-station journal show --device ID [--journal PATH]
photon-station journal import FILE [--journal PATH]
photon-station journal sync [--journal PATH]

export --csv writes every device attempt as one CSV row; export --jsonl
writes every attempt with all its steps as one JSON object per line (FILE
"-" is stdout). show prints the attempts of one device as JSON lines.
import adds the attempts of a v1 JSON-lines journal (journal.jsonl, as
releases before the database wrote it; from another bench too) that the
journal does not have yet.
With a fleet database (PHOTON_STATION_FLEET_DB, a PostgreSQL URL; its
password from the URL, PGPASSWORD or the keyring), export --csv FILE
--fleet writes every station's attempts from it, and sync sends the
attempts it does not have yet; sync exits 0 when nothing is left to send.
The journal defaults to the station's own (journal.db in the user data
folder). --journal names another database, or a v1 journal.jsonl, which
is then only read.`

func init() {
	register(command{name: "journal", usage: journalUsage, run: runJournal})
}

// journalArgs parses a journal command's flags, which may come before or
// after its one argument (import FILE).
func journalArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runJournal(args []string, stdout, stderr io.Writer) int {
	fail := func(code int, msg string) int {
		fmt.Fprintln(stderr, "photon-station journal: "+oneLine(msg))
		return code
	}
	if len(args) == 0 {
		return fail(exitBadUsage, "say what to do: export --csv FILE, export --jsonl FILE, show --device ID, import FILE or sync (see photon-station journal --help)")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, journalUsage)
		return exitOK
	}
	sub := args[0]
	fs := flag.NewFlagSet("journal "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("journal", "", "the journal (default: the station's)")
	csvFile := fs.String("csv", "", "export: write CSV to FILE (- for stdout)")
	jsonlFile := fs.String("jsonl", "", "export: write JSON lines to FILE (- for stdout)")
	device := fs.String("device", "", "show: the device ID")
	fromFleet := fs.Bool("fleet", false, "export: every station's attempts from the fleet database")
	rest, err := journalArgs(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, journalUsage)
			return exitOK
		}
		return fail(exitBadUsage, err.Error()+" (see photon-station journal --help)")
	}
	if len(rest) > 0 && (sub != "import" || len(rest) > 1) {
		return fail(exitBadUsage, fmt.Sprintf("unexpected argument %q", rest[len(rest)-1]))
	}
	if *fromFleet {
		switch {
		case sub != "export":
			return fail(exitBadUsage, "--fleet goes with export --csv FILE only")
		case *jsonlFile != "":
			return fail(exitBadUsage, "--fleet exports CSV only: use export --csv FILE --fleet")
		case *path != "":
			return fail(exitBadUsage, "--fleet reads the fleet database, not a journal: leave out --journal")
		}
	}
	switch sub {
	case "export":
		switch {
		case *csvFile == "" && *jsonlFile == "":
			return fail(exitBadUsage, "export needs --csv FILE or --jsonl FILE")
		case *csvFile != "" && *jsonlFile != "":
			return fail(exitBadUsage, "export writes one file: give --csv FILE or --jsonl FILE, not both")
		}
		for _, f := range []string{*csvFile, *jsonlFile} {
			if st, err := os.Stat(f); f != "" && f != "-" && err == nil && st.IsDir() {
				return fail(exitBadUsage, f+" is a folder: name the file to write, for example "+filepath.Join(f, "journal"+exportExt(*csvFile)))
			}
		}
		if *fromFleet {
			return runJournalExportFleet(*csvFile, stdout, stderr)
		}
	case "show":
		if *device == "" {
			return fail(exitBadUsage, "show needs --device ID")
		}
	case "import":
		if len(rest) != 1 {
			return fail(exitBadUsage, "import needs the v1 journal FILE to import")
		}
		return journalImport(rest[0], *path, stdout, stderr)
	case "sync":
		return runJournalSync(*path, stdout, stderr)
	default:
		return fail(exitBadUsage, fmt.Sprintf("unknown journal command %q: use export, show, import or sync", sub))
	}
	j, where, err := readStationJournal(*path)
	if errors.Is(err, os.ErrNotExist) {
		return fail(exitFailed, "there is no journal at "+where+" yet: nothing has been provisioned on this station")
	}
	if err != nil {
		return fail(exitFailed, err.Error())
	}
	defer j.Close()
	for _, p := range j.Problems() {
		fmt.Fprintf(stderr, "photon-station journal: note: %s\n", p)
	}
	if sub == "show" {
		recs := j.ByDevice(*device)
		if err := j.Err(); err != nil {
			return fail(exitFailed, "cannot read the journal "+where+": "+err.Error())
		}
		if len(recs) == 0 {
			return fail(exitFailed, "the journal has no attempt for device "+*device)
		}
		enc := json.NewEncoder(stdout)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return fail(exitFailed, err.Error())
			}
		}
		return exitOK
	}
	export, dest := j.ExportCSV, *csvFile
	if *jsonlFile != "" {
		export, dest = j.ExportJSONL, *jsonlFile
	}
	if dest == "-" {
		if err := export(stdout); err != nil {
			return fail(exitFailed, err.Error())
		}
		return exitOK
	}
	n, err := j.Count(provisioning.JournalFilter{})
	if err != nil {
		return fail(exitFailed, "cannot read the journal "+where+": "+err.Error())
	}
	if err := writeExportFile(dest, export); err != nil {
		return fail(exitFailed, "cannot write "+dest+": "+err.Error())
	}
	fmt.Fprintf(stdout, "Exported %d attempts to %s\n", n, dest)
	return exitOK
}

func exportExt(csvFile string) string {
	if csvFile != "" {
		return ".csv"
	}
	return ".jsonl"
}

// readStationJournal opens the journal named by path for reading; an empty
// path is the station's own, whose v1 predecessor is imported first if it
// is still there. It returns where the journal is, for messages.
func readStationJournal(path string) (*provisioning.Journal, string, error) {
	if path != "" {
		j, err := provisioning.ReadJournal(path)
		return j, path, err
	}
	db, err := provisioning.DefaultJournalPath()
	if err != nil {
		return nil, "", err
	}
	legacy, err := provisioning.LegacyJournalPath()
	if err != nil {
		return nil, db, err
	}
	if !exists(db) && !exists(legacy) {
		return nil, db, os.ErrNotExist
	}
	j, err := provisioning.OpenStationJournal(db, legacy)
	return j, db, err
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// journalImport adds a v1 file's attempts to the journal at path (the
// station's own when empty).
func journalImport(file, path string, stdout, stderr io.Writer) int {
	fail := func(code int, msg string) int {
		fmt.Fprintln(stderr, "photon-station journal: "+oneLine(msg))
		return code
	}
	if st, err := os.Stat(file); err != nil {
		return fail(exitFailed, "cannot read "+file+": "+err.Error())
	} else if st.IsDir() {
		return fail(exitBadUsage, file+" is a folder: name the v1 journal file (journal.jsonl) to import")
	}
	var j *provisioning.Journal
	var err error
	if path == "" {
		j, err = provisioning.OpenDefaultJournal()
	} else {
		j, err = provisioning.OpenJournal(path)
	}
	if err != nil {
		return fail(exitFailed, err.Error())
	}
	defer j.Close()
	res, err := j.ImportV1(file)
	if err != nil {
		return fail(exitFailed, err.Error())
	}
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "photon-station journal: note: %s\n", p)
	}
	fmt.Fprintf(stdout, "Imported %d attempts from %s; %d were already in the journal and were skipped; %d lines could not be read.\n",
		res.Imported, file, res.Skipped, len(res.Problems))
	return exitOK
}

// writeExportFile writes the export next to its destination and renames
// it into place, so a half-written file never replaces a good one.
func writeExportFile(dest string, export func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := export(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), dest)
}

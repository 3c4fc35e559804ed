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
photon-station journal show --device ID [--journal PATH]

export writes every device attempt as one CSV row (FILE "-" is stdout).
show prints the attempts of one device as JSON lines.
The journal defaults to the station's own (in the user config folder).`

func init() {
	register(command{name: "journal", usage: journalUsage, run: runJournal})
}

func runJournal(args []string, stdout, stderr io.Writer) int {
	fail := func(code int, msg string) int {
		fmt.Fprintln(stderr, "photon-station journal: "+oneLine(msg))
		return code
	}
	if len(args) == 0 {
		return fail(exitBadUsage, "say what to do: export --csv FILE, or show --device ID (see photon-station journal --help)")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, journalUsage)
		return exitOK
	}
	sub := args[0]
	fs := flag.NewFlagSet("journal "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("journal", "", "the journal file (default: the station's)")
	csvFile := fs.String("csv", "", "export: write CSV to FILE (- for stdout)")
	device := fs.String("device", "", "show: the device ID")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, journalUsage)
			return exitOK
		}
		return fail(exitBadUsage, err.Error()+" (see photon-station journal --help)")
	}
	if fs.NArg() > 0 {
		return fail(exitBadUsage, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *path == "" {
		p, err := provisioning.DefaultJournalPath()
		if err != nil {
			return fail(exitBadUsage, err.Error())
		}
		*path = p
	}
	switch sub {
	case "export":
		if *csvFile == "" {
			return fail(exitBadUsage, "export needs --csv FILE")
		}
	case "show":
		if *device == "" {
			return fail(exitBadUsage, "show needs --device ID")
		}
	default:
		return fail(exitBadUsage, fmt.Sprintf("unknown journal command %q: use export or show", sub))
	}
	j, err := provisioning.ReadJournal(*path)
	if errors.Is(err, os.ErrNotExist) {
		return fail(exitFailed, "there is no journal at "+*path+" yet: nothing has been provisioned on this station")
	}
	if err != nil {
		return fail(exitFailed, err.Error())
	}
	for _, p := range j.Problems() {
		fmt.Fprintf(stderr, "photon-station journal: note: %s %s\n", *path, p)
	}
	switch sub {
	case "show":
		recs := j.ByDevice(*device)
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
	if *csvFile == "-" {
		if err := j.ExportCSV(stdout); err != nil {
			return fail(exitFailed, err.Error())
		}
		return exitOK
	}
	if err := writeCSVFile(*csvFile, j); err != nil {
		return fail(exitFailed, "cannot write "+*csvFile+": "+err.Error())
	}
	fmt.Fprintf(stdout, "Exported %d attempts to %s\n", len(j.Records()), *csvFile)
	return exitOK
}

// writeCSVFile writes the export next to its destination and renames it
// into place, so a half-written file never replaces a good one.
func writeCSVFile(dest string, j *provisioning.Journal) error {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := j.ExportCSV(f); err != nil {
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

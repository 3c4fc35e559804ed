package provisioning

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	importChildEnv = "PHOTON_STATION_IMPORT_CHILD"
	importDirEnv   = "PHOTON_STATION_IMPORT_DIR"
)

// importTestBatch is the batch size of TestImportChild (small, so the
// import is paused with most of it still to do).
const importTestBatch = 50

// TestImportChild is a process of TestSecondProcessWaitsForTheImport: it
// opens the station journal in its folder (importing the v1 file there).
// The importer stops after its first batch until it is killed; the
// other reports each look at the claim.
func TestImportChild(t *testing.T) {
	role := os.Getenv(importChildEnv)
	if role == "" {
		t.Skip("run by TestSecondProcessWaitsForTheImport")
	}
	importBatch = importTestBatch
	switch role {
	case "importer":
		onImportBatch = func(done int) {
			fmt.Printf("BATCH %d\n", done)
			select {} // until killed
		}
	case "second":
		onImportWait = func() { fmt.Println("WAITING") }
	case "impatient":
		importStall = 300 * time.Millisecond
	}
	dir := os.Getenv(importDirEnv)
	j, err := OpenStationJournal(filepath.Join(dir, "journal.db"), filepath.Join(dir, "journal.jsonl"))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	defer j.Close()
	fmt.Println("OPENED")
}

// Two processes start at once after an upgrade while a large v1 journal is
// being imported (the GUI and a script, say). The second waits for the
// import far beyond the busy timeout instead of failing on a locked
// database; when the importer is killed part-way, the second takes over
// and the journal ends with every attempt once, in the file's order. A
// bench already running writes between the import's batches, and its
// attempt stays its port's latest word.
func TestSecondProcessWaitsForTheImport(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	const n = 400
	dir := v1Folder(t, n)
	start, next := importChildren(t, dir)

	importer, iout := start("importer")
	if line := next("the importer", iout); line != fmt.Sprintf("BATCH %d", importTestBatch) {
		t.Fatalf("the importer said %q", line)
	}
	// The importer holds the claim with most of the file to do. The
	// second process waits: five looks at the claim (half a second, more
	// than twice the longest batch ever takes here).
	_, sout := start("second")
	for range 5 {
		if line := next("the second process", sout); line != "WAITING" {
			t.Fatalf("the second process said %q while the import ran", line)
		}
	}
	// A bench already at work writes its attempt on a port the file
	// names too, between the import's batches (well within the busy
	// timeout).
	bench, err := OpenJournal(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bench.Close()
	live := sampleRecord("live", devID, OutcomePass)
	live.Port, live.Opened = historyAttempt(0, historyT0).Port, true
	if err := bench.Append(live); err != nil {
		t.Fatalf("a bench could not write while the import ran: %v", err)
	}
	importer.Process.Kill()
	importer.Wait()
	for {
		line := next("the second process", sout)
		if line == "OPENED" {
			break
		}
		if line != "WAITING" {
			t.Fatalf("the second process said %q", line)
		}
	}

	j, err := ReadJournal(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var recs []Record
	for _, r := range j.Records() {
		if r.Attempt != live.Attempt {
			recs = append(recs, r)
		}
	}
	if len(recs) != n {
		t.Fatalf("%d attempts after the import, want %d", len(recs), n)
	}
	for i, r := range recs {
		want := historyAttempt(i, historyT0)
		if r.Attempt != want.Attempt || r.Outcome != want.Outcome || len(r.Steps) != len(want.Steps) || !r.Started.Equal(want.Started) {
			t.Fatalf("attempt %d: %s %s with %d steps, want %s %s with %d", i, r.Attempt, r.Outcome, len(r.Steps), want.Attempt, want.Outcome, len(want.Steps))
		}
	}
	// The order of the file's last lines is kept across the two
	// importers: a port's last attempt is the file's last on that port,
	// below the bench's own.
	if r, ok := j.LatestOnPort(live.Port, ""); !ok || r.Attempt != live.Attempt {
		t.Errorf("the last attempt on %s: %s, want the bench's own", live.Port, r.Attempt)
	}
	if r, ok := j.LatestOnPort(live.Port, live.Attempt); !ok || r.Attempt != historyAttempt(n-8, historyT0).Attempt {
		t.Errorf("the file's last attempt on %s: %s, want %s", live.Port, r.Attempt, historyAttempt(n-8, historyT0).Attempt)
	}
	if r, ok := j.LatestOnPort(historyAttempt(1, historyT0).Port, ""); !ok || r.Attempt != historyAttempt(n-7, historyT0).Attempt {
		t.Errorf("the last attempt on %s: %s, want the file's last there", historyAttempt(1, historyT0).Port, r.Attempt)
	}
	if _, err := os.Stat(filepath.Join(dir, "journal.jsonl.imported")); err != nil {
		t.Errorf("the v1 file was not renamed: %v", err)
	}
}

// v1Folder is a data folder holding a v1 journal of n attempts.
func v1Folder(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	writeV1HistoryFile(t, filepath.Join(dir, "journal.jsonl"), n)
	return dir
}

// importChildren starts TestImportChild processes on dir (start) and
// reads their next line (next).
func importChildren(t *testing.T, dir string) (start func(role string) (*exec.Cmd, *bufio.Scanner), next func(who string, sc *bufio.Scanner) string) {
	start = func(role string) (*exec.Cmd, *bufio.Scanner) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestImportChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), importChildEnv+"="+role, importDirEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, bufio.NewScanner(out)
	}
	next = func(who string, sc *bufio.Scanner) string {
		if !sc.Scan() {
			t.Fatalf("%s ended without a word", who)
		}
		return sc.Text()
	}
	return start, next
}

// An import that stops moving (its process hangs) is waited for only so
// long: the second process then says what to do instead of waiting for
// ever.
func TestWaitForAStalledImportEnds(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	start, next := importChildren(t, v1Folder(t, 200))
	_, iout := start("importer")
	if line := next("the importer", iout); line != fmt.Sprintf("BATCH %d", importTestBatch) {
		t.Fatalf("the importer said %q", line)
	}
	_, sout := start("impatient")
	line := next("the second process", sout)
	if !strings.HasPrefix(line, "ERROR") || !strings.Contains(line, "has made no progress for 300ms") ||
		!strings.Contains(line, "close the other Photon Station windows and commands") {
		t.Errorf("the second process said %q", line)
	}
}

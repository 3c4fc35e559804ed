package provisioning

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

const (
	procsChildEnv   = "PHOTON_STATION_JOURNAL_WRITER"
	procsJournalEnv = "PHOTON_STATION_JOURNAL_WRITER_DB"
)

// journalAttempts is how many attempts each writer makes, each written in
// journalSteps more versions (a step ending each time), as an attempt is.
// The four writers write back to back, far faster than benches do; under
// the race detector (every commit several times slower, on a shared
// machine) SQLite's busy handler, which is not fair, could leave one
// writer waiting past the busy timeout at that pace, so they write fewer.
var journalAttempts = map[bool]int{false: 40, true: 10}[raceDetector]

const journalSteps = 4

// writeAttempts appends prefix's attempts, every version of each.
func writeAttempts(j *Journal, prefix string) error {
	for i := range journalAttempts {
		r := sampleRecord(fmt.Sprintf("%s-%d", prefix, i), devID, OutcomePending)
		r.Port = "/dev/ttyACM-" + prefix
		r.Opened = true
		for v := range journalSteps {
			r.Steps = append(r.Steps, StepEntry{Step: Steps[v], Started: r.Started, Ended: r.Started, Outcome: StepDone})
			if v == journalSteps-1 {
				r.Outcome, r.Ended = OutcomePass, r.Started
			}
			if err := j.Append(r); err != nil {
				return fmt.Errorf("%s version %d: %w", r.Attempt, v, err)
			}
		}
	}
	return nil
}

// TestJournalWriterChild is the other process of
// TestJournalSeveralProcesses: it writes its attempts once told to go.
func TestJournalWriterChild(t *testing.T) {
	if os.Getenv(procsChildEnv) == "" {
		t.Skip("run by TestJournalSeveralProcesses")
	}
	j, err := OpenJournal(os.Getenv(procsJournalEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := writeAttempts(j, os.Getenv(procsChildEnv)); err != nil {
		t.Fatal(err)
	}
}

// Several processes (the GUI, a headless command) and several journals in
// one process write one database at once: SQLite's locking loses nothing,
// and each sees the others' writes at once (no stale in-memory index).
func TestJournalSeveralProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	a, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	var children []*exec.Cmd
	var gos []*os.File
	for _, name := range []string{"child1", "child2"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestJournalWriterChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), procsChildEnv+"="+name, procsJournalEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("child %s: %q, %v", name, line, err)
		}
		go func() {
			// The rest of the child's output (its test verdict).
			sc := bufio.NewScanner(out)
			for sc.Scan() {
			}
		}()
		children = append(children, cmd)
		gos = append(gos, in.(*os.File))
	}
	// Everyone starts at once.
	for _, in := range gos {
		fmt.Fprintln(in)
	}
	var wg sync.WaitGroup
	for prefix, j := range map[string]*Journal{"a": a, "b": b} {
		wg.Go(func() {
			if err := writeAttempts(j, prefix); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, c := range children {
		if err := c.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}
	want := map[string]bool{}
	for _, p := range []string{"a", "b", "child1", "child2"} {
		for i := range journalAttempts {
			want[p+"-"+strconv.Itoa(i)] = true
		}
		// Each writer sees the others' last attempt on their port.
		if r, ok := a.LatestOnPort("/dev/ttyACM-"+p, ""); !ok || r.Attempt != fmt.Sprintf("%s-%d", p, journalAttempts-1) {
			t.Errorf("port of %s: %+v, %v", p, r.Attempt, ok)
		}
	}
	recs := b.Records()
	for _, r := range recs {
		if !want[r.Attempt] {
			t.Errorf("unexpected attempt %s", r.Attempt)
		}
		if len(r.Steps) != 1+journalSteps || r.Outcome != OutcomePass || r.Revision != journalSteps {
			t.Errorf("attempt %s: %d steps, outcome %q, revision %d: a version was lost", r.Attempt, len(r.Steps), r.Outcome, r.Revision)
		}
		delete(want, r.Attempt)
	}
	if len(want) > 0 {
		t.Errorf("%d attempts lost, e.g. %v", len(want), want)
	}
	if n := len(a.Interrupted()); n != 0 {
		t.Errorf("%d attempts look interrupted to one writer", n)
	}
}

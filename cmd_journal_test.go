package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// v1Journal writes a v1 journal (JSON lines, several versions of one
// attempt) at path: a1 stopped on ttyACM0, a2 resumed it and passed. Its
// times carry the bench's local offset, as v1 wrote them.
func v1Journal(t *testing.T, path string) {
	t.Helper()
	t0 := time.Date(2026, 3, 4, 6, 6, 7, 0, time.FixedZone("CET", 3600)) // 05:06:07 UTC
	step := func(s provisioning.Step, o provisioning.StepOutcome) provisioning.StepEntry {
		return provisioning.StepEntry{Step: s, Started: t0, Ended: t0.Add(time.Second), Outcome: o}
	}
	a1 := provisioning.Record{Attempt: "a1", DeviceID: tDeviceID, Port: "/dev/ttyACM0", Started: t0,
		Steps: []provisioning.StepEntry{step(provisioning.StepIdentify, provisioning.StepDone)}}
	a1end := a1
	a1end.Outcome, a1end.Ended = provisioning.OutcomeStopped, t0.Add(time.Minute)
	a2 := provisioning.Record{Attempt: "a2", ResumedFrom: "a1", DeviceID: tDeviceID, Started: t0.Add(time.Hour),
		Ended: t0.Add(2 * time.Hour), Outcome: provisioning.OutcomePass,
		Steps: []provisioning.StepEntry{step(provisioning.StepIdentify, provisioning.StepDone), step(provisioning.StepVerify, provisioning.StepDone)}}
	var b strings.Builder
	for _, r := range []provisioning.Record{a1, a2, a1end} {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// journal import adds a v1 file once; the exports then stream the
// database: CSV with resumed_by, JSON lines with every step.
func TestJournalImportAndExports(t *testing.T) {
	h := newHeadless(t)
	v1 := filepath.Join(h.home, "other-bench.jsonl")
	v1Journal(t, v1)
	code, stdout, stderr := h.run("journal", "import", v1)
	if code != 0 || !strings.Contains(stdout, "Imported 2 attempts") {
		t.Fatalf("import: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = h.run("journal", "import", v1)
	if code != 0 || !strings.Contains(stdout, "Imported 0 attempts") || !strings.Contains(stdout, "2 were already") {
		t.Errorf("second import: %d %q", code, stdout)
	}
	if _, err := os.Stat(h.journalPath()); err != nil {
		t.Fatalf("the import did not land in the station's journal: %v", err)
	}

	dest := filepath.Join(h.home, "records.csv")
	if code, stdout, stderr := h.run("journal", "export", "--csv", dest); code != 0 || !strings.Contains(stdout, "Exported 2 attempts") {
		t.Fatalf("export: %d %q %q", code, stdout, stderr)
	}
	f, _ := os.Open(dest)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 3 {
		t.Fatalf("csv %v %v", rows, err)
	}
	col := func(row []string, name string) string {
		for i, h := range provisioning.CSVHeader {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	if col(rows[1], "attempt") != "a1" || col(rows[1], "resumed_by") != "a2" || col(rows[1], "outcome") != "stopped" ||
		col(rows[2], "resumed_by") != "" || col(rows[2], "resumed_from") != "a1" {
		t.Errorf("rows %v", rows)
	}

	jdest := filepath.Join(h.home, "records.jsonl")
	if code, stdout, stderr := h.run("journal", "export", "--jsonl", jdest); code != 0 || !strings.Contains(stdout, "Exported 2 attempts") {
		t.Fatalf("export --jsonl: %d %q %q", code, stdout, stderr)
	}
	f, _ = os.Open(jdest)
	defer f.Close()
	var recs []provisioning.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r provisioning.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[1].Attempt != "a2" || len(recs[1].Steps) != 2 || recs[1].Steps[1].Step != provisioning.StepVerify {
		t.Errorf("jsonl records %+v", recs)
	}
}

// An export names a file: a folder is refused before anything is written
// (it used to make a temporary file beside the folder and fail on the
// rename).
func TestJournalExportToAFolderIsRefused(t *testing.T) {
	h := newHeadless(t)
	v1 := filepath.Join(h.home, "old.jsonl")
	v1Journal(t, v1)
	if code, _, stderr := h.run("journal", "import", v1); code != 0 {
		t.Fatal(stderr)
	}
	dir := filepath.Join(h.home, "exports")
	os.Mkdir(dir, 0o700)
	for _, flag := range []string{"--csv", "--jsonl"} {
		code, _, stderr := h.run("journal", "export", flag, dir)
		if code != exitBadUsage || !strings.Contains(stderr, "is a folder") || !strings.Contains(stderr, filepath.Join(dir, "journal")) {
			t.Errorf("%s FOLDER: %d %q", flag, code, stderr)
		}
	}
	left, _ := filepath.Glob(filepath.Join(h.home, ".exports.tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// --journal still reads a v1 file (old scripts), without changing it.
func TestJournalShowReadsAV1File(t *testing.T) {
	h := newHeadless(t)
	v1 := filepath.Join(h.home, "journal.jsonl")
	v1Journal(t, v1)
	before, _ := os.ReadFile(v1)
	code, stdout, stderr := h.run("journal", "show", "--device", strings.ToUpper(tDeviceID), "--journal", v1)
	if code != 0 {
		t.Fatalf("show: %d %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var r provisioning.Record
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &r) != nil || r.Attempt != "a1" || r.Outcome != provisioning.OutcomeStopped {
		t.Errorf("show: %q", stdout)
	}
	// Times are shown in UTC (docs/journal.md), whatever offset v1 wrote.
	if !strings.Contains(lines[0], `"started":"2026-03-04T05:06:07Z"`) || strings.Contains(stdout, "+01:00") {
		t.Errorf("show: times not in UTC: %q", lines[0])
	}
	if code, _, stderr := h.run("journal", "import", v1, "--journal", v1); code != exitFailed || !strings.Contains(stderr, "not a journal database") {
		t.Errorf("import into a v1 file: %d %q", code, stderr)
	}
	after, _ := os.ReadFile(v1)
	if string(after) != string(before) {
		t.Error("reading a v1 file changed it")
	}
	if _, err := os.Stat(h.journalPath()); !os.IsNotExist(err) {
		t.Errorf("reading a named file created the station's journal: %v", err)
	}
}

package fleet

import (
	"context"
	"encoding/csv"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// The fleet export has the local export's columns and cells, plus
// resumed_by, for every station's attempts.
func TestExportCSVMatchesTheLocalExport(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)

	stopped := attempt("Bench 1", 0, 3)
	stopped.Outcome, stopped.Message, stopped.Action = provisioning.OutcomeStopped, "Stopped", "-Plug it in again"
	stopped.Ended = stopped.Steps[2].Ended.Add(250 * time.Millisecond)
	resumed := attempt("Bench 1", 1, len(pipelineSteps))
	resumed.ResumedFrom = stopped.Attempt
	failed := attempt("Bench 2", 2, 2)
	failed.Outcome, failed.FailedStep, failed.Message = provisioning.OutcomeFail, provisioning.StepImport, "=HYPERLINK(\"x\")"
	failed.Steps = append(failed.Steps, provisioning.StepEntry{Step: provisioning.StepImport,
		Started: failed.Steps[1].Ended, Ended: failed.Steps[1].Ended.Add(1234 * time.Millisecond), Outcome: provisioning.StepFailed})
	failed.Ended = failed.Steps[2].Ended
	running := attempt("Bench 2", 3, 1)
	running.Steps = append(running.Steps, provisioning.StepEntry{Step: provisioning.StepIdentify,
		Started: running.Steps[0].Ended, Outcome: provisioning.StepRunning})
	records := []provisioning.Record{stopped, resumed, failed, running}

	j, err := provisioning.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	bench := newBench(t)
	for _, r := range records {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
		bench.Write(r)
	}
	if _, _, err := Drain(context.Background(), c, bench); err != nil {
		t.Fatal(err)
	}
	var local, fleet strings.Builder
	if err := j.ExportCSV(&local); err != nil {
		t.Fatal(err)
	}
	n, err := mustOpen(t, c).ExportCSV(context.Background(), &fleet)
	if err != nil || n != len(records) {
		t.Fatalf("%d rows, %v", n, err)
	}
	localRows, fleetRows := readCSV(t, local.String()), readCSV(t, fleet.String())
	// The local columns in their order, and resumed_by.
	withoutResumedBy := func(h []string) []string {
		return slices.DeleteFunc(slices.Clone(h), func(c string) bool { return c == "resumed_by" })
	}
	if !slices.Equal(withoutResumedBy(fleetRows[0]), withoutResumedBy(localRows[0])) || !slices.Contains(fleetRows[0], "resumed_by") {
		t.Fatalf("header %v, local %v", fleetRows[0], localRows[0])
	}
	fleetCells := map[string]map[string]string{} // attempt, column: cell
	for _, row := range fleetRows[1:] {
		fleetCells[row[0]] = map[string]string{}
		for i, col := range fleetRows[0] {
			fleetCells[row[0]][col] = row[i]
		}
	}
	for _, row := range localRows[1:] {
		for i, col := range localRows[0] {
			if got := fleetCells[row[0]][col]; got != row[i] {
				t.Errorf("attempt %s, %s: fleet %q, local %q", row[0], col, got, row[i])
			}
		}
	}
	var order, resumedBy []string
	for _, row := range fleetRows[1:] {
		order, resumedBy = append(order, row[0]), append(resumedBy, fleetCells[row[0]]["resumed_by"])
	}
	if !slices.Equal(order, []string{"Bench 1-000", "Bench 1-001", "Bench 2-002", "Bench 2-003"}) ||
		!slices.Equal(resumedBy, []string{"Bench 1-001", "", "", ""}) {
		t.Errorf("attempts %v, resumed by %v", order, resumedBy)
	}
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

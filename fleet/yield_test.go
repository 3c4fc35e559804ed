package fleet

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// docsQuery returns the SQL block that follows marker in file.
func docsQuery(t *testing.T, file, marker string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), marker)
	if !ok {
		t.Fatalf("%s has no %s", file, marker)
	}
	_, rest, _ = strings.Cut(rest, "```sql\n")
	sql, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("no SQL block after " + marker)
	}
	return sql
}

// The supervisor's query in docs/fleet.md (and the README, word for word)
// gives today's yield per bench: each device once, by its latest attempt
// today.
func TestDocumentedYieldQuery(t *testing.T) {
	if docsQuery(t, "../README.md", "<!-- yield-per-bench -->") != docsQuery(t, "../docs/fleet.md", "<!-- yield-per-bench -->") {
		t.Error("the README's yield query is not docs/fleet.md's")
	}
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	now := time.Now()
	bench := newBench(t)
	n := 0
	add := func(station, device string, outcome provisioning.Outcome, started time.Time) {
		r := attempt(station, n, 1)
		r.DeviceID, r.Outcome, r.Started = device, outcome, started
		bench.Write(r)
		n++
	}
	add("Bench 1", "a1", provisioning.OutcomePass, now.Add(-4*time.Second))
	add("Bench 1", "b1", provisioning.OutcomeFail, now.Add(-3*time.Second))
	add("Bench 1", "b1", provisioning.OutcomePass, now.Add(-2*time.Second)) // retried: passes
	add("Bench 1", "c1", provisioning.OutcomeFail, now.Add(-time.Second))
	add("Bench 1", "y1", provisioning.OutcomeFail, now.Add(-49*time.Hour)) // not today
	add("Bench 2", "d2", provisioning.OutcomePending, now.Add(-3*time.Second))
	add("Bench 2", "e2", provisioning.OutcomePass, now.Add(-2*time.Second))
	add("Bench 2", "f2", provisioning.OutcomeProvisioned, now.Add(-time.Second))
	if _, _, err := Drain(context.Background(), c, bench); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(f.query(t, docsQuery(t, "../docs/fleet.md", "<!-- yield-per-bench -->")))
	if want := "[[Bench 1 2 1 0 66.7] [Bench 2 1 0 1 100]]"; got != want {
		t.Errorf("yield per bench: %s, want %s", got, want)
	}
}

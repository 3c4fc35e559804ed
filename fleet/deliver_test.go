package fleet

import (
	"context"
	"strings"
	"testing"

	"github.com/photon-station/photon-station/provisioning"
)

// A repeat or an older revision arriving late (the GUI and a headless
// command both sending) never overwrites nor duplicates; a newer one does.
func TestDeliverRepeatedAndOutOfOrder(t *testing.T) {
	f := newFleetDB(t)
	db := mustOpen(t, mustConfig(t, f.benchURL(), nil))
	ctx := context.Background()
	rev := func(done int, revision int64) provisioning.Record {
		r := attempt("Bench 1", 0, done)
		r.Revision = revision
		return r
	}
	deliver := func(r provisioning.Record, want bool) {
		t.Helper()
		applied, err := db.Deliver(ctx, r)
		if err != nil || applied != want {
			t.Fatalf("revision %d: applied %v, %v; want %v", r.Revision, applied, err, want)
		}
	}
	state := func() string {
		r := f.query(t, `SELECT a.revision, a.outcome, count(s.step), coalesce(max(s.outcome), '')
			FROM photon_station_attempts a LEFT JOIN photon_station_steps s USING (attempt_id) GROUP BY 1, 2`)
		return strings.Join(r[0], " ")
	}
	deliver(rev(4, 4), true)
	deliver(rev(4, 4), false) // a repeat
	deliver(rev(2, 2), false) // an older revision, late
	if got := state(); got != "4 running 4 done" {
		t.Errorf("after a repeat and an older revision: %s", got)
	}
	deliver(rev(len(pipelineSteps), 7), true)
	if got := state(); got != "7 pass 6 done" {
		t.Errorf("after a newer revision: %s", got)
	}
	if got := f.query(t, `SELECT count(*) FROM photon_station_attempts`); got[0][0] != "1" {
		t.Errorf("%s rows", got[0][0])
	}
}

// A step that ran twice in one attempt is one row, the last run's; text a
// database cannot hold (NUL, broken UTF-8) does not hold up the queue.
func TestDeliverOddRecords(t *testing.T) {
	f := newFleetDB(t)
	db := mustOpen(t, mustConfig(t, f.benchURL(), nil))
	r := attempt("Bench 1", 0, 3)
	again := r.Steps[1]
	again.Outcome, again.Message = provisioning.StepFailed, "no answer\x00 \xff"
	r.Steps = append(r.Steps, again)
	r.Outcome, r.Message = provisioning.OutcomeFail, "bad\x00byte"
	r.Revision = 1
	if _, err := db.Deliver(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got := f.query(t, `SELECT step, outcome, message FROM photon_station_steps ORDER BY position`)
	if len(got) != 3 || strings.Join(got[2], "|") != "identify|failed|no answer \uFFFD" {
		t.Errorf("steps: %q", got)
	}
}

package main

import (
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui"
)

// stillClock is a clock that stays at now and whose timers never fire:
// only the retention's first prune runs.
type stillClock struct{ now time.Time }

func (c stillClock) Now() time.Time                     { return c.now }
func (c stillClock) NewTimer(time.Duration) clock.Timer { return neverTimer{} }

type neverTimer struct{}

func (neverTimer) C() <-chan time.Time { return nil }
func (neverTimer) Stop() bool          { return true }

// TestRetentionPrunesOnlyOldFinishedSent: keeping 3 months deletes the
// finished attempts that ended before then and the fleet database has;
// never an unfinished one, a recent one, or (while a fleet database is
// set) one that still waits to be sent. Without a fleet database the
// unsent old one goes too.
func TestRetentionPrunesOnlyOldFinishedSent(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	old, recent := now.AddDate(0, -4, 0), now.AddDate(0, -2, 0)
	write := func(t *testing.T) *provisioning.Journal {
		j, err := provisioning.OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		for _, r := range []provisioning.Record{
			{Attempt: "old-sent", DeviceID: "a1", Started: old, Ended: old.Add(time.Minute), Outcome: provisioning.OutcomePass},
			{Attempt: "old-unsent", DeviceID: "a2", Started: old, Ended: old.Add(time.Minute), Outcome: provisioning.OutcomeFail},
			{Attempt: "old-unfinished", DeviceID: "a3", Started: old},
			{Attempt: "recent-sent", DeviceID: "a4", Started: recent, Ended: recent.Add(time.Minute), Outcome: provisioning.OutcomePass},
		} {
			if err := j.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		unsent, err := j.UnsentRecords(10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range unsent {
			if r.Attempt != "old-unsent" {
				if err := j.MarkSent(r.Attempt, r.Revision); err != nil {
					t.Fatal(err)
				}
			}
		}
		return j
	}
	left := func(j *provisioning.Journal) []string {
		var out []string
		for _, r := range j.Records() {
			out = append(out, r.Attempt)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name, address string
		want          []string
	}{
		{"fleet set", "postgres://bench@127.0.0.1:1/fleet?sslmode=disable", []string{"old-unfinished", "old-unsent", "recent-sent"}},
		{"no fleet", "", []string{"old-unfinished", "recent-sent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := write(t)
			pruned := make(chan int, 1)
			l := &fleetLink{journal: j, secrets: &provisioning.MemorySecrets{}, clk: stillClock{now}, log: io.Discard,
				timeout: time.Second, pruned: func(n int, err error) {
					if err != nil {
						t.Error(err)
					}
					pruned <- n
				}}
			defer l.Close()
			l.Use(tc.address, 3, func(ui.FleetStatus) {})
			select {
			case <-pruned:
			case <-time.After(20 * time.Second):
				t.Fatal("the retention did not run at the start")
			}
			if got := left(j); !slices.Equal(got, tc.want) {
				t.Errorf("left after keeping 3 months: %v, want %v", got, tc.want)
			}
		})
	}
}

// TestNoRetentionKeepsEverything: an empty retention setting deletes
// nothing, however old.
func TestNoRetentionKeepsEverything(t *testing.T) {
	j, err := provisioning.OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	old := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := j.Append(provisioning.Record{Attempt: "ancient", DeviceID: "a1", Started: old, Ended: old, Outcome: provisioning.OutcomePass}); err != nil {
		t.Fatal(err)
	}
	ran := false
	l := &fleetLink{journal: j, secrets: &provisioning.MemorySecrets{}, clk: stillClock{time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)},
		log: io.Discard, pruned: func(int, error) { ran = true }}
	l.Use("", 0, func(ui.FleetStatus) {})
	l.Close()
	if ran || len(j.Records()) != 1 {
		t.Errorf("with no retention the journal was pruned (ran %v, %d left)", ran, len(j.Records()))
	}
}

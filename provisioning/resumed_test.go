package provisioning

import (
	"context"
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
)

// hookedJournal is a journal whose writes a test watches or makes fail:
// before runs ahead of every Append, and an error it returns is the write's.
type hookedJournal struct {
	*Journal
	before func(Record) error
}

func (h hookedJournal) Append(r Record) error {
	if err := h.before(r); err != nil {
		return err
	}
	return h.Journal.Append(r)
}

// interruptedBefore journals an attempt of devID that the station died in
// after its claim code reached the Photon (deliver-code done, Wi-Fi not
// begun), as a crash leaves it: no outcome.
func interruptedBefore(t *testing.T, b *bench, attempt string) Record {
	t.Helper()
	now := b.clock.Now()
	r := Record{Attempt: attempt, Port: "/dev/ttyACM0", Channel: ChannelSerial, Opened: true, DeviceID: devID, Product: productSlug,
		Started: now, Steps: []StepEntry{
			{Step: StepDetect, Started: now, Ended: now, Outcome: StepDone},
			{Step: StepIdentify, Started: now, Ended: now, Outcome: StepDone},
			{Step: StepImport, Started: now, Ended: now, Outcome: StepDone},
			{Step: StepCustomer, Started: now, Ended: now, Outcome: StepSkipped},
			{Step: StepClaimCode, Started: now, Ended: now, Outcome: StepSkipped},
			{Step: StepDeliverCode, Started: now, Ended: now, Outcome: StepSkipped},
		}}
	if err := b.journal.Append(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// latestOf returns the latest version of an attempt in the journal.
func latestOf(t *testing.T, j *Journal, attempt string) Record {
	t.Helper()
	for _, r := range j.Records() {
		if r.Attempt == attempt {
			return r
		}
	}
	t.Fatalf("attempt %s is not in the journal", attempt)
	return Record{}
}

// A resumed attempt is closed by the attempt that goes on from it, before
// that one writes anything to the Photon: outcome resumed, ended at the
// takeover, naming its resumer; the chain ends with one outcome, the
// resumer's, and nothing is left "interrupted".
func TestResumedAttemptIsClosedByItsResumer(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	ph := newFakePhoton(b.cloud, devID)
	var mu sync.Mutex
	var writtenBeforeClose []string
	closes := 0
	b.pipeline.Journal = hookedJournal{Journal: b.journal, before: func(r Record) error {
		if r.Outcome == OutcomeResumed {
			mu.Lock()
			closes++
			writtenBeforeClose = append(writtenBeforeClose, ph.written()...)
			mu.Unlock()
		}
		return nil
	}}
	interruptedBefore(t, b, "crashed-1")
	b.clock.Advance(5 * time.Minute)
	res := b.run(ph)
	if res.Outcome != OutcomePass || res.Record.ResumedFrom != "crashed-1" {
		t.Fatalf("resume: %s from %q: %s (%s)", res.Outcome, res.Record.ResumedFrom, res.Message, res.Details)
	}
	if closes != 1 || len(writtenBeforeClose) != 0 {
		t.Errorf("closed %d times; the Photon had been sent %v before", closes, writtenBeforeClose)
	}
	old := latestOf(t, b.journal, "crashed-1")
	identify, _ := res.Record.StepOf(StepIdentify)
	if old.Outcome != OutcomeResumed || old.ResumedBy != res.Attempt || old.Message != "Resumed by attempt "+res.Attempt+"." {
		t.Errorf("the resumed attempt reads %q by %q: %q", old.Outcome, old.ResumedBy, old.Message)
	}
	if old.Ended.Before(identify.Started) || old.Ended.After(identify.Ended) {
		t.Errorf("resumed at %v, not during the takeover (identify %v to %v)", old.Ended, identify.Started, identify.Ended)
	}
	if len(b.journal.Interrupted()) != 0 {
		t.Errorf("still interrupted: %+v", b.journal.Interrupted())
	}
	finals := 0
	for _, r := range b.journal.ByDevice(devID) {
		if r.Outcome != OutcomeResumed {
			finals++
		}
	}
	if finals != 1 {
		t.Errorf("the chain has %d final outcomes: %v", finals, b.journal.ByDevice(devID))
	}
	var csv strings.Builder
	if err := b.journal.ExportCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), "crashed-1,,") || !strings.Contains(csv.String(), ",resumed,,Resumed by attempt "+res.Attempt+".") {
		t.Errorf("export:\n%s", csv.String())
	}
}

// A stopped attempt that a later one goes on from is closed the same way:
// its stop no longer stands as the Photon's last word, nor what it left
// the Photon doing.
func TestStoppedAttemptIsClosedWhenResumed(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	stopped := interruptedBefore(t, b, "stopped-1")
	stopped.Outcome, stopped.FailedStep, stopped.LeftIn = OutcomeStopped, StepWiFi, StepWiFi
	stopped.Message, stopped.Action, stopped.Ended = "Stopped before the Photon was finished.", StoppedAction, b.clock.Now()
	stopped.Steps = append(stopped.Steps, StepEntry{Step: StepWiFi, Started: b.clock.Now(), Outcome: StepRunning})
	if err := b.journal.Append(stopped); err != nil {
		t.Fatal(err)
	}
	// A technician answered the RESET request on another port.
	b.pipeline.Profile.Channel = ChannelSoftAP
	res := b.run(newFakePhoton(b.cloud, devID))
	if res.Outcome != OutcomePass || res.Record.ResumedFrom != "stopped-1" {
		t.Fatalf("resume: %s from %q: %s (%s)", res.Outcome, res.Record.ResumedFrom, res.Message, res.Details)
	}
	old := latestOf(t, b.journal, "stopped-1")
	if old.Outcome != OutcomeResumed || old.ResumedBy != res.Attempt || old.Action != "" || old.FailedStep != "" || old.LeftIn != "" {
		t.Errorf("the stopped attempt reads %+v", old)
	}
	if st, inFlight := old.InFlight(); inFlight {
		t.Errorf("a closed attempt still has %s in flight", st.Step)
	}
}

// A crash between the resumer's first write and its closing of the older
// attempt leaves both open; the next attempt closes the whole chain, each
// by the attempt that went on from it.
func TestResumeClosesAChainLeftOpen(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	first := interruptedBefore(t, b, "crashed-1")
	b.clock.Advance(time.Minute)
	second := first
	second.Attempt, second.ResumedFrom, second.Started = "crashed-2", "crashed-1", b.clock.Now()
	second.Steps = []StepEntry{{Step: StepIdentify, Started: b.clock.Now(), Outcome: StepRunning}}
	if err := b.journal.Append(second); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Minute)
	res := b.run(newFakePhoton(b.cloud, devID))
	if res.Outcome != OutcomePass || res.Record.ResumedFrom != "crashed-2" {
		t.Fatalf("resume: %s from %q: %s", res.Outcome, res.Record.ResumedFrom, res.Message)
	}
	one, two := latestOf(t, b.journal, "crashed-1"), latestOf(t, b.journal, "crashed-2")
	if one.Outcome != OutcomeResumed || one.ResumedBy != "crashed-2" || !one.Ended.Equal(second.Started) {
		t.Errorf("crashed-1: %s by %q at %v", one.Outcome, one.ResumedBy, one.Ended)
	}
	if two.Outcome != OutcomeResumed || two.ResumedBy != res.Attempt {
		t.Errorf("crashed-2: %s by %q", two.Outcome, two.ResumedBy)
	}
	if len(b.journal.Interrupted()) != 0 {
		t.Errorf("still interrupted: %v", b.journal.Interrupted())
	}
}

// A closing write that fails stops the resume with the runner's words,
// before anything reaches the Photon or the cloud, and the resumed attempt
// stays open for the next try.
func TestResumeStopsWhenItCannotCloseTheOldAttempt(t *testing.T) {
	b := newBench(t, Profile{})
	b.cloud.AddDevice(cloudtest.Device{ID: devID})
	interruptedBefore(t, b, "crashed-1")
	full := errors.New("no space left on device")
	b.pipeline.Journal = hookedJournal{Journal: b.journal, before: func(r Record) error {
		if r.Outcome == OutcomeResumed {
			return full
		}
		return nil
	}}
	ph := newFakePhoton(b.cloud, devID)
	res := b.run(ph)
	if res.Outcome != OutcomeFail || res.FailedStep != StepIdentify || !strings.Contains(res.Message, "could not write its journal") ||
		!strings.Contains(res.Action, "disk is not full") || !errors.Is(res.Err(), ErrJournalWrite) {
		t.Fatalf("got %s at %s: %s %s (%v)", res.Outcome, res.FailedStep, res.Message, res.Action, res.Err())
	}
	if len(ph.written()) != 0 {
		t.Errorf("wrote %v to the Photon", ph.written())
	}
	if d, _ := b.cloud.Device(devID); d.ProductID != 0 {
		t.Errorf("imported into %d", d.ProductID)
	}
	if r := latestOf(t, b.journal, "crashed-1"); r.Finished() {
		t.Errorf("crashed-1 ended %s", r.Outcome)
	}
}

// A journal that cannot be written stops the whole bench with one
// EventHalted that says so (JournalFailed), before any Photon is written
// to; once the technician has freed the disk, Start runs again.
func TestStationStopsWhenTheJournalCannotBeWritten(t *testing.T) {
	var full atomic.Bool
	full.Store(true)
	sb := newStationBench(t, func(p *Pipeline) {
		p.Journal = hookedJournal{Journal: p.Journal.(*Journal), before: func(Record) error {
			if full.Load() {
				return errors.New("no space left on device")
			}
			return nil
		}}
	})
	slots := []string{"/dev/ttyACM0", "/dev/ttyACM1", "/dev/ttyACM2"}
	var phs []*fakePhoton
	for i, slot := range slots {
		phs = append(phs, sb.photon(slot, i+1))
	}
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	results := sb.await(t, EventResult, slots...)
	halted := sb.await(t, EventHalted, "")[""]
	if !halted.JournalFailed || !strings.Contains(halted.Message, "could not write") {
		t.Errorf("halt: %+v", halted)
	}
	for slot, e := range results {
		// The station's fault, not the Photons': none counts as failed.
		if e.Outcome != OutcomeFail || !e.Interrupted {
			t.Errorf("%s: %s (interrupted %v) %s", slot, e.Outcome, e.Interrupted, e.Message)
		}
	}
	if c := sb.station.Counters(); c.Failed != 0 {
		t.Errorf("counters %+v", c)
	}
	for i, ph := range phs {
		if w := ph.written(); len(w) != 0 {
			t.Errorf("%s was sent %v", slots[i], w)
		}
	}
	if sb.station.Running() {
		t.Error("the bench still runs without a journal")
	}
	full.Store(false)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for slot, e := range sb.await(t, EventResult, slots...) {
		if e.Outcome != OutcomePass {
			t.Errorf("after the disk was freed, %s: %s %s", slot, e.Outcome, e.Message)
		}
	}
	if _, ok := sb.station.Halted(); ok {
		t.Error("still halted after a Start")
	}
}

// A resumed attempt is closed: the "Unfinished" filter of the journal view
// and the interrupted look-ups leave it out, and the export names its
// resumer (read from the resumer's resumed_from, never stored twice).
func TestJournalUnfinishedLeavesOutResumed(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	old := Record{Attempt: "old", DeviceID: "3b0021001747353236343033", Started: t0, Outcome: OutcomeResumed,
		Ended: t0.Add(time.Minute), Message: "Resumed by attempt new."}
	nu := Record{Attempt: "new", DeviceID: "3b0021001747353236343033", ResumedFrom: "old", Started: t0.Add(time.Minute)}
	for _, r := range []Record{nu, old} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := j.Page(JournalFilter{Outcome: "unfinished"}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Attempt != "new" {
		t.Errorf("unfinished: %+v", got)
	}
	if n := len(j.Interrupted()); n != 1 {
		t.Errorf("%d interrupted, want only the new attempt", n)
	}
	recs := j.ByDevice(old.DeviceID)
	for _, r := range recs {
		if r.Attempt == "old" && r.ResumedBy != "new" {
			t.Errorf("old attempt reads resumed by %q", r.ResumedBy)
		}
	}
	var b strings.Builder
	if err := j.ExportCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "resumed_by")
	for _, row := range rows[1:] {
		want := map[string]string{"old": "new", "new": ""}[row[0]]
		if col < 0 || row[col] != want {
			t.Errorf("export row %s: resumed_by %q, want %q (header %v)", row[0], row[min(max(col, 0), len(row)-1)], want, rows[0])
		}
	}
}

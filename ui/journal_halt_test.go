package ui

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/provisioning"
)

// fullDiskJournal is a real journal whose writes fail while full is set,
// as on a full disk: the pipeline takes it through provisioning.JournalStore.
type fullDiskJournal struct {
	*provisioning.Journal
	full *atomic.Bool
}

func (j fullDiskJournal) Append(r provisioning.Record) error {
	if j.full.Load() {
		return errors.New("write journal.jsonl: no space left on device")
	}
	return j.Journal.Append(r)
}

// A journal that cannot be written pauses the bench: one banner in the
// technician's words with what to do, the bench stopped, no Photon
// touched. Once the disk is freed, Start bench runs again and the banner
// goes.
func TestBenchPausesWhenTheJournalCannotBeWritten(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	ctx := testContext(t)
	j, err := provisioning.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var full atomic.Bool
	full.Store(true)
	var opened atomic.Int32
	ports := provisioning.PortWatcherFunc(func(context.Context) ([]provisioning.Port, error) {
		return []provisioning.Port{{Path: "/dev/ttyACM0"}, {Path: "/dev/ttyACM1"}}, nil
	})
	sb := &StationBench{NewStation: func(context.Context, string) (StationRunner, error) {
		pl := &provisioning.Pipeline{Journal: fullDiskJournal{Journal: j, full: &full},
			Cloud: provisioning.NewCloudAPI(&cloud.Client{BaseURL: "http://127.0.0.1:1"})}
		return provisioning.New(provisioning.Config{Pipeline: pl, Ports: ports, ScanInterval: time.Hour,
			Open: func(context.Context, provisioning.Port) (provisioning.DeviceChannel, error) {
				opened.Add(1)
				return nil, errors.New("no Photon answers here")
			}})
	}}
	t.Cleanup(func() { sb.Stop(context.Background()) })
	b := newBench(ctx, sb, newFakeLibrary(lineProfile), nil, (&fixedClock{t: shiftStart}).now, q.do, "", nil)
	b.SetProfile(lineProfile)
	go b.Run(ctx, sb.Events(), nil)
	w := test.NewTempWindow(t, b.Content())
	w.Resize(fyne.NewSize(1280, 800))

	test.Tap(b.startStop)
	want := "The station cannot write its journal: check that the disk is not full and that the journal folder can be written to, then press Start bench. Provisioning is paused."
	q.until(t, "the journal banner", func() bool { return b.banner.Visible() && b.banner.Text == want })
	q.until(t, "the bench stopped", func() bool { return !b.running && !b.busy })
	if got := b.startStop.Text; got != "Start bench" {
		t.Errorf("button %q, want Start bench", got)
	}
	if n := opened.Load(); n != 0 {
		t.Errorf("%d Photons were opened without a journal", n)
	}
	if c := b.Counters(); c.Failed != 0 {
		t.Errorf("counters %+v: a journal that cannot be written is no Photon's failure", c)
	}

	full.Store(false) // the technician freed the disk
	test.Tap(b.startStop)
	q.until(t, "an attempt past the journal", func() bool { return opened.Load() > 0 })
	q.until(t, "the bench running without the banner", func() bool { return b.running && !b.busy && !b.banner.Visible() })
}

// A halt that reaches the bench before the answer to its Start (a journal
// write fails at once) is not undone by that answer: the bench stays
// stopped and the banner stays.
func TestBenchHaltedBeforeStartAnswered(t *testing.T) {
	lightApp(t)
	r := newBenchRig(t)
	r.b.SetProfile(lineProfile)
	test.Tap(r.b.startStop) // the answer waits in the UI queue
	if !r.b.busy {
		t.Fatal("Start is not in flight")
	}
	r.b.Apply(provisioning.Event{Time: shiftStart, Kind: provisioning.EventHalted, Progress: -1, JournalFailed: true,
		Message: "The station could not write its journal, so it stopped before doing anything unrecorded."})
	expectCall(t, r.q, r.st, "start Line 3 thermostats")
	r.q.until(t, "the answer to Start", func() bool { return !r.b.busy })
	if r.b.running || !r.b.banner.Visible() {
		t.Errorf("after the answer: running %v, banner %q (visible %v)", r.b.running, r.b.banner.Text, r.b.banner.Visible())
	}
}

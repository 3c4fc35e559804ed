package provisioning

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// historyAttempt is a realistic finished attempt of a bench: serial,
// with a customer, every step with its message, the cloud's evidence,
// and (one in ten) a failure with the cloud's own words as details.
func historyAttempt(i int, t0 time.Time) Record {
	id := fmt.Sprintf("3b00210017473532%08x", i)
	start := t0.Add(time.Duration(i) * 90 * time.Second)
	r := Record{Attempt: fmt.Sprintf("%08x-4f2a-4c1e-9b7d-%012x", i, i), Station: "bench-3", Profile: "Line 3 thermostats",
		Operator: "kim", Slot: fmt.Sprintf("Hub A · %d", i%8+1), Port: fmt.Sprintf("/dev/ttyACM%d", i%8), Channel: ChannelSerial,
		DeviceID: id, MAC: fmt.Sprintf("6c:0b:84:%02x:%02x:%02x", i>>16&0xff, i>>8&0xff, i&0xff), Firmware: "2.3.1",
		Product: "acme-sensor", Customer: "unit-" + id + "@acme.example", Started: start, Opened: true,
		ClaimCodeAt: start.Add(4 * time.Second), WiFiSentAt: start.Add(9 * time.Second),
		CloudBefore: &CloudMark{LastHandshake: start.Add(-time.Hour), LastHeard: start.Add(-time.Hour)}}
	msgs := map[Step]string{
		StepDetect: "Using the Photon on " + r.Port + ".", StepIdentify: "Photon " + id + " in listening mode, firmware 2.3.1.",
		StepImport: "Added to product acme-sensor.", StepCustomer: "Customer " + r.Customer + " created.",
		StepDeliverCode: "Claim code delivered.", StepWiFi: "Wi-Fi settings for \"Factory Floor\" sent (WPA2, AES).",
		StepVerify: "Online in product acme-sensor: the cloud saw it connect.",
	}
	at := start
	for _, s := range []Step{StepDetect, StepIdentify, StepImport, StepCustomer, StepDeliverCode, StepWiFi, StepVerify} {
		end := at.Add(1500 * time.Millisecond)
		r.Steps = append(r.Steps, StepEntry{Step: s, Started: at, Ended: end, Outcome: StepDone, Message: msgs[s]})
		at = end
	}
	r.Ended = at
	r.Outcome, r.Message, r.Action = OutcomePass, "PASS: online in product acme-sensor.", "Unplug it and plug in the next one."
	r.Evidence = &Evidence{Kind: EvidenceOnlineEvent, At: at.Add(-time.Second), Owner: r.Customer}
	if i%10 == 9 {
		last := &r.Steps[len(r.Steps)-1]
		last.Outcome, last.Message = StepFailed, "Not online within 3 minutes."
		r.Evidence, r.Outcome, r.FailedStep = nil, OutcomeFail, StepVerify
		r.Message = "Photon " + id + " did not reach the cloud within 3m0s: most likely the Wi-Fi password for \"Factory Floor\" is wrong."
		r.Action = "Check the Wi-Fi password in the profile, put the Photon back in listening mode (hold SETUP until it blinks dark blue), then press Retry."
		r.Details = `GET /v1/products/acme-sensor/devices/` + id + `: 200 {"id":"` + id + `","online":false,"last_heard":null,"last_handshake_at":null}`
	}
	return r
}

// historyT0 is when the first attempt of writeV1History began.
var historyT0 = time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)

// writeV1History writes n attempts as the v1 journal did: a full copy of
// the record each time a step ended.
func writeV1History(w io.Writer, n int) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range n {
		full := historyAttempt(i, historyT0)
		v := full
		v.Outcome, v.Ended, v.Evidence, v.Message, v.Action, v.Details, v.FailedStep = OutcomePending, time.Time{}, nil, "", "", "", ""
		for k := range full.Steps {
			v.Steps = full.Steps[:k+1]
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		if err := enc.Encode(full); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// TestWriteV1History writes the benchmark's history (scripts/bench
// journal): PHOTON_STATION_V1_HISTORY=FILE,N.
func TestWriteV1History(t *testing.T) {
	spec := os.Getenv("PHOTON_STATION_V1_HISTORY")
	if spec == "" {
		t.Skip("run by scripts/bench journal")
	}
	path, count, _ := strings.Cut(spec, ",")
	n, err := strconv.Atoi(count)
	if err != nil {
		t.Fatalf("PHOTON_STATION_V1_HISTORY=%q: want FILE,N", spec)
	}
	writeV1HistoryFile(t, path, n)
}

// writeV1HistoryFile writes n attempts as a v1 journal file at path.
func writeV1HistoryFile(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeV1History(f, n); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// importHistory imports n realistic attempts into a new journal.
func importHistory(t *testing.T, n int) *Journal {
	t.Helper()
	dir := t.TempDir()
	v1 := filepath.Join(dir, "journal.jsonl")
	writeV1HistoryFile(t, v1, n)
	j, err := OpenStationJournal(filepath.Join(dir, "journal.db"), v1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	if recs, err := j.Count(JournalFilter{}); err != nil || recs != n {
		t.Fatalf("imported %d of %d attempts (%v)", recs, n, err)
	}
	return j
}

// journalBytes is the database's size once its log is checkpointed.
func journalBytes(t *testing.T, j *Journal) int64 {
	t.Helper()
	if _, err := j.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, p := range []string{j.Path(), j.Path() + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			size += st.Size()
		}
	}
	return size
}

// The journal keeps an attempt in well under 3 KB on average (the v1 file
// took 15 KB), whether it was imported or written step by step.
func TestJournalSizePerAttempt(t *testing.T) {
	const n = 300
	j := importHistory(t, n)
	imported := journalBytes(t, j)
	// The same attempts again, written as the runner writes them: the
	// record's current version at every step end.
	t0 := time.Date(2027, 1, 5, 7, 0, 0, 0, time.UTC)
	for i := range n {
		full := historyAttempt(i, t0)
		full.Attempt = "again-" + full.Attempt
		for k := range full.Steps {
			v := full
			v.Steps = full.Steps[:k+1]
			if k < len(full.Steps)-1 {
				v.Outcome = OutcomePending
			}
			if err := j.Append(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	both := journalBytes(t, j)
	perImported, perWritten := imported/n, (both-imported)/n
	t.Logf("%d bytes per imported attempt, %d per attempt written step by step", perImported, perWritten)
	if perImported > 3000 || perWritten > 3000 {
		t.Errorf("%d and %d bytes per attempt, want at most 3000", perImported, perWritten)
	}
}

// peakHeap is a writer that samples the heap as an export goes.
type peakHeap struct {
	n    int
	peak uint64
}

func (p *peakHeap) Write(b []byte) (int, error) {
	if p.n++; p.n%64 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		p.peak = max(p.peak, m.HeapInuse)
	}
	return len(b), nil
}

// The CSV export of a 20,000-attempt journal holds one page of attempts,
// not the journal: its heap stays within a few MB of where it started.
func TestJournalExportInConstantMemory(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("writes 20,000 attempts (a minute under the race detector, whose bookkeeping blurs the heap figures)")
	}
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	t0 := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	err = j.write(func(ctx context.Context, c *sql.Conn) error {
		w, err := newAttemptWriter(ctx, c)
		if err != nil {
			return err
		}
		defer w.Close()
		for i := range 20000 {
			if _, err := w.put(historyAttempt(i, t0), int64(i+1), false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	w := &peakHeap{}
	if err := j.ExportCSV(w); err != nil {
		t.Fatal(err)
	}
	grew := int64(w.peak) - int64(base)
	t.Logf("heap grew %d KB during the export (%d writes)", grew/1024, w.n)
	if grew > 16<<20 {
		t.Errorf("the export grew the heap by %d MB: it reads the journal whole", grew>>20)
	}
}

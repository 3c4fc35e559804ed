package provisioning

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// The journal answers "what was the device doing on this port when the
// last process stopped", from old lines too (they never held a running
// step, so nothing is in flight for them; a finished identify shows they
// held the port).
func TestJournalInterruptedOnPort(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "journal.jsonl")
	old := `{"attempt":"old-1","port":"/dev/ttyACM0","channel":"serial","started":"2025-01-02T03:04:05Z","steps":[{"step":"identify","started":"2025-01-02T03:04:05Z","ended":"2025-01-02T03:04:05Z","outcome":"done"}]}` + "\n"
	if err := os.WriteFile(legacy, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := OpenStationJournal(filepath.Join(dir, "journal.db"), legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r, ok := j.InterruptedOnPort("/dev/ttyACM0", "")
	if !ok || r.Attempt != "old-1" {
		t.Fatalf("old line: %+v, %v", r, ok)
	}
	if st, ok := r.InFlight(); ok {
		t.Errorf("an old line has a step in flight: %+v", st)
	}

	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	wifi := Record{Attempt: "a2", Port: "/dev/ttyACM0", Channel: ChannelSerial, Opened: true, Started: now, Steps: []StepEntry{
		{Step: StepDeliverCode, Started: now, Ended: now, Outcome: StepDone},
		{Step: StepWiFi, Started: now, Outcome: StepRunning},
	}}
	other := Record{Attempt: "b1", Port: "/dev/ttyACM1", Channel: ChannelSerial, Opened: true, Started: now}
	for _, rec := range []Record{wifi, other} {
		if err := j.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	r, ok = j.InterruptedOnPort("/dev/ttyACM0", "")
	if st, inFlight := r.InFlight(); !ok || r.Attempt != "a2" || !inFlight || st.Step != StepWiFi {
		t.Fatalf("got %+v (%v), want a2 in wifi", r, ok)
	}
	// The asking attempt itself is not "the previous one".
	if r, ok := j.InterruptedOnPort("/dev/ttyACM0", "a2"); !ok || r.Attempt != "old-1" {
		t.Errorf("except a2: %+v, %v", r, ok)
	}
	// A later finished attempt on the port is its latest word.
	if err := j.Append(Record{Attempt: "a3", Port: "/dev/ttyACM0", Channel: ChannelSerial, Opened: true, Started: now, Outcome: OutcomeFail}); err != nil {
		t.Fatal(err)
	}
	if r, ok := j.InterruptedOnPort("/dev/ttyACM0", ""); ok {
		t.Errorf("after a finished attempt: %+v", r)
	}
	if r, ok := j.InterruptedOnPort("/dev/ttyACM1", ""); !ok || r.Attempt != "b1" {
		t.Errorf("other port: %+v, %v", r, ok)
	}
	if _, ok := j.InterruptedOnPort("", ""); ok {
		t.Error("no port (SoftAP) matched")
	}
}

// The port's latest word is the attempt written last that held the port:
// not the one that appeared last, and not one refused because another
// program had the port (it never touched the Photon).
func TestJournalLatestOnPortIsTheLastWriteThatHeldThePort(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	port := "/dev/ttyACM0"
	identified := Record{Attempt: "a", Port: port, Channel: ChannelSerial, Opened: true, Started: now,
		Steps: []StepEntry{{Step: StepIdentify, Started: now, Ended: now, Outcome: StepDone}}}
	earlier := Record{Attempt: "e", Port: port, Channel: ChannelSerial, Opened: true, Started: now, Outcome: OutcomeFail}
	busy := Record{Attempt: "b", Port: port, Channel: ChannelSerial, Started: now, Outcome: OutcomeFail, FailedStep: StepIdentify}
	inWiFi := identified
	inWiFi.Steps = append(inWiFi.Steps, StepEntry{Step: StepWiFi, Started: now, Outcome: StepRunning})
	// a appears first, e finishes after it, then a is written again in
	// the Wi-Fi step; b is refused (busy) last.
	for _, r := range []Record{identified, earlier, inWiFi, busy} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	r, ok := j.InterruptedOnPort(port, "")
	if st, inFlight := r.InFlight(); !ok || r.Attempt != "a" || !inFlight || st.Step != StepWiFi {
		t.Fatalf("got %+v (%v), want a in wifi", r, ok)
	}
	// Reading the file back gives the same answer.
	rj, err := ReadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := rj.InterruptedOnPort(port, ""); !ok || r.Attempt != "a" {
		t.Errorf("read back: %+v, %v", r, ok)
	}
}

// serialPhoton is an emulated Photon behind the real serial adapter, over
// an in-process pipe.
func serialPhoton(t *testing.T, b *bench, cfg serialtest.Config) (*serialtest.Photon, func(context.Context) (DeviceChannel, error)) {
	t.Helper()
	if cfg.DeviceID == "" {
		cfg.DeviceID = b.cloud.AddDevice(cloudtest.Device{ID: "3b0021001747353236343099"})
	}
	ph := serialtest.New(cfg)
	t.Cleanup(func() { ph.Close() })
	return ph, func(context.Context) (DeviceChannel, error) {
		return &SerialChannel{Console: serialio.NewConsole(ph.Pipe(), serialio.WithPortName("/dev/ttyACM0"),
			serialio.WithTimeouts(serialio.Timeouts{Answer: time.Second}))}, nil
	}
}

// sameWordsAsTheConsole checks that the technician's words have one
// source: the console's own error (the details) says what the station's
// message and action say, with "try again" for "press Retry".
func sameWordsAsTheConsole(t *testing.T, res Result) {
	t.Helper()
	want := res.Message + " " + strings.TrimSuffix(res.Action, "press Retry.")
	if strings.Contains(res.Action, "press Retry;") {
		want = res.Message + " " + strings.ReplaceAll(res.Action, "press Retry", "try again")
	}
	if !strings.HasPrefix(res.Details, want) {
		t.Errorf("the console says %q, the station %q", res.Details, want)
	}
}

// An ID line with no device ID is worded once, in serialio.
func TestNotADeviceIDWordsHaveOneSource(t *testing.T) {
	b := newBench(t, Profile{})
	_, open := serialPhoton(t, b, serialtest.Config{DeviceID: "3a001d00024734333937353g"})
	res := b.pipeline.RunDevice(t.Context(), Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0", Open: open}, b.record)
	if res.Outcome != OutcomeFail || res.FailedStep != StepIdentify || !strings.Contains(res.Message, "not a device ID") {
		t.Fatalf("result %+v", res)
	}
	sameWordsAsTheConsole(t, res)
}

func wantResetWords(t *testing.T, msg, action string) {
	t.Helper()
	if msg != "The Photon on /dev/ttyACM0 may still be waiting inside the Wi-Fi questions." ||
		action != "Press its RESET button, wait for blinking dark blue, then press Retry." {
		t.Errorf("message %q, action %q", msg, action)
	}
}

// The Wi-Fi step's own timeout, while the Photon scans after the SSID,
// leaves it inside the questions: RESET, not SETUP.
func TestWiFiTimeoutSaysReset(t *testing.T) {
	b := newBench(t, Profile{})
	b.pipeline.Timeouts.WiFi = 300 * time.Millisecond
	ph, open := serialPhoton(t, b, serialtest.Config{ScanDelay: time.Minute})
	res := b.pipeline.RunDevice(t.Context(), Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0", Open: open}, b.record)
	if res.Outcome != OutcomeFail || res.FailedStep != StepWiFi {
		t.Fatalf("result %+v", res)
	}
	wantResetWords(t, res.Message, res.Action)
	sameWordsAsTheConsole(t, res)
	if ph.Received().WiFiSaved {
		t.Error("credentials saved")
	}
	// Retry without RESET: the Photon still reads a Wi-Fi answer, so the
	// next attempt on the port types nothing and asks for RESET again.
	heard := ph.Heard()
	res = b.pipeline.RunDevice(t.Context(), Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0", Open: open}, b.record)
	if res.Outcome != OutcomeFail || res.FailedStep != StepIdentify {
		t.Fatalf("retry: %+v", res)
	}
	wantResetWords(t, res.Message, res.Action)
	if n := ph.Heard() - heard; n != 0 {
		t.Errorf("the retry typed %d bytes into the Wi-Fi questions", n)
	}
	// The technician was told; after RESET (a Photon back in listening
	// mode on the port) the next Retry goes on.
	b.pipeline.Timeouts.WiFi = time.Minute
	_, reset := serialPhoton(t, b, serialtest.Config{DeviceID: ph.DeviceID()})
	res = b.pipeline.RunDevice(t.Context(), Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0", Open: reset}, b.record)
	if res.FailedStep == StepIdentify {
		t.Fatalf("the Retry after RESET was refused: %+v", res)
	}
}

// The operator's Stop of a slot during 'w' gives the same words, and the
// tile shows them (not "Stopped by the operator").
func TestStationStopDuringWiFiSaysReset(t *testing.T) {
	b := newBench(t, Profile{})
	atPassword, stopped := make(chan struct{}), make(chan struct{})
	ph, open := serialPhoton(t, b, serialtest.Config{OnPrompt: func(p string) {
		if p == "Password: " {
			close(atPassword)
			<-stopped // the station has stopped before the question goes out
		}
	}})
	ports := &hub{ports: []Port{{Path: "/dev/ttyACM0", DeviceID: ph.DeviceID()}}}
	st, err := New(Config{Pipeline: b.pipeline, Ports: ports, ScanInterval: 2 * time.Millisecond,
		Open: func(ctx context.Context, p Port) (DeviceChannel, error) { return open(ctx) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Stop)
	if err := st.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-atPassword:
	case <-time.After(20 * time.Second):
		t.Fatalf("the Photon was never asked for its password; slots %+v", st.Slots())
	}
	st.StopSlot("/dev/ttyACM0")
	close(stopped)
	s, _ := slotByName(st, "/dev/ttyACM0")
	if s.State != SlotStopped {
		t.Errorf("slot %+v", s)
	}
	wantResetWords(t, s.Message, s.Action)
	recs := b.journal.Records()
	last := recs[len(recs)-1]
	if last.Outcome != OutcomeStopped || last.FailedStep != StepWiFi || !strings.Contains(last.Message, "inside the Wi-Fi questions") {
		t.Errorf("journal: %+v", last)
	}
}

// A journal that cannot record the start of a device dialogue stops the
// attempt before a byte of it goes out.
func TestDialogueStartIsJournaledFirst(t *testing.T) {
	b := newBench(t, Profile{Customer: CustomerEmail, CustomerPattern: customerMail})
	ph, open := serialPhoton(t, b, serialtest.Config{})
	b.onEvent = func(e Event) {
		if e.Step == StepDeliverCode && e.Kind == EventStarted {
			b.journal.mu.Lock()
			b.journal.readOnly = true
			b.journal.mu.Unlock()
		}
	}
	res := b.pipeline.RunDevice(t.Context(), Device{Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0", Open: open}, b.record)
	if res.Outcome != OutcomeFail || res.FailedStep != StepDeliverCode {
		t.Fatalf("result %+v", res)
	}
	if strings.ContainsRune(ph.Commands(), 'C') {
		t.Errorf("the device got %q though the step's start was not journaled", ph.Commands())
	}
}

// A previous attempt on the port that died inside the Wi-Fi questions
// stops the next one before it sends a byte; that refusal is then the
// port's latest word, so the Retry after RESET goes on. A
// record of another Photon (by its USB serial number) does not count.
func TestInterruptedWiFiOnPort(t *testing.T) {
	b := newBench(t, Profile{})
	id := b.cloud.AddDevice(cloudtest.Device{ID: "3b0021001747353236343001"})
	now := b.clock.Now()
	dead := func(attempt, device string) Record {
		return Record{Attempt: attempt, Port: "/dev/ttyACM0", Channel: ChannelSerial, Opened: true, DeviceID: device, Product: productSlug,
			Started: now, Steps: []StepEntry{{Step: StepWiFi, Started: now, Outcome: StepRunning}}}
	}
	if err := b.journal.Append(dead("dead-1", id)); err != nil {
		t.Fatal(err)
	}
	ph := newFakePhoton(b.cloud, id)
	identified := 0
	ph.onIdentify = func() { identified++ }
	res := b.runUSB(ph, id)
	if res.Outcome != OutcomeFail || res.FailedStep != StepIdentify {
		t.Fatalf("result %+v", res)
	}
	wantResetWords(t, res.Message, res.Action)
	if identified != 0 || len(ph.written()) != 0 {
		t.Errorf("the refusing attempt talked to the Photon: %d identify, writes %v", identified, ph.written())
	}
	// The technician pressed RESET; Retry.
	res = b.runUSB(ph, id)
	if res.Outcome != OutcomePass {
		t.Fatalf("retry after RESET: %+v", res)
	}
	// A record of another Photon on the port.
	if err := b.journal.Append(dead("dead-2", "3b0021001747353236343077")); err != nil {
		t.Fatal(err)
	}
	other := b.cloud.AddDevice(cloudtest.Device{ID: "3b0021001747353236343002"})
	if res := b.runUSB(newFakePhoton(b.cloud, other), other); res.Outcome != OutcomePass {
		t.Fatalf("another Photon on the port: %+v", res)
	}
}

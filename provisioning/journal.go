package provisioning

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// StepOutcome is how one step of an attempt ended.
type StepOutcome string

// The outcomes of a step.
const (
	StepRunning StepOutcome = "running"
	StepDone    StepOutcome = "done"
	StepSkipped StepOutcome = "skipped"
	StepFailed  StepOutcome = "failed"
)

// StepEntry is one step of a device attempt: when it started and ended and
// how. Message is the technician's sentence; it never holds a secret, a
// token or a claim code.
type StepEntry struct {
	Step    Step        `json:"step"`
	Started time.Time   `json:"started"`
	Ended   time.Time   `json:"ended,omitzero"`
	Outcome StepOutcome `json:"outcome"`
	Message string      `json:"message,omitempty"`
}

// Record is one device attempt. The journal appends a new version of the
// record each time a step ends, so an attempt interrupted by a crash keeps
// every step it acknowledged; Records returns the latest version.
type Record struct {
	Attempt     string      `json:"attempt"` // unique per attempt
	ResumedFrom string      `json:"resumed_from,omitempty"`
	Station     string      `json:"station,omitempty"`
	Profile     string      `json:"profile,omitempty"`
	Operator    string      `json:"operator,omitempty"`
	Slot        string      `json:"slot,omitempty"`
	Port        string      `json:"port,omitempty"`
	Channel     Channel     `json:"channel,omitempty"`
	DeviceID    string      `json:"device_id,omitempty"`
	MAC         string      `json:"mac,omitempty"`
	Firmware    string      `json:"firmware,omitempty"`
	Product     string      `json:"product,omitempty"`
	Customer    string      `json:"customer,omitempty"` // the customer's e-mail or identifier (not a secret)
	Started     time.Time   `json:"started"`
	Ended       time.Time   `json:"ended,omitzero"`
	Steps       []StepEntry `json:"steps"`
	// Opened says the attempt opened its device channel (on a serial
	// port, it held the port's lock): an attempt refused because another
	// program had the port never touched the Photon there.
	Opened bool `json:"opened,omitempty"`
	// LeftIn is the device dialogue a finished attempt left the Photon
	// inside (a stop or timeout during the serial Wi-Fi questions): the
	// next attempt on the port asks for RESET before it types anything.
	LeftIn Step `json:"left_in,omitempty"`
	// ClaimCodeAt is when the claim code delivered to the device was
	// created (the code itself is never written), so a resume knows
	// whether it is still fresh.
	ClaimCodeAt time.Time `json:"claim_code_at,omitzero"`
	// WiFiSentAt is when the Wi-Fi settings were sent to the device, on
	// this station's clock: for people reading the journal. Verification
	// never compares it with the cloud's times.
	WiFiSentAt time.Time `json:"wifi_sent_at,omitzero"`
	// CloudBefore is the device as the cloud saw it after its import and
	// before its Wi-Fi settings were sent (the cloud's times), so
	// verification by polling (also of a resumed attempt) counts only a
	// later cloud session.
	CloudBefore *CloudMark `json:"cloud_before,omitempty"`
	// Evidence is what the cloud said that made verification pass.
	Evidence   *Evidence `json:"evidence,omitempty"`
	Outcome    Outcome   `json:"outcome,omitempty"`
	FailedStep Step      `json:"failed_step,omitempty"`
	Message    string    `json:"message,omitempty"`
	Action     string    `json:"action,omitempty"`
	// Details is the raw cause of a failure (the cloud's or the device's
	// own words), for support; secrets are scrubbed from it.
	Details string `json:"details,omitempty"`
	// ResumedBy is the attempt that went on from this one (outcome resumed).
	ResumedBy string `json:"resumed_by,omitempty"`
}

// CloudMark is a product device's cloud-session times as one read gave
// them, in the cloud's time.
type CloudMark struct {
	LastHandshake time.Time `json:"last_handshake_at,omitzero"`
	LastHeard     time.Time `json:"last_heard,omitzero"`
}

// EvidenceKind says how the cloud confirmed a Photon's arrival.
type EvidenceKind string

// The kinds of verification evidence.
const (
	// EvidenceOnlineEvent: the product event stream delivered spark/status
	// "online" for the device after its Wi-Fi settings were sent.
	EvidenceOnlineEvent EvidenceKind = "online-event"
	// EvidenceHandshake: the stream was down or silent, and a read of the
	// device showed a cloud session newer than the one read before the
	// Wi-Fi step.
	EvidenceHandshake EvidenceKind = "handshake"
	// EvidenceOwner: a Photon claimed through the cloud while online
	// (Pipeline.ClaimOnline); a read of the product device afterwards
	// showed the job's customer as its owner.
	EvidenceOwner EvidenceKind = "owner"
)

// Evidence is the cloud's confirmation that a Photon connected after it
// got its Wi-Fi settings. Times are the cloud's own.
type Evidence struct {
	Kind EvidenceKind `json:"kind"`
	// At is the event's published_at, or the new last_handshake_at (or
	// last_heard, where the cloud reports no handshake time).
	At time.Time `json:"at,omitzero"`
	// Before is the session time read before the Wi-Fi step, which At
	// is later than (handshake evidence only).
	Before time.Time `json:"before,omitzero"`
	// Owner is the owner the confirming read showed ("" for none).
	Owner string `json:"owner,omitempty"`
}

// Finished tells whether the attempt reached its end: PASS, FAIL, already
// provisioned, or stopped (which a later attempt may still go on from).
func (r Record) Finished() bool { return r.Outcome != OutcomePending }

// StepOf returns the record of a step and whether the attempt reached it.
func (r Record) StepOf(s Step) (StepEntry, bool) {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Step == s {
			return r.Steps[i], true
		}
	}
	return StepEntry{}, false
}

// Completed tells whether step s ended done or skipped in this attempt.
func (r Record) Completed(s Step) bool {
	sr, ok := r.StepOf(s)
	return ok && (sr.Outcome == StepDone || sr.Outcome == StepSkipped)
}

// JournalProblem is one line of the journal file that could not be read:
// a torn last line after a crash, or damage in the middle. Reading goes on.
type JournalProblem struct {
	Line int
	Torn bool // the last line, cut short by a crash
	Err  error
}

func (p JournalProblem) String() string {
	if p.Torn {
		return fmt.Sprintf("line %d was cut short by a crash and was skipped", p.Line)
	}
	return fmt.Sprintf("line %d is damaged and was skipped (%v)", p.Line, p.Err)
}

// Journal is the station's append-only record of device attempts: JSON
// lines, one fsync per line. It is safe for concurrent use.
type Journal struct {
	mu     sync.Mutex
	path   string
	f      *os.File
	order  []string
	latest map[string]Record
	// written is when each attempt's latest version was read or appended,
	// as a count of versions: the order of the last writes.
	written  map[string]int
	versions int
	problems []JournalProblem
	// write appends to f (tests make it fail half-way).
	write func([]byte) (int, error)
	// partial says a failed write may have left part of a line: the next
	// record starts on a new line so it is not glued to the fragment.
	partial bool
}

// OpenJournal opens (or creates) the journal at path and reads it. A torn
// last line is skipped and reported in Problems, never fatal; a missing
// final newline is repaired so the next record starts on its own line.
func OpenJournal(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the journal folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the journal %s: %w", path, err)
	}
	j := &Journal{path: path, f: f, latest: map[string]Record{}, written: map[string]int{}, write: f.Write}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read the journal %s: %w", path, err)
	}
	j.load(data)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot repair the journal's torn last line: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// ReadJournal reads the journal at path without opening it for writing
// (no repair, no lock-step with a running station): for exports and
// look-ups. Append on it fails.
func ReadJournal(path string) (*Journal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the journal %s: %w", path, err)
	}
	j := &Journal{path: path, latest: map[string]Record{}, written: map[string]int{}}
	j.load(data)
	return j, nil
}

// load parses the journal's lines; unreadable ones become problems.
func (j *Journal) load(data []byte) {
	lines := bytes.Split(data, []byte{'\n'})
	endsClean := len(data) == 0 || data[len(data)-1] == '\n'
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		last := i == len(lines)-1 || (i == len(lines)-2 && endsClean)
		var r Record
		err := json.Unmarshal(line, &r)
		if err == nil && r.Attempt == "" {
			err = errors.New("record without an attempt ID")
		}
		if err != nil {
			j.problems = append(j.problems, JournalProblem{Line: i + 1, Torn: last && !endsClean, Err: err})
			continue
		}
		j.remember(r)
	}
}

func (j *Journal) remember(r Record) {
	if _, ok := j.latest[r.Attempt]; !ok {
		j.order = append(j.order, r.Attempt)
	}
	j.latest[r.Attempt] = r
	j.versions++
	j.written[r.Attempt] = j.versions
}

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

// Problems lists the lines skipped when the journal was opened.
func (j *Journal) Problems() []JournalProblem {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]JournalProblem(nil), j.problems...)
}

// Append writes r as one line and fsyncs before returning: once Append
// returns nil the record survives a crash.
func (j *Journal) Append(r Record) error {
	if r.Attempt == "" {
		return errors.New("journal: record without an attempt ID")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal: closed")
	}
	if j.partial {
		b = append([]byte{'\n'}, b...)
	}
	if _, err := j.write(b); err != nil {
		j.partial = true
		return fmt.Errorf("cannot write the journal %s: %w", j.path, err)
	}
	j.partial = false
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("cannot flush the journal %s to disk: %w", j.path, err)
	}
	j.remember(r)
	return nil
}

// Close closes the journal file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Records returns the latest version of every attempt, oldest first.
func (j *Journal) Records() []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Record, 0, len(j.order))
	for _, a := range j.order {
		out = append(out, j.latest[a])
	}
	return out
}

// ByDevice returns the attempts for one device ID (any case), oldest first.
func (j *Journal) ByDevice(deviceID string) []Record {
	id := strings.ToLower(deviceID)
	var out []Record
	for _, r := range j.Records() {
		if r.DeviceID == id {
			out = append(out, r)
		}
	}
	return out
}

// Interrupted returns the attempts that never reached PASS or FAIL: the
// process stopped (crash, kill, power cut) in the middle.
func (j *Journal) Interrupted() []Record {
	var out []Record
	for _, r := range j.Records() {
		if !r.Finished() {
			out = append(out, r)
		}
	}
	return out
}

// LastInterrupted returns the newest interrupted attempt for a device that
// no later attempt superseded, if any.
func (j *Journal) LastInterrupted(deviceID string) (Record, bool) {
	recs := j.ByDevice(deviceID)
	if len(recs) == 0 {
		return Record{}, false
	}
	last := recs[len(recs)-1]
	if last.Finished() {
		return Record{}, false
	}
	return last, true
}

// LatestOnPort returns the attempt, other than except, that last held a
// serial port: of those that opened it, the one whose latest version was
// written last. Attempts refused before they opened the port (another
// program had it) do not count: they never touched the Photon there.
func (j *Journal) LatestOnPort(port, except string) (Record, bool) {
	if port == "" {
		return Record{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var found Record
	last := 0
	for a, r := range j.latest {
		if r.Port != port || a == except || !r.heldPort() || j.written[a] < last {
			continue
		}
		found, last = r, j.written[a]
	}
	return found, last > 0
}

// heldPort tells whether the attempt opened its device channel; a line
// written before Opened was journaled shows it by a finished identify.
func (r Record) heldPort() bool { return r.Opened || r.Completed(StepIdentify) }

// InterruptedOnPort returns the attempt that last held a serial port
// (LatestOnPort) when it never reached PASS or FAIL: the process stopped
// while it had the port. Its InFlight step says what the device may still
// be doing. An attempt that finished, or none, gives false.
func (j *Journal) InterruptedOnPort(port, except string) (Record, bool) {
	r, ok := j.LatestOnPort(port, except)
	if !ok || r.Finished() {
		return Record{}, false
	}
	return r, true
}

// InFlight returns the step the attempt had begun and not ended in its
// latest version: for an interrupted attempt, the step the process died
// in. Device steps journal their start before the first byte goes out.
func (r Record) InFlight() (StepEntry, bool) {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Outcome == StepRunning {
			return r.Steps[i], true
		}
	}
	return StepEntry{}, false
}

// CSVHeader is the first row ExportCSV writes.
var CSVHeader = []string{"attempt", "resumed_from", "started", "ended", "station", "profile", "operator",
	"slot", "port", "channel", "device_id", "mac", "firmware", "product", "customer", "outcome",
	"failed_step", "message", "action", "steps"}

// ExportCSV writes every attempt as one CSV row for the factory's records.
// Cells that a spreadsheet would run as a formula are prefixed with '.
func (j *Journal) ExportCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, r := range j.Records() {
		outcome := string(r.Outcome)
		if outcome == "" {
			outcome = "interrupted"
		}
		var steps []string
		for _, s := range r.Steps {
			d := ""
			if !s.Ended.IsZero() {
				d = " " + s.Ended.Sub(s.Started).Round(time.Millisecond).String()
			}
			steps = append(steps, fmt.Sprintf("%s:%s%s", s.Step, s.Outcome, d))
		}
		row := []string{r.Attempt, r.ResumedFrom, ts(r.Started), ts(r.Ended), r.Station, r.Profile, r.Operator,
			r.Slot, r.Port, string(r.Channel), r.DeviceID, r.MAC, r.Firmware, r.Product, r.Customer, outcome,
			string(r.FailedStep), r.Message, r.Action, strings.Join(steps, "; ")}
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvSafe defuses spreadsheet formula injection.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

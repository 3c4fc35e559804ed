package provisioning

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// journalBusyTimeout is how long a write waits for another process (the
// GUI, a headless command) holding the journal's write lock: past it the
// attempt stops with the journal's message.
const journalBusyTimeout = 15 * time.Second

// Journal is the station's record of device attempts: an SQLite database
// (docs/journal.md) in WAL mode, shared by every process of the station
// through SQLite's own locking. A write is committed with a full sync
// before Append returns. It is safe for concurrent use.
type Journal struct {
	path     string
	db       *sql.DB
	readOnly bool
	problems []JournalProblem
	changed  chan struct{}

	// writing lets one of this process's writers at a time contend for
	// SQLite's lock, so the busy timeout is spent waiting for other
	// processes, not for the bench's own sixteen slots.
	writing sync.Mutex

	mu     sync.Mutex
	closed bool
	// maxPages, when set by a test, caps the database's size in pages on
	// the writing connection (PRAGMA max_page_count): a disk that fills.
	maxPages int
	// readErr is the last failed look-up (the look-ups keep their
	// error-free signatures; Err reports it).
	readErr error
	// claim is the import claim's file while this process imports.
	claim *os.File
}

// journalDSN is the connection string of the database file at path: every
// connection the pool opens gets the same settings.
func journalDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{
		fmt.Sprintf("busy_timeout(%d)", journalBusyTimeout.Milliseconds()),
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(ON)",
	} {
		q.Add("_pragma", p)
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// OpenJournal opens (or creates) the journal database at path and brings
// its schema up to date.
func OpenJournal(path string) (*Journal, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the journal folder: %w", err)
	}
	st, statErr := os.Stat(path)
	if statErr == nil && st.Size() > 0 && isV1Journal(path) {
		return nil, fmt.Errorf("%s is a v1 JSON-lines journal, not a journal database: import it with photon-station journal import %s", path, path)
	}
	j, err := openJournalDB(path, journalDSN(path))
	if err != nil {
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// The new file's name must survive a power cut too.
		if err := syncDir(dir); err != nil {
			j.Close()
			return nil, fmt.Errorf("cannot flush the journal folder %s: %w", dir, err)
		}
	}
	return j, nil
}

// ReadJournal opens an existing journal for exports and look-ups: Append
// on it fails. A v1 JSON-lines file (the released format before the
// database) is read into a private in-memory database, so old scripts
// that name one keep working; its unreadable lines are in Problems.
func ReadJournal(path string) (*Journal, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("cannot read the journal %s: %w", path, err)
	}
	if isV1Journal(path) {
		return readV1Journal(path)
	}
	j, err := openJournalDB(path, journalDSN(path))
	if err != nil {
		return nil, err
	}
	j.readOnly = true
	return j, nil
}

// isV1Journal tells a JSON-lines journal from an SQLite database by the
// database's header.
func isV1Journal(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := f.Read(head)
	return n > 0 && !bytes.HasPrefix(head[:n], []byte("SQLite format 3\x00"))
}

func openJournalDB(path, dsn string) (*Journal, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open the journal %s: %w", path, err)
	}
	j := &Journal{path: path, db: db, changed: make(chan struct{}, 1)}
	if err := migrate(context.Background(), db); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open the journal %s: %w", path, err)
	}
	return j, nil
}

// syncDir flushes a folder's entries (a new file's name) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		// Windows cannot sync a folder (its names are journaled by NTFS).
		return err
	}
	return nil
}

// Path is the journal database's path.
func (j *Journal) Path() string { return j.path }

// Problems lists the v1 lines skipped when a v1 journal was imported at
// open (or read, for a v1 file).
func (j *Journal) Problems() []JournalProblem {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]JournalProblem(nil), j.problems...)
}

// Err returns the last look-up that failed (Records, ByDevice and the
// others return nothing then), or nil.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.readErr
}

// Changed is signalled (without blocking; capacity one) after every write
// this process commits: the fleet sender waits on it.
func (j *Journal) Changed() <-chan struct{} { return j.changed }

// Close closes the database.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	j.mu.Unlock()
	return j.db.Close()
}

// write runs fn in one write transaction and announces the change.
func (j *Journal) write(fn func(ctx context.Context, c *sql.Conn) error) error {
	j.mu.Lock()
	closed, ro, maxPages := j.closed, j.readOnly, j.maxPages
	j.mu.Unlock()
	switch {
	case closed:
		return errors.New("journal: closed")
	case ro:
		return fmt.Errorf("journal %s: opened for reading only", j.path)
	}
	ctx := context.Background()
	j.writing.Lock()
	defer j.writing.Unlock()
	err := withWrite(ctx, j.db, func(c *sql.Conn) error {
		if maxPages > 0 {
			if _, err := c.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, maxPages)); err != nil {
				return err
			}
		}
		return fn(ctx, c)
	})
	if err != nil {
		return fmt.Errorf("cannot write the journal %s: %w", j.path, err)
	}
	select {
	case j.changed <- struct{}{}:
	default:
	}
	return nil
}

// Append writes r's current version: its attempt row and its steps, in
// one transaction committed with a full sync. Once Append returns nil the
// record survives a crash or a power cut; when it fails nothing of r was
// written.
func (j *Journal) Append(r Record) error {
	if r.Attempt == "" {
		return errors.New("journal: record without an attempt ID")
	}
	return j.write(func(ctx context.Context, c *sql.Conn) error {
		w, err := newAttemptWriter(ctx, c)
		if err != nil {
			return err
		}
		defer w.Close()
		written, err := w.nextWrite()
		if err != nil {
			return err
		}
		_, err = w.put(r, written, false)
		return err
	})
}

// attemptCols are the attempt columns a Record fills, in scan order.
const attemptCols = `attempt, resumed_from, station, profile, operator, slot, port, channel, device_id, mac,
	firmware, product, customer, started, ended, opened, left_in, claim_code_at, wifi_sent_at,
	cloud_before, cloud_before_handshake, cloud_before_heard, evidence_kind, evidence_at, evidence_before,
	evidence_owner, outcome, failed_step, message, action, details`

func attemptArgs(r Record) []any {
	var cb, hs, heard any = 0, nil, nil
	if r.CloudBefore != nil {
		cb, hs, heard = 1, dbTime(r.CloudBefore.LastHandshake), dbTime(r.CloudBefore.LastHeard)
	}
	var ek, eat, ebefore, eowner any = "", nil, nil, ""
	if r.Evidence != nil {
		ek, eat, ebefore, eowner = string(r.Evidence.Kind), dbTime(r.Evidence.At), dbTime(r.Evidence.Before), r.Evidence.Owner
	}
	return []any{r.Attempt, r.ResumedFrom, r.Station, r.Profile, r.Operator, r.Slot, r.Port, string(r.Channel),
		strings.ToLower(r.DeviceID), r.MAC, r.Firmware, r.Product, r.Customer, dbTime(r.Started), dbTime(r.Ended),
		r.Opened, string(r.LeftIn), dbTime(r.ClaimCodeAt), dbTime(r.WiFiSentAt), cb, hs, heard, ek, eat, ebefore,
		eowner, string(r.Outcome), string(r.FailedStep), r.Message, r.Action, r.Details}
}

// attemptWriter writes attempts on one connection inside a write
// transaction, its statements prepared once (an import writes thousands).
type attemptWriter struct {
	ctx                  context.Context
	c                    *sql.Conn
	next, upsert, insert *sql.Stmt
	step, trim           *sql.Stmt
}

func newAttemptWriter(ctx context.Context, c *sql.Conn) (*attemptWriter, error) {
	w := &attemptWriter{ctx: ctx, c: c}
	ins := `INSERT INTO attempts (` + attemptCols + `, held_port, written) VALUES (` + placeholders(len(attemptArgs(Record{}))+2) + `)
		ON CONFLICT (attempt) `
	for _, s := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&w.next, `SELECT max(coalesce(max(written), 0), 0) + 1 FROM attempts`}, // imports write below 1
		{&w.upsert, ins + `DO UPDATE SET ` + updateSet() + `, held_port = excluded.held_port, written = excluded.written,
			revision = revision + 1 RETURNING seq`},
		{&w.insert, ins + `DO NOTHING RETURNING seq`},
		{&w.step, `INSERT INTO steps (attempt, pos, step, started, ended, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (attempt, pos) DO UPDATE SET step = excluded.step, started = excluded.started, ended = excluded.ended,
			outcome = excluded.outcome, message = excluded.message
			WHERE (step, started, ended, outcome, message) IS NOT (excluded.step, excluded.started, excluded.ended, excluded.outcome, excluded.message)`},
		{&w.trim, `DELETE FROM steps WHERE attempt = ? AND pos >= ?`},
	} {
		st, err := c.PrepareContext(ctx, s.q)
		if err != nil {
			w.Close()
			return nil, err
		}
		*s.dst = st
	}
	return w, nil
}

// Close releases the statements.
func (w *attemptWriter) Close() {
	for _, s := range []*sql.Stmt{w.next, w.upsert, w.insert, w.step, w.trim} {
		if s != nil {
			s.Close()
		}
	}
}

// nextWrite is the number of the next write (the order of last writes,
// over every process: the write lock is held).
func (w *attemptWriter) nextWrite() (int64, error) {
	var n int64
	err := w.next.QueryRowContext(w.ctx).Scan(&n)
	return n, err
}

// put writes r's attempt row and steps as the write numbered written.
// With onlyNew, an attempt already present is left alone and false
// returned (imports); otherwise it is updated and its revision counted up.
func (w *attemptWriter) put(r Record, written int64, onlyNew bool) (bool, error) {
	args := append(attemptArgs(r), r.heldPort(), written)
	stmt := w.upsert
	if onlyNew {
		stmt = w.insert
	}
	var seq int64
	err := stmt.QueryRowContext(w.ctx, args...).Scan(&seq)
	if onlyNew && errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for i, s := range r.Steps {
		if _, err := w.step.ExecContext(w.ctx, seq, i, string(s.Step), dbTime(s.Started), dbTime(s.Ended), string(s.Outcome), s.Message); err != nil {
			return false, err
		}
	}
	if _, err := w.trim.ExecContext(w.ctx, seq, len(r.Steps)); err != nil {
		return false, err
	}
	return true, nil
}

// updateSet is "col = excluded.col" for every attempt column but the ID.
func updateSet() string {
	var b strings.Builder
	for i, c := range strings.Split(attemptCols, ",") {
		c = strings.TrimSpace(c)
		if c == "attempt" {
			continue
		}
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// dbTimeLayout stores times in UTC with a fixed width, so they read well
// and sort as text.
const dbTimeLayout = "2006-01-02T15:04:05.000000000Z"

func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(dbTimeLayout)
}

func parseDBTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(dbTimeLayout, s.String, time.UTC)
}

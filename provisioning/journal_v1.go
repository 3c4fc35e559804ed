package provisioning

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// The v1 journal (releases before the database) was a JSON-lines file: one
// line per version of an attempt's Record, a new full copy each time a
// step ended, the latest line of an attempt winning. This file keeps only
// what imports it.

// V1Import is what importing a v1 journal did.
type V1Import struct {
	Imported int              // attempts added
	Skipped  int              // attempts the database already had
	Problems []JournalProblem // lines that could not be read (skipped)
}

// v1Attempt is the latest version of one attempt in a v1 file, and the
// line it came from (the order of last writes).
type v1Attempt struct {
	rec  Record
	line int
}

// parseV1 reads a v1 journal: the latest version of every attempt in the
// order of their first line, and the lines it could not read. A torn last
// line (a crash mid-write) and damaged lines are problems, never fatal.
func parseV1(r io.Reader) ([]v1Attempt, []JournalProblem, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []v1Attempt
	at := map[string]int{}
	var problems []JournalProblem
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		torn := errors.Is(err, io.EOF) // the last line, without its newline
		if len(bytes.TrimSpace(line)) > 0 {
			var rec Record
			perr := json.Unmarshal(line, &rec)
			if perr == nil && rec.Attempt == "" {
				perr = errors.New("record without an attempt ID")
			}
			switch {
			case perr != nil:
				problems = append(problems, JournalProblem{Line: n, Torn: torn, Err: perr})
			default:
				rec.Revision = 0
				if i, ok := at[rec.Attempt]; ok {
					out[i] = v1Attempt{rec, n}
				} else {
					at[rec.Attempt] = len(out)
					out = append(out, v1Attempt{rec, n})
				}
			}
		}
		if torn {
			return out, problems, nil
		}
	}
}

// ImportV1 adds the attempts of the v1 journal file at path that the
// database does not have yet, keeping their IDs and times, in one
// transaction: a crash part-way imports nothing, and importing the same
// file again skips every attempt.
func (j *Journal) ImportV1(path string) (V1Import, error) {
	f, err := os.Open(path)
	if err != nil {
		return V1Import{}, fmt.Errorf("cannot read the v1 journal %s: %w", path, err)
	}
	defer f.Close()
	atts, problems, err := parseV1(f)
	if err != nil {
		return V1Import{}, fmt.Errorf("cannot read the v1 journal %s: %w", path, err)
	}
	for i := range problems {
		problems[i].File = path
	}
	res := V1Import{Problems: problems}
	// The order of their last lines is the order of the last writes
	// (which attempt last held a port).
	rank := make([]int, len(atts))
	for i := range rank {
		rank[i] = i
	}
	sort.Slice(rank, func(a, b int) bool { return atts[rank[a]].line < atts[rank[b]].line })
	written := make([]int64, len(atts))
	for w, i := range rank {
		written[i] = int64(w)
	}
	err = j.write(func(ctx context.Context, c *sql.Conn) error {
		w, err := newAttemptWriter(ctx, c)
		if err != nil {
			return err
		}
		defer w.Close()
		base, err := w.nextWrite()
		if err != nil {
			return err
		}
		for i, a := range atts {
			added, err := w.put(a.rec, base+written[i], true)
			if err != nil {
				return fmt.Errorf("attempt %s: %w", a.rec.Attempt, err)
			}
			if added {
				res.Imported++
			} else {
				res.Skipped++
			}
		}
		return nil
	})
	if err != nil {
		return V1Import{}, err
	}
	return res, nil
}

// OpenStationJournal opens the station's journal database at path; when a
// v1 journal is still at legacy, it is imported first and then renamed
// legacy+".imported" (after the import committed: a crash in between
// imports it again next time, skipping what is already there). The
// import's unreadable lines are in Problems.
func OpenStationJournal(path, legacy string) (*Journal, error) {
	j, err := OpenJournal(path)
	if err != nil {
		return nil, err
	}
	if legacy == "" {
		return j, nil
	}
	res, err := j.ImportV1(legacy)
	if errors.Is(err, os.ErrNotExist) {
		// None, or another process (the GUI and a script started
		// together) imported and renamed it first.
		return j, nil
	}
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("cannot move the old journal %s into %s: %w", legacy, path, err)
	}
	j.problems = res.Problems
	if err := os.Rename(legacy, legacy+".imported"); err != nil && !errors.Is(err, os.ErrNotExist) {
		j.Close()
		return nil, fmt.Errorf("imported the old journal %s, but cannot rename it to %s.imported: %w", legacy, filepath.Base(legacy), err)
	}
	if err := syncDir(filepath.Dir(legacy)); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// OpenDefaultJournal opens the station's own journal (DefaultJournalPath),
// importing a v1 journal left in the config folder by an older release.
func OpenDefaultJournal() (*Journal, error) {
	path, err := DefaultJournalPath()
	if err != nil {
		return nil, err
	}
	legacy, err := LegacyJournalPath()
	if err != nil {
		return nil, err
	}
	return OpenStationJournal(path, legacy)
}

// readV1Journal reads a v1 file into a private in-memory database, for
// look-ups and exports only.
func readV1Journal(path string) (*Journal, error) {
	db, err := sql.Open("sqlite", "file::memory:?_pragma=foreign_keys(ON)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // every connection to :memory: is its own database
	j := &Journal{path: path, db: db, changed: make(chan struct{}, 1)}
	if err := migrate(context.Background(), db); err != nil {
		db.Close()
		return nil, err
	}
	res, err := j.ImportV1(path)
	if err != nil {
		db.Close()
		return nil, err
	}
	j.problems = res.Problems
	j.readOnly = true
	return j, nil
}

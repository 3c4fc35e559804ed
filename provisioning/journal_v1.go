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
func parseV1(r io.Reader, progress func(lines int)) ([]v1Attempt, []JournalProblem, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []v1Attempt
	at := map[string]int{}
	var problems []JournalProblem
	for n := 1; ; n++ {
		if progress != nil && n%1000 == 0 {
			progress(n)
		}
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
// database does not have yet, keeping their IDs and times. One process
// imports into a database at a time (claimImport); the others wait.
func (j *Journal) ImportV1(path string) (V1Import, error) {
	release, err := j.claimImport()
	if err != nil {
		return V1Import{}, err
	}
	defer release()
	return j.importV1(path, j.importProgress)
}

// importV1 imports path in batches of importBatch attempts, each its own
// transaction, so other processes' writes (a bench running while a
// journal from another bench is imported) wait at most one batch, well
// within the busy timeout. A crash part-way keeps the batches committed;
// importing the file again skips them and adds the rest. progress, when
// set, is told of the work as it goes (lines read, then attempts written).
//
// Imported attempts are ordered by their last lines, below every write
// of the station itself (written counts up from 1; an import takes the
// numbers line-rank minus the file's attempt count, the same on every
// try): an attempt from the file is never what a port last held when the
// station has used that port since.
func (j *Journal) importV1(path string, progress func(n int)) (V1Import, error) {
	f, err := os.Open(path)
	if err != nil {
		return V1Import{}, fmt.Errorf("cannot read the v1 journal %s: %w", path, err)
	}
	defer f.Close()
	atts, problems, err := parseV1(f, progress)
	if err != nil {
		return V1Import{}, fmt.Errorf("cannot read the v1 journal %s: %w", path, err)
	}
	for i := range problems {
		problems[i].File = path
	}
	res := V1Import{Problems: problems}
	rank := make([]int, len(atts))
	for i := range rank {
		rank[i] = i
	}
	sort.Slice(rank, func(a, b int) bool { return atts[rank[a]].line < atts[rank[b]].line })
	written := make([]int64, len(atts))
	for w, i := range rank {
		written[i] = int64(w - len(atts))
	}
	for lo := 0; lo < len(atts); lo += importBatch {
		hi := min(lo+importBatch, len(atts))
		err = j.write(func(ctx context.Context, c *sql.Conn) error {
			w, err := newAttemptWriter(ctx, c)
			if err != nil {
				return err
			}
			defer w.Close()
			for i := lo; i < hi; i++ {
				added, err := w.put(atts[i].rec, written[i], true)
				if err != nil {
					return fmt.Errorf("attempt %s: %w", atts[i].rec.Attempt, err)
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
		if progress != nil {
			progress(hi)
		}
		if onImportBatch != nil {
			onImportBatch(hi)
		}
	}
	return res, nil
}

// OpenStationJournal opens the station's journal database at path; when a
// v1 journal is still at legacy, it is imported first and then renamed
// legacy+".imported" (after the import committed: a crash in between
// imports it again next time, skipping what is already there). A second
// process started meanwhile (the GUI and a script together) waits for
// the import instead of failing on a locked database. The import's
// unreadable lines are in Problems.
func OpenStationJournal(path, legacy string) (*Journal, error) {
	j, err := OpenJournal(path)
	if err != nil {
		return nil, err
	}
	if legacy == "" {
		return j, nil
	}
	if _, err := os.Stat(legacy); errors.Is(err, os.ErrNotExist) {
		return j, nil
	}
	if err := j.importLegacy(legacy); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// importLegacy imports and renames the v1 journal at legacy, holding the
// import claim throughout.
func (j *Journal) importLegacy(legacy string) error {
	release, err := j.claimImport()
	if err != nil {
		return err
	}
	defer release()
	res, err := j.importV1(legacy, j.importProgress)
	if errors.Is(err, os.ErrNotExist) {
		// Another process (the GUI and a script started together)
		// imported and renamed it while this one waited.
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot move the old journal %s into %s: %w", legacy, j.path, err)
	}
	j.problems = res.Problems
	if err := os.Rename(legacy, legacy+".imported"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("imported the old journal %s, but cannot rename it to %s.imported: %w", legacy, filepath.Base(legacy), err)
	}
	return syncDir(filepath.Dir(legacy))
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
	res, err := j.importV1(path, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	j.problems = res.Problems
	j.readOnly = true
	return j, nil
}

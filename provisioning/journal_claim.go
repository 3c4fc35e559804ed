package provisioning

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/internal/filelock"
)

// The import claim: one process at a time imports a v1 journal into a
// database. A large import (20,000 attempts) takes longer than the busy
// timeout, so a second process started meanwhile (the GUI and a script at
// the first start after an upgrade) must wait for it, not fail on a
// locked database. The claim is an operating-system lock on a file beside
// the database (internal/filelock: a killed importer leaves no stale
// claim, and the next claimant imports what is left); the importer writes
// its progress into that file, and a waiter gives up only when the
// progress stops moving for importStall.
var (
	// importBatch is how many attempts an import commits at a time.
	importBatch = 500
	// importStall is how long a waiter accepts no progress of the import.
	importStall = 30 * time.Second
	// importPoll is how often a waiter looks at the claim.
	importPoll = 100 * time.Millisecond
	// onImportBatch and onImportWait, set by tests only, are told of each
	// committed batch and of each look of a waiter.
	onImportBatch func(done int)
	onImportWait  func()
)

// importProgressAt is where the progress is in the claim's file: after
// its first byte, which Windows locks (and so will not let another
// process read).
const importProgressAt = 1

// importClaimPath is the claim's file beside the database at path.
func importClaimPath(path string) string { return path + "-import.lock" }

// claimImport takes the import claim of the journal, waiting while
// another process holds it and its import moves on. release gives it up.
func (j *Journal) claimImport() (release func(), err error) {
	name := importClaimPath(j.path)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the journal's import lock %s: %w", name, err)
	}
	clk := clock.System
	var last []byte
	moved := clk.Now()
	for {
		held, err := filelock.TryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", name, err)
		}
		if !held {
			j.mu.Lock()
			j.claim = f
			j.mu.Unlock()
			return func() {
				j.mu.Lock()
				j.claim = nil
				j.mu.Unlock()
				f.Close() // drops the lock
			}, nil
		}
		cur, _ := io.ReadAll(io.NewSectionReader(f, importProgressAt, 64))
		if !bytes.Equal(cur, last) {
			last, moved = cur, clk.Now()
		}
		if clk.Now().Sub(moved) > importStall {
			f.Close()
			return nil, fmt.Errorf("another Photon Station process is importing an old journal into %s and has made no progress for %s: close the other Photon Station windows and commands, then start again", j.path, importStall)
		}
		if onImportWait != nil {
			onImportWait()
		}
		if err := clock.Sleep(context.Background(), clk, importPoll); err != nil {
			f.Close()
			return nil, err
		}
	}
}

// importProgress writes the import's progress into the claim's file, for
// the processes that wait for it.
func (j *Journal) importProgress(n int) {
	j.mu.Lock()
	f := j.claim
	j.mu.Unlock()
	if f != nil {
		// Progress is advice for waiters: a failed write only makes them
		// see none.
		_, _ = f.WriteAt(fmt.Appendf(nil, "%020d\n", n), importProgressAt)
	}
}

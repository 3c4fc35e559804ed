package provisioning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// journalMigrations bring a journal database from one schema version to
// the next: migration i takes PRAGMA user_version from i to i+1. They run
// in order, each in the transaction that sets the new version, and are
// never edited once released (a change is a new migration).
var journalMigrations = []string{
	// 1: one row per attempt, one per step.
	`CREATE TABLE attempts (
		seq            INTEGER PRIMARY KEY AUTOINCREMENT, -- order of first write
		attempt        TEXT NOT NULL UNIQUE,
		resumed_from   TEXT NOT NULL DEFAULT '',
		station        TEXT NOT NULL DEFAULT '',
		profile        TEXT NOT NULL DEFAULT '',
		operator       TEXT NOT NULL DEFAULT '',
		slot           TEXT NOT NULL DEFAULT '',
		port           TEXT NOT NULL DEFAULT '',
		channel        TEXT NOT NULL DEFAULT '',
		device_id      TEXT NOT NULL DEFAULT '',
		mac            TEXT NOT NULL DEFAULT '',
		firmware       TEXT NOT NULL DEFAULT '',
		product        TEXT NOT NULL DEFAULT '',
		customer       TEXT NOT NULL DEFAULT '',
		started        TEXT,
		ended          TEXT,
		opened         INTEGER NOT NULL DEFAULT 0,
		held_port      INTEGER NOT NULL DEFAULT 0, -- opened, or identify finished (older records)
		left_in        TEXT NOT NULL DEFAULT '',
		claim_code_at  TEXT,
		wifi_sent_at   TEXT,
		cloud_before   INTEGER NOT NULL DEFAULT 0,
		cloud_before_handshake TEXT,
		cloud_before_heard     TEXT,
		evidence_kind   TEXT NOT NULL DEFAULT '',
		evidence_at     TEXT,
		evidence_before TEXT,
		evidence_owner  TEXT NOT NULL DEFAULT '',
		outcome        TEXT NOT NULL DEFAULT '',
		failed_step    TEXT NOT NULL DEFAULT '',
		message        TEXT NOT NULL DEFAULT '',
		action         TEXT NOT NULL DEFAULT '',
		details        TEXT NOT NULL DEFAULT '',
		written        INTEGER NOT NULL, -- order of last write, over all processes
		revision       INTEGER NOT NULL DEFAULT 1,
		fleet_revision INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX attempts_device ON attempts(device_id, seq);
	CREATE INDEX attempts_port ON attempts(port, written) WHERE held_port;
	CREATE INDEX attempts_written ON attempts(written);
	CREATE INDEX attempts_resumed_from ON attempts(resumed_from) WHERE resumed_from != '';
	CREATE INDEX attempts_unfinished ON attempts(seq) WHERE outcome = '';
	CREATE INDEX attempts_unsent ON attempts(written) WHERE revision > fleet_revision;
	CREATE TABLE steps (
		attempt INTEGER NOT NULL REFERENCES attempts(seq) ON DELETE CASCADE,
		pos     INTEGER NOT NULL, -- place in the attempt's list of steps
		step    TEXT NOT NULL,
		started TEXT,
		ended   TEXT,
		outcome TEXT NOT NULL,
		message TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (attempt, pos)
	) WITHOUT ROWID;`,
}

// journalSchemaVersion is the schema version this build writes.
var journalSchemaVersion = len(journalMigrations)

// migrate brings the database to journalSchemaVersion. A database from a
// newer build is refused rather than written in a shape it does not know.
func migrate(ctx context.Context, db *sql.DB) error {
	// A database already up to date is only read: opening it never
	// waits for another process's write lock (an import, say).
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v > journalSchemaVersion {
		return newerSchema(v)
	}
	if v == journalSchemaVersion {
		return nil
	}
	return withWrite(ctx, db, func(c *sql.Conn) error {
		var v int
		if err := c.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			return err
		}
		if v > journalSchemaVersion {
			return newerSchema(v)
		}
		for ; v < journalSchemaVersion; v++ {
			if _, err := c.ExecContext(ctx, journalMigrations[v]); err != nil {
				return fmt.Errorf("journal schema migration %d: %w", v+1, err)
			}
			if _, err := c.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
				return err
			}
		}
		return nil
	})
}

func newerSchema(v int) error {
	return fmt.Errorf("the journal was written by a newer Photon Station (schema %d, this one knows %d): update Photon Station", v, journalSchemaVersion)
}

// withWrite runs fn in one write transaction on one connection, taken with
// BEGIN IMMEDIATE so a second writer waits (busy timeout) for the lock up
// front instead of failing half-way when a read turns into a write.
// SQLite can still answer SQLITE_BUSY before its busy timeout (a
// connection opening while another sets up the WAL, a busy handler
// starved on a loaded machine): the whole transaction, of which nothing
// was written, is then tried again until journalBusyTimeout has passed.
func withWrite(ctx context.Context, db *sql.DB, fn func(c *sql.Conn) error) error {
	deadline := time.Now().Add(journalBusyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 250*time.Millisecond) {
		err := writeOnce(ctx, db, fn)
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// isBusy tells SQLite's "database is locked" (SQLITE_BUSY, any extended
// code) from other failures.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == sqlite3.SQLITE_BUSY
}

func writeOnce(ctx context.Context, db *sql.DB, fn func(c *sql.Conn) error) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	if err := fn(c); err != nil {
		// A failed statement may have rolled back already; the
		// rollback's own error says nothing new.
		_, _ = c.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	if _, err := c.ExecContext(ctx, `COMMIT`); err != nil {
		_, _ = c.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	return nil
}

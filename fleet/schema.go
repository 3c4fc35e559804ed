package fleet

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SchemaVersion is the newest fleet schema this station knows. A database
// at a newer version was set up by a newer station: this one only reads.
const SchemaVersion = 1

// migrations[i] takes the schema from version i to i+1. They only add:
// older stations keep reading the columns they know.
var migrations = []string{
	`CREATE TABLE photon_station_attempts (
	attempt_id   text PRIMARY KEY,
	station      text NOT NULL,
	profile      text NOT NULL DEFAULT '',
	operator     text NOT NULL DEFAULT '',
	slot         text NOT NULL DEFAULT '',
	port         text NOT NULL DEFAULT '',
	channel      text NOT NULL DEFAULT '',
	device_id    text NOT NULL DEFAULT '',
	mac          text NOT NULL DEFAULT '',
	firmware     text NOT NULL DEFAULT '',
	product      text NOT NULL DEFAULT '',
	customer     text NOT NULL DEFAULT '',
	outcome      text NOT NULL,
	failed_step  text NOT NULL DEFAULT '',
	message      text NOT NULL DEFAULT '',
	action       text NOT NULL DEFAULT '',
	details      text NOT NULL DEFAULT '',
	started_at   timestamptz,
	finished_at  timestamptz,
	resumed_from text,
	evidence     jsonb,
	revision     bigint NOT NULL,
	received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photon_station_attempts_started_at ON photon_station_attempts (started_at);
CREATE INDEX photon_station_attempts_device_id ON photon_station_attempts (device_id);
CREATE INDEX photon_station_attempts_resumed_from ON photon_station_attempts (resumed_from);
CREATE TABLE photon_station_steps (
	attempt_id  text NOT NULL REFERENCES photon_station_attempts (attempt_id),
	step        text NOT NULL,
	position    integer NOT NULL,
	started_at  timestamptz,
	finished_at timestamptz,
	outcome     text NOT NULL,
	message     text NOT NULL DEFAULT '',
	PRIMARY KEY (attempt_id, step)
);`,
}

const versionTable = `CREATE TABLE IF NOT EXISTS photon_station_schema_version (
	version    integer PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// schemaLock keys the advisory lock that makes two stations starting at
// once migrate one after the other.
const schemaLock = 0x50686f746f6e // "Photon"

// readVersion returns the schema's version, 0 when there is none yet.
func readVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM photon_station_schema_version`).Scan(&v)
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "42P01" { // undefined_table
		return 0, nil
	}
	return v, err
}

// ensureSchema brings the schema to SchemaVersion and returns the version
// found. A database already at this version needs no CREATE right, only
// SELECT; a newer one is left alone.
func ensureSchema(ctx context.Context, conn *pgx.Conn) (int, error) {
	v, err := readVersion(ctx, conn)
	if err != nil || v >= SchemaVersion {
		return v, err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, versionTable); err != nil {
		return 0, err
	}
	if v, err = readVersion(ctx, tx); err != nil || v >= SchemaVersion {
		return v, err // another station migrated while this one waited
	}
	for next := v + 1; next <= SchemaVersion; next++ {
		if _, err := tx.Exec(ctx, migrations[next-1]); err != nil {
			return 0, fmt.Errorf("schema version %d: %w", next, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO photon_station_schema_version (version) VALUES ($1)`, next); err != nil {
			return 0, err
		}
	}
	return SchemaVersion, tx.Commit(ctx)
}

package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/photon-station/photon-station/internal/pgtest"
)

// fleetDB is a throwaway cluster with database fleet, schema photon, and
// a least-privileged role bench: CREATE and USAGE on schema photon, and
// nothing else.
type fleetDB struct {
	*pgtest.Server
	benchPW string
}

func newFleetDB(t *testing.T) *fleetDB {
	t.Helper()
	s := pgtest.Start(t)
	f := &fleetDB{Server: s, benchPW: secret()}
	s.Exec("postgres", "CREATE DATABASE fleet")
	s.Exec("fleet", "CREATE SCHEMA photon",
		"CREATE ROLE bench LOGIN PASSWORD '"+f.benchPW+"'",
		"GRANT USAGE, CREATE ON SCHEMA photon TO bench")
	return f
}

func secret() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// benchURL is the bench role's URL with its password.
func (f *fleetDB) benchURL() string {
	return f.URL("bench", f.benchPW, "fleet") + "&search_path=photon"
}

func mustConfig(t *testing.T, url string, lookup PasswordLookup) *Config {
	t.Helper()
	c, err := ParseURL(url, lookup)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 5 * time.Second
	return c
}

func mustOpen(t *testing.T, c *Config) *DB {
	t.Helper()
	db, err := Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// query runs SQL as the superuser on database fleet and returns its rows
// as text.
func (f *fleetDB) query(t *testing.T, sql string, args ...any) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.URL(pgtest.Superuser, f.Password(), "fleet")+"&search_path=photon")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = toText(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func toText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case pgtype.Numeric:
		f, _ := x.Float64Value()
		return fmt.Sprint(f.Float64)
	}
	return fmt.Sprint(v)
}

// audit records every write to the attempts table, so a test can tell
// each revision arrived once.
func (f *fleetDB) audit(t *testing.T) {
	t.Helper()
	f.Exec("fleet", `CREATE TABLE photon.audit (attempt_id text, revision bigint)`,
		`CREATE FUNCTION photon.audit_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
		BEGIN INSERT INTO photon.audit VALUES (NEW.attempt_id, NEW.revision); RETURN NEW; END $$`,
		`CREATE TRIGGER audit AFTER INSERT OR UPDATE ON photon.photon_station_attempts
		FOR EACH ROW EXECUTE FUNCTION photon.audit_write()`)
}

package fleet

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// DB is one connection to the fleet database with its schema checked. It
// is used by one goroutine at a time.
type DB struct {
	cfg     *Config
	conn    *pgx.Conn
	version int
}

// Open connects to the fleet database and creates or migrates its schema.
// A schema newer than this station knows opens read-only: ReadOnly says
// so, and Deliver refuses. Failures are *Problem in plain words.
func Open(ctx context.Context, cfg *Config) (*DB, error) {
	cc, err := cfg.connConfig(ctx)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cc)
	if err != nil {
		return nil, cfg.explain(err)
	}
	v, err := ensureSchema(cctx, conn)
	if err != nil {
		conn.Close(context.Background())
		return nil, cfg.explain(err)
	}
	return &DB{cfg: cfg, conn: conn, version: v}, nil
}

// Version is the schema version the database is at.
func (d *DB) Version() int { return d.version }

// ReadOnly returns why this station may not write to the database (a
// newer station's schema), or nil.
func (d *DB) ReadOnly() error {
	if d.version <= SchemaVersion {
		return nil
	}
	return &Problem{Kind: KindNewerSchema, Msg: fmt.Sprintf("The fleet database was set up by a newer Photon Station (schema version %d; this station knows %d): records wait on this station until it is updated. Exporting still works.", d.version, SchemaVersion)}
}

// Close ends the connection.
func (d *DB) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.timeout())
	defer cancel()
	return d.conn.Close(ctx)
}

// query bounds one query by the configured timeout.
func (d *DB) query(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.cfg.timeout())
}

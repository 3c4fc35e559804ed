package provisioning

import (
	"context"
	"database/sql"
	"time"
)

// The journal is the fleet database's outbox: every write of an attempt
// counts its revision up, and the fleet sender marks the revision it
// delivered in fleet_revision. An attempt whose revision is ahead waits.

// UnsentRecords returns up to limit attempts whose latest revision the
// fleet database has not acknowledged, the oldest change first, each with
// its Revision.
func (j *Journal) UnsentRecords(limit int) ([]Record, error) {
	return j.records(context.Background(), unsentClause, limit)
}

// UnsentCount returns how many attempts wait for the fleet database.
func (j *Journal) UnsentCount() (int, error) {
	var n int
	err := j.db.QueryRowContext(context.Background(), `SELECT count(*) FROM attempts WHERE revision > fleet_revision`).Scan(&n)
	return n, err
}

// MarkSent records that the fleet database holds attempt at revision: a
// later revision written meanwhile stays unsent.
func (j *Journal) MarkSent(attempt string, revision int64) error {
	return j.update(`UPDATE attempts SET fleet_revision = max(fleet_revision, ?) WHERE attempt = ?`, revision, attempt)
}

// Prune deletes the finished attempts that ended before before, with
// their steps, and returns how many. An unfinished attempt is never
// deleted (a resume may go on from it), nor, with keepUnsent, one the
// fleet database has not acknowledged.
func (j *Journal) Prune(before time.Time, keepUnsent bool) (int, error) {
	q := `DELETE FROM attempts WHERE outcome != '' AND ended IS NOT NULL AND ended < ?`
	if keepUnsent {
		q += ` AND revision <= fleet_revision`
	}
	var n int64
	err := j.write(func(ctx context.Context, c *sql.Conn) error {
		res, err := c.ExecContext(ctx, q, dbTime(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// update runs one statement that changes no attempt's content.
func (j *Journal) update(q string, args ...any) error {
	return j.write(func(ctx context.Context, c *sql.Conn) error {
		_, err := c.ExecContext(ctx, q, args...)
		return err
	})
}

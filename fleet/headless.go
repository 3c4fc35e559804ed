package fleet

import (
	"context"

	"github.com/photon-station/photon-station/provisioning"
)

// SendNow delivers one attempt's revision (the attempt a headless command has just
// run) and marks it sent, within ctx: the caller bounds the wait (a few
// seconds) and leaves what is not sent for Drain.
func SendNow(ctx context.Context, cfg *Config, outbox Outbox, r provisioning.Record) error {
	db, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return deliverAndMark(ctx, db, outbox, r)
}

// Drain delivers every unsent change, oldest first, until none is left,
// the database fails or ctx ends. left is what still waits afterwards
// (-1 when the outbox cannot say).
func Drain(ctx context.Context, cfg *Config, outbox Outbox) (sent, left int, err error) {
	defer func() {
		if n, cerr := outbox.UnsentCount(); cerr == nil {
			left = n
		} else {
			left = -1
		}
	}()
	db, err := Open(ctx, cfg)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if err := db.ReadOnly(); err != nil {
		return 0, 0, err
	}
	for {
		recs, err := outbox.UnsentRecords(100)
		if err != nil || len(recs) == 0 {
			return sent, 0, err
		}
		for _, r := range recs {
			if err := deliverAndMark(ctx, db, outbox, r); err != nil {
				return sent, 0, err
			}
			sent++
		}
	}
}

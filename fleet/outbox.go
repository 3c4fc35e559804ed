package fleet

import "github.com/photon-station/photon-station/provisioning"

// Outbox is the local side of the delivery: the journal's attempts the
// fleet database has not acknowledged yet.
type Outbox interface {
	// UnsentRecords returns up to limit attempts whose latest revision
	// (Record.Revision) was not acknowledged, oldest change first.
	UnsentRecords(limit int) ([]provisioning.Record, error)
	// MarkSent records that the fleet database holds revision of attempt.
	// A later revision written meanwhile stays unsent.
	MarkSent(attempt string, revision int64) error
	// UnsentCount is how many attempts wait to be sent.
	UnsentCount() (int, error)
}

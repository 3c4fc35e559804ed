package fleet

import "github.com/photon-station/photon-station/provisioning"

// Change is one revision of an attempt waiting to be sent: the attempt as
// the local journal holds it, and which of its writes that is.
type Change struct {
	Record   provisioning.Record
	Revision int64
}

// Outbox is the local side of the delivery: the journal's attempts the
// fleet database has not acknowledged yet.
type Outbox interface {
	// Unsent returns up to limit attempts whose latest revision was not
	// acknowledged, oldest change first.
	Unsent(limit int) ([]Change, error)
	// MarkSent records that the fleet database holds revision of attempt.
	// A later revision written meanwhile stays unsent.
	MarkSent(attempt string, revision int64) error
	// UnsentCount is how many attempts wait to be sent.
	UnsentCount() (int, error)
}

package provisioning

import (
	"context"
	"iter"
	"time"
)

// Token is an access token the pipeline holds for one attempt. String hides
// the value.
type Token struct {
	Value     string
	ExpiresAt time.Time // zero when unknown or never
}

func (t Token) String() string   { return "Token{hidden}" }
func (t Token) GoString() string { return "Token{hidden}" }

// CloudDevice is what the pipeline needs to know about a product device.
type CloudDevice struct {
	ID     string
	Name   string
	Online bool
	// Owner is the e-mail of the user or customer that owns the device,
	// empty when unclaimed.
	Owner string
	// LastHeard and LastHandshake are when the cloud last heard from the
	// device and when the device last opened a cloud session, both in the
	// cloud's time (zero when never, or not reported). They are compared
	// only with earlier readings of the same fields, never with this
	// computer's clock.
	LastHeard     time.Time
	LastHandshake time.Time
}

// StatusEvent is one event of a product's event stream, as the verifier
// reads it.
type StatusEvent struct {
	Name        string
	Data        string
	DeviceID    string    // lower-case
	PublishedAt time.Time // the cloud's time
}

// StreamHooks tell an event stream's consumer when it is open and when it
// has dropped (and is being reopened).
type StreamHooks struct {
	Opened  func()
	Dropped func(err error)
}

// ImportResult is the cloud's answer to importing device IDs into a product.
type ImportResult struct {
	Updated   []string // imported now
	Existing  []string // already in this product
	Invalid   []string // unknown IDs, or devices in another product
	Nonmember []string // devices owned by a user who is not a member of the product
}

// CloudAPI is the part of the Particle Cloud the pipeline uses. Errors are
// *cloud.Error values (or wrap them), classified with cloud.IsX; the
// adapter over *cloud.Client is NewCloudAPI.
type CloudAPI interface {
	// ProductToken gets a product bearer token (client credentials grant).
	ProductToken(ctx context.Context, clientID, clientSecret string) (Token, error)
	// ProductDevice looks a device up in the product; cloud.IsNotFound
	// when it is not in the product.
	ProductDevice(ctx context.Context, tok Token, product, deviceID string) (CloudDevice, error)
	// ImportDevice adds a device to the product.
	ImportDevice(ctx context.Context, tok Token, product, deviceID string) (ImportResult, error)
	// RemoveDevice takes a device out of the product again.
	RemoveDevice(ctx context.Context, tok Token, product, deviceID string) error
	// ProductEvents streams the product's events, reopening the stream
	// when it breaks or falls silent, until ctx ends or an error that
	// reopening cannot cure (which it yields last).
	ProductEvents(ctx context.Context, tok Token, product string, hooks StreamHooks) iter.Seq2[StatusEvent, error]
	// CreateCustomer creates a two-legged shadow customer (no_password) and
	// returns its token. The cloud's refusal of an existing customer is not
	// documented: the pipeline asks for the customer's token instead.
	CreateCustomer(ctx context.Context, product, clientID, clientSecret, customer string) (Token, error)
	// CustomerToken gets a token for an existing customer (scope=customer=...).
	CustomerToken(ctx context.Context, clientID, clientSecret, customer string) (Token, error)
	// ClaimDevice claims an online device by its ID with a customer token
	// (POST /v1/devices): the tutorial's claiming without listening mode.
	ClaimDevice(ctx context.Context, customerToken Token, deviceID string) error
	// CreateClaimCode asks for a claim code with a customer token.
	CreateClaimCode(ctx context.Context, customerToken Token, product string) (string, error)
	// RenameDevice sets the device's name through the product route.
	RenameDevice(ctx context.Context, tok Token, product, deviceID, name string) error
	// CallFunction calls a device function through the product route.
	CallFunction(ctx context.Context, tok Token, product, deviceID, function, arg string) (int, error)
	// GetVariable reads a device variable through the product route, as text.
	GetVariable(ctx context.Context, tok Token, product, deviceID, name string) (string, error)
}

package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Kind sorts fleet database problems by what a person does about them.
type Kind string

// The kinds of problems.
const (
	KindBadURL      Kind = "bad-url"     // the address is wrong
	KindPassword    Kind = "password"    // the sign-in was refused
	KindUnreachable Kind = "unreachable" // no answer, refused or lost connection
	KindTimeout     Kind = "timeout"     // no answer in time
	KindTLS         Kind = "tls"         // the encrypted connection failed
	KindPermission  Kind = "permission"  // the user lacks a right
	KindNewerSchema Kind = "newer-schema"
	KindOther       Kind = "other"
)

// Problem is a fleet database failure in a technician's or supervisor's
// words. Its message never holds the password.
type Problem struct {
	Kind Kind
	Msg  string
	Err  error // the driver's error, for errors.Is and errors.As
}

func (p *Problem) Error() string { return p.Msg }
func (p *Problem) Unwrap() error { return p.Err }

// Retryable tells whether trying again later may succeed without anyone
// changing the settings: the database was down, slow or unreachable.
func (p *Problem) Retryable() bool {
	return p.Kind == KindUnreachable || p.Kind == KindTimeout
}

// explain turns a driver error into a Problem in plain words.
func (c *Config) explain(err error) error {
	if err == nil {
		return nil
	}
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	p = c.classify(err)
	p.Err = err
	c.mu.Lock()
	looked := c.looked
	c.mu.Unlock()
	for _, pw := range []string{c.conn.Password, looked} {
		if pw != "" {
			p.Msg = strings.ReplaceAll(p.Msg, pw, "********")
		}
	}
	return p
}

func (c *Config) classify(err error) *Problem {
	where := c.String()
	user := c.conn.User
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "28P01":
			return &Problem{Kind: KindPassword, Msg: fmt.Sprintf("The fleet database refused the password for user %q (taken from %s): set the right password in the station settings, or in PGPASSWORD.", user, c.pwSource)}
		case pg.Code == "28000":
			return &Problem{Kind: KindPassword, Msg: fmt.Sprintf("The fleet database does not let user %q in from this computer: ask whoever runs %s to allow it (pg_hba.conf).", user, where)}
		case pg.Code == "3D000":
			return &Problem{Kind: KindBadURL, Msg: fmt.Sprintf("The fleet database server has no database %q: check the database name in %s.", c.conn.Database, where)}
		case pg.Code == "42501":
			return &Problem{Kind: KindPermission, Msg: fmt.Sprintf("User %q may not do this in the fleet database (%s): it needs CREATE on its schema and SELECT, INSERT, UPDATE on the photon_station tables (see docs/fleet.md).", user, pg.Message)}
		case pg.Code == "42703" || pg.Code == "42P01":
			return &Problem{Kind: KindNewerSchema, Msg: fmt.Sprintf("The fleet database's tables are not the ones this station knows (%s): update this station.", pg.Message)}
		case strings.HasPrefix(pg.Code, "57P") || strings.HasPrefix(pg.Code, "08") || pg.Code == "53300":
			return &Problem{Kind: KindUnreachable, Msg: fmt.Sprintf("The fleet database at %s is not taking connections now (%s); records wait on this station and go when it is back.", where, pg.Message)}
		}
		return &Problem{Kind: KindOther, Msg: fmt.Sprintf("The fleet database refused the request: %s (SQLSTATE %s).", pg.Message, pg.Code)}
	}
	if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return &Problem{Kind: KindTimeout, Msg: fmt.Sprintf("The fleet database at %s did not answer within %s: the network or the database is slow or down; records wait on this station.", where, c.timeout())}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &Problem{Kind: KindBadURL, Msg: fmt.Sprintf("The fleet database's host name %q is not known on this network: check the address (%s).", dns.Name, where)}
	}
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var tlsAlert tls.AlertError
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &certInvalid) || errors.As(err, &tlsAlert) ||
		strings.Contains(err.Error(), "server refused TLS connection") {
		return &Problem{Kind: KindTLS, Msg: fmt.Sprintf("The encrypted connection to the fleet database failed (sslmode=%s): %s. Ask whoever runs it for its certificate, or set sslmode in the address.", c.sslmode, tlsReason(err))}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return &Problem{Kind: KindUnreachable, Msg: fmt.Sprintf("Nothing answers at %s: the fleet database is down or the address is wrong; records wait on this station and go when it is back.", where)}
	}
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "conn closed") {
		return &Problem{Kind: KindUnreachable, Msg: fmt.Sprintf("Lost the connection to the fleet database at %s; records wait on this station and go when it is back.", where)}
	}
	return &Problem{Kind: KindOther, Msg: fmt.Sprintf("The fleet database at %s failed: %v", where, err)}
}

// tlsReason names why TLS failed in short words.
func tlsReason(err error) string {
	switch {
	case strings.Contains(err.Error(), "server refused TLS connection"):
		return "the server does not offer TLS"
	case errors.As(err, new(x509.UnknownAuthorityError)):
		return "its certificate is signed by an authority this computer does not trust"
	case errors.As(err, new(x509.HostnameError)):
		return "its certificate is for another host name"
	}
	return "the certificate or TLS settings were refused"
}

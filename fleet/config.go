package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable that holds the fleet database's URL
// for headless commands.
const EnvURL = "PHOTON_STATION_FLEET_DB"

// DefaultTimeout bounds every connection attempt and every query.
const DefaultTimeout = 10 * time.Second

// PasswordLookup finds the fleet database's password when neither the URL
// nor PGPASSWORD gives one (the station reads the OS keyring). target is
// Config.Target; "" and no error means none is stored.
type PasswordLookup func(ctx context.Context, target string) (string, error)

// Config is a parsed fleet database address. Its String is the redacted
// form: it never shows the password.
type Config struct {
	conn     *pgx.ConnConfig
	sslmode  string
	pwSource string // where the password came from, for messages
	lookup   PasswordLookup
	mu       sync.Mutex
	looked   string // the password lookup gave last, scrubbed from messages
	// Timeout bounds each connection attempt and each query
	// (DefaultTimeout when zero).
	Timeout time.Duration
}

// ErrBadURL says the fleet database address cannot be parsed.
var ErrBadURL = errors.New("the fleet database address is not a PostgreSQL URL: write it as postgres://USER@HOST:5432/DATABASE, or as host=HOST user=USER dbname=DATABASE")

// ParseURL parses a fleet database address: a libpq URL
// (postgres://user@host:5432/db?sslmode=verify-full) or libpq key=value
// settings. The password comes from the address, PGPASSWORD (or the
// .pgpass file), or else lookup when connecting. sslmode is libpq's,
// except that a non-loopback host with no sslmode (in the address or
// PGSSLMODE) gets "require": the fleet travels over factory networks.
func ParseURL(raw string, lookup PasswordLookup) (*Config, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("no fleet database is set: give its URL in %s (postgres://USER@HOST:5432/DATABASE)", EnvURL)
	}
	isURL := strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://")
	var settings map[string]string
	if isURL {
		settings = urlSettings(raw)
	} else {
		kv, ok := keyValueSettings(raw)
		if !ok {
			return nil, ErrBadURL
		}
		settings = kv
	}
	conn, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, ErrBadURL
	}
	mode, named := settings["sslmode"], true
	if mode == "" {
		mode = os.Getenv("PGSSLMODE")
	}
	if mode == "" {
		named, mode = false, "prefer"
	}
	if !named && !allLoopback(conn) {
		mode = "require"
		if conn, err = pgx.ParseConfig(withSSLMode(raw, isURL, mode)); err != nil {
			return nil, ErrBadURL
		}
	}
	c := &Config{conn: conn, sslmode: mode, lookup: lookup}
	switch {
	case settings["password"] != "":
		c.pwSource = "the fleet database URL"
	case conn.Password != "" && os.Getenv("PGPASSWORD") != "":
		c.pwSource = "PGPASSWORD"
	case conn.Password != "":
		c.pwSource = "the .pgpass file"
	default:
		c.pwSource = "the keyring"
	}
	return c, nil
}

// urlSettings returns the settings a libpq URL names itself: its query
// and the password in its user part. The host part is not parsed here
// (a multi-host URL is not a valid Go URL); pgx parses it.
func urlSettings(raw string) map[string]string {
	s := map[string]string{}
	rest := raw[strings.Index(raw, "://")+3:]
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		if q, err := url.ParseQuery(rest[i+1:]); err == nil {
			for k := range q {
				s[k] = q.Get(k)
			}
		}
		rest = rest[:i]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" {
			s["password"] = pw
		}
	}
	return s
}

// withSSLMode adds sslmode to an address that names none.
func withSSLMode(raw string, isURL bool, mode string) string {
	if !isURL {
		return raw + " sslmode=" + mode
	}
	if strings.Contains(raw[strings.Index(raw, "://")+3:], "?") {
		return raw + "&sslmode=" + mode
	}
	return raw + "?sslmode=" + mode
}

// allLoopback tells whether every host the address names is this
// computer: a loopback name or address, or a Unix socket folder.
func allLoopback(conn *pgx.ConnConfig) bool {
	hosts := []string{conn.Host}
	for _, f := range conn.Fallbacks {
		hosts = append(hosts, f.Host)
	}
	for _, h := range hosts {
		if strings.HasPrefix(h, "/") || strings.EqualFold(h, "localhost") {
			continue
		}
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
			continue
		}
		return false
	}
	return true
}

// Target names the database without secrets or settings,
// user@host:port/database (hosts joined by commas): the key the keyring
// stores its password under.
func (c *Config) Target() string {
	hosts := []string{}
	seen := map[string]bool{}
	add := func(h string, p uint16) {
		hp := net.JoinHostPort(h, fmt.Sprint(p))
		if strings.HasPrefix(h, "/") {
			hp = url.PathEscape(h)
		}
		if !seen[hp] {
			seen[hp] = true
			hosts = append(hosts, hp)
		}
	}
	add(c.conn.Host, c.conn.Port)
	for _, f := range c.conn.Fallbacks {
		add(f.Host, f.Port)
	}
	return fmt.Sprintf("%s@%s/%s", url.User(c.conn.User).String(), strings.Join(hosts, ","), url.PathEscape(c.conn.Database))
}

// String is the redacted address: user, hosts, database and sslmode,
// never the password.
func (c *Config) String() string { return "postgres://" + c.Target() + "?sslmode=" + c.sslmode }

// GoString keeps the password out of %#v.
func (c *Config) GoString() string { return "fleet.Config(" + c.String() + ")" }

// PasswordInAddress tells whether the address itself holds the password
// (the GUI refuses such an address: its settings are a file).
func (c *Config) PasswordInAddress() bool { return c.pwSource == "the fleet database URL" }

// SSLMode is the TLS mode the station connects with.
func (c *Config) SSLMode() string { return c.sslmode }

// User is the database user the station signs in as.
func (c *Config) User() string { return c.conn.User }

func (c *Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// connConfig returns the settings to connect with, the password looked
// up when the address and the environment gave none.
func (c *Config) connConfig(ctx context.Context) (*pgx.ConnConfig, error) {
	cc := c.conn.Copy()
	if cc.Password == "" && c.lookup != nil {
		lctx, cancel := context.WithTimeout(ctx, c.timeout())
		defer cancel()
		pw, err := c.lookup(lctx, c.Target())
		if err != nil {
			return nil, &Problem{Kind: KindPassword, Msg: "cannot read the fleet database's password from the keyring: " +
				err.Error() + ". Unlock the keyring, or set PGPASSWORD"}
		}
		cc.Password = pw
		c.mu.Lock()
		c.looked = pw
		c.mu.Unlock()
	}
	if cc.ConnectTimeout == 0 || cc.ConnectTimeout > c.timeout() {
		cc.ConnectTimeout = c.timeout()
	}
	return cc, nil
}

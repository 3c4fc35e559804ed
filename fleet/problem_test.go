package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/photon-station/photon-station/internal/pgtest"
)

func problemOf(t *testing.T, err error, kind Kind) *Problem {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) || p.Kind != kind {
		t.Fatalf("want a %s problem, got %#v (%v)", kind, err, err)
	}
	return p
}

// A wrong password is said as such, with where it came from, and the
// message holds neither the wrong password nor the right one.
func TestWrongPassword(t *testing.T) {
	f := newFleetDB(t)
	t.Setenv("PGPASSFILE", "/nonexistent")
	wrong := "wrong-" + secret()
	_, err := Open(context.Background(), mustConfig(t, f.URL("bench", wrong, "fleet"), nil))
	p := problemOf(t, err, KindPassword)
	if !strings.Contains(p.Msg, `"bench"`) || !strings.Contains(p.Msg, "the fleet database URL") {
		t.Errorf("message: %s", p.Msg)
	}
	t.Setenv("PGPASSWORD", wrong)
	_, err = Open(context.Background(), mustConfig(t, f.URL("bench", "", "fleet"), nil))
	p2 := problemOf(t, err, KindPassword)
	if !strings.Contains(p2.Msg, "PGPASSWORD") {
		t.Errorf("message: %s", p2.Msg)
	}
	for _, m := range []string{p.Msg, p2.Msg} {
		if strings.Contains(m, wrong) || strings.Contains(m, f.benchPW) {
			t.Errorf("the message shows a password: %s", m)
		}
	}
}

// With no password in the URL nor the environment, the keyring's is used.
func TestPasswordFromKeyring(t *testing.T) {
	f := newFleetDB(t)
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "/nonexistent")
	var asked string
	lookup := func(ctx context.Context, target string) (string, error) {
		asked = target
		return f.benchPW, nil
	}
	c := mustConfig(t, strings.Replace(f.benchURL(), ":"+f.benchPW+"@", "@", 1), lookup)
	mustOpen(t, c)
	if want := fmt.Sprintf("bench@127.0.0.1:%d/fleet", f.Port()); asked != want {
		t.Errorf("the keyring was asked for %q, want %q", asked, want)
	}
	locked := mustConfig(t, c.String()+"&search_path=photon", func(context.Context, string) (string, error) {
		return "", errors.New("the keyring is locked")
	})
	_, err := Open(context.Background(), locked)
	if p := problemOf(t, err, KindPassword); !strings.Contains(p.Msg, "keyring is locked") {
		t.Errorf("message: %s", p.Msg)
	}
}

// Nothing listening: unreachable, said at once.
func TestUnreachable(t *testing.T) {
	addr := closedAddr(t)
	_, err := Open(context.Background(), mustConfig(t, "postgres://bench:pw@"+addr+"/fleet", nil))
	if p := problemOf(t, err, KindUnreachable); !p.Retryable() || !strings.Contains(p.Msg, addr) {
		t.Errorf("message: %s", p.Msg)
	}
}

// A database that accepts the connection and never answers (a hung
// server, a half-open network path) costs one timeout, not a hang.
func TestSlowDatabaseTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	c := mustConfig(t, "postgres://bench:pw@"+l.Addr().String()+"/fleet", nil)
	c.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err = Open(context.Background(), c)
	if p := problemOf(t, err, KindTimeout); !strings.Contains(p.Msg, "did not answer within 300ms") {
		t.Errorf("message: %s", p.Msg)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %s with a 300ms timeout", d)
	}

	// The sender reports it, and keeps the waiting count up to date while
	// the bench writes on.
	bench := newBench(t)
	bench.Write(attempt("Bench 1", 0, 1))
	st := runSender(t, c, bench)
	st.waitFor(t, "offline, timed out", func(s Status) bool {
		var p *Problem
		return s.State == StateOffline && errors.As(s.Err, &p) && p.Kind == KindTimeout
	})
	bench.Write(attempt("Bench 1", 1, 1))
	st.waitFor(t, "2 waiting", func(s Status) bool { return s.State == StateOffline && s.Waiting == 2 })
}

// The least-privileged roles work: bench created the tables (CREATE on its
// schema), a second station's role with only SELECT, INSERT and UPDATE on
// them sends too; a role that may only read is refused in words.
func TestLeastPrivilegedRoles(t *testing.T) {
	f := newFleetDB(t)
	bench := newBench(t)
	bench.Write(attempt("Bench 1", 0, len(pipelineSteps)))
	if _, _, err := Drain(context.Background(), mustConfig(t, f.benchURL(), nil), bench); err != nil {
		t.Fatal(err)
	}
	pw2, pw3 := secret(), secret()
	f.Exec("fleet", "CREATE ROLE bench2 LOGIN PASSWORD '"+pw2+"'", "CREATE ROLE viewer LOGIN PASSWORD '"+pw3+"'",
		"GRANT USAGE ON SCHEMA photon TO bench2, viewer",
		"GRANT SELECT, INSERT, UPDATE ON photon.photon_station_attempts, photon.photon_station_steps TO bench2",
		"GRANT SELECT ON photon.photon_station_schema_version TO bench2, viewer",
		"GRANT SELECT ON photon.photon_station_attempts, photon.photon_station_steps TO viewer")
	other := newBench(t)
	other.Write(attempt("Bench 2", 0, len(pipelineSteps)))
	if _, left, err := Drain(context.Background(), mustConfig(t, f.URL("bench2", pw2, "fleet")+"&search_path=photon", nil), other); err != nil || left != 0 {
		t.Fatalf("bench2: left %d, %v", left, err)
	}
	viewer := mustConfig(t, f.URL("viewer", pw3, "fleet")+"&search_path=photon", nil)
	third := newBench(t)
	third.Write(attempt("Bench 3", 0, 1))
	_, _, err := Drain(context.Background(), viewer, third)
	if p := problemOf(t, err, KindPermission); !strings.Contains(p.Msg, `"viewer"`) {
		t.Errorf("message: %s", p.Msg)
	}
	var out strings.Builder
	if n, err := mustOpen(t, viewer).ExportCSV(context.Background(), &out); err != nil || n != 2 {
		t.Errorf("the viewer's export: %d rows, %v", n, err)
	}
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// sslmode=require against a server without TLS says so, and what to do.
func TestTLSRefused(t *testing.T) {
	f := newFleetDB(t)
	url := strings.Replace(f.benchURL(), "sslmode=disable", "sslmode=require", 1)
	_, err := Open(context.Background(), mustConfig(t, url, nil))
	if p := problemOf(t, err, KindTLS); !strings.Contains(p.Msg, "does not offer TLS") || !strings.Contains(p.Msg, "sslmode=require") {
		t.Errorf("message: %s", p.Msg)
	}
}

// A database that holds the station's queries (here: a lock an
// administrator forgot) costs one timeout per query, for a delivery and
// for an export, and the sender says so and catches up afterwards.
func TestLockedTablesTimeOut(t *testing.T) {
	f := newFleetDB(t)
	c := mustConfig(t, f.benchURL(), nil)
	bench := newBench(t)
	bench.Write(attempt("Bench 1", 0, 2))
	if _, _, err := Drain(context.Background(), c, bench); err != nil {
		t.Fatal(err)
	}
	c.Timeout = 500 * time.Millisecond
	db := mustOpen(t, c)

	ctx := context.Background()
	admin, err := pgx.Connect(ctx, f.URL(pgtest.Superuser, f.Password(), "fleet"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	tx, err := admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE photon.photon_station_attempts IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	_, err = db.ExportCSV(ctx, io.Discard)
	if p := problemOf(t, err, KindTimeout); !strings.Contains(p.Msg, "stopped answering for 500ms") {
		t.Errorf("export: %s", p.Msg)
	}
	_, err = mustOpen(t, c).Deliver(ctx, bench.Write(attempt("Bench 1", 0, 3)))
	problemOf(t, err, KindTimeout)
	st := runSender(t, c, bench)
	st.waitFor(t, "offline, timed out", func(s Status) bool {
		var p *Problem
		return s.State == StateOffline && s.Waiting == 1 && errors.As(s.Err, &p) && p.Kind == KindTimeout
	})
	tx.Rollback(ctx)
	st.waitFor(t, "caught up", caughtUp(bench))
}

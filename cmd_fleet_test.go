package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/fleet"
	"github.com/photon-station/photon-station/internal/pgtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// fleetServer is a throwaway PostgreSQL with database fleet, schema photon
// and a role bench that may only create tables there (docs/fleet.md).
type fleetServer struct {
	*pgtest.Server
	password string // the bench role's
}

func newFleetServer(t *testing.T) *fleetServer {
	t.Helper()
	s := pgtest.Start(t)
	b := make([]byte, 12)
	rand.Read(b)
	f := &fleetServer{Server: s, password: hex.EncodeToString(b)}
	s.Exec("postgres", "CREATE DATABASE fleet")
	s.Exec("fleet", "CREATE SCHEMA photon", "CREATE ROLE bench LOGIN PASSWORD '"+f.password+"'",
		"GRANT USAGE, CREATE ON SCHEMA photon TO bench")
	return f
}

// point sets the headless environment at the fleet database: the URL
// without a password in PHOTON_STATION_FLEET_DB, the password in
// PGPASSWORD.
func (f *fleetServer) point(t *testing.T, password string) {
	t.Setenv(fleet.EnvURL, f.URL("bench", "", "fleet")+"&search_path=photon")
	t.Setenv("PGPASSWORD", password)
}

// attempts returns the fleet database's rows as "attempt station device
// outcome revision", sorted.
func (f *fleetServer) attempts(t *testing.T) []string {
	return f.rows(t, `SELECT attempt_id || ' ' || station || ' ' || device_id || ' ' || outcome || ' ' || revision
		FROM photon.photon_station_attempts`)
}

// rows runs a query that gives one text column, as the superuser, and
// returns its values sorted.
func (f *fleetServer) rows(t *testing.T, query string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.URL(pgtest.Superuser, f.Password(), "fleet"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// audit has the station create its tables (as its first connection does)
// and counts every write of an attempt's row from then on.
func (f *fleetServer) audit(t *testing.T) {
	t.Helper()
	cfg, err := fleet.ParseURL(f.URL("bench", f.password, "fleet")+"&search_path=photon", nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := fleet.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	f.Exec("fleet", `CREATE TABLE photon.audit (attempt_id text, revision bigint)`,
		`CREATE FUNCTION photon.audit_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
		BEGIN INSERT INTO photon.audit VALUES (NEW.attempt_id, NEW.revision); RETURN NEW; END $$`,
		`CREATE TRIGGER audit AFTER INSERT OR UPDATE ON photon.photon_station_attempts
		FOR EACH ROW EXECUTE FUNCTION photon.audit_write()`)
}

// writes returns the audited writes as "attempt revision", sorted.
func (f *fleetServer) writes(t *testing.T) []string {
	return f.rows(t, `SELECT attempt_id || ' ' || revision FROM photon.audit`)
}

// bench is one station: its own name and home (config, data, journal).
type bench struct {
	name, home string
}

// use makes the next commands run as this station.
func (s bench) use(t *testing.T) {
	t.Setenv("HOME", s.home)
	t.Setenv("XDG_CONFIG_HOME", s.home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(s.home, "data"))
	was := hostname
	hostname = func() string { return s.name }
	t.Cleanup(func() { hostname = was })
}

// filesWith lists the files under root whose bytes contain secret.
func filesWith(t *testing.T, root, secret string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(secret)) {
			hits = append(hits, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// Two benches with their own homes and names provision into one fleet
// database: each attempt arrives once with its station, provision leaves
// nothing for journal sync, export --fleet has both, and the password is
// in no file, output, process argument or server log line.
func TestFleetTwoStationsOneDatabase(t *testing.T) {
	h := newHeadless(t)
	f := newFleetServer(t)
	f.audit(t)
	f.point(t, f.password)
	benches := []bench{{"bench-a", h.home}, {"bench-b", t.TempDir()}}
	ids := []string{h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID}), h.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373599"})}
	var mu sync.Mutex
	var argHits []string
	var outputs []string
	attempts := map[string]string{} // attempt → station
	for i, b := range benches {
		b.use(t)
		_, port := h.photon(serialtest.Config{DeviceID: ids[i], Password: tWiFiPassword,
			OnOnline: func(string, string) { // while provision runs
				mu.Lock()
				argHits = append(argHits, pgtest.ProcessArgsWith(f.password)...)
				mu.Unlock()
			}})
		code, stdout, stderr := h.run(h.provisionArgs(port, "--json")...)
		outputs = append(outputs, stdout, stderr)
		if code != 0 || stderr != "" {
			t.Fatalf("%s: provision exit %d\nstdout:\n%s\nstderr:\n%s", b.name, code, stdout, stderr)
		}
		_, res := jsonLines(t, stdout)
		attempts[res.Attempt] = b.name
	}
	var want []string
	for a, st := range attempts {
		want = append(want, a+" "+st)
	}
	var got, sent []string
	for _, row := range f.attempts(t) {
		fields := strings.Fields(row)
		got = append(got, fields[0]+" "+fields[1])
		sent = append(sent, fields[0]+" "+fields[4])
		if fields[3] != "pass" {
			t.Errorf("fleet row %q: not a pass", row)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("fleet database has %q, want each attempt once with its station %q", got, want)
	}
	// provision marked its attempt sent: nothing waits on either bench.
	for _, b := range benches {
		b.use(t)
		code, stdout, stderr := h.run("journal", "sync")
		outputs = append(outputs, stdout, stderr)
		if code != 0 || !strings.HasPrefix(stdout, "Nothing waits") {
			t.Errorf("%s: journal sync after provision: exit %d %q %q", b.name, code, stdout, stderr)
		}
	}
	if w := f.writes(t); !slices.Equal(w, sent) {
		t.Errorf("the fleet database took the writes %q, want each attempt's final revision once %q", w, sent)
	}
	dest := filepath.Join(benches[1].home, "fleet.csv")
	code, stdout, stderr := h.run("journal", "export", "--csv", dest, "--fleet")
	outputs = append(outputs, stdout, stderr)
	if code != 0 || !strings.Contains(stdout, "Exported 2 attempts of every station") {
		t.Fatalf("export --fleet: exit %d %q %q", code, stdout, stderr)
	}
	file, err := os.Open(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	rows, err := csv.NewReader(file).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("fleet CSV: %d rows, %v", len(rows), err)
	}
	col := slices.Index(rows[0], "station")
	attemptCol := slices.Index(rows[0], "attempt")
	if col < 0 || attemptCol < 0 || !slices.Equal(rows[0], fleet.CSVHeader) {
		t.Fatalf("fleet CSV header %q", rows[0])
	}
	for _, r := range rows[1:] {
		if attempts[r[attemptCol]] != r[col] {
			t.Errorf("fleet CSV row of attempt %s names station %q, want %q", r[attemptCol], r[col], attempts[r[attemptCol]])
		}
	}

	for _, b := range benches {
		if hits := filesWith(t, b.home, f.password); len(hits) > 0 {
			t.Errorf("the fleet password is in %v", hits)
		}
	}
	for _, o := range outputs {
		if strings.Contains(o, f.password) {
			t.Errorf("the fleet password is in the output %q", o)
		}
	}
	mu.Lock()
	argHits = append(argHits, pgtest.ProcessArgsWith(f.password)...)
	mu.Unlock()
	if len(argHits) > 0 {
		t.Errorf("the fleet password is in process arguments: %q", argHits)
	}
	if hits := f.LogWith(f.password); len(hits) > 0 {
		t.Errorf("the fleet password is in the server's log: %q", hits)
	}
}

// A headless provision with the fleet database down still passes, with
// its exit code and JSON lines as always and a note on stderr; journal
// sync fails while the database is down, sends the attempt once it is
// back, and then has nothing to send. A wrong password is one line that
// names no password.
func TestFleetHeadlessWithTheDatabaseDown(t *testing.T) {
	h := newHeadless(t)
	f := newFleetServer(t)
	f.point(t, f.password)
	id := h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	_, port := h.photon(serialtest.Config{Password: tWiFiPassword})
	f.Stop()
	var outputs []string
	code, stdout, stderr := h.run(h.provisionArgs(port, "--json")...)
	outputs = append(outputs, stdout, stderr)
	if code != 0 {
		t.Fatalf("provision with the fleet database down: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, res := jsonLines(t, stdout)
	if res.DeviceID != id {
		t.Errorf("result %+v", res)
	}
	oneLineWith(t, "provision's note", stderr, "photon-station provision: note: attempt "+res.Attempt,
		"will be sent by `photon-station journal sync` or the station's GUI")
	// A failed provision keeps its exit code and its one line, the note
	// at its end.
	h.cloud.AddProduct(cloudtest.Product{ID: 99, Name: "Other"})
	other := h.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373599", ProductID: 99})
	_, port2 := h.photon(serialtest.Config{DeviceID: other})
	code, stdout, stderr = h.run(h.provisionArgs(port2, "--json")...)
	outputs = append(outputs, stdout, stderr)
	if code != exitFailed {
		t.Errorf("a failed provision with the fleet database down: exit %d, want %d", code, exitFailed)
	}
	_, failed := jsonLines(t, stdout)
	oneLineWith(t, "a failed provision's line", stderr, "another product", "note: attempt "+failed.Attempt,
		"will be sent by `photon-station journal sync` or the station's GUI")

	code, stdout, stderr = h.run("journal", "sync")
	outputs = append(outputs, stdout, stderr)
	if code != exitFailed {
		t.Errorf("journal sync with the database down: exit %d, want %d", code, exitFailed)
	}
	oneLineWith(t, "journal sync with the database down", stderr, "photon-station journal sync: Nothing answers at postgres://bench@127.0.0.1:",
		"2 attempts wait on this station.")

	f.Start()
	code, stdout, stderr = h.run("journal", "sync")
	outputs = append(outputs, stdout, stderr)
	if code != 0 || !strings.HasPrefix(stdout, "Sent 2 attempts") || stderr != "" {
		t.Errorf("journal sync with the database back: exit %d %q %q", code, stdout, stderr)
	}
	want := []string{res.Attempt + " " + hostname() + " " + id + " pass", failed.Attempt + " " + hostname() + " " + other + " fail"}
	slices.Sort(want)
	if rows := f.attempts(t); len(rows) != 2 || !strings.HasPrefix(rows[0], want[0]+" ") || !strings.HasPrefix(rows[1], want[1]+" ") {
		t.Errorf("fleet database has %q, want %q", rows, want)
	}
	code, stdout, stderr = h.run("journal", "sync")
	outputs = append(outputs, stdout, stderr)
	if code != 0 || !strings.HasPrefix(stdout, "Nothing waits") {
		t.Errorf("second journal sync: exit %d %q %q", code, stdout, stderr)
	}

	const wrong = "not-the-bench-password"
	f.point(t, wrong)
	for _, args := range [][]string{{"journal", "sync"}, {"journal", "export", "--csv", filepath.Join(h.home, "x.csv"), "--fleet"}} {
		code, stdout, stderr = h.run(args...)
		outputs = append(outputs, stdout, stderr)
		if code != exitFailed {
			t.Errorf("%s with a wrong password: exit %d, want %d", args[1], code, exitFailed)
		}
		oneLineWith(t, args[1]+" with a wrong password", stderr, "refused the password for user \"bench\" (taken from PGPASSWORD)")
		if strings.Contains(stderr, wrong) {
			t.Errorf("the message names the password: %q", stderr)
		}
	}
	if hits := filesWith(t, h.home, f.password); len(hits) > 0 {
		t.Errorf("the fleet password is in %v", hits)
	}
	for _, o := range outputs {
		if strings.Contains(o, f.password) {
			t.Errorf("the fleet password is in the output %q", o)
		}
	}
}

// oneLineWith checks that text is exactly one line holding every part.
func oneLineWith(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	if strings.Count(text, "\n") != 1 || !strings.HasSuffix(text, "\n") {
		t.Errorf("%s is not one line: %q", what, text)
	}
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s does not say %q: %q", what, p, text)
		}
	}
}

// The fleet options' usage errors: exit 2 and one line that says what to
// do, before any database is asked.
func TestJournalFleetUsage(t *testing.T) {
	h := newHeadless(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"journal", "sync"}, "no fleet database is set: put its URL in PHOTON_STATION_FLEET_DB"},
		{[]string{"journal", "export", "--csv", "x.csv", "--fleet"}, "no fleet database is set: put its URL in PHOTON_STATION_FLEET_DB"},
		{[]string{"journal", "export", "--jsonl", "x.jsonl", "--fleet"}, "--fleet exports CSV only: use export --csv FILE --fleet"},
		{[]string{"journal", "export", "--csv", "x.csv", "--fleet", "--journal", "j.db"}, "--fleet reads the fleet database, not a journal"},
		{[]string{"journal", "show", "--device", tDeviceID, "--fleet"}, "--fleet goes with export --csv FILE only"},
		{[]string{"journal", "sync", "now"}, `unexpected argument "now"`},
	} {
		code, _, stderr := h.run(tc.args...)
		if code != exitBadUsage {
			t.Errorf("%q: exit %d, want %d", tc.args, code, exitBadUsage)
		}
		oneLineWith(t, strings.Join(tc.args, " "), stderr, tc.says)
	}
	t.Setenv(fleet.EnvURL, "postgres://bench@127.0.0.1:1/fleet?sslmode=disable")
	code, stdout, stderr := h.run("journal", "sync")
	if code != 0 || !strings.HasPrefix(stdout, "Nothing waits: there is no journal at "+h.journalPath()) || stderr != "" {
		t.Errorf("journal sync on a station without a journal: exit %d %q %q", code, stdout, stderr)
	}
	other := filepath.Join(h.home, "other.db")
	code, stdout, stderr = h.run("journal", "sync", "--journal", other)
	if code != 0 || !strings.HasPrefix(stdout, "Nothing waits: there is no journal at "+other) || exists(other) {
		t.Errorf("journal sync --journal naming no journal: exit %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = h.run("journal", "--help")
	if code != 0 || !strings.Contains(stdout, "journal export --csv FILE --fleet") || !strings.Contains(stdout, "journal sync") {
		t.Errorf("journal --help does not show the fleet commands: %q", stdout)
	}
}

// With neither the URL nor PGPASSWORD holding it, the headless commands
// take the fleet database's password from the keyring entry the GUI's
// station settings write (service photon-station, the database's Target).
// CI runs this under gnome-keyring; elsewhere it skips without a Secret
// Service.
func TestFleetPasswordFromTheKeyring(t *testing.T) {
	ctx := context.Background()
	kr := provisioning.Keyring{}
	if err := kr.Probe(ctx); err != nil {
		if os.Getenv("PHOTON_STATION_KEYRING_REQUIRED") == "1" {
			t.Fatalf("CI requires the real Secret Service, and it is not usable: %v", err)
		}
		t.Skipf("no usable Secret Service here (%v); CI runs this test under gnome-keyring", err)
	}
	h := newHeadless(t)
	f := newFleetServer(t)
	f.point(t, "")
	cfg, err := fleet.ParseURL(os.Getenv(fleet.EnvURL), nil)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(h.home, "fleet.csv")
	if code, _, stderr := h.run("journal", "export", "--csv", dest, "--fleet"); code != exitFailed {
		t.Errorf("export --fleet with no password anywhere: exit %d %q", code, stderr)
	}
	if err := kr.Set(ctx, cfg.Target(), provisioning.SecretFleetPassword, f.password); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kr.Delete(ctx, cfg.Target(), provisioning.SecretFleetPassword) })
	code, stdout, stderr := h.run("journal", "export", "--csv", dest, "--fleet")
	if code != 0 || !strings.Contains(stdout, "Exported 0 attempts of every station") {
		t.Errorf("export --fleet with the password in the keyring: exit %d %q %q", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, f.password) {
		t.Error("the keyring's password is in the output")
	}
}

// A fleet database that takes the connection and never answers holds a
// headless provision for fleetSendWait at the most: it passes, says the
// database did not answer in that time, and lets go of the connection.
func TestFleetHungDatabaseHoldsProvisionBriefly(t *testing.T) {
	h := newHeadless(t)
	was := fleetSendWait
	fleetSendWait = time.Second
	t.Cleanup(func() { fleetSendWait = was })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	held := make(chan time.Duration, 8) // how long each connection stayed open
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				start := time.Now()
				io.Copy(io.Discard, c) // reads the start-up message, answers nothing
				held <- time.Since(start)
				c.Close()
			}()
		}
	}()
	t.Setenv(fleet.EnvURL, "postgres://bench@"+l.Addr().String()+"/fleet?sslmode=disable")
	t.Setenv("PGPASSWORD", "irrelevant-here")
	h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	_, port := h.photon(serialtest.Config{Password: tWiFiPassword})
	code, stdout, stderr := h.run(h.provisionArgs(port, "--json")...)
	if code != 0 {
		t.Fatalf("provision with a hung fleet database: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	jsonLines(t, stdout)
	oneLineWith(t, "provision's note", stderr, "did not answer within 1s", "will be sent by `photon-station journal sync`")
	select {
	case d := <-held:
		if d > fleetSendWait+2*time.Second {
			t.Errorf("provision held the hung database's connection for %s, more than its %s", d, fleetSendWait)
		}
	case <-time.After(10 * time.Second):
		t.Error("provision exited and left its connection to the hung database open")
	}
}

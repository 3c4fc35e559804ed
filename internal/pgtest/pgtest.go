// Package pgtest runs a throwaway PostgreSQL cluster for tests: Debian's
// server binaries (/usr/lib/postgresql/*/bin), a temporary folder, a free
// loopback port and a superuser password set through a file, never on a
// command line. Under root (CI) the cluster runs as the unprivileged user
// nobody, since initdb refuses root. Without PostgreSQL a test skips, or
// fails when built with -tags ci (CI installs it through scripts/setup).
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the cluster's superuser name.
const Superuser = "postgres"

// Server is one running (or stopped) throwaway cluster.
type Server struct {
	t        testing.TB
	bin      string
	dir      string
	port     int
	password string
	cred     *account // nil: run as this process's user
	running  bool
}

// Start creates a cluster and starts it; the test's cleanup stops it and
// removes its folder.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binaries()
	if err != nil {
		if required {
			t.Fatalf("CI needs PostgreSQL's server and cannot run it: %v (scripts/setup installs Debian's postgresql package)", err)
		}
		t.Skipf("no PostgreSQL server here (%v); CI runs this test against one", err)
	}
	s := &Server{t: t, bin: bin, password: randomPassword()}
	if os.Geteuid() == 0 {
		if s.cred, err = unprivileged(); err != nil {
			t.Fatal(err)
		}
	}
	s.dir, err = os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.running {
			s.pgctl("stop", "-m", "immediate")
		}
		os.RemoveAll(s.dir)
	})
	if s.cred != nil {
		if err := s.cred.own(s.dir); err != nil {
			t.Fatal(err)
		}
	}
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s.cred != nil {
		if err := s.cred.own(pwfile); err != nil {
			t.Fatal(err)
		}
	}
	out, err := s.run("initdb", "-D", s.data(), "-U", Superuser, "--pwfile="+pwfile, "--auth=scram-sha-256",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	os.Remove(pwfile)
	if err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	for try := 0; ; try++ {
		s.port = freePort(t)
		err := s.start()
		if err == nil {
			break
		}
		if try == 2 {
			t.Fatal(err)
		}
	}
	return s
}

// Binaries returns the folder of the newest Debian PostgreSQL server.
func Binaries() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(found) == 0 {
		return "", fmt.Errorf("no /usr/lib/postgresql/*/bin/pg_ctl")
	}
	version := func(p string) int {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
		return v
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	return filepath.Dir(found[0]), nil
}

func randomPassword() string {
	b := make([]byte, 18)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// run runs one of the server's programs as the cluster's user, with an
// environment that holds no password.
func (s *Server) run(prog string, args ...string) (string, error) {
	out, err := os.CreateTemp("", "pgtest-out-")
	if err != nil {
		return "", err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.Command(filepath.Join(s.bin, prog), args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "TZ=UTC", "HOME=" + s.dir}
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = out, out
	if s.cred != nil {
		s.cred.runAs(cmd)
	}
	err = cmd.Run()
	b, _ := os.ReadFile(out.Name())
	return string(b), err
}

func (s *Server) pgctl(args ...string) (string, error) {
	return s.run("pg_ctl", append([]string{"-D", s.data(), "-w", "-t", "60"}, args...)...)
}

func (s *Server) start() error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "+
		"-c fsync=off -c shared_buffers=16MB -c max_connections=40", s.port, s.dir)
	out, err := s.pgctl("-l", filepath.Join(s.dir, "log"), "-o", opts, "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	s.running = true
	return nil
}

// Start starts the stopped cluster again on its port.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// Stop shuts the cluster down (fast: connections are cut, as when a
// database server is stopped mid-shift) and waits until it is down.
func (s *Server) Stop() {
	s.t.Helper()
	if out, err := s.pgctl("stop", "-m", "fast"); err != nil {
		s.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
	s.running = false
}

// Port is the cluster's loopback port.
func (s *Server) Port() int { return s.port }

// Dir is the cluster's folder (data, log, sockets).
func (s *Server) Dir() string { return s.dir }

// Password is the superuser's password.
func (s *Server) Password() string { return s.password }

// URL is a libpq URL for user with password on database (no TLS: the
// throwaway cluster has none). An empty password leaves it out.
func (s *Server) URL(usr, password, database string) string {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), Path: "/" + database,
		RawQuery: "sslmode=disable"}
	if password == "" {
		u.User = url.User(usr)
	} else {
		u.User = url.UserPassword(usr, password)
	}
	return u.String()
}

// SuperuserURL is the URL of the superuser on database postgres.
func (s *Server) SuperuserURL() string { return s.URL(Superuser, s.password, "postgres") }

// Exec runs SQL as the superuser on database (statements separated by ;).
func (s *Server) Exec(database string, sql ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL(Superuser, s.password, database))
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range sql {
		if _, err := conn.Exec(ctx, q); err != nil {
			s.t.Fatalf("%s: %v", strings.TrimSpace(q), err)
		}
	}
}

// ProcessArgsWith returns the command lines of this machine's processes
// (as /proc shows them) that contain secret: none should.
func ProcessArgsWith(secret string) []string {
	found, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var hits []string
	for _, p := range found {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(secret)) {
			hits = append(hits, p+": "+string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
	return hits
}

// LogWith returns the lines of the server's log that contain secret.
func (s *Server) LogWith(secret string) []string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "log"))
	var hits []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, secret) {
			hits = append(hits, line)
		}
	}
	return hits
}

package pgtest

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func ping(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

func TestStopAndStartAgain(t *testing.T) {
	s := Start(t)
	if err := ping(s.SuperuserURL()); err != nil {
		t.Fatalf("a fresh cluster: %v", err)
	}
	if err := ping(s.URL(Superuser, "not-"+s.Password(), "postgres")); err == nil {
		t.Fatal("a wrong password was accepted: the cluster does not check passwords")
	}
	s.Stop()
	if err := ping(s.SuperuserURL()); err == nil {
		t.Fatal("the stopped cluster still answers")
	}
	s.Start()
	if err := ping(s.SuperuserURL()); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
}

// The superuser's password is in no process's arguments and in no file
// of the cluster (the pwfile is gone; PostgreSQL keeps a SCRAM verifier).
func TestPasswordNowhere(t *testing.T) {
	s := Start(t)
	if err := ping(s.SuperuserURL()); err != nil {
		t.Fatal(err)
	}
	// The check sees a secret where one is: a shell whose $0 is a secret.
	decoy := exec.Command("sh", "-c", "read line", "decoy-"+s.Password()[:8])
	in, _ := decoy.StdinPipe()
	if err := decoy.Start(); err != nil {
		t.Fatal(err)
	}
	if hits := ProcessArgsWith("decoy-" + s.Password()[:8]); len(hits) == 0 {
		t.Error("the /proc check does not see a secret in a process's arguments")
	}
	in.Close()
	decoy.Wait()
	if hits := ProcessArgsWith(s.Password()); len(hits) > 0 {
		t.Fatalf("the password is in process arguments:\n%v", hits)
	}
	filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(s.Password())) {
			t.Errorf("the password is in %s", p)
		}
		return nil
	})
}

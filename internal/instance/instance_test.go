package instance

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The child half of the tests: this test binary, started again with
// childEnv naming the folder, does what a second start of the app does.
const (
	childEnv  = "PHOTON_STATION_INSTANCE_CHILD"
	childMode = "PHOTON_STATION_INSTANCE_MODE"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir, os.Getenv(childMode)))
	}
	os.Exit(m.Run())
}

// child is a start of the app: "start" takes the lock or asks the running
// one to show itself (exit 0 either way, like the app); "hold" takes the
// lock, says LOCKED and waits to be killed.
func child(dir, mode string) int {
	in, err := Acquire(dir)
	var running *Running
	switch {
	case errors.As(err, &running):
		fmt.Println(running.Error())
		if mode == "hold" {
			return 3
		}
		return 0
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer in.Close()
	fmt.Println("LOCKED")
	if mode == "hold" {
		bufio.NewReader(os.Stdin).ReadString('\n') // until killed
	}
	return 0
}

func startChild(t *testing.T, dir, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, childMode+"="+mode)
	return cmd
}

// A second start (another process) finds the station running: the running
// one is asked to show its window and says so, and the second ends at
// once with exit code 0.
func TestSecondStartShowsTheFirst(t *testing.T) {
	dir := t.TempDir()
	_, shown := runningIn(t, dir)
	cmd := startChild(t, dir, "start")
	out, err := runWithin(t, cmd, 10*time.Second)
	if err != nil {
		t.Fatalf("second start: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Photon Station is already running; its window was brought to the front") {
		t.Errorf("second start said %q", out)
	}
	select {
	case <-shown:
	default:
		t.Error("the running station was not asked to show itself")
	}
}

// While a station winds down after its window closed, a second start is
// told it runs (exit 0) without asking the closed window to show itself,
// and cannot take its lock.
func TestWindingDownStationIsNotAsked(t *testing.T) {
	dir := t.TempDir()
	in, shown := runningIn(t, dir)
	in.StopAnswering()
	out, err := runWithin(t, startChild(t, dir, "start"), 10*time.Second)
	if err != nil || strings.TrimSpace(out) != "Photon Station is already running" {
		t.Fatalf("second start: %v, %q", err, out)
	}
	select {
	case <-shown:
		t.Error("the closed window was asked to show itself")
	default:
	}
}

// A station killed while it held the lock leaves the lock file and its
// address behind; neither stops the next start.
func TestKilledStationLeavesNoStaleLock(t *testing.T) {
	dir := t.TempDir()
	holder := startChild(t, dir, "hold")
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "LOCKED\n" {
		t.Fatalf("holder said %q (%v)", line, err)
	}
	if _, err := Acquire(dir); !errors.As(err, new(*Running)) {
		t.Fatalf("with the holder alive, Acquire gave %v", err)
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	holder.Wait()
	for _, name := range []string{LockFile, AddressFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("the killed station left no %s, so this proves nothing: %v", name, err)
		}
	}
	in, err := Acquire(dir)
	if err != nil {
		t.Fatalf("after the kill: %v", err)
	}
	in.Close()
}

// A request without the token from the owner's file shows nothing and gets
// no answer; the address file is the owner's alone.
func TestShowNeedsTheToken(t *testing.T) {
	dir := t.TempDir()
	in, shown := runningIn(t, dir)
	c, err := net.Dial("tcp", in.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "show 0000\n")
	if reply, err := bufio.NewReader(c).ReadString('\n'); err == nil {
		t.Errorf("a wrong token was answered %q", reply)
	}
	select {
	case <-shown:
		t.Error("a wrong token showed the window")
	default:
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, AddressFile))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("address file mode %v, want 0600", perm)
		}
	}
}

// A request that comes before the app has its window is kept for it.
func TestShowBeforeTheWindowIsKept(t *testing.T) {
	dir := t.TempDir()
	in, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := requestShow(filepath.Join(dir, AddressFile)); err != nil {
		t.Fatal(err)
	}
	shown := false
	in.OnShow(func() { shown = true })
	if !shown {
		t.Error("the early request was lost")
	}
}

// runningIn is the running station in dir; shown receives its show
// requests.
func runningIn(t *testing.T, dir string) (*Instance, <-chan struct{}) {
	t.Helper()
	in, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	shown := make(chan struct{}, 1)
	in.OnShow(func() { shown <- struct{}{} })
	return in, shown
}

// runWithin runs cmd and returns its output, failing if it takes longer
// than d (a second start must end quickly).
func runWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) (string, error) {
	t.Helper()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		return out.String(), err
	case <-timer.C:
		cmd.Process.Kill()
		<-done
		t.Fatalf("the second start did not end within %v", d)
		return "", nil
	}
}

package serialio_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// holdPortEnv makes the test binary, run as a child, a second program that
// opens the port named in it, talks to the Photon and keeps the port until
// its standard input closes.
const holdPortEnv = "SERIALIO_TEST_HOLD_PORT"

func TestMain(m *testing.M) {
	if path := os.Getenv(holdPortEnv); path != "" {
		os.Exit(holdPort(path))
	}
	os.Exit(m.Run())
}

func holdPort(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := serialio.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "holder:", err)
		return 1
	}
	defer c.Close()
	if _, err := c.Identify(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "holder:", err)
		return 1
	}
	fmt.Println("holding")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// startHolder runs the test binary as another process holding path, and
// returns once it has opened the port and talked to the Photon.
func startHolder(t *testing.T, path string) (cmd *exec.Cmd, release func()) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdPortEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	release = func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("holder process: %v", err)
		}
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "holding" {
			release()
			t.Fatalf("holder process did not take the port (said %q)", line)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		release()
		t.Fatal("holder process did not take the port within 20 s")
	}
	return cmd, release
}

// TestSecondProgramFindsPortBusy runs two processes on one pseudo-terminal:
// the second is refused at once, before writing a byte, with the first
// named, even as root (where TIOCEXCL alone lets it in); once the first
// exits, the port opens again.
func TestSecondProgramFindsPortBusy(t *testing.T) {
	ph := serialtest.New(serialtest.Config{})
	t.Cleanup(func() { ph.Close() })
	path := ptyPath(t, ph)
	holder, release := startHolder(t, path)
	released := false
	defer func() {
		if !released {
			release()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := serialio.Open(ctx, path)
	if err == nil {
		_, idErr := c.Identify(ctx)
		c.Close()
		t.Fatalf("a second program opened %s held by pid %d (uid %d; identify: %v)", path, holder.Process.Pid, os.Getuid(), idErr)
	}
	if !serialio.IsPortBusy(err) {
		t.Fatalf("second open: %v, want a busy port", err)
	}
	if !strings.HasPrefix(err.Error(), "Another program is using "+path) {
		t.Errorf("message %q does not start with %q", err, "Another program is using "+path)
	}
	if runtime.GOOS == "linux" {
		name := filepath.Base(os.Args[0])
		if len(name) > 15 { // /proc/PID/comm keeps 15 bytes
			name = name[:15]
		}
		want := fmt.Sprintf("(%s, pid %d)", name, holder.Process.Pid)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name the holder %s", err, want)
		}
		var se *serialio.Error
		if !errors.As(err, &se) || se.Holder != want[1:len(want)-1] {
			t.Errorf("Holder = %q, want %q", se.Holder, want[1:len(want)-1])
		}
	}
	if got := ph.Commands(); got != "i" {
		t.Errorf("the Photon received commands %q, want only the holder's %q", got, "i")
	}

	release()
	released = true
	c, err = serialio.Open(ctx, path)
	if err != nil {
		t.Fatalf("after the holder exited: %v", err)
	}
	defer c.Close()
	if _, err := c.Identify(ctx); err != nil {
		t.Fatalf("identify after the holder exited: %v", err)
	}
}

// TestClosedConsoleReleasesLock: one program closing its console lets the
// next one (here, the same process) open the port.
func TestClosedConsoleReleasesLock(t *testing.T) {
	ph := serialtest.New(serialtest.Config{})
	t.Cleanup(func() { ph.Close() })
	path := ptyPath(t, ph)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first, err := serialio.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := serialio.Open(ctx, path); !serialio.IsPortBusy(err) {
		t.Fatalf("second console in the same process: %v, want a busy port", err)
	}
	first.Close()
	second, err := serialio.Open(ctx, path)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	second.Close()
}

//go:build unix

package main

import (
	"bytes"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// lineWatch is stdout for run: it keeps what was written and closes seen
// the first time a line holds want.
type lineWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.seen != nil && strings.Contains(string(p), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func (w *lineWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// A factory script's `timeout` sends SIGTERM: provision stops the attempt
// and writes a "stopped" FAIL record instead of dying with an interrupted
// one.
func TestProvisionStopsOnSIGTERM(t *testing.T) {
	h := newHeadless(t)
	id := h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	// The network's real password is another: the device never comes
	// online, so provision waits in verification until it is stopped.
	_, path := h.photon(serialtest.Config{Password: "not-" + tWiFiPassword})
	// Should provision not catch SIGTERM, this keeps the test process
	// alive (the test then fails on the outcome instead).
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, syscall.SIGTERM)
	defer signal.Stop(caught)

	seen := make(chan struct{})
	stdout := &lineWatch{want: `"step":"verify","kind":"started"`, seen: seen}
	var stderr bytes.Buffer
	codec := make(chan int, 1)
	go func() { codec <- run(h.provisionArgs(path, "--json", "--timeout", "60s"), stdout, &stderr) }()
	select {
	case <-seen:
	case code := <-codec:
		t.Fatalf("provision ended (exit %d) before verification\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("verification did not start\nstdout:\n%s", stdout)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-codec:
	case <-time.After(20 * time.Second):
		t.Fatalf("provision did not stop on SIGTERM\nstdout:\n%s", stdout)
	}
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	_, res := jsonLines(t, stdout.String())
	if res.Outcome != provisioning.OutcomeFail || !strings.Contains(res.Message, "Stopped") {
		t.Errorf("result %+v, want a stopped FAIL", res)
	}
	j, err := provisioning.ReadJournal(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	recs := j.ByDevice(id)
	// The journal says stopped (the script's result line keeps "fail").
	if len(recs) != 1 || recs[0].Outcome != provisioning.OutcomeStopped || !strings.Contains(recs[0].Message, "Stopped") {
		t.Errorf("journal: %+v", recs)
	}
	if n := len(j.Interrupted()); n != 0 {
		t.Errorf("%d interrupted attempts, want 0", n)
	}
}

//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// The Photon's console reads a claim-code line and each Wi-Fi answer with
// no timeout. These tests leave it inside such a line the hard way: a
// provision process killed (SIGKILL) just as the device asks, then run
// again on the same port.

// tSSIDOneWord is the network for a provision run in a child process,
// whose command line travels as space-separated words.
const tSSIDOneWord = "FactoryFloor"

// childProvision is a provision run in its own process: this test binary
// re-executed as photon-station, sharing the test's environment (config
// folder, secrets) and the emulated Photon's pseudo-terminal.
type childProvision struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	exited chan struct{}
	once   sync.Once
}

func startChildProvision(t *testing.T, args []string) *childProvision {
	t.Helper()
	c := &childProvision{exited: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), cliArgsEnv+"="+strings.Join(args, " "))
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.exited
	})
	return c
}

// kill ends the process with SIGKILL and waits until it is gone; only the
// first call does anything.
func (c *childProvision) kill() {
	c.once.Do(func() {
		c.cmd.Process.Kill()
		<-c.exited
	})
}

// killedAt starts provision in a child process on the emulated Photon and
// kills it the moment the device is about to print prompt, so the device
// waits in that line for a host that is gone. It returns the Photon, its
// port and the provision arguments.
func killedAt(t *testing.T, h *headless, prompt string) (*serialtest.Photon, string, []string) {
	t.Helper()
	var child *childProvision
	var mu sync.Mutex
	ph, path := h.photon(serialtest.Config{Password: tWiFiPassword, OnPrompt: func(p string) {
		mu.Lock()
		c := child
		mu.Unlock()
		if p == prompt && c != nil {
			c.kill() // before the prompt goes out: the process never answers it
		}
	}})
	args := replaceArg(h.provisionArgs(path, "--customer", tCustomer, "--json"), "--ssid", tSSIDOneWord)
	mu.Lock()
	child = startChildProvision(t, args)
	mu.Unlock()
	select {
	case <-child.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("the first provision was not killed at %q\n%s", prompt, child.out.String())
	}
	if child.cmd.ProcessState.Success() {
		t.Fatalf("the first provision finished before %q\n%s", prompt, child.out.String())
	}
	return ph, path, args
}

// interruptedIn checks that the journal knows the killed attempt's step in
// flight on the port, and returns that attempt.
func interruptedIn(t *testing.T, h *headless, port string, step provisioning.Step) provisioning.Record {
	t.Helper()
	j, err := provisioning.ReadJournal(h.journalPath())
	if err != nil {
		t.Fatal(err)
	}
	prev, ok := j.InterruptedOnPort(port, "")
	if !ok {
		t.Fatalf("the journal has no interrupted attempt on %s: %+v", port, j.Records())
	}
	if st, ok := prev.InFlight(); !ok || st.Step != step {
		t.Fatalf("the killed attempt's step in flight is %+v, want %s", st, step)
	}
	return prev
}

// Killed while the Photon waited for its claim code: the next run ends
// that line (the device says the code is unchanged) and finishes the
// Photon, resuming the interrupted attempt.
func TestProvisionAfterKillAtClaimCodePrompt(t *testing.T) {
	h := newHeadless(t)
	id := h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	ph, path, args := killedAt(t, h, "Enter 63-digit claim code: ")
	prev := interruptedIn(t, h, path, provisioning.StepDeliverCode)

	code, stdout, stderr := h.run(args...)
	if code != exitOK {
		t.Fatalf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, res := jsonLines(t, stdout)
	if res.Outcome != provisioning.OutcomePass || res.DeviceID != id {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(stdout, "Ending the claim-code line the interrupted attempt left open.") {
		t.Errorf("the second run did not say it ended the open line:\n%s", stdout)
	}
	got := ph.Received()
	if got.ClaimCode == "" || got.SSID != tSSIDOneWord || !got.WiFiSaved {
		t.Errorf("device got claim code %v, SSID %q, saved %v", got.ClaimCode != "", got.SSID, got.WiFiSaved)
	}
	if d, _ := h.cloud.Device(id); !d.Online || d.Owner != tCustomer {
		t.Errorf("cloud state %+v", d)
	}
	j, err := provisioning.ReadJournal(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	recs := j.ByDevice(id)
	if last := recs[len(recs)-1]; last.Outcome != provisioning.OutcomePass || last.ResumedFrom != prev.Attempt {
		t.Errorf("last record %+v, want PASS resumed from %s", last, prev.Attempt)
	}
	h.assertNoLeaks(stdout, stderr)
}

// Killed while the Photon waited for its Wi-Fi password: the next run
// writes nothing to it (an empty line would be stored as the password) and
// asks for RESET, which is the only way out of that line.
func TestProvisionAfterKillAtPasswordPrompt(t *testing.T) {
	h := newHeadless(t)
	h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	ph, path, args := killedAt(t, h, "Password: ")
	interruptedIn(t, h, path, provisioning.StepWiFi)
	heard := ph.Heard()

	code, stdout, stderr := h.run(args...)
	if code != exitFailed {
		t.Fatalf("second run: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailed, stdout, stderr)
	}
	_, res := jsonLines(t, stdout)
	assertResetWords(t, path, res.Message+" "+res.Action+"\n"+stderr)
	if res.FailedStep != provisioning.StepIdentify {
		t.Errorf("failed step %q, want identify", res.FailedStep)
	}
	if n := ph.Heard() - heard; n != 0 {
		t.Errorf("the second run wrote %d bytes into the Photon's Wi-Fi questions", n)
	}
	if ph.Received().WiFiSaved {
		t.Error("the Photon stored Wi-Fi credentials")
	}
	// Its own FAIL is the port's latest word: after RESET, Retry goes on.
	j, err := provisioning.ReadJournal(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := j.InterruptedOnPort(path, ""); ok {
		t.Errorf("the port still counts as interrupted after the refusal: %+v", r)
	}
	h.assertNoLeaks(stdout, stderr)
}

// A stop (SIGTERM from a factory script) during 'w' says RESET too, not
// "stopped": the Photon waits inside the Wi-Fi questions.
func TestProvisionStoppedDuringWiFi(t *testing.T) {
	h := newHeadless(t)
	h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	caught := make(chan os.Signal, 1) // keeps the test alive should provision not catch it
	signal.Notify(caught, syscall.SIGTERM)
	defer signal.Stop(caught)
	// The question waits until the stop has ended the Wi-Fi step, so the
	// signal's delivery cannot lose a race with the password's typing.
	stepFailed := make(chan struct{})
	out := &lineWatch{want: `"step":"wifi","kind":"failed"`, seen: stepFailed}
	_, path := h.photon(serialtest.Config{Password: tWiFiPassword, OnPrompt: func(p string) {
		if p == "Password: " {
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
			select {
			case <-stepFailed:
			case <-time.After(30 * time.Second):
			}
		}
	}})
	var errb bytes.Buffer
	code := run(h.provisionArgs(path, "--customer", tCustomer, "--json"), out, &errb)
	stdout, stderr := out.String(), errb.String()
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailed, stdout, stderr)
	}
	_, res := jsonLines(t, stdout)
	assertResetWords(t, path, res.Message+" "+res.Action+"\n"+stderr)
	if res.FailedStep != provisioning.StepWiFi {
		t.Errorf("failed step %q, want wifi", res.FailedStep)
	}
	j, err := provisioning.ReadJournal(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	recs := j.Records()
	if last := recs[len(recs)-1]; last.Outcome != provisioning.OutcomeStopped || !strings.Contains(last.Message, "inside the Wi-Fi questions") {
		t.Errorf("journal: %+v", last)
	}
	h.assertNoLeaks(stdout, stderr)
}

// A device ID line that holds no device ID is said to be that, not "not
// in listening mode".
func TestProvisionMalformedDeviceID(t *testing.T) {
	h := newHeadless(t)
	_, path := h.photon(serialtest.Config{DeviceID: "3a001d00024734333937353g"})
	code, stdout, stderr := h.run(h.provisionArgs(path, "--json")...)
	if code != exitFailed {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, res := jsonLines(t, stdout)
	if !strings.Contains(res.Message, "answered with something that is not a device ID") || strings.Contains(res.Message+stderr, "not in listening mode") {
		t.Errorf("result %q / %q", res.Message, stderr)
	}
	if res.FailedStep != provisioning.StepIdentify {
		t.Errorf("failed step %q", res.FailedStep)
	}
}

// assertResetWords checks the technician is told RESET, not SETUP (which
// does nothing while the Photon reads a line).
func assertResetWords(t *testing.T, port, text string) {
	t.Helper()
	if !strings.Contains(text, "The Photon on "+port+" may still be waiting inside the Wi-Fi questions") ||
		!strings.Contains(text, "RESET") || strings.Contains(text, "SETUP") || strings.Contains(text, "Stopped") {
		t.Errorf("message does not ask for RESET alone:\n%s", text)
	}
}

// A second program on a port whose first is inside the Wi-Fi questions is
// told the port is taken, not RESET: the port's lock decides before the
// journal does. Its refusal never held the port, so once the first is
// killed there, the next run still knows the Photon waits inside the
// questions and types nothing.
func TestProvisionSecondProgramWhileTheFirstIsInsideWiFi(t *testing.T) {
	h := newHeadless(t)
	h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	atPassword, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ph, path := h.photon(serialtest.Config{Password: tWiFiPassword, OnPrompt: func(p string) {
		if p == "Password: " {
			once.Do(func() { close(atPassword) })
			<-release // the first program waits for the question meanwhile
		}
	}})
	defer close(release)
	args := replaceArg(h.provisionArgs(path, "--customer", tCustomer, "--json"), "--ssid", tSSIDOneWord)
	first := startChildProvision(t, args)
	select {
	case <-atPassword:
	case <-first.exited:
		t.Fatalf("the first provision ended before the password question\n%s", first.out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the first provision never reached the password question\n%s", first.out.String())
	}
	name := filepath.Base(os.Args[0])
	if len(name) > 15 {
		name = name[:15]
	}
	want := fmt.Sprintf("Another program is using %s (%s, pid %d).", path, name, first.cmd.Process.Pid)
	heard := ph.Heard()
	code, stdout, stderr := h.run(args...)
	if code != exitFailed || !strings.Contains(stderr, want) || strings.Contains(stdout+stderr, "RESET") {
		t.Fatalf("second program: exit %d, stderr %q; want %d and %q\nstdout:\n%s", code, stderr, exitFailed, want, stdout)
	}
	first.kill()
	if n := ph.Heard() - heard; n != 0 {
		t.Errorf("the second program sent %d bytes", n)
	}

	heard = ph.Heard()
	code, stdout, stderr = h.run(args...)
	if code != exitFailed {
		t.Fatalf("run after the kill: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, res := jsonLines(t, stdout)
	assertResetWords(t, path, res.Message+" "+res.Action+"\n"+stderr)
	if n := ph.Heard() - heard; n != 0 {
		t.Errorf("the run after the kill typed %d bytes into the Wi-Fi questions", n)
	}
	if ph.Received().WiFiSaved {
		t.Error("the Photon stored Wi-Fi credentials")
	}
}

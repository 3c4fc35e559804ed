package provisioning

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// The crash test: a child process (this test binary, re-executed) provisions
// a tray of Photons and is killed with SIGKILL at random moments, again and
// again. The fake cloud lives in the parent, so it survives the kills as the
// real one would. The child prints an ACK line for every step event it got
// (a step is announced done only once its row is committed to the journal
// database); the kill lands anywhere in the work before the next one, a
// database write included. After all the kills the database must hold
// every acknowledged step, every interrupted attempt that knew its
// device must have been resumed by the next attempt, and every device must
// end PASS, online and owned by its customer.

const (
	crashChildEnv   = "PHOTON_STATION_CRASH_CHILD"
	crashCloudEnv   = "PHOTON_STATION_CRASH_CLOUD"
	crashControlEnv = "PHOTON_STATION_CRASH_CONTROL"
	crashJournalEnv = "PHOTON_STATION_CRASH_JOURNAL"
	crashDevicesEnv = "PHOTON_STATION_CRASH_DEVICES"
)

func crashDeviceIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("3b002100174735323634%04x", i+1)
	}
	return ids
}

// ack is one acknowledged journal write, as the child reports it.
type ack struct {
	Attempt string      `json:"attempt"`
	Device  string      `json:"device"`
	Step    Step        `json:"step"`
	Outcome StepOutcome `json:"outcome"`
}

// crashWorld is the fake cloud with the devices ids, and the control
// server the children's emulated Photons reach it through.
func crashWorld(t *testing.T, ids []string) (*cloudtest.Cloud, string) {
	t.Helper()
	c := cloudtest.New(cloudtest.Options{})
	t.Cleanup(c.Close)
	c.AddProduct(cloudtest.Product{ID: productID, Slug: productSlug, Name: "Acme Sensor"})
	c.AddOAuthClient(cloudtest.OAuthClient{ID: clientID, Secret: clientSecret, Name: "bench", ProductID: productID})
	for _, id := range ids {
		c.AddDevice(cloudtest.Device{ID: id})
	}
	// The control server stands for the radio link: the child's emulated
	// Photons "reach the cloud" through it, and ask whether they did before.
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ ID, Code string }
		if r.Method == http.MethodPost {
			json.NewDecoder(r.Body).Decode(&req)
			c.DeviceOnline(req.ID, req.Code)
			return
		}
		d, _ := c.Device(r.URL.Query().Get("id"))
		json.NewEncoder(w).Encode(d.Online)
	}))
	t.Cleanup(control.Close)
	return c, control.URL
}

// crashChild is a child process provisioning ids into journal.
func crashChild(c *cloudtest.Cloud, control, journal string, ids []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashCloudEnv+"="+c.URL(), crashControlEnv+"="+control,
		crashJournalEnv+"="+journal, crashDevicesEnv+"="+strings.Join(ids, ","))
	return cmd
}

func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns many child processes")
	}
	ids := crashDeviceIDs(16)
	c, control := crashWorld(t, ids)
	journal := filepath.Join(t.TempDir(), "journal.db")

	rng := rand.New(rand.NewPCG(4711, 42))
	var acks []ack
	kills, finished := 0, false
	for round := 0; round < 50 && !finished; round++ {
		cmd := crashChild(c, control, journal, ids)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		// The child waits for a go-ahead after every acknowledged write, so
		// it can never run ahead of the kill (on a loaded machine it used
		// to finish the whole tray before the parent read its first ACKs).
		goAhead, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The first rounds die with SIGKILL right after a random number of
		// acknowledged writes (so the kill lands mid-work however fast or
		// loaded the machine is); the last rounds run to completion.
		target := 0
		if round < 30 {
			target = 1 + rng.IntN(12)
		}
		var mu sync.Mutex
		done := make(chan struct{})
		var childDone, killed bool
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			n := 0
			for sc.Scan() {
				line := sc.Text()
				if js, ok := strings.CutPrefix(line, "ACK "); ok {
					var a ack
					if json.Unmarshal([]byte(js), &a) == nil {
						mu.Lock()
						acks = append(acks, a)
						mu.Unlock()
					}
					// Let the child go on; at the target, kill it at once, so
					// the kill lands somewhere in the work before its next
					// acknowledged write (which it cannot pass unanswered).
					goAhead.Write([]byte("\n")) // fails only once the child is gone
					if n++; n == target {
						cmd.Process.Kill()
						mu.Lock()
						killed = true
						mu.Unlock()
					}
				}
				if line == "ALL-PASSED" {
					mu.Lock()
					childDone = true
					mu.Unlock()
				}
			}
		}()
		<-done
		goAhead.Close()
		err = cmd.Wait()
		mu.Lock()
		finished = childDone
		wasKilled := killed
		mu.Unlock()
		if wasKilled {
			kills++
		} else if err != nil && !finished {
			t.Fatalf("round %d: child failed: %v\n%s", round, err, stderr.String())
		}
	}
	if !finished {
		t.Fatalf("the tray was never finished after %d kills", kills)
	}
	if kills < 10 {
		t.Fatalf("only %d kills landed; the test proved little", kills)
	}

	j, err := OpenJournal(journal)
	if err != nil {
		t.Fatalf("journal after %d kills: %v", kills, err)
	}
	defer j.Close()
	t.Logf("%d kills, %d acknowledged writes, %d attempts in the database", kills, len(acks), len(j.Records()))
	byAttempt := map[string]Record{}
	for _, r := range j.Records() {
		byAttempt[r.Attempt] = r
	}
	// Nothing acknowledged is lost.
	for _, a := range acks {
		r, ok := byAttempt[a.Attempt]
		if !ok {
			t.Errorf("acknowledged attempt %s is missing", a.Attempt)
			continue
		}
		found := false
		for _, s := range r.Steps {
			found = found || (s.Step == a.Step && s.Outcome == a.Outcome)
		}
		if a.Step == StepRecord {
			found = r.Finished()
		}
		if !found {
			t.Errorf("attempt %s lost its acknowledged %s:%s (has %v)", a.Attempt, a.Step, a.Outcome, stepOutcomes(r))
		}
	}
	// Every interrupted attempt that knew its device was resumed by the
	// device's next attempt.
	recs := j.Records()
	for i, r := range recs {
		if r.Finished() || r.DeviceID == "" {
			continue
		}
		var next *Record
		for k := i + 1; k < len(recs); k++ {
			if recs[k].DeviceID == r.DeviceID {
				next = &recs[k]
				break
			}
		}
		if next == nil || next.ResumedFrom != r.Attempt {
			t.Errorf("interrupted attempt %s of %s was not resumed (next: %+v)", r.Attempt, r.DeviceID, next)
		}
	}
	checkChains(t, recs)
	for _, id := range ids {
		rs := j.ByDevice(id)
		if len(rs) == 0 || rs[len(rs)-1].Outcome != OutcomePass {
			t.Errorf("%s did not end PASS", id)
		}
		d, _ := c.Device(id)
		if !d.Online || d.ProductID != productID || d.Owner != "unit-"+id+"@acme.example" {
			t.Errorf("%s in the cloud: %+v", id, d)
		}
	}
	if n := len(c.Customers(productID)); n != len(ids) {
		t.Errorf("%d customers for %d devices", n, len(ids))
	}
}

// checkChains checks that every chain of attempts (each resuming the one
// before) ends with exactly one final outcome: every attempt another went
// on from is closed "resumed" by that one, no other attempt is, and no
// attempt that knew its device is left unfinished.
func checkChains(t *testing.T, recs []Record) {
	t.Helper()
	byAttempt := map[string]Record{}
	for _, r := range recs {
		byAttempt[r.Attempt] = r
	}
	resumer := map[string]string{}
	for _, r := range recs {
		if r.ResumedFrom == "" {
			continue
		}
		if other, ok := resumer[r.ResumedFrom]; ok {
			t.Errorf("attempt %s was resumed twice, by %s and %s", r.ResumedFrom, other, r.Attempt)
		}
		resumer[r.ResumedFrom] = r.Attempt
		prev, ok := byAttempt[r.ResumedFrom]
		switch {
		case !ok:
			t.Errorf("attempt %s resumed %s, which is missing", r.Attempt, r.ResumedFrom)
		case prev.Outcome != OutcomeResumed || prev.ResumedBy != r.Attempt:
			t.Errorf("attempt %s, which %s went on from, ended %q (resumed by %q), not resumed by its resumer",
				prev.Attempt, r.Attempt, prev.Outcome, prev.ResumedBy)
		}
	}
	chains, ends := 0, 0
	for _, r := range recs {
		if _, resumed := resumer[r.Attempt]; resumed {
			continue
		}
		chains++ // r ends a chain: its outcome is the chain's one outcome
		switch {
		case r.Outcome == OutcomeResumed:
			t.Errorf("attempt %s is closed resumed, but no attempt went on from it", r.Attempt)
		case !r.Finished() && r.DeviceID != "":
			t.Errorf("attempt %s of %s was left unfinished (steps %v)", r.Attempt, r.DeviceID, stepOutcomes(r))
		case r.Finished():
			ends++
		}
	}
	t.Logf("%d attempts in %d chains, %d resumed, %d chains with a final outcome", len(recs), chains, len(resumer), ends)
}

// Two processes (a GUI bench and a script, say) provision into one journal
// at once: every attempt of both is there, each Photon ends PASS, and
// neither takes the other's attempts for interrupted ones.
func TestTwoProcessesProvisionIntoOneJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	ids := crashDeviceIDs(12)
	c, control := crashWorld(t, ids)
	journal := filepath.Join(t.TempDir(), "journal.db")
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, half := range [][]string{ids[:6], ids[6:]} {
		cmd := crashChild(c, control, journal, half)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out // stdin empty: no lock-step
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil || !strings.Contains(outs[i].String(), "ALL-PASSED") {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i].String())
		}
	}
	j, err := ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, id := range ids {
		rs := j.ByDevice(id)
		if len(rs) == 0 || rs[len(rs)-1].Outcome != OutcomePass {
			t.Errorf("%s: %d attempts, the last not PASS", id, len(rs))
		}
		for _, r := range rs {
			if r.ResumedFrom != "" {
				t.Errorf("%s: attempt %s resumed %s, though nothing was interrupted", id, r.Attempt, r.ResumedFrom)
			}
		}
	}
	if n := len(j.Interrupted()); n != 0 {
		t.Errorf("%d interrupted attempts", n)
	}
}

// TestCrashChild is the child half of TestCrashResume and of
// TestTwoProcessesProvisionIntoOneJournal.
func TestCrashChild(t *testing.T) {
	if os.Getenv(crashChildEnv) == "" {
		t.Skip("runs only as the crash test's child")
	}
	j, err := OpenJournal(os.Getenv(crashJournalEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "journal:", err)
		os.Exit(3)
	}
	control := os.Getenv(crashControlEnv)
	// Lock-step with the parent: after each acknowledged write, wait for
	// its go-ahead (or for stdin to close, which means go on freely).
	goAhead := bufio.NewReader(os.Stdin)
	lockStep := true
	p := &Pipeline{
		Profile: Profile{Name: "crash", Product: productSlug, ClientID: clientID, SSID: wifiSSID, Security: SecurityWPA2,
			Customer: CustomerEmail, CustomerPattern: "unit-{device_id}@acme.example", Channel: ChannelSerial, VerifyTimeout: 10 * time.Second},
		Credentials:  Credentials{ClientSecret: clientSecret, WiFiPassword: wifiPassword},
		Cloud:        NewCloudAPI(&cloud.Client{BaseURL: os.Getenv(crashCloudEnv), Timeout: 5 * time.Second}),
		Journal:      j,
		Station:      "crash",
		Timeouts:     Timeouts{Identify: 3 * time.Second, WiFi: 5 * time.Second},
		PollInterval: 5 * time.Millisecond,
	}
	online := func(id, code string) {
		b, _ := json.Marshal(map[string]string{"ID": id, "Code": code})
		resp, err := http.Post(control, "application/json", strings.NewReader(string(b)))
		if err == nil {
			resp.Body.Close()
		}
	}
	allPassed := true
	for _, id := range strings.Split(os.Getenv(crashDevicesEnv), ",") {
		if rs := j.ByDevice(id); len(rs) > 0 && rs[len(rs)-1].Outcome == OutcomePass {
			continue
		}
		// A device that reached the cloud before the crash runs its
		// application now; the others wait in listening mode.
		var wasOnline bool
		if resp, err := http.Get(control + "?id=" + id); err == nil {
			json.NewDecoder(resp.Body).Decode(&wasOnline)
			resp.Body.Close()
		}
		ph := serialtest.New(serialtest.Config{DeviceID: id, Password: wifiPassword, OnOnline: online, NotListening: wasOnline})
		port := "/dev/crash-" + id[len(id)-4:]
		passed := false
		for try := 0; try < 3 && !passed; try++ {
			res := p.RunDevice(context.Background(), Device{Slot: port, Port: port, Open: func(ctx context.Context) (DeviceChannel, error) {
				return &SerialChannel{Console: serialio.NewConsole(ph.Pipe(), serialio.WithPortName(port),
					serialio.WithTimeouts(serialio.Timeouts{Answer: 150 * time.Millisecond, Claimed: 100 * time.Millisecond}))}, nil
			}}, func(e Event) {
				var out StepOutcome
				switch e.Kind {
				case EventDone:
					out = StepDone
				case EventSkipped:
					out = StepSkipped
				case EventFailed:
					out = StepFailed
				case EventResult:
					out = StepDone
				default:
					return
				}
				b, _ := json.Marshal(ack{Attempt: e.Attempt, Device: id, Step: e.Step, Outcome: out})
				os.Stdout.Write([]byte("ACK " + string(b) + "\n"))
				if lockStep {
					if _, err := goAhead.ReadString('\n'); err != nil {
						lockStep = false
					}
				}
			})
			if passed = res.Outcome == OutcomePass; passed {
				break
			}
			fmt.Fprintf(os.Stderr, "%s: %s at %s: %s (%s)\n", id, res.Outcome, res.FailedStep, res.Message, res.Details)
			ph.EnterListening() // the technician puts it back in listening mode
		}
		ph.Close()
		allPassed = allPassed && passed
	}
	if allPassed {
		fmt.Println("ALL-PASSED")
	}
}

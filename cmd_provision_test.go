package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/fleet"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
	"github.com/photon-station/photon-station/softap/softaptest"
)

const (
	tProductID    = 4711
	tProduct      = "acme-sensor"
	tClientID     = "acme-sensor-4711"
	tClientSecret = "c5e7f00dfeedbeef0badc0de1234567890abcdef"
	tSSID         = "Factory Floor"
	tWiFiPassword = "hunter2-correct-horse"
	tCustomer     = "line3@acme.example"
	tDeviceID     = "3a001d000247343339373536"
)

// headless is one test's world: a fake cloud, a private config folder
// (profiles and journal) and the secrets in the environment.
type headless struct {
	t     *testing.T
	cloud *cloudtest.Cloud
	home  string
}

func newHeadless(t *testing.T) *headless {
	t.Helper()
	h := &headless{t: t, home: t.TempDir()}
	t.Setenv("XDG_CONFIG_HOME", h.home)
	t.Setenv("HOME", h.home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(h.home, "data"))
	t.Setenv("PARTICLE_CLIENT_SECRET", tClientSecret)
	t.Setenv("WIFI_PASSWORD", tWiFiPassword)
	t.Setenv("PARTICLE_API_URL", "")
	t.Setenv(fleet.EnvURL, "")
	h.cloud = cloudtest.New(cloudtest.Options{})
	t.Cleanup(h.cloud.Close)
	h.cloud.AddProduct(cloudtest.Product{ID: tProductID, Slug: tProduct, Name: "Acme Sensor"})
	h.cloud.AddOAuthClient(cloudtest.OAuthClient{ID: tClientID, Secret: tClientSecret, Name: "bench", ProductID: tProductID})
	return h
}

// journalPath is where the station keeps its journal database in this
// world (the user data folder).
func (h *headless) journalPath() string {
	return filepath.Join(h.home, "data", "photon-station", "journal.db")
}

// legacyJournalPath is where releases before the database kept the v1
// journal (the user config folder).
func (h *headless) legacyJournalPath() string {
	return filepath.Join(h.home, "photon-station", "journal.jsonl")
}

// photon starts an emulated Photon on a real pseudo-terminal.
func (h *headless) photon(cfg serialtest.Config) (*serialtest.Photon, string) {
	h.t.Helper()
	if cfg.DeviceID == "" {
		cfg.DeviceID = tDeviceID
	}
	also := cfg.OnOnline
	cfg.OnOnline = func(id, code string) {
		h.cloud.DeviceOnline(id, code)
		if also != nil {
			also(id, code)
		}
	}
	ph := serialtest.New(cfg)
	h.t.Cleanup(func() { ph.Close() })
	path, err := ph.PTY()
	if err != nil {
		h.t.Skipf("no pseudo-terminal: %v", err)
	}
	return ph, path
}

// run runs the command line and returns exit code, stdout and stderr.
func (h *headless) run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func (h *headless) provisionArgs(port string, extra ...string) []string {
	args := []string{"provision", "--port", port, "--product", tProduct, "--client-id", tClientID,
		"--ssid", tSSID, "--security", "wpa2", "--api-url", h.cloud.URL(), "--timeout", "10s"}
	return append(args, extra...)
}

// jsonLines parses stdout as JSON lines and returns the events and the
// final result.
func jsonLines(t *testing.T, stdout string) ([]provisioning.Event, provisionResult) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var events []provisioning.Event
	for _, l := range lines[:len(lines)-1] {
		var e provisioning.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		events = append(events, e)
	}
	var res provisionResult
	dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("last line is not the result: %q: %v", lines[len(lines)-1], err)
	}
	if res.Kind != provisioning.EventResult {
		t.Fatalf("last line kind %q", res.Kind)
	}
	if !strings.Contains(lines[len(lines)-1], `"device_id"`) {
		t.Fatalf("the result has no device_id: %s", lines[len(lines)-1])
	}
	return events, res
}

// secrets are what must never appear in any output.
func (h *headless) secrets() []string {
	s := []string{tClientSecret, tWiFiPassword}
	for _, c := range h.cloud.ClaimCodes() {
		s = append(s, c.Code)
	}
	return s
}

func (h *headless) assertNoLeaks(texts ...string) {
	h.t.Helper()
	// The database, and its write-ahead log where the last writes wait
	// for a checkpoint.
	db, _ := os.ReadFile(h.journalPath())
	wal, _ := os.ReadFile(h.journalPath() + "-wal")
	texts = append(texts, string(db), string(wal))
	for _, text := range texts {
		for _, s := range h.secrets() {
			if strings.Contains(text, s) {
				h.t.Errorf("a secret (%d characters) leaked into the output or journal", len(s))
			}
		}
	}
	// Tokens: the fake logs every credential's place; none may be in a URL.
	if leak := h.cloud.SecretsInURLs(); len(leak) > 0 {
		h.t.Errorf("secrets in request URLs: %v", leak)
	}
}

// The contract test: provision a Photon on a real pseudo-terminal against
// the fake cloud, with --json, and check exit code, JSON lines, journal and
// the cloud's final state.
func TestProvisionSerialJSON(t *testing.T) {
	h := newHeadless(t)
	id := h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	ph, path := h.photon(serialtest.Config{Password: tWiFiPassword})
	code, stdout, stderr := h.run(h.provisionArgs(path, "--customer", tCustomer, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr on success: %q", stderr)
	}
	events, res := jsonLines(t, stdout)
	if res.Outcome != provisioning.OutcomePass || res.DeviceID != id || res.Customer != tCustomer || res.Product != tProduct {
		t.Errorf("result %+v", res)
	}
	seen := map[provisioning.Step]provisioning.EventKind{}
	for _, e := range events {
		if e.Kind == provisioning.EventDone || e.Kind == provisioning.EventSkipped {
			seen[e.Step] = e.Kind
		}
	}
	for _, s := range []provisioning.Step{provisioning.StepIdentify, provisioning.StepPreflight, provisioning.StepImport,
		provisioning.StepCustomer, provisioning.StepClaimCode, provisioning.StepDeliverCode, provisioning.StepWiFi, provisioning.StepVerify} {
		if seen[s] != provisioning.EventDone {
			t.Errorf("no done event for %s (%v)", s, seen)
		}
	}
	d, _ := h.cloud.Device(id)
	if !d.Online || d.ProductID != tProductID || d.Owner != tCustomer {
		t.Errorf("cloud state %+v", d)
	}
	if rec := ph.Received(); rec.ClaimCode == "" || rec.SSID != tSSID || !rec.WiFiSaved {
		t.Errorf("device got %+v", rec.SSID)
	}
	j, err := provisioning.ReadJournal(res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if recs := j.ByDevice(id); len(recs) != 1 || recs[0].Outcome != provisioning.OutcomePass || recs[0].Port != path {
		t.Errorf("journal: %+v", recs)
	}
	h.assertNoLeaks(stdout, stderr)
}

func TestProvisionSerialHuman(t *testing.T) {
	h := newHeadless(t)
	id := h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	_, path := h.photon(serialtest.Config{})
	code, stdout, stderr := h.run(h.provisionArgs(path)...)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "PASS "+id) {
		t.Errorf("stdout:\n%s", stdout)
	}
	h.assertNoLeaks(stdout, stderr)
}

func TestProvisionSoftAP(t *testing.T) {
	h := newHeadless(t)
	id := h.cloud.AddDevice(cloudtest.Device{ID: "320020001847333531323135"})
	dev, err := softaptest.New(softaptest.WithDeviceID(id), softaptest.WithWiFiPassword(tWiFiPassword),
		softaptest.WithOnline(func(id, code string) { h.cloud.DeviceOnline(id, code) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	code, stdout, stderr := h.run("provision", "--via", "softap", "--softap-addr", dev.Addr(), "--product", tProduct,
		"--client-id", tClientID, "--ssid", "Workshop", "--security", "wpa2", "--customer", tCustomer,
		"--api-url", h.cloud.URL(), "--timeout", "10s", "--json")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, res := jsonLines(t, stdout)
	if res.DeviceID != id {
		t.Errorf("device_id %q", res.DeviceID)
	}
	if d, _ := h.cloud.Device(id); !d.Online || d.Owner != tCustomer {
		t.Errorf("cloud %+v", d)
	}
	if rec := dev.Record(); rec.SSID != "Workshop" || rec.Password != tWiFiPassword {
		t.Errorf("device got SSID %q", rec.SSID)
	}
	h.assertNoLeaks(stdout, stderr)
}

// Bad input and faults through the command line: the exit code, a single
// line on stderr that says what to do, and nothing written where it should
// not be.
func TestProvisionFaults(t *testing.T) {
	tests := []struct {
		name    string
		args    func(h *headless, port string) []string
		env     map[string]string
		cfg     serialtest.Config
		device  *cloudtest.Device
		code    int
		stderr  string
		touched bool // whether the device may have received anything
	}{
		{name: "no --port with serial", code: 2, stderr: "--port is required",
			args: func(h *headless, p string) []string { return removeArg(h.provisionArgs(p), "--port") }},
		{name: "missing --product", code: 2, stderr: "--product is required",
			args: func(h *headless, p string) []string { return []string{"provision", "--port", p} }},
		{name: "unknown flag", code: 2, stderr: "flag provided but not defined",
			args: func(h *headless, p string) []string { return h.provisionArgs(p, "--password", "x") }},
		{name: "bad security", code: 2, stderr: "--security",
			args: func(h *headless, p string) []string { return replaceArg(h.provisionArgs(p), "--security", "wpa3") }},
		{name: "SSID over 32 bytes", code: 2, stderr: "--ssid",
			args: func(h *headless, p string) []string {
				return replaceArg(h.provisionArgs(p), "--ssid", strings.Repeat("n", 33))
			}},
		{name: "SSID with a control character", code: 2, stderr: "--ssid",
			args: func(h *headless, p string) []string { return replaceArg(h.provisionArgs(p), "--ssid", "bad\tname") }},
		{name: "malformed customer", code: 2, stderr: "--customer",
			args: func(h *headless, p string) []string { return h.provisionArgs(p, "--customer", "nobody") }},
		{name: "WPA password too short", code: 2, stderr: "WIFI_PASSWORD: A WPA or WPA2 password has 8 to 64 characters",
			env: map[string]string{"WIFI_PASSWORD": "short"}},
		{name: "WPA password too long", code: 2, stderr: "8 to 64",
			env: map[string]string{"WIFI_PASSWORD": strings.Repeat("p", 65)}},
		{name: "timeout beyond a day", code: 2, stderr: "--timeout must be at most 24h",
			args: func(h *headless, p string) []string { return replaceArg(h.provisionArgs(p), "--timeout", "2562047h") }},
		{name: "no client secret anywhere", code: 2, stderr: "PARTICLE_CLIENT_SECRET",
			env: map[string]string{"PARTICLE_CLIENT_SECRET": ""}},
		{name: "plain http API URL", code: 2, stderr: "not https",
			args: func(h *headless, p string) []string {
				return replaceArg(h.provisionArgs(p), "--api-url", "http://api.example.com")
			}},
		{name: "plain http API URL from the environment", code: 2, stderr: "PARTICLE_API_URL: the API address",
			env:  map[string]string{"PARTICLE_API_URL": "http://10.1.2.3:8080"},
			args: func(h *headless, p string) []string { return removeArg(h.provisionArgs(p), "--api-url") }},
		{name: "wrong client secret", code: 1, stderr: "OAuth client ID or secret is wrong: check --client-id and PARTICLE_CLIENT_SECRET",
			env: map[string]string{"PARTICLE_CLIENT_SECRET": "0000000000000000000000000000000000000000"}},
		{name: "product not found", code: 1, stderr: "was not found",
			args: func(h *headless, p string) []string {
				return replaceArg(h.provisionArgs(p), "--product", "no-such-product")
			}},
		{name: "not in listening mode", code: 1, stderr: "not in listening mode", cfg: serialtest.Config{NotListening: true}},
		{name: "no such port", code: 1, stderr: "There is no serial port",
			args: func(h *headless, p string) []string { return replaceArg(h.provisionArgs(p), "--port", "/dev/ttyNOPE9") }},
		{name: "device in another product", code: 1, stderr: "another product", device: &cloudtest.Device{ID: tDeviceID, ProductID: 99}},
		{name: "device owned by someone else", code: 1, stderr: "not a member of this product",
			device: &cloudtest.Device{ID: tDeviceID, Owner: "stranger@example.com"},
			args:   func(h *headless, p string) []string { return h.provisionArgs(p, "--customer", tCustomer) }},
		{name: "wrong Wi-Fi password: never online", code: 1, stderr: "Wi-Fi password", touched: true,
			cfg:  serialtest.Config{Password: "the-real-password"},
			args: func(h *headless, p string) []string { return replaceArg(h.provisionArgs(p), "--timeout", "1s") }},
		{name: "rate limited for longer than the client waits", code: 1, stderr: "slow down",
			args: func(h *headless, p string) []string {
				h.cloud.InjectRateLimit("POST", "/oauth/token", 0, 10*time.Minute)
				return h.provisionArgs(p)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHeadless(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			h.cloud.AddProduct(cloudtest.Product{ID: 99, Name: "Other"})
			dev := cloudtest.Device{ID: tDeviceID}
			if tc.device != nil {
				dev = *tc.device
			}
			h.cloud.AddDevice(dev)
			ph, path := h.photon(tc.cfg)
			args := h.provisionArgs(path)
			if tc.args != nil {
				args = tc.args(h, path)
			}
			code, stdout, stderr := h.run(append(args, "--json")...)
			t.Logf("exit %d, stderr: %s", code, stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "photon-station provision: ") {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.stderr)
			}
			// A script's words: no GUI button, no flag that does not exist.
			for _, gui := range []string{"Retry", "command line", "in the profile"} {
				if strings.Contains(stderr, gui) || strings.Contains(stdout, gui) {
					t.Errorf("the output speaks of %q:\nstdout: %s\nstderr: %s", gui, stdout, stderr)
				}
			}
			// With --json the last line is the result, even when the
			// command line did not parse.
			_, res := jsonLines(t, stdout)
			if res.Outcome != provisioning.OutcomeFail {
				t.Errorf("result %+v", res)
			}
			rec := ph.Received()
			if touched := rec.ClaimCode != "" || rec.SSID != ""; touched != tc.touched {
				t.Errorf("device touched = %v, want %v", touched, tc.touched)
			}
			if d, _ := h.cloud.Device(tDeviceID); d.Online {
				t.Error("device online after a failure")
			}
			h.assertNoLeaks(stdout, stderr)
		})
	}
}

// A Photon that does not answer identify (not in listening mode, or no
// such port) costs the cloud nothing: no customer, no claim code, no
// import. Only the product token and the event stream may go out.
func TestProvisionWritesNothingToTheCloudBeforeIdentify(t *testing.T) {
	tests := []struct {
		name string
		cfg  serialtest.Config
		port string
	}{
		{name: "not in listening mode", cfg: serialtest.Config{NotListening: true}},
		{name: "no such port", port: "/dev/ttyNOPE9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHeadless(t)
			h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
			_, path := h.photon(tc.cfg)
			if tc.port != "" {
				path = tc.port
			}
			code, _, stderr := h.run(h.provisionArgs(path, "--customer", tCustomer)...)
			if code != exitFailed {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, r := range h.cloud.Requests() {
				token := r.Method == "POST" && r.Path == "/oauth/token"
				stream := r.Method == "GET" && strings.HasSuffix(r.Path, "/events")
				if !token && !stream {
					t.Errorf("the cloud got %s %s before the Photon answered", r.Method, r.Path)
				}
			}
			if n := len(h.cloud.ClaimCodes()); n != 0 {
				t.Errorf("%d claim codes made", n)
			}
			if cs := h.cloud.Customers(tProductID); len(cs) != 0 {
				t.Errorf("customers made: %v", cs)
			}
		})
	}
}

func replaceArg(args []string, flag, value string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if out[i] == flag && i+1 < len(out) {
			out[i+1] = value
		}
	}
	return out
}

func removeArg(args []string, flag string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == flag {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// Secrets stored for a saved profile come from the keyring; when the
// keyring cannot be reached the message says so and offers the
// environment.
func TestProvisionKeyringUnavailable(t *testing.T) {
	h := newHeadless(t)
	t.Setenv("PARTICLE_CLIENT_SECRET", "")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(h.home, "no-bus"))
	store, err := provisioning.NewProfileStore("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Save(provisioning.Profile{Name: "Line 3", Product: tProduct, ClientID: tClientID, SSID: tSSID,
		Security: provisioning.SecurityWPA2, Customer: provisioning.CustomerNone, Channel: provisioning.ChannelSerial}); err != nil {
		t.Fatal(err)
	}
	_, path := h.photon(serialtest.Config{})
	start := time.Now()
	// In a child process: this one may already hold a session-bus
	// connection to the real keyring (godbus keeps it for the process), so
	// the empty bus address above would not be seen here.
	_, stderr, code := runCLIArgv(t, h.provisionArgs(path))
	if code != 2 || !strings.Contains(stderr, "keychain is not available") || !strings.Contains(stderr, "PARTICLE_CLIENT_SECRET") {
		t.Fatalf("exit %d: %q", code, stderr)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

func TestPorts(t *testing.T) {
	ph := serialtest.New(serialtest.Config{})
	defer ph.Close()
	defer func(old serialio.Enumerate) { portEnumerate = old }(portEnumerate)
	portEnumerate = func(context.Context) ([]*serialio.ListedPort, error) {
		return []*serialio.ListedPort{ph.PortDetails("/dev/ttyACM0"),
			{Name: "/dev/ttyS0", IsUSB: false}}, nil
	}
	var out, errb bytes.Buffer
	if code := run([]string{"ports"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "/dev/ttyACM0") || !strings.Contains(out.String(), serialtest.DefaultDeviceID) || strings.Contains(out.String(), "ttyS0") {
		t.Errorf("ports:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"ports", "--json"}, &out, &errb); code != 0 {
		t.Fatal(code)
	}
	var line portLine
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || line.DeviceID != serialtest.DefaultDeviceID || line.Mode != "serial" {
		t.Errorf("json %q: %+v %v", out.String(), line, err)
	}
	portEnumerate = func(context.Context) ([]*serialio.ListedPort, error) { return nil, nil }
	out.Reset()
	run([]string{"ports"}, &out, &errb)
	if !strings.Contains(out.String(), "No Photon found") {
		t.Errorf("empty: %q", out.String())
	}
	_ = serialio.ModeSerial
}

func TestJournalExport(t *testing.T) {
	h := newHeadless(t)
	id := h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	_, path := h.photon(serialtest.Config{})
	// Nothing yet.
	if code, _, stderr := h.run("journal", "export", "--csv", filepath.Join(h.home, "x.csv")); code != 1 || !strings.Contains(stderr, "no journal") {
		t.Fatalf("empty journal: %d %q", code, stderr)
	}
	if code, out, errs := h.run(h.provisionArgs(path, "--customer", tCustomer)...); code != 0 {
		t.Fatalf("provision: %d\n%s\n%s", code, out, errs)
	}
	dest := filepath.Join(h.home, "records.csv")
	code, stdout, stderr := h.run("journal", "export", "--csv", dest)
	if code != 0 || !strings.Contains(stdout, "Exported 1 attempts") {
		t.Fatalf("export: %d %q %q", code, stdout, stderr)
	}
	f, _ := os.Open(dest)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %v %v", rows, err)
	}
	row := map[string]string{}
	for i, hname := range provisioning.CSVHeader {
		row[hname] = rows[1][i]
	}
	if row["device_id"] != id || row["outcome"] != "pass" || row["customer"] != tCustomer || row["port"] != path {
		t.Errorf("row %v", row)
	}
	code, stdout, _ = h.run("journal", "export", "--csv", "-")
	if code != 0 || !strings.HasPrefix(stdout, "attempt,") {
		t.Errorf("stdout export: %q", stdout)
	}
	code, stdout, _ = h.run("journal", "show", "--device", strings.ToUpper(id))
	var rec provisioning.Record
	if code != 0 || json.Unmarshal([]byte(stdout), &rec) != nil || rec.DeviceID != id {
		t.Errorf("show: %d %q", code, stdout)
	}
	if code, _, stderr := h.run("journal", "export"); code != 2 || !strings.Contains(stderr, "--csv") {
		t.Errorf("export without --csv: %d %q", code, stderr)
	}
	b, _ := os.ReadFile(dest)
	h.assertNoLeaks(string(b), stdout)
}

// A released v1 journal with damage (a torn line after a power cut, damage
// in the middle) is imported at the first start: the damage is noted, the
// file kept as it was under a new name, and provisioning goes on.
func TestProvisionDamagedJournal(t *testing.T) {
	h := newHeadless(t)
	id := h.cloud.AddDevice(cloudtest.Device{ID: tDeviceID})
	_, path := h.photon(serialtest.Config{})
	jpath := h.legacyJournalPath()
	os.MkdirAll(filepath.Dir(jpath), 0o700)
	damage := "{\"attempt\":\"old-1\",\"device_id\":\"" + id + "\"}\nGARBAGE-LINE\n{\"attempt\":\"torn"
	os.WriteFile(jpath, []byte(damage), 0o600)
	code, stdout, stderr := h.run(h.provisionArgs(path)...)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "note: journal") || !strings.Contains(stdout, "cut short") || !strings.Contains(stdout, "damaged") {
		t.Errorf("stdout does not note the damage:\n%s", stdout)
	}
	b, _ := os.ReadFile(jpath + ".imported")
	if string(b) != damage {
		t.Error("the v1 file was not kept as it was, renamed .imported")
	}
	if _, err := os.Stat(jpath); !os.IsNotExist(err) {
		t.Errorf("the v1 file is still in place, to be imported again: %v", err)
	}
	j, err := provisioning.ReadJournal(h.journalPath())
	if err != nil {
		t.Fatal(err)
	}
	recs := j.ByDevice(id)
	if len(recs) != 2 || recs[1].Outcome != provisioning.OutcomePass {
		t.Errorf("records: %+v", recs)
	}
}

// --json is honoured even on a command line the flag parser refuses, so a
// script always gets its result line.
func TestAsksForJSON(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--port", "/dev/x"}, false},
		{[]string{"--json"}, true},
		{[]string{"-json"}, true},
		{[]string{"--bogus", "--json=true"}, true},
		{[]string{"--json=false"}, false},
		{[]string{"--", "--json"}, false},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if got := asksForJSON(tc.args); got != tc.want {
				t.Errorf("asksForJSON(%q) = %v, want %v", tc.args, got, tc.want)
			}
		})
	}
}

func TestTopLevelHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		var stdout, stderr strings.Builder
		code := run([]string{arg}, &stdout, &stderr)
		if code != 0 || stderr.Len() != 0 || !strings.Contains(stdout.String(), "photon-station provision [--port PATH] --product ID") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr strings.Builder
	if code := run([]string{"--bogus"}, &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("--bogus: exit %d, stderr %q", code, stderr.String())
	}
}

package demo

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/provisioning"
)

// testLimit bounds every wait of these tests.
const testLimit = 30 * time.Second

func startWorld(t *testing.T, opt Options) *World {
	t.Helper()
	return startWorldIn(t, t.TempDir(), opt)
}

func startWorldIn(t *testing.T, dir string, opt Options) *World {
	t.Helper()
	opt.Logf = t.Logf
	w, err := Start(t.Context(), dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return w
}

// bench runs the station and reads its events.
type bench struct {
	t      *testing.T
	w      *World
	events <-chan provisioning.Event
	paths  map[Kind][]string
	ids    map[Kind][]string
}

func runBench(t *testing.T, w *World) *bench {
	t.Helper()
	events, stop := w.Station.Subscribe()
	t.Cleanup(stop)
	if err := w.Station.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Station.Stop)
	b := &bench{t: t, w: w, events: events, paths: map[Kind][]string{}, ids: map[Kind][]string{}}
	for _, p := range w.Bench() {
		b.paths[p.Kind] = append(b.paths[p.Kind], p.Port.Path)
		b.ids[p.Kind] = append(b.ids[p.Kind], p.Port.DeviceID)
	}
	return b
}

// result is how one attempt on a slot ended, from the station's events.
type result struct {
	provisioning.Event
	FailedStep provisioning.Step // from the attempt's EventFailed
}

// results waits until every slot named has reported a result and returns
// the last result of each.
func (b *bench) results(slots ...string) map[string]result {
	b.t.Helper()
	got := map[string]result{}
	pending := map[string]bool{}
	for _, s := range slots {
		pending[s] = true
	}
	failed := map[string]provisioning.Step{}
	timeout := time.After(testLimit)
	for len(pending) > 0 {
		select {
		case ev := <-b.events:
			switch ev.Kind {
			case provisioning.EventFailed:
				failed[ev.Slot] = ev.Step
			case provisioning.EventResult:
				if pending[ev.Slot] {
					got[ev.Slot] = result{ev, failed[ev.Slot]}
					delete(pending, ev.Slot)
				}
				delete(failed, ev.Slot)
			}
		case <-timeout:
			b.t.Fatalf("no result from %v within %s; slots: %+v", pending, testLimit, b.w.Station.Slots())
		}
	}
	return got
}

// retry presses Retry on a slot and waits for its result.
func (b *bench) retry(slot string) result {
	b.t.Helper()
	pressRetry(b.t, b.w, slot)
	return b.results(slot)[slot]
}

// pressRetry presses Retry on a slot whose result event has arrived. The
// station emits the result before it marks the slot finished, so Retry
// right away can be refused as "still running"; StopSlot waits until the
// attempt has ended (and does nothing once it has).
func pressRetry(t *testing.T, w *World, slot string) {
	t.Helper()
	w.Station.StopSlot(slot)
	if err := w.Station.Retry(slot); err != nil {
		t.Fatalf("retry %s: %v", slot, err)
	}
}

// outcome is the part of a result the tests compare.
type outcome struct {
	Outcome provisioning.Outcome
	Step    provisioning.Step
}

func TestBenchPassesFailsAndRetries(t *testing.T) {
	opt := FastOptions()
	opt.ManualSetup = true
	w := startWorld(t, opt)
	b := runBench(t, w)
	if diff := cmp.Diff(map[Kind]int{Good: 2, NotListening: 1, WrongPassword: 1}, map[Kind]int{
		Good: len(b.paths[Good]), NotListening: len(b.paths[NotListening]), WrongPassword: len(b.paths[WrongPassword])}); diff != "" {
		t.Fatalf("bench (-want +got):\n%s", diff)
	}
	good1, good2 := b.paths[Good][0], b.paths[Good][1]
	notListening, wrongPass := b.paths[NotListening][0], b.paths[WrongPassword][0]

	res := b.results(good1, good2, notListening, wrongPass)
	got := map[string]outcome{}
	for slot, ev := range res {
		got[slot] = outcome{ev.Outcome, ev.FailedStep}
	}
	want := map[string]outcome{
		good1:        {provisioning.OutcomePass, ""},
		good2:        {provisioning.OutcomePass, ""},
		notListening: {provisioning.OutcomeFail, provisioning.StepIdentify},
		wrongPass:    {provisioning.OutcomeFail, provisioning.StepVerify},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first results (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name, slot, message, action string
	}{
		{"not in listening mode", notListening, "not in listening mode", "dark blue"},
		{"wrong Wi-Fi password", wrongPass, "Wi-Fi password", "Wi-Fi password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := res[tc.slot]
			if !strings.Contains(ev.Message, tc.message) || !strings.Contains(ev.Action, tc.action) {
				t.Errorf("message %q, action %q; want them to mention %q and %q", ev.Message, ev.Action, tc.message, tc.action)
			}
		})
	}
	wp := w.Photons[3]
	if rec := wp.Received(); !rec.WiFiSaved || rec.SSID != WiFiSSID {
		t.Errorf("the wrong-password Photon was not given the network: saved %v, SSID %q", rec.WiFiSaved, rec.SSID)
	}
	if !strings.Contains(res[wrongPass].Message, "went back to listening mode") {
		t.Errorf("wrong password: %q does not say the Photon fell back to listening mode", res[wrongPass].Message)
	}

	// Retry without holding SETUP fails the same way; after it, it passes.
	if ev := b.retry(notListening); ev.Outcome != provisioning.OutcomeFail || !strings.Contains(ev.Message, "listening mode") {
		t.Errorf("retry before SETUP: %s %q", ev.Outcome, ev.Message)
	}
	if err := w.HoldSetup(notListening); err != nil {
		t.Fatal(err)
	}
	if ev := b.retry(notListening); ev.Outcome != provisioning.OutcomePass {
		t.Errorf("retry after SETUP: %s %q %q", ev.Outcome, ev.Message, ev.Action)
	}

	// The cloud: passed devices online, in the product, owned by their
	// customer and named; the wrong-password one never arrived.
	for _, id := range append(b.ids[Good], b.ids[NotListening]...) {
		d, ok := w.Cloud.Device(id)
		customer := strings.ReplaceAll(CustomerPattern, "{device_id}", id)
		if !ok || !d.Online || d.ProductID != ProductID || d.Owner != customer || !d.OwnerIsCustomer || d.Name != "thermostat-"+id[18:] {
			t.Errorf("cloud has %s as %+v; want online in product %d, owned by customer %s", id, d, ProductID, customer)
		}
	}
	if d, _ := w.Cloud.Device(b.ids[WrongPassword][0]); d.Online || d.Owner != "" {
		t.Errorf("wrong-password Photon in the cloud: %+v", d)
	}
	w.Station.Stop()
	checkJournal(t, w, map[string][]provisioning.Outcome{
		b.ids[Good][0]:          {provisioning.OutcomePass},
		b.ids[Good][1]:          {provisioning.OutcomePass},
		b.ids[NotListening][0]:  {provisioning.OutcomeFail, provisioning.OutcomeFail, provisioning.OutcomePass},
		b.ids[WrongPassword][0]: {provisioning.OutcomeFail},
	})
}

// checkJournal compares the journal's attempts per device with want and
// scans the file for every secret the demo handled.
func checkJournal(t *testing.T, w *World, want map[string][]provisioning.Outcome) {
	t.Helper()
	path := w.Journal.Path()
	j, err := provisioning.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]provisioning.Outcome{}
	for _, r := range j.Records() {
		if r.Station != StationName || r.Profile != ProfileName || r.Product != ProductSlug {
			t.Errorf("record %s: station %q profile %q product %q", r.Attempt, r.Station, r.Profile, r.Product)
		}
		got[r.DeviceID] = append(got[r.DeviceID], r.Outcome)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("journal attempts per device (-want +got):\n%s", diff)
	}
	var export bytes.Buffer
	if err := j.ExportJSONL(&export); err != nil {
		t.Fatal(err)
	}
	raw := export.Bytes()
	// The lead's smoke test greps the JSON-lines export for these: one
	// line per finished attempt.
	wantLines := map[string]int{}
	for _, outs := range want {
		for _, o := range outs {
			wantLines[`"outcome":"`+string(o)+`"`]++
		}
	}
	gotLines := map[string]int{}
	for _, line := range bytes.Split(raw, []byte("\n")) {
		for s := range wantLines {
			if bytes.Contains(line, []byte(s)) {
				gotLines[s]++
			}
		}
	}
	if diff := cmp.Diff(wantLines, gotLines); diff != "" {
		t.Errorf("journal lines with a final outcome (-want +got):\n%s", diff)
	}
	checkNoSecrets(t, w, raw)
	checkNoSecrets(t, w, journalFiles(t, path))
}

// journalFiles is the journal database's bytes and those of its
// write-ahead log (where the last writes wait for a checkpoint).
func journalFiles(t *testing.T, path string) []byte {
	t.Helper()
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(path + "-wal")
	return append(db, wal...)
}

// checkNoSecrets scans a journal file's bytes for every secret the demo
// handled.
func checkNoSecrets(t *testing.T, w *World, raw []byte) {
	t.Helper()
	ctx := t.Context()
	secrets := map[string]string{
		"user token":            w.UserClient.Token,
		"product token":         w.ProductClient.Token,
		"office Wi-Fi password": "the-office-password",
	}
	for _, kind := range []provisioning.SecretKind{provisioning.SecretClientSecret, provisioning.SecretWiFiPassword} {
		v, err := w.Secrets.Get(ctx, ProfileName, kind)
		if err != nil {
			t.Fatal(err)
		}
		secrets[string(kind)] = v
	}
	codes := w.Cloud.ClaimCodes()
	if len(codes) == 0 {
		t.Error("no claim code was issued")
	}
	for _, c := range codes {
		secrets["claim code "+c.Code[:4]] = c.Code
	}
	for name, v := range secrets {
		if v == "" {
			t.Errorf("%s is empty: the check would prove nothing", name)
			continue
		}
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the journal holds the %s", name)
		}
	}
	// Access tokens of the fake are 40 hex digits; device IDs are 24.
	if m := regexp.MustCompile(`[0-9a-fA-F]{40}`).Find(raw); m != nil {
		t.Errorf("the journal holds something shaped like an access token")
	}
	if leaks := w.Cloud.SecretsInURLs(); len(leaks) > 0 {
		t.Errorf("secrets in URLs: %v", leaks)
	}
}

func TestTrayKeepsTheBenchFlowing(t *testing.T) {
	opt := FastOptions()
	opt.Tray = 2
	w := startWorld(t, opt)
	b := runBench(t, w)
	notListening := b.paths[NotListening][0]
	initial := map[string]bool{}
	for _, p := range w.Bench() {
		initial[p.Port.DeviceID] = true
	}

	// Every PASS is counted; the Photon that ran its application is found
	// in listening mode on Retry (the technician held SETUP).
	passed := map[string]string{} // device ID -> slot
	timeout := time.After(testLimit)
	retried := false
	for len(passed) < 5 {
		select {
		case ev := <-b.events:
			if ev.Kind != provisioning.EventResult {
				continue
			}
			switch {
			case ev.Outcome == provisioning.OutcomePass:
				passed[ev.DeviceID] = ev.Slot
			case ev.Slot == notListening && !retried:
				retried = true
				pressRetry(t, w, notListening)
			}
		case <-timeout:
			t.Fatalf("passed so far: %v; slots: %+v", passed, w.Station.Slots())
		}
	}
	fresh := 0
	for id, slot := range passed {
		if initial[id] {
			continue
		}
		fresh++
		if slot != b.paths[Good][0] && slot != b.paths[Good][1] && slot != notListening {
			t.Errorf("fresh Photon %s passed on %s, not on a port that had passed", id, slot)
		}
		if d, _ := w.Cloud.Device(id); !d.Online || d.Owner != strings.ReplaceAll(CustomerPattern, "{device_id}", id) {
			t.Errorf("fresh Photon %s in the cloud: %+v", id, d)
		}
	}
	if fresh != opt.Tray {
		t.Errorf("%d fresh Photons passed, want the tray's %d", fresh, opt.Tray)
	}
}

// The wizard's two paths over the same world: one Photon over USB serial
// and the SoftAP Photon, each run by its own pipeline.
func TestWizardPaths(t *testing.T) {
	w := startWorld(t, FastOptions())
	ctx, cancel := context.WithTimeout(t.Context(), testLimit)
	defer cancel()
	serialDev, err := w.SerialDevice(w.Bench()[0].Port.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		profile provisioning.Profile
		dev     provisioning.Device
		id      string
	}{
		{"USB serial", w.Profile, serialDev, w.Photons[0].DeviceID()},
		{"SoftAP", w.SoftAPProfile, w.SoftAPDevice(), w.SoftAP.DeviceID()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.PipelineFor(ctx, tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			res := p.RunDevice(ctx, tc.dev, nil)
			if res.Outcome != provisioning.OutcomePass || res.DeviceID != tc.id {
				t.Fatalf("%s for %s at %s: %s (%s)", res.Outcome, res.DeviceID, res.FailedStep, res.Message, res.Details)
			}
			if d, _ := w.Cloud.Device(tc.id); !d.Online || d.Owner != strings.ReplaceAll(CustomerPattern, "{device_id}", tc.id) {
				t.Errorf("cloud: %+v", d)
			}
			if res.Record.Channel != tc.profile.Channel {
				t.Errorf("journal channel %q, want %q", res.Record.Channel, tc.profile.Channel)
			}
		})
	}
	if _, err := w.SerialDevice("/dev/nothing"); err == nil {
		t.Error("a port without a Photon gave a device")
	}
	checkNoSecrets(t, w, journalFiles(t, w.Journal.Path()))
}

func TestProfilesAreStoredWithTheirSecrets(t *testing.T) {
	dir := t.TempDir()
	w := startWorldIn(t, dir, FastOptions())
	if got, want := w.Journal.Path(), filepath.Join(dir, "journal.db"); got != want {
		t.Errorf("journal at %s, want %s", got, want)
	}
	files, err := filepath.Glob(filepath.Join(dir, "profiles", "*.json"))
	if err != nil || len(files) != 2 {
		t.Errorf("profile files in %s: %v, %v; want two", dir, files, err)
	}
	names, err := w.Profiles.List()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{ProfileName, SoftAPProfileName}, names); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	for _, want := range []provisioning.Profile{w.Profile, w.SoftAPProfile} {
		got, err := w.Profiles.Load(want.Name)
		if err != nil {
			t.Fatal(err)
		}
		want.VerifyTimeout = max(want.VerifyTimeout, 10*time.Second)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored %s (-want +got):\n%s", want.Name, diff)
		}
		if _, err := provisioning.ResolveCredentials(t.Context(), w.Secrets, got); err != nil {
			t.Errorf("%s: %v", want.Name, err)
		}
	}
	// The product's OAuth client accepts the stored secret.
	secret, err := w.Secrets.Get(t.Context(), ProfileName, provisioning.SecretClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Pipeline.Cloud.ProductToken(t.Context(), ClientID, secret); err != nil {
		t.Errorf("product token with the stored secret: %v", err)
	}
}

// The Device tools have content: the user's and the product's devices,
// variables, functions and vitals.
func TestDeviceToolsHaveContent(t *testing.T) {
	w := startWorld(t, FastOptions())
	ctx, cancel := context.WithTimeout(t.Context(), testLimit)
	defer cancel()
	mine, err := w.UserClient.ListDevices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) < 2 {
		t.Errorf("the demo user has %d devices, want at least 2", len(mine))
	}
	products, err := w.UserClient.ListProducts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range products {
		found = found || p.Slug == ProductSlug
	}
	if !found {
		t.Errorf("the demo user's products %+v lack %s", products, ProductSlug)
	}
	if len(w.Fleet) == 0 {
		t.Fatal("no fleet")
	}
	d := w.Fleet[0]
	ref := cloud.ProductDevice(ProductSlug, d.ID)
	v, err := w.ProductClient.GetVariableRaw(ctx, ref, "setpoint")
	if err != nil || strings.TrimSpace(v) == "" {
		t.Errorf("variable: %q, %v", v, err)
	}
	r, err := w.ProductClient.CallFunction(ctx, ref, "setpoint", "23")
	if err != nil || r.ReturnValue != 23 {
		t.Errorf("function: %+v, %v", r, err)
	}
	vit, err := w.ProductClient.LastVitals(ctx, ref)
	if err != nil || len(vit.Payload) == 0 {
		t.Errorf("vitals: %+v, %v", vit, err)
	}
}

func TestAccessPointsAndConsole(t *testing.T) {
	w := startWorld(t, FastOptions())
	ctx := t.Context()
	ssid, err := w.AP.Find(ctx)
	if err != nil || !strings.HasPrefix(ssid, "Photon-") || len(ssid) != len("Photon-XXXX") {
		t.Fatalf("find: %q, %v", ssid, err)
	}
	for _, tc := range []struct {
		join    string
		wantErr bool
		current string
	}{
		{ssid, false, ssid},
		{"Elsewhere", true, ssid},
		{WiFiSSID, false, WiFiSSID},
	} {
		t.Run(tc.join, func(t *testing.T) {
			if err := w.AP.Join(ctx, tc.join); (err != nil) != tc.wantErr {
				t.Errorf("join %q: %v, want error %v", tc.join, err, tc.wantErr)
			}
			if cur, _ := w.AP.Current(ctx); cur != tc.current {
				t.Errorf("current %q, want %q", cur, tc.current)
			}
		})
	}

	// The serial monitor sees the application's chatter.
	var nl string
	for _, p := range w.Bench() {
		if p.Kind == NotListening {
			nl = p.Port.Path
		}
	}
	rc, err := w.OpenConsole(ctx, nl)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := make(chan string, 1)
	go func() {
		var buf bytes.Buffer
		chunk := make([]byte, 256)
		for !strings.Contains(buf.String(), "temperature=") {
			n, err := rc.Read(chunk)
			buf.Write(chunk[:n])
			if err != nil {
				break
			}
		}
		got <- buf.String()
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, "temperature=") {
			t.Errorf("console: %q", s)
		}
	case <-time.After(testLimit):
		t.Fatal("no chatter on the console")
	}
	if _, err := w.OpenConsole(ctx, "/dev/nothing"); err == nil {
		t.Error("a console on a port without a Photon")
	}
	ports, err := w.PortFinder().Photons(ctx)
	if err != nil || len(ports) != 4 {
		t.Errorf("ports: %v, %v", ports, err)
	}
	var _ io.Closer = rc
}

// Zero takes the realistic default the GUI uses, negative means none,
// anything else is kept.
func TestOptionDefaults(t *testing.T) {
	type timing struct {
		Latency, Scan, Online, Verify, Poll, FallBack, Swap, Gap, ScanPorts, Publish, Chatter time.Duration
	}
	of := func(o Options) timing {
		return timing{o.CloudLatency, o.ScanDelay, o.OnlineDelay, o.VerifyTimeout, o.PollInterval, o.FallBackAfter,
			o.SwapAfter, o.PlugGap, o.ScanInterval, o.PublishEvery, o.ChatterEvery}
	}
	for _, tc := range []struct {
		name string
		in   Options
		want timing
	}{
		{"zero is realistic", Options{}, timing{250 * time.Millisecond, 1500 * time.Millisecond, 4 * time.Second, 40 * time.Second,
			time.Second, 8 * time.Second, 4 * time.Second, 2 * time.Second, 500 * time.Millisecond, 5 * time.Second, 2 * time.Second}},
		{"negative is none", Options{CloudLatency: -1, ScanDelay: -1, OnlineDelay: -1, FallBackAfter: -1, SwapAfter: -1,
			PlugGap: -1, PublishEvery: -1, ChatterEvery: -1},
			timing{0, 0, 0, 40 * time.Second, time.Second, 0, 0, 0, 500 * time.Millisecond, 0, 0}},
		{"waits that cannot be none get a floor", Options{VerifyTimeout: -1, PollInterval: -1, ScanInterval: -1},
			timing{250 * time.Millisecond, 1500 * time.Millisecond, 4 * time.Second, time.Second,
				10 * time.Millisecond, 8 * time.Second, 4 * time.Second, 2 * time.Second, 10 * time.Millisecond, 5 * time.Second, 2 * time.Second}},
		{"given values are kept", Options{CloudLatency: time.Millisecond, VerifyTimeout: 3 * time.Second, PublishEvery: time.Minute},
			timing{time.Millisecond, 1500 * time.Millisecond, 4 * time.Second, 3 * time.Second, time.Second, 8 * time.Second,
				4 * time.Second, 2 * time.Second, 500 * time.Millisecond, time.Minute, 2 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, of(tc.in.withDefaults())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The product's fleet publishes, so the live event stream tab moves.
func TestFleetPublishesEvents(t *testing.T) {
	opt := FastOptions()
	opt.PublishEvery = 10 * time.Millisecond
	w := startWorld(t, opt)
	ctx, cancel := context.WithTimeout(t.Context(), testLimit)
	defer cancel()
	fleet := map[string]bool{}
	for _, d := range w.Fleet {
		fleet[d.ID] = d.Online
	}
	for ev, err := range w.ProductClient.Subscribe(ctx, cloud.Stream{Product: ProductSlug, Prefix: "temperature"}) {
		if err != nil {
			t.Fatal(err)
		}
		if !fleet[ev.DeviceID] || ev.Data == "" {
			t.Errorf("event %+v from a device that is not an online fleet device", ev)
		}
		break
	}
}

func TestDefaultDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("os.UserConfigDir follows XDG_CONFIG_HOME only on Linux")
	}
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	got, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "photon-station", "demo"); got != want {
		t.Errorf("DefaultDir() = %q, want %q", got, want)
	}
}

// The GUI keeps the demo in one folder: starting again on it keeps the
// journal's earlier attempts and the profiles.
func TestStartAgainOnTheSameFolder(t *testing.T) {
	dir := t.TempDir()
	first := startWorldIn(t, dir, FastOptions())
	p, err := first.PipelineFor(t.Context(), first.SoftAPProfile)
	if err != nil {
		t.Fatal(err)
	}
	if res := p.RunDevice(t.Context(), first.SoftAPDevice(), nil); res.Outcome != provisioning.OutcomePass {
		t.Fatalf("%s: %s", res.Outcome, res.Message)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := startWorldIn(t, dir, FastOptions())
	if n := len(second.Journal.Records()); n != 1 {
		t.Errorf("the journal has %d attempts after a restart, want the first run's 1", n)
	}
	if problems := second.Journal.Problems(); len(problems) > 0 {
		t.Errorf("journal problems: %v", problems)
	}
	if _, err := second.Profiles.Load(ProfileName); err != nil {
		t.Error(err)
	}
	if second.Photons[0].DeviceID() == first.Photons[0].DeviceID() {
		t.Error("a second world reuses the first one's device IDs, so the journal would mix them up")
	}
}

// A full hub: sixteen Photons, among them the scripted failures, each on
// its own hub port.
func TestFullHub(t *testing.T) {
	opt := FastOptions()
	opt.Ports = MaxPorts
	opt.ManualSetup = true
	w := startWorld(t, opt)
	b := runBench(t, w)
	got := map[Kind]int{Good: len(b.paths[Good]), NotListening: len(b.paths[NotListening]), WrongPassword: len(b.paths[WrongPassword])}
	if diff := cmp.Diff(map[Kind]int{Good: 12, NotListening: 2, WrongPassword: 2}, got); diff != "" {
		t.Fatalf("bench (-want +got):\n%s", diff)
	}
	hubs := map[string]bool{}
	var slots []string
	for _, p := range w.Bench() {
		hubs[p.Port.Location] = true
		slots = append(slots, p.Port.Path)
	}
	if len(hubs) != MaxPorts {
		t.Errorf("USB locations %v: want %d different hub ports", hubs, MaxPorts)
	}
	res := b.results(slots...)
	for _, k := range []Kind{Good, NotListening, WrongPassword} {
		want := provisioning.OutcomePass
		if k != Good {
			want = provisioning.OutcomeFail
		}
		for _, slot := range b.paths[k] {
			if res[slot].Outcome != want {
				t.Errorf("%s (%s): %s %q, want %s", slot, k, res[slot].Outcome, res[slot].Message, want)
			}
		}
	}
}

func TestBenchSizeIsChecked(t *testing.T) {
	for _, n := range []int{-1, MaxPorts + 1} {
		opt := FastOptions()
		opt.Ports = n
		if w, err := Start(t.Context(), t.TempDir(), opt); err == nil {
			w.Close()
			t.Errorf("Ports %d: the demo started", n)
		}
	}
}

package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/internal/fynetest"
	"github.com/photon-station/photon-station/provisioning"
)

// fakeJournal holds records in memory (oldest first) and filters them as
// the database does (provisioning's TestJournalPageFilter).
type fakeJournal struct{ records []provisioning.Record }

func (j *fakeJournal) matching(f provisioning.JournalFilter) []provisioning.Record {
	var out []provisioning.Record
	for i := len(j.records) - 1; i >= 0; i-- {
		r := j.records[i]
		switch {
		case f.Outcome == "pass" && r.Outcome != provisioning.OutcomePass,
			f.Outcome == "fail" && r.Outcome != provisioning.OutcomeFail,
			f.Outcome == "unfinished" && r.Finished():
			continue
		}
		t := strings.ToLower(strings.TrimSpace(f.Text))
		hit := t == ""
		for _, s := range []string{r.DeviceID, r.Slot, r.Port, r.Profile, r.Customer, r.Message, r.Operator, r.Station} {
			hit = hit || strings.Contains(strings.ToLower(s), t)
		}
		if hit {
			out = append(out, r)
		}
	}
	return out
}

func (j *fakeJournal) Count(f provisioning.JournalFilter) (int, error) {
	return len(j.matching(f)), nil
}

func (j *fakeJournal) Page(f provisioning.JournalFilter, offset, limit int) ([]provisioning.Record, error) {
	m := j.matching(f)
	if offset >= len(m) {
		return nil, nil
	}
	return m[offset:min(offset+limit, len(m))], nil
}
func (j *fakeJournal) ExportCSV(w io.Writer) error {
	lines := "attempt\n"
	for _, r := range j.records {
		lines += r.Attempt + "\n"
	}
	_, err := io.WriteString(w, lines)
	return err
}

func journalRecords() []provisioning.Record {
	at := func(s int) time.Time { return shiftStart.Add(time.Duration(s) * time.Second) }
	return []provisioning.Record{
		{Attempt: "a1", Profile: "Line 3 thermostats", Slot: "ttyACM0", DeviceID: "3c0021000447363339343137", Started: at(0), Ended: at(41), Outcome: provisioning.OutcomePass,
			Message: "Online in product 12345", Steps: []provisioning.StepEntry{
				{Step: provisioning.StepIdentify, Started: at(0), Ended: at(2), Outcome: provisioning.StepDone, Message: "Listening mode confirmed"},
				{Step: provisioning.StepVerify, Started: at(10), Ended: at(41), Outcome: provisioning.StepDone, Message: "Online"},
			}},
		{Attempt: "a2", Profile: "Line 3 thermostats", Slot: "ttyACM1", DeviceID: "1e0032000c47343432313031", Started: at(5), Ended: at(200), Outcome: provisioning.OutcomeFail,
			FailedStep: provisioning.StepVerify, Message: "The device did not come online within 3 minutes.", Action: "Check the Wi-Fi password."},
		{Attempt: "a3", Profile: "Spares", Slot: "ttyACM2", Started: at(300)},
	}
}

func TestConsoleText(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"crlf", []byte("Your device id is 3c00\r\n"), "Your device id is 3c00\n"},
		{"lone cr", []byte("a\rb"), "a\nb"},
		{"controls dropped", []byte("a\x00\x07b\tc"), "ab\tc"},
		{"invalid bytes", []byte{'a', 0xff, 'b'}, "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, consoleText(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzConsoleText(f *testing.F) {
	for _, s := range []string{"Your device id is 3c00\r\n", "a\rb", "a\x00\x07b\tc", "a\xffb", "é"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := consoleText(in)
		if !utf8ValidNoControls(out) {
			t.Errorf("consoleText(%q) = %q has invalid UTF-8 or control characters", in, out)
		}
	})
}

func utf8ValidNoControls(s string) bool {
	if !strings.ContainsRune(s, 0) && strings.ToValidUTF8(s, "") == s {
		for _, r := range s {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
				return false
			}
		}
		return true
	}
	return false
}

func TestConsoleBufferCarriesSplitRune(t *testing.T) {
	b := &consoleBuffer{limit: 1 << 10}
	e := []byte("é") // two bytes
	b.write([]byte{'x', e[0]})
	got, changed := b.text(false)
	if got != "x" || !changed {
		t.Errorf("after half a rune: %q changed=%v, want \"x\" true", got, changed)
	}
	b.write(e[1:])
	if got, _ := b.text(false); got != "xé" {
		t.Errorf("after the rest: %q, want \"xé\"", got)
	}
	if _, changed := b.text(false); changed {
		t.Error("text reports a change when nothing was written")
	}
}

// pipeConsole hands the monitor one end of a pipe the test writes to.
type pipeConsole struct {
	r      *io.PipeReader
	w      *io.PipeWriter
	opened chan string
	sent   chan string // what the monitor wrote to the device
}

func newPipeConsole() *pipeConsole {
	r, w := io.Pipe()
	return &pipeConsole{r: r, w: w, opened: make(chan string, 1), sent: make(chan string, 4)}
}

func (p *pipeConsole) OpenConsole(ctx context.Context, port string) (io.ReadWriteCloser, error) {
	p.opened <- port
	return pipeStream{p.r, p.sent}, nil
}

// pipeStream is the device side of a pipeConsole: reads come from the
// pipe, writes are handed to the test.
type pipeStream struct {
	*io.PipeReader
	sent chan<- string
}

func (s pipeStream) Write(p []byte) (int, error) {
	s.sent <- string(p)
	return len(p), nil
}

// manualTicker is a ticker the test fires.
type manualTicker struct{ c chan time.Time }

func (m *manualTicker) start(time.Duration) (<-chan time.Time, func()) { return m.c, func() {} }

// fakeTester answers Test connection.
type fakeTester struct {
	err    error
	secret chan string
}

func (f *fakeTester) TestConnection(ctx context.Context, p provisioning.Profile, secret string) (ConnectionReport, error) {
	f.secret <- secret
	if f.err != nil {
		return ConnectionReport{}, f.err
	}
	return ConnectionReport{ProductName: "Thermostats", Platform: "Photon", Devices: 214, Customers: 37}, nil
}

type testStation struct {
	view    *MainView
	win     fyne.Window
	q       *uiQueue
	lib     *fakeLibrary
	secrets *provisioning.MemorySecrets
	console *pipeConsole
	ticks   *manualTicker
	tester  *fakeTester
}

func newTestStation(t *testing.T, tweak ...func(*Deps)) *testStation {
	a := lightApp(t)
	a.Preferences().SetBool(PrefEditingLocked, false)
	s := &testStation{q: newUIQueue(t), lib: newFakeLibrary(lineProfile), secrets: &provisioning.MemorySecrets{},
		console: newPipeConsole(), ticks: &manualTicker{c: make(chan time.Time)}, tester: &fakeTester{secret: make(chan string, 4)}}
	s.win = test.NewTempWindow(t, nil)
	s.win.Resize(fyne.NewSize(1280, 800))
	deps := Deps{
		Station: newFakeStation(), Profiles: s.lib, Secrets: s.secrets, TestConnection: s.tester,
		OneDevice: newScriptedRunner(), Ports: fakePorts{"/dev/ttyACM0", "/dev/ttyACM1"},
		Journal: &fakeJournal{records: journalRecords()}, Console: s.console,
		Now: (&fixedClock{t: shiftStart.Add(time.Hour)}).now,
	}
	for _, f := range tweak {
		f(&deps)
	}
	s.view = build(s.win, deps, s.q.do, s.ticks.start)
	t.Cleanup(s.view.Close)
	return s
}

func TestMainWindowTabs(t *testing.T) {
	s := newTestStation(t)
	var got []string
	for _, it := range s.view.Tabs.Items {
		got = append(got, it.Text)
	}
	want := []string{"Bench", "One device", "Profiles", "Journal", "Serial monitor", "Device tools"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tabs (-want +got):\n%s", diff)
	}
	s.view.Tabs.SelectIndex(5)
	shoot(t, "device-tools-placeholder", s.win.Canvas())

	// View > Dark theme is remembered and applied.
	menu := s.win.MainMenu()
	if menu == nil || len(menu.Items) == 0 {
		t.Fatal("the window has no menu")
	}
	for _, it := range menu.Items[0].Items {
		if it.Label == "Dark theme" {
			it.Action()
		}
	}
	a := fyne.CurrentApp()
	if got := a.Preferences().String(PrefThemeVariant); got != "dark" {
		t.Errorf("theme preference = %q, want dark", got)
	}
	if th, ok := a.Settings().Theme().(*StationTheme); !ok || th.Forced == nil || *th.Forced != theme.VariantDark {
		t.Errorf("theme after choosing dark = %#v", a.Settings().Theme())
	}
	s.view.Tabs.SelectIndex(0)
	shoot(t, "bench-dark-empty", s.win.Canvas())

	// Enter on the bench starts it (the profile is the only one, so chosen).
	s.view.Tabs.SelectIndex(0)
	s.view.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	st := s.view.Bench.control.(*fakeStation)
	expectCall(t, s.q, st, "start Line 3 thermostats")
	s.q.until(t, "bench running", func() bool { return s.view.Bench.running })
	s.view.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	expectCall(t, s.q, st, "stop")
}

func TestJournalView(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(3)
	j := s.view.Journal
	if got := len(j.Rows()); got != 3 {
		t.Fatalf("rows = %d, want 3", got)
	}
	j.outcome.SetSelected("Failed")
	if diff := cmp.Diff([]string{"a2"}, attempts(j.Rows())); diff != "" {
		t.Errorf("failed filter (-want +got):\n%s", diff)
	}
	j.outcome.SetSelected("All results")
	test.Type(j.search, "3137")
	if diff := cmp.Diff([]string{"a1"}, attempts(j.Rows())); diff != "" {
		t.Errorf("typed filter (-want +got):\n%s", diff)
	}
	j.table.Select(widgetCell(0, 2))
	if !strings.Contains(j.steps.Text, "Listening mode confirmed") {
		t.Errorf("steps pane = %q", j.steps.Text)
	}
	j.search.SetText("")
	j.table.Select(widgetCell(1, 0))
	shoot(t, "journal", s.win.Canvas())
	test.AssertImageMatches(t, "journal.png", s.win.Canvas().Capture())
	var buf closingBuffer
	if err := j.exportTo(&buf, "journal.csv"); err != nil || !buf.closed {
		t.Fatalf("export: %v (closed %v)", err, buf.closed)
	}
	if !strings.Contains(buf.String(), "a1") || j.count.Text != "Exported all 3 attempts to journal.csv (the filter narrows only this view)." {
		t.Errorf("export wrote %q and says %q", buf.String(), j.count.Text)
	}
	// A file that cannot be closed (disk full) is not reported as exported.
	j.count.SetText("")
	if err := j.exportTo(&closingBuffer{failClose: true}, "full.csv"); err == nil {
		t.Errorf("a failed close gave %v", err)
	}
	if j.count.Text != "" {
		t.Errorf("a failed export says %q", j.count.Text)
	}
}

// closingBuffer is an export destination that records its Close, and can
// fail it like a full disk does.
type closingBuffer struct {
	bytes.Buffer
	closed, failClose bool
}

func (b *closingBuffer) Close() error {
	b.closed = true
	if b.failClose {
		return errors.New("no space left on device")
	}
	return nil
}

func attempts(rs []provisioning.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Attempt)
	}
	return out
}

func TestSerialMonitorStreams(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(4)
	m := s.view.Monitor
	test.Tap(m.find)
	s.q.until(t, "ports listed", func() bool { return m.portPick.Selected() == "/dev/ttyACM0" })
	wrote := make(chan struct{}, 8)
	m.buf.wrote = wrote
	test.Tap(m.connect)
	if got := recv(t, s.console.opened); got != "/dev/ttyACM0" {
		t.Errorf("opened %q", got)
	}
	s.q.until(t, "port open", func() bool { return strings.HasPrefix(m.status.Text, "Showing") })
	e := []byte("é")
	writeAll(t, s.console.w, []byte("Your device id is 3c0021000447363339343137\r\nMAC: "))
	recv(t, wrote)
	writeAll(t, s.console.w, []byte{e[0]})
	recv(t, wrote)
	go func() { s.ticks.c <- time.Time{} }()
	s.q.runOne(t) // the throttled refresh
	if got, want := m.Text(), "Your device id is 3c0021000447363339343137\nMAC: "; got != want {
		t.Errorf("console = %q, want %q", got, want)
	}
	writeAll(t, s.console.w, append(e[1:], []byte(" 6c:0b:84:aa:bb:cc\r\n")...))
	recv(t, wrote)
	go func() { s.ticks.c <- time.Time{} }()
	s.q.runOne(t)
	if got := m.Text(); !strings.HasSuffix(got, "MAC: é 6c:0b:84:aa:bb:cc\n") {
		t.Errorf("console = %q, want the split rune joined", got)
	}
	shoot(t, "serial-monitor", s.win.Canvas())
	test.AssertImageMatches(t, "serial-monitor.png", s.win.Canvas().Capture())

	// Escape closes the port; the reader ends and the button says Open.
	s.view.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	s.q.until(t, "monitor closed", func() bool { return m.cancel == nil })
	if got := m.connect.Text; got != "Open" {
		t.Errorf("button after close = %q, want Open", got)
	}
	// Another port starts with an empty console: the last device's output
	// would be taken for this one's.
	m.Open("/dev/ttyACM1")
	if got := m.Text(); got != "" {
		t.Errorf("the console of ttyACM1 starts with %q", got)
	}
	recv(t, s.console.opened)
	s.q.until(t, "the second port to end", func() bool { return m.cancel == nil })
}

// writeAll writes to the pipe; it returns once the reader has taken it.
func writeAll(t *testing.T, w io.Writer, p []byte) {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, err := w.Write(p); done <- err }()
	if err := recv(t, done); err != nil {
		t.Fatal(err)
	}
}

func TestProfilesCreateValidateAndSecrets(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	test.Tap(p.newBtn)
	typeInto(s.win, p.name, "Field kit")
	typeInto(s.win, p.product, "Bad Slug!")
	s.win.Canvas().Focus(p.clientID) // a problem shows once its field is left
	if got := p.message.Text; !strings.HasPrefix(got, "Product: ") {
		t.Errorf("message = %q, want it to name the Product field", got)
	}
	if !p.save.Disabled() {
		t.Error("Save is enabled with an invalid product")
	}
	p.product.SetText("")
	typeInto(s.win, p.product, "thermo-kit")
	typeInto(s.win, p.clientID, "thermo-kit-2291")
	typeInto(s.win, p.clientSecret.entry, "s3cr3t-client")
	typeInto(s.win, p.ssid, "Customer-Site")
	typeInto(s.win, p.wifiPassword.entry, "short")
	s.win.Canvas().Focus(p.customerPattern)
	if got := p.message.Text; !strings.HasPrefix(got, "Wi-Fi password: ") {
		t.Errorf("message = %q, want it to name the Wi-Fi password", got)
	}
	typeInto(s.win, p.wifiPassword.entry, "-but-long-enough")
	p.customer.SetSelected("Shadow customer by e-mail")
	s.win.Canvas().Focus(p.customerPattern)
	s.win.Canvas().Focus(p.notes) // left empty
	if got := p.message.Text; !strings.HasPrefix(got, "Customer e-mail: ") {
		t.Errorf("message = %q, want it to name the customer e-mail", got)
	}
	typeInto(s.win, p.customerPattern, "site-{device_id}@example.com")
	if got := p.message.Text; got != "" || p.save.Disabled() {
		t.Fatalf("valid form: message %q, save disabled %v", got, p.save.Disabled())
	}

	test.Tap(p.testBtn)
	if got := recv(t, s.tester.secret); got != "s3cr3t-client" {
		t.Errorf("test connection got secret %q, want the typed one", got)
	}
	s.q.until(t, "test result", func() bool { return !p.testBtn.Disabled() })
	if got := p.testResult.Text; !strings.Contains(got, "Thermostats (Photon): 214 devices, 37 customers") {
		t.Errorf("test result = %q", got)
	}

	test.Tap(p.save)
	s.q.until(t, "saved", func() bool { return p.current == "Field kit" })
	saved, err := s.lib.Load("Field kit")
	if err != nil {
		t.Fatal(err)
	}
	want := provisioning.Profile{Name: "Field kit", Product: "thermo-kit", ClientID: "thermo-kit-2291", SSID: "Customer-Site",
		Security: provisioning.SecurityWPA2, Channel: provisioning.ChannelSerial, Customer: provisioning.CustomerEmail,
		CustomerPattern: "site-{device_id}@example.com"}
	if diff := cmp.Diff(want, saved); diff != "" {
		t.Errorf("saved profile (-want +got):\n%s", diff)
	}
	for kind, v := range map[provisioning.SecretKind]string{provisioning.SecretClientSecret: "s3cr3t-client", provisioning.SecretWiFiPassword: "short-but-long-enough"} {
		if got, err := s.secrets.Get(context.Background(), "Field kit", kind); err != nil || got != v {
			t.Errorf("keychain %s = %q, %v", kind, got, err)
		}
	}
	// Once stored, the secrets are never shown again: only a notice and Replace.
	if !p.clientSecret.has || p.clientSecret.entry.Visible() || p.clientSecret.entry.Text != "" {
		t.Error("the client secret field still shows an entry after saving")
	}
	for _, o := range fynetest.Objects(s.win.Canvas().Content()) {
		if l, ok := o.(interface{ Visible() bool }); ok && l.Visible() {
			if txt := objectText(o); strings.Contains(txt, "s3cr3t") || strings.Contains(txt, "long-enough") {
				t.Errorf("a secret is on screen in %T: %q", o, txt)
			}
		}
	}
	// Open the other profile and come back: the secrets show as stored.
	p.list.Select(1)
	s.q.until(t, "other profile open", func() bool { return p.current == "Line 3 thermostats" && !p.clientSecret.has })
	p.list.Select(0)
	s.q.until(t, "secrets checked", func() bool { return p.clientSecret.has })
	if !p.clientSecret.has || !p.wifiPassword.has {
		t.Errorf("stored secrets not noticed: client %v wifi %v", p.clientSecret.has, p.wifiPassword.has)
	}
	shoot(t, "profiles", s.win.Canvas())
	test.AssertImageMatches(t, "profiles.png", s.win.Canvas().Capture())

	// Test connection failure says what to check; the cloud's exact
	// words are behind Details for support.
	s.tester.err = errors.New("the OAuth client ID or secret is wrong (invalid_client)")
	test.Tap(p.testBtn)
	if got := recv(t, s.tester.secret); got != "" {
		t.Errorf("with a stored secret the tester got %q, want \"\" (use the stored one)", got)
	}
	s.q.until(t, "test result", func() bool { return !p.testBtn.Disabled() })
	if got := p.testResult.Text; strings.Contains(got, "invalid_client") || !strings.Contains(got, "Check the product, the OAuth client ID and its secret") {
		t.Errorf("test result = %q", got)
	}
	if !p.testMore.acc.Visible() || !strings.Contains(p.testMore.text.Text, "invalid_client") {
		t.Errorf("the cloud's words are not behind Details: %q", p.testMore.text.Text)
	}
}

func TestProfilesLockAndDelete(t *testing.T) {
	s := newTestStation(t)
	p := s.view.Profiles
	lockWithPIN(t, s, testPIN)
	if !p.isLocked() || !p.product.Disabled() || !p.save.Disabled() || !p.delBtn.Disabled() {
		t.Fatal("locking did not disable editing")
	}
	if !s.view.Bench.lockIcon.Visible() {
		t.Error("the bench shows no lock while editing is locked")
	}
	shoot(t, "bench-locked", s.win.Canvas())
	s.view.Tabs.SelectIndex(2)
	shoot(t, "profiles-locked", s.win.Canvas())
	fyne.CurrentApp().Preferences().SetBool(PrefEditingLocked, false)
	p.refreshLock()
	p.Delete("Line 3 thermostats")
	s.q.until(t, "deleted", func() bool { return strings.HasPrefix(p.message.Text, "Deleted") })
	if names, _ := s.lib.List(); len(names) != 0 {
		t.Errorf("profiles after delete = %v", names)
	}
	if p.current != "" || p.name.Disabled() {
		t.Error("after deleting the last profile the form is not a new one")
	}
}

// objectText is the text a canvas object draws, if it draws text.
func objectText(o fyne.CanvasObject) string {
	if x, ok := o.(*canvas.Text); ok {
		return x.Text
	}
	return ""
}

func widgetCell(row, col int) widget.TableCellID { return widget.TableCellID{Row: row, Col: col} }

func TestProfilesDuplicate(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(2)
	p := s.view.Profiles
	test.Tap(p.dupBtn)
	top := s.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog asks for the copy's name")
	}
	var name *widget.Entry
	var confirm *widget.Button
	for _, o := range fynetest.Objects(top) {
		switch x := o.(type) {
		case *widget.Entry:
			name = x
		case *widget.Button:
			if x.Text == "Duplicate" {
				confirm = x
			}
		}
	}
	if name == nil || confirm == nil {
		t.Fatal("the dialog has no name entry or Duplicate button")
	}
	if got := name.Text; got != "Line 3 thermostats copy" {
		t.Errorf("suggested name = %q", got)
	}
	name.SetText("Line 4 thermostats")
	test.Tap(confirm)
	s.q.until(t, "duplicated", func() bool { return p.current == "Line 4 thermostats" })
	got, err := s.lib.Load("Line 4 thermostats")
	if err != nil {
		t.Fatal(err)
	}
	want := lineProfile
	want.Name = "Line 4 thermostats"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copy (-want +got):\n%s", diff)
	}
}

func TestJournalStepsShowDetailsForSupport(t *testing.T) {
	SetupTranslations()
	r := journalRecords()[1]
	r.Details = "import device: HTTP 500 {\"error\":\"unknown\"}"
	got := stepsText(r)
	if !strings.Contains(got, "→ Check the Wi-Fi password.") || !strings.HasSuffix(got, "Details for support: "+r.Details) {
		t.Errorf("steps text:\n%s", got)
	}
	if strings.Contains(stepsText(journalRecords()[0]), "Details") {
		t.Error("a record without details shows a Details line")
	}
}

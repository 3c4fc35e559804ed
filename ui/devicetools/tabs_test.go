package devicetools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
)

func TestCustomersTab(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabCustomers)
	c := f.tools.customers
	f.q.settle(t, "the customers", c.out)
	// Only the customer who owns a device is listed, as on the real cloud.
	if diff := cmp.Diff([]string{"owner@customer.example"}, columnOf(c.list, 0)); diff != "" {
		t.Errorf("customers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("Page 1 of 1 (1 in all)", c.pager.label.Text); diff != "" {
		t.Errorf("pager (-want +got):\n%s", diff)
	}
}

func TestPublish(t *testing.T) {
	tests := []struct {
		name, endpoint string
		private        bool
		wantProduct    int
		wantMessage    string
	}{
		{"product endpoint", "The product", true, productID, "Published station/test to the product's devices."},
		{"user endpoint", "My devices (user account)", false, 0, "Published station/test to the account's devices."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			e := f.tools.events
			f.tools.ShowTab(TabEvents)
			test.Type(e.name, "station/test")
			test.Type(e.data, "tray 7 done")
			e.endpoint.SetSelected(tc.endpoint)
			e.private.SetChecked(tc.private)
			test.Tap(e.publishBtn)
			f.q.settle(t, "the publish", e.publishOut)
			if diff := cmp.Diff(tc.wantMessage, e.publishOut.message); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var got []cloudtest.Event
			for _, ev := range f.cloud.Events() {
				if ev.CoreID == "api" {
					ev.PublishedAt, ev.UserID, ev.TTL = time.Time{}, "", 0
					got = append(got, ev)
				}
			}
			want := []cloudtest.Event{{Name: "station/test", Data: "tray 7 done", CoreID: "api", Private: tc.private, ProductID: tc.wantProduct}}
			if diff := cmp.Diff(want, got, cmpIgnoreUnexported); diff != "" {
				t.Errorf("events in the cloud (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPublishNeedsAName(t *testing.T) {
	f := newFixture(t)
	e := f.tools.events
	test.Tap(e.publishBtn)
	if diff := cmp.Diff("Type the event name first.", e.publishOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestEventStream(t *testing.T) {
	f := newFixture(t, func(c *config) { c.eventLimit = 3 })
	f.q.settle(t, "the device list", f.tools.devices.out)
	e := f.tools.events
	f.tools.ShowTab(TabEvents)
	test.Tap(e.watchBtn)
	if diff := cmp.Diff("Stop watching", e.watchBtn.Text); diff != "" {
		t.Errorf("button (-want +got):\n%s", diff)
	}
	wait(t, "the stream to open", f.streamOpen)
	if e.streamOut.working.Visible() {
		t.Error("watching shows \"Working…\": a stream has no end to wait for")
	}

	for n := 1; n <= 5; n++ {
		f.cloud.Publish(benchID(n), "temp", fmt.Sprint(20+n))
	}
	f.cloud.Publish(kitchenID, "temp", "99") // not a product device: not on the product stream
	f.q.until(t, "five events", func() bool { return len(e.events) == 3 && e.events[0].Data == "25" })
	// The latest three, newest first.
	if diff := cmp.Diff([]string{"25", "24", "23"}, columnOf(e.list, 3)); diff != "" {
		t.Errorf("data column (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{benchID(5), benchID(4), benchID(3)}, columnOf(e.list, 1)); diff != "" {
		t.Errorf("device column (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fmt.Sprintf("Watching the events of product %d: 3 shown.", productID), e.streamOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if e.streamOut.working.Visible() {
		t.Error("events shown under \"Working…\"")
	}

	test.Tap(e.watchBtn)
	wait(t, "the stream to close", f.streamClosed)
	if diff := cmp.Diff("Start watching", e.watchBtn.Text); diff != "" {
		t.Errorf("button (-want +got):\n%s", diff)
	}
	test.Tap(e.clearBtn)
	if len(e.list.rows) != 0 {
		t.Errorf("Clear left %d rows", len(e.list.rows))
	}
}

func TestCloseEndsStream(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	test.Tap(f.tools.events.watchBtn)
	wait(t, "the stream to open", f.streamOpen)
	f.tools.Close()
	wait(t, "the stream to close", f.streamClosed)
	done := make(chan struct{})
	go func() { f.tools.wg.Wait(); close(done) }()
	wait(t, "every worker to end", done)
}

func TestStreamRefusedInPlainWords(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.cloud.RevokeToken(f.source.ProductClient.Token)
	e := f.tools.events
	test.Tap(e.watchBtn)
	f.q.until(t, "the refusal", func() bool { return e.streamOut.failed })
	want := "The Particle Cloud did not accept the access token. Sign in again or check the OAuth client of the job profile."
	if diff := cmp.Diff(want, e.streamOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if tok := f.source.ProductClient.Token; strings.Contains(e.streamOut.details.Text, tok) || strings.Contains(e.streamOut.message, tok) {
		t.Error("the token is shown on screen")
	}
	if e.watching || e.watchBtn.Text != "Start watching" {
		t.Error("a refused stream should leave the button ready to start again")
	}
}

func TestVitals(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabVitals)
	v := f.tools.vitals
	test.Type(v.device, strings.ToUpper(benchID(1)))
	test.Tap(v.readBtn)
	f.q.settle(t, "the last vitals", v.readOut)
	if diff := cmp.Diff("Vitals sent 1 h ago (2026-11-26 07:00:00).", v.readOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Sorted by what the technician reads.
	want := []string{
		"Cloud session uptime (s) = 7100",
		"Device uptime (s) = 7200",
		"Memory total (bytes) = 82000",
		"Memory used (bytes) = 41500",
		"Wi-Fi signal quality (%) = 84",
		"Wi-Fi signal strength (RSSI, dBm) = -58",
	}
	var got []string
	for i := range v.list.rows {
		got = append(got, v.list.cell(i, 0)+" = "+v.list.cell(i, 1))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("readings (-want +got):\n%s", diff)
	}

	t.Run("history to CSV", func(t *testing.T) {
		test.Type(v.from, "2026-11-25")
		test.Type(v.to, "2026-11-26")
		test.Tap(v.csvBtn)
		f.q.until(t, "the CSV saved", func() bool { return !v.csvOut.working.Visible() && strings.HasPrefix(v.csvOut.message, "Saved") })
		data, closed := f.saved.contents()
		if !closed {
			t.Error("the file was not closed")
		}
		if f.saved.name != "vitals-"+benchID(1)+".csv" {
			t.Errorf("suggested name %q", f.saved.name)
		}
		lines := strings.Split(strings.TrimSpace(data), "\n")
		if len(lines) != 3 || !strings.Contains(lines[0], "rssi") {
			t.Errorf("CSV:\n%s", data)
		}
		if diff := cmp.Diff("Saved 2 vitals records to vitals-"+benchID(1)+".csv.", v.csvOut.message); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		var q string
		for _, r := range f.cloud.Requests() {
			if strings.HasSuffix(r.Path, "/diagnostics/"+benchID(1)) {
				q = r.RawQuery
			}
		}
		if !strings.Contains(q, "start_date=2026-11-25T00%3A00%3A00Z") || !strings.Contains(q, "end_date=2026-11-27T00%3A00%3A00Z") {
			t.Errorf("history query %q", q)
		}
	})

	t.Run("bad input caught before the call", func(t *testing.T) {
		for _, tc := range []struct{ device, from, to, want string }{
			{"abc", "", "", "Type the device's 24-character ID (0–9 and a–f) first."},
			{benchID(1), "25/11/2026", "", "Write the dates as year-month-day, such as 2026-11-01, or leave them empty."},
			{benchID(1), "2026-11-26", "2026-11-20", "The From date must be before the To date."},
		} {
			v.device.SetText(tc.device)
			v.from.SetText(tc.from)
			v.to.SetText(tc.to)
			test.Tap(v.csvBtn)
			if diff := cmp.Diff(tc.want, v.csvOut.message); diff != "" {
				t.Errorf("%+v (-want +got):\n%s", tc, diff)
			}
		}
	})
}

func TestVitalsFromThePane(t *testing.T) {
	f := newFixture(t)
	p := openProduct(t, f)
	p.nameFilter.SetText("bench-01")
	test.Tap(p.searchBtn)
	f.q.settle(t, "the product devices", p.out)
	selectDevice(t, f, p.list, p.pane, "bench-01")
	test.Tap(p.pane.vitalsBtn)
	if f.tools.tabs.SelectedIndex() != TabVitals {
		t.Fatalf("tab %d open, want Vitals", f.tools.tabs.SelectedIndex())
	}
	f.q.settle(t, "the last vitals", f.tools.vitals.readOut)
	if got := len(f.tools.vitals.list.rows); got != 6 {
		t.Errorf("%d readings", got)
	}
}

func TestOrganizations(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabOrganizations)
	o := f.tools.orgs
	f.q.settle(t, "the products", o.out)
	if diff := cmp.Diff([]string{"Bench Photons", "Field Sensors"}, sortedColumn(o.products, 0)); diff != "" {
		t.Errorf("products (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Acme Factory"}, columnOf(o.orgs, 0)); diff != "" {
		t.Errorf("organizations (-want +got):\n%s", diff)
	}
	o.orgs.table.Select(tableCell(0))
	f.q.settle(t, "the org's products", o.orgOut)
	if diff := cmp.Diff([]string{"Bench Photons"}, columnOf(o.orgProds, 0)); diff != "" {
		t.Errorf("org products (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"30"}, columnOf(o.orgProds, 4)); diff != "" {
		t.Errorf("device count (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("Products of Acme Factory", o.orgTitle.Text); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNoProduct(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.src = StaticSource{User: f.source.User}
	f.tools.ShowTab(TabProductDevices)
	want := "The station has no product. Choose a job profile with a product, then try again."
	if diff := cmp.Diff(want, f.tools.product.out.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(f.cloud.Requests()) != 1 {
		t.Errorf("%d requests; only the device list should have been asked", len(f.cloud.Requests()))
	}
}

func TestNotSignedIn(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.src = StaticSource{ProductClient: f.source.ProductClient, ProductID: f.source.ProductID}
	test.Tap(f.tools.devices.refreshBtn)
	f.q.settle(t, "the device list", f.tools.devices.out)
	want := "Nobody is signed in to the Particle Cloud. A supervisor signs in on the Profiles screen (Particle account), then try again."
	if diff := cmp.Diff(want, f.tools.devices.out.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestServerErrorInPlainWords(t *testing.T) {
	f := newFixture(t)
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.cloud.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/devices", Status: 403,
		Body: `{"ok":false,"error":"Permission Denied","info":"I didn't recognize that device name or ID"}`})
	d := f.tools.devices
	test.Tap(d.refreshBtn)
	f.q.settle(t, "the device list", d.out)
	want := "This account or token may not use that device or product. Check the product in the job profile, or that the device belongs to this product."
	if diff := cmp.Diff(want, d.out.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !d.out.expander.Visible() || !strings.Contains(d.out.details.Text, "I didn't recognize") || !strings.Contains(d.out.details.Text, "HTTP 403") {
		t.Errorf("details %q should hold the server's words", d.out.details.Text)
	}
	if d.refreshBtn.Disabled() {
		t.Error("Refresh should be usable again after a failure")
	}
}

func TestSlowDeviceTimesOut(t *testing.T) {
	f := newFixture(t, func(c *config) { c.timeout = time.Second })
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the fake cloud closes: it waits for the handler
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.cloud.SetFunction(kitchenID, "slow", func(string) int32 { <-release; return 0 })
	d := f.tools.devices
	selectDevice(t, f, d.list, d.pane, "kitchen")
	d.pane.fnName.SetText("slow")
	test.Tap(d.pane.fnBtn)
	f.q.settle(t, "the timeout", d.pane.fnOut)
	want := "The Particle Cloud did not answer within 1 seconds. Check this computer's network connection and try again."
	if diff := cmp.Diff(want, d.pane.fnOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if d.pane.fnBtn.Disabled() {
		t.Error("Call should be usable again")
	}
}

func TestCancelStopsACall(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the fake cloud closes: it waits for the handler
	f.q.settle(t, "the device list", f.tools.devices.out)
	called := make(chan struct{}, 1)
	f.cloud.SetFunction(kitchenID, "slow", func(string) int32 { called <- struct{}{}; <-release; return 0 })
	d := f.tools.devices
	selectDevice(t, f, d.list, d.pane, "kitchen")
	d.pane.fnName.SetText("slow")
	test.Tap(d.pane.fnBtn)
	if !d.pane.fnOut.stop.Visible() {
		t.Fatal("a running call should offer Cancel")
	}
	wait(t, "the function to be called", called)
	f.win.Content().Refresh()
	shoot(t, "devicetools-busy", f.win.Canvas().Capture())
	test.Tap(d.pane.fnOut.stop)
	f.q.settle(t, "the stop", d.pane.fnOut)
	want := "Stopped before it finished. Nothing more will be done; press the button again to retry."
	if diff := cmp.Diff(want, d.pane.fnOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if d.pane.fnOut.failed || d.pane.fnBtn.Disabled() || d.pane.fnOut.stop.Visible() {
		t.Error("after Cancel the action should be ready again, with no failure shown")
	}
}

func TestCancelRunningStopsEveryCall(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.q.settle(t, "the device list", f.tools.devices.out)
	called := make(chan struct{}, 1)
	f.cloud.SetFunction(kitchenID, "slow", func(string) int32 { called <- struct{}{}; <-release; return 0 })
	d := f.tools.devices
	selectDevice(t, f, d.list, d.pane, "kitchen")
	d.pane.fnName.SetText("slow")
	test.Tap(d.pane.fnBtn)
	wait(t, "the function to be called", called)
	if got := len(f.tools.running); got != 1 {
		t.Fatalf("%d calls running, want 1", got)
	}
	f.tools.CancelRunning() // Escape
	f.q.settle(t, "the stop", d.pane.fnOut)
	if !strings.HasPrefix(d.pane.fnOut.message, "Stopped before it finished.") {
		t.Errorf("message %q", d.pane.fnOut.message)
	}
	if got := len(f.tools.running); got != 0 {
		t.Errorf("%d calls still listed as running", got)
	}
}

func TestPlainError(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		timedOut    bool
		wantMsg     string
		wantDetails string
	}{
		{"offline device", &cloud.Error{Op: "read variable", Kind: cloud.KindDeviceOffline, StatusCode: 408, ServerMessage: "Timed out."},
			false, "The device did not answer (it is probably offline). Check that it is powered and breathing cyan, then try again.",
			"Operation: read variable\nCloud answer: HTTP 408: Timed out."},
		{"hint wins", &cloud.Error{Kind: cloud.KindInvalidInput, Hint: "the new device name is empty"}, false,
			"The new device name is empty.", ""},
		{"rate limited", &cloud.Error{Kind: cloud.KindRateLimited, RetryAfter: 30 * time.Second, StatusCode: 429}, false,
			"The Particle Cloud asked the station to slow down (too many requests). Wait a moment and try again (the cloud asked to wait 30s)",
			"Cloud answer: HTTP 429"},
		{"timeout", fmt.Errorf("call: %w", context.DeadlineExceeded), true,
			"The Particle Cloud did not answer within 60 seconds. Check this computer's network connection and try again.",
			"call: context deadline exceeded"},
		{"not signed in", ErrNotSignedIn, false, "Nobody is signed in to the Particle Cloud. A supervisor signs in on the Profiles screen (Particle account), then try again.", ""},
		{"local problem", &localProblem{"The file could not be written.", errors.New("disk full")}, false, "The file could not be written.", "disk full"},
		{"anything else", errors.New("boom"), false, "The operation failed. Try again; if it keeps happening, give the details to a supervisor.", "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, details := plainError(tc.err, tc.timedOut, time.Minute)
			if diff := cmp.Diff(tc.wantMsg, msg); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantDetails, details); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFlattenVitals(t *testing.T) {
	tests := []struct {
		name, in string
		want     []vital
	}{
		{"nested", `{"a":{"b":1,"c":"x"},"d":true}`, []vital{{"a.b", "1"}, {"a.c", "x"}, {"d", "true"}}},
		{"null and list", `{"p":null,"l":[1,2]}`, []vital{{"l[0]", "1"}, {"l[1]", "2"}, {"p", "–"}}},
		{"big number kept", `{"n":12345678901234567890}`, []vital{{"n", "12345678901234567890"}}},
		{"not an object", `[1]`, nil},
		{"garbage", `{`, nil},
		{"empty", ``, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, flattenVitals([]byte(tc.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzFlattenVitals(f *testing.F) {
	for _, s := range []string{`{"a":{"b":1,"c":"x"},"d":true}`, `{"p":null,"l":[1,2]}`, `[1]`, `{`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rows := flattenVitals([]byte(in))
		for i := 1; i < len(rows); i++ {
			if rows[i-1].Key > rows[i].Key {
				t.Errorf("not sorted: %q before %q", rows[i-1].Key, rows[i].Key)
			}
		}
	})
}

func TestParseDay(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{" 2026-11-01 ", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), true},
		{"2026-13-01", time.Time{}, false},
		{"01/11/2026", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseDay(tc.in)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("parseDay(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

package devicetools

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/cloud/cloudtest"
)

// openProduct opens the Product devices tab and waits for its first page.
func openProduct(t *testing.T, f *fixture) *productTab {
	t.Helper()
	f.q.settle(t, "the device list", f.tools.devices.out)
	f.tools.ShowTab(TabProductDevices)
	p := f.tools.product
	f.q.settle(t, "the product devices", p.out)
	if p.out.failed {
		t.Fatalf("product list failed: %s", p.out.message)
	}
	return p
}

// lastQuery is the query of the last product device list request.
func lastQuery(t *testing.T, f *fixture) url.Values {
	t.Helper()
	reqs := f.cloud.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == "GET" && reqs[i].Path == fmt.Sprintf("/v1/products/%d/devices", productID) {
			v, err := url.ParseQuery(reqs[i].RawQuery)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatal("no product device list request")
	return nil
}

func TestProductDevicesFilterSortPage(t *testing.T) {
	f := newFixture(t)
	p := openProduct(t, f)

	// Default: the server's page of 25, last connection newest first.
	if got := len(p.list.rows); got != 25 {
		t.Fatalf("first page has %d rows, want 25", got)
	}
	// bench-30 is offline and was never heard; bench-29 was heard last.
	if got := p.list.cell(0, 0); got != "bench-29" {
		t.Errorf("first row %q, want the most recently heard bench-29", got)
	}
	if diff := cmp.Diff("Page 1 of 2 (30 in all)", p.pager.label.Text); diff != "" {
		t.Errorf("pager (-want +got):\n%s", diff)
	}

	steps := []struct {
		name      string
		act       func()
		wantFirst []string // names of the first rows
		wantPager string
		wantQuery map[string]string
	}{
		{
			name:      "ten per page",
			act:       func() { p.pager.per.SetSelected("10") },
			wantFirst: []string{"bench-29", "bench-28", "bench-26"},
			wantPager: "Page 1 of 3 (30 in all)",
			wantQuery: map[string]string{"perPage": "10", "page": "1", "sortAttr": "lastConnection", "sortDir": "desc"},
		},
		{
			name:      "next page",
			act:       func() { test.Tap(p.pager.next) },
			wantFirst: []string{"bench-14", "bench-13", "bench-11"},
			wantPager: "Page 2 of 3 (30 in all)",
			wantQuery: map[string]string{"page": "2"},
		},
		{
			name:      "sort by device ID from the header",
			act:       func() { test.Tap(headerButton(t, f.win, "Device ID")) },
			wantFirst: []string{"bench-01", "bench-02"},
			wantPager: "Page 1 of 3 (30 in all)",
			wantQuery: map[string]string{"sortAttr": "deviceId", "sortDir": "asc", "page": "1"},
		},
		{
			name:      "tap again for Z to A",
			act:       func() { test.Tap(headerButton(t, f.win, "Device ID")) },
			wantFirst: []string{"bench-30", "bench-29"},
			wantPager: "Page 1 of 3 (30 in all)",
			wantQuery: map[string]string{"sortAttr": "deviceId", "sortDir": "desc"},
		},
		{
			name: "filter by name and group",
			act: func() {
				test.Type(p.nameFilter, "bench-1")
				test.Type(p.groupFilter, "line-b")
				test.Tap(p.searchBtn)
			},
			wantFirst: []string{"bench-18", "bench-16", "bench-14", "bench-12", "bench-10"},
			wantPager: "Page 1 of 1 (5 in all)",
			wantQuery: map[string]string{"deviceName": "bench-1", "groups": "line-b", "page": "1"},
		},
		{
			name: "filter by part of a device ID",
			act: func() {
				p.nameFilter.SetText("")
				p.groupFilter.SetText("")
				test.Type(p.idFilter, "0B20BEEF0000000000000007")
				p.idFilter.OnSubmitted(p.idFilter.Text) // Enter
			},
			wantFirst: []string{"bench-07"},
			wantPager: "Page 1 of 1 (1 in all)",
			wantQuery: map[string]string{"deviceId": benchID(7)},
		},
		{
			name: "sort choice",
			act: func() {
				p.idFilter.SetText("")
				p.sortSel.SetSelected("Firmware version, highest first")
			},
			wantFirst: []string{"bench-27", "bench-23"}, // firmware 3+n%4 is highest (6) for n = 3, 7, ... 27; ties by ID, descending
			wantPager: "Page 1 of 3 (30 in all)",
			wantQuery: map[string]string{"sortAttr": "firmwareVersion", "sortDir": "desc"},
		},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.act()
			f.q.settle(t, "the product devices", p.out)
			if p.out.failed {
				t.Fatalf("list failed: %s (%s)", p.out.message, p.out.details.Text)
			}
			got := columnOf(p.list, 0)
			if len(got) > len(s.wantFirst) {
				got = got[:len(s.wantFirst)]
			}
			if diff := cmp.Diff(s.wantFirst, got); diff != "" {
				t.Errorf("first rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(s.wantPager, p.pager.label.Text); diff != "" {
				t.Errorf("pager (-want +got):\n%s", diff)
			}
			q := lastQuery(t, f)
			for k, v := range s.wantQuery {
				if q.Get(k) != v {
					t.Errorf("query %s = %q, want %q (whole query %v)", k, q.Get(k), v, q)
				}
			}
		})
	}
}

func TestProductPaneUsesProductRoutes(t *testing.T) {
	f := newFixture(t)
	p := openProduct(t, f)
	p.nameFilter.SetText("bench-01")
	test.Tap(p.searchBtn)
	f.q.settle(t, "the product devices", p.out)
	selectDevice(t, f, p.list, p.pane, "bench-01")
	if got := p.pane.infoValues["Groups"].Text; got != "line-a" {
		t.Errorf("groups shown %q", got)
	}
	p.pane.varName.SetText("rssi")
	test.Tap(p.pane.varBtn)
	f.q.settle(t, "the variable", p.pane.varOut)
	if diff := cmp.Diff("rssi = -61", p.pane.varOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	p.pane.fnName.SetText("reset")
	test.Tap(p.pane.fnBtn)
	f.q.settle(t, "the function", p.pane.fnOut)
	if diff := cmp.Diff("reset returned 1.", p.pane.fnOut.message); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	test.Tap(p.pane.pingBtn)
	f.q.settle(t, "the ping", p.pane.pingOut)
	p.pane.renameEntry.SetText("bench-01-checked")
	test.Tap(p.pane.renameBtn)
	f.q.settle(t, "the rename", p.pane.renameOut)
	if st, _ := f.cloud.Device(benchID(1)); st.Name != "bench-01-checked" {
		t.Errorf("cloud has name %q", st.Name)
	}
	if got := columnOf(p.list, 0); !strings.Contains(strings.Join(got, ","), "bench-01-checked") {
		t.Errorf("list rows show %v", got)
	}

	prefix := fmt.Sprintf("/v1/products/%d/devices/%s", productID, benchID(1))
	want := map[string]bool{"GET " + prefix: true, "GET " + prefix + "/rssi": true, "POST " + prefix + "/reset": true,
		"PUT " + prefix + "/ping": true, "PUT " + prefix: true}
	for _, r := range f.cloud.Requests() {
		delete(want, r.Method+" "+r.Path)
		if strings.HasPrefix(r.Path, "/v1/devices/"+benchID(1)) {
			t.Errorf("%s %s went through the user routes", r.Method, r.Path)
		}
	}
	if len(want) > 0 {
		t.Errorf("requests never made: %v", want)
	}
}

func TestBulkImport(t *testing.T) {
	file := strings.Join([]string{
		"# tray 7, scanned " + "2026-11-26",
		strings.ToUpper(freeID),
		free2ID + ",photon,tray 7", // a CSV export: the first field counts
		"",
		strangerID,
		foreignID,
		benchID(3),
		"not-a-device",
		freeID, // again: listed once
	}, "\n")
	var opened int
	f := newFixture(t, func(c *config) {
		c.openFile = func(_ fyne.Window, chosen func(io.ReadCloser, string, error)) {
			opened++
			chosen(io.NopCloser(strings.NewReader(file)), "tray-7.txt", nil)
		}
	})
	p := openProduct(t, f)
	test.Tap(p.importBtn)
	f.q.settle(t, "the import", p.importOut)
	if opened != 1 {
		t.Fatalf("file dialog opened %d times", opened)
	}
	type row struct{ ID, Result string }
	var got []row
	for _, r := range p.importList.rows {
		got = append(got, row{r.ID, r.Result})
	}
	want := []row{
		{freeID, "Imported"},
		{free2ID, "Imported"},
		{strangerID, "Owner not on team"},
		{foreignID, "Invalid"},
		{benchID(3), "Already in product"},
		{"not-a-device", "Invalid"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-ID results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("3 of 6 devices are now in the product; 3 were refused (see the list).", p.importOut.message); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if msg := p.importList.rows[2].Message; !strings.Contains(msg, "unclaim") {
		t.Errorf("non-member advice %q does not say what to do", msg)
	}
	if st, _ := f.cloud.Device(freeID); st.ProductID != productID {
		t.Errorf("free device is in product %d", st.ProductID)
	}
	// The list was asked again and now holds the two new devices.
	f.q.settle(t, "the refreshed list", p.out)
	if diff := cmp.Diff("Page 1 of 2 (32 in all)", p.pager.label.Text); diff != "" {
		t.Errorf("pager (-want +got):\n%s", diff)
	}
	var multipart bool
	for _, r := range f.cloud.Requests() {
		if r.Method == "POST" && r.Path == fmt.Sprintf("/v1/products/%d/devices", productID) {
			multipart = r.BodyEncoding == "multipart"
		}
	}
	if !multipart {
		t.Error("the IDs were not uploaded as a file")
	}
}

func TestBulkImportFileProblems(t *testing.T) {
	tests := []struct {
		name    string
		open    func(chosen func(io.ReadCloser, string, error))
		want    string
		details string
	}{
		{"cancelled", func(c func(io.ReadCloser, string, error)) { c(nil, "", nil) }, "", ""},
		{"dialog error", func(c func(io.ReadCloser, string, error)) { c(nil, "x.txt", errors.New("permission denied")) },
			"The file could not be opened. Choose it again, or copy it to this computer first.", "permission denied"},
		{"empty file", func(c func(io.ReadCloser, string, error)) {
			c(io.NopCloser(strings.NewReader("# nothing\n\n")), "empty.txt", nil)
		}, "The file holds no device IDs. It needs one device ID per line.", ""},
		{"unreadable file", func(c func(io.ReadCloser, string, error)) {
			c(io.NopCloser(io.MultiReader(strings.NewReader(freeID+"\n"), errReader{})), "usb.txt", nil)
		}, "The file of device IDs could not be read. Choose it again.", "input/output error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *config) {
				c.openFile = func(_ fyne.Window, chosen func(io.ReadCloser, string, error)) { tc.open(chosen) }
			})
			f.q.settle(t, "the device list", f.tools.devices.out)
			p := f.tools.product // the import works without the list shown
			test.Tap(p.importBtn)
			f.q.settle(t, "the import", p.importOut)
			if diff := cmp.Diff(tc.want, p.importOut.message); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.details, p.importOut.details.Text); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
			for _, r := range f.cloud.Requests() {
				if r.Method == "POST" {
					t.Errorf("nothing should be imported, but %s %s was sent", r.Method, r.Path)
				}
			}
		})
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("input/output error") }

func TestImportIDs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one per line", "a\nb\n", []string{"a", "b"}},
		{"device IDs lower-cased and kept once", strings.ToUpper(freeID) + "\r\n" + freeID + "\n", []string{freeID}},
		{"comments and blanks skipped", "# header\n\n  \nx\n", []string{"x"}},
		{"first CSV field", "abc,photon,7\nxyz;1\n", []string{"abc", "xyz"}},
		{"byte order mark", "\ufeff" + freeID + "\n", []string{freeID}},
		{"nothing", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, importIDs([]byte(tc.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzImportIDs(f *testing.F) {
	for _, s := range []string{"a\nb\n", strings.ToUpper(freeID) + "\r\n" + freeID, "# h\n\nx", "abc,photon\nxyz;1", "\ufeff" + freeID, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ids := importIDs([]byte(in))
		seen := map[string]bool{}
		for _, id := range ids {
			if id == "" || strings.HasPrefix(id, "#") || strings.ContainsAny(id, ",;\t \n") {
				t.Errorf("bad identifier %q from %q", id, in)
			}
			if seen[strings.ToLower(id)] {
				t.Errorf("%q listed twice", id)
			}
			seen[strings.ToLower(id)] = true
		}
	})
}

// A page that fails to load leaves the pager on the page shown, so the next
// Next asks for the page after it, not one further on; new filters start
// from the first page.
func TestProductPagerMovesOnlyOnSuccess(t *testing.T) {
	f := newFixture(t)
	p := openProduct(t, f)
	p.pager.per.SetSelected("10")
	f.q.settle(t, "ten per page", p.out)
	f.cloud.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/products/:product/devices", Times: 1, Status: 403,
		Body: `{"ok":false,"error":"Permission denied"}`})
	test.Tap(p.pager.next)
	f.q.settle(t, "the failed page", p.out)
	if !p.out.failed || p.pager.page != 1 || p.pager.label.Text != "Page 1 of 3 (30 in all)" {
		t.Fatalf("after a failed Next: failed %v, page %d, %q", p.out.failed, p.pager.page, p.pager.label.Text)
	}
	test.Tap(p.pager.next)
	f.q.settle(t, "page 2", p.out)
	if q := lastQuery(t, f); q.Get("page") != "2" || p.pager.page != 2 {
		t.Fatalf("the retried Next asked for page %s and shows %d, want 2", q.Get("page"), p.pager.page)
	}
	p.nameFilter.SetText("bench-1")
	p.nameFilter.OnSubmitted("bench-1")
	f.q.settle(t, "the filtered list", p.out)
	if q := lastQuery(t, f); q.Get("page") != "1" {
		t.Errorf("new filters asked for page %s, want 1", q.Get("page"))
	}
}

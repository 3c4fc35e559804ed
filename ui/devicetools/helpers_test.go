package devicetools

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/internal/fynetest"
)

func TestMain(m *testing.M) {
	// Times on screen are local; pin the zone so golden images match everywhere.
	time.Local = time.UTC
	os.Exit(m.Run())
}

// uiQueue stands in for fyne.Do in tests: the goroutines the tools start
// hand their widget work to it and the test goroutine runs it, so every
// widget write happens on one goroutine and -race can check that.
type uiQueue struct{ fns chan func() }

func newUIQueue() *uiQueue { return &uiQueue{fns: make(chan func())} }

func (q *uiQueue) do(fn func()) {
	done := make(chan struct{})
	q.fns <- func() { defer close(done); fn() }
	<-done
}

// until runs queued UI work until cond holds, failing after a few seconds.
func (q *uiQueue) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for !cond() {
		select {
		case fn := <-q.fns:
			fn()
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// settle runs queued UI work until o shows a result (not progress).
func (q *uiQueue) settle(t *testing.T, what string, o *outcome) {
	t.Helper()
	q.until(t, what, func() bool { return !o.working.Visible() })
}

// The fixture's fixed moment: every device's "last heard" is relative to it.
var fixtureStart = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

const (
	techEmail   = "tech@example.com"
	productID   = 4242
	productSlug = "bench-photons-v4242"
	otherProd   = 5151

	kitchenID  = "0a10aced202194944a000001"
	garageID   = "0a10aced202194944a000002"
	porchID    = "0a10aced202194944a000003"
	freeID     = "0a10aced202194944a0000f1"
	free2ID    = "0a10aced202194944a0000f2"
	strangerID = "0a10aced202194944a0000f3"
	foreignID  = "0a10aced202194944a0000f4"
)

// benchID is the ID of product device n (1..30).
func benchID(n int) string { return fmt.Sprintf("0b20beef0000000000%06d", n) }

// fixture is a fake Particle Cloud holding a technician's account with
// three devices, a product of thirty, a customer, an organization, and
// devices for the import cases; and the tools on it in a test window.
type fixture struct {
	cloud  *cloudtest.Cloud
	clock  *cloudtest.ManualClock
	q      *uiQueue
	win    fyne.Window
	tools  *Tools
	source StaticSource
	// streamOpen receives once per event stream the cloud accepted.
	streamOpen chan struct{}
	// streamClosed receives once per event stream body closed.
	streamClosed chan struct{}
	saved        *memFile
}

type fixtureOption func(*config)

func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.LightTheme())

	clk := cloudtest.NewManualClock(fixtureStart.Add(-48 * time.Hour))
	fc := cloudtest.New(cloudtest.Options{Now: clk.Now})
	t.Cleanup(fc.Close)
	fc.AddUser(cloudtest.User{Email: techEmail, Password: "not-used"})
	fc.AddOrg(cloudtest.Org{Slug: "acme", Name: "Acme Factory", Members: []string{techEmail}})
	fc.AddProduct(cloudtest.Product{ID: productID, Name: "Bench Photons", Slug: productSlug, Org: "acme",
		Members: []string{techEmail}, Groups: []string{"line-a", "line-b"}})
	fc.AddProduct(cloudtest.Product{ID: otherProd, Name: "Field Sensors", Slug: "field-sensors", Members: []string{techEmail}})
	fc.AddCustomer(cloudtest.Customer{Email: "owner@customer.example", ProductID: productID, ID: "c0ffee000000000000000001"})
	fc.AddCustomer(cloudtest.Customer{Email: "second@customer.example", ProductID: productID, ID: "c0ffee000000000000000002"})

	// The technician's own devices, heard at different times.
	clk.Advance(time.Hour)
	fc.AddDevice(cloudtest.Device{ID: garageID, Name: "garage", Owner: techEmail, Online: true})
	fc.SetOnline(garageID, false)
	clk.Advance(time.Hour)
	fc.AddDevice(cloudtest.Device{ID: kitchenID, Name: "kitchen", Owner: techEmail, Online: true, Notes: "on the shelf",
		Variables: map[string]cloudtest.Variable{"temp": {Type: "double", Value: 21.5}, "label": {Type: "string", Value: "K1"}},
		Functions: map[string]cloudtest.Function{"led": func(arg string) int32 { return int32(len(arg)) }}})
	fc.AddDevice(cloudtest.Device{ID: porchID, Name: "porch", Owner: techEmail, Online: true})

	// The product's thirty devices, one heard every ten minutes.
	for n := 1; n <= 30; n++ {
		clk.Advance(10 * time.Minute)
		group := "line-a"
		if n%2 == 0 {
			group = "line-b"
		}
		d := cloudtest.Device{ID: benchID(n), Name: fmt.Sprintf("bench-%02d", n), ProductID: productID,
			Online: n%3 != 0, Groups: []string{group}, FirmwareVersion: 3 + n%4}
		if n == 1 {
			d.Variables = map[string]cloudtest.Variable{"rssi": {Type: "int32", Value: -61}}
			d.Functions = map[string]cloudtest.Function{"reset": func(string) int32 { return 1 }}
		}
		if n == 2 {
			d.Owner = "owner@customer.example"
		}
		fc.AddDevice(d)
	}
	fc.AddVitals(benchID(1), fixtureStart.Add(-2*time.Hour), json.RawMessage(
		`{"device":{"network":{"signal":{"rssi":-61,"quality":80}},"power":{"battery":null},"system":{"uptime":3600,"memory":{"used":41000,"total":82000}}},"service":{"cloud":{"uptime":3500}}}`))
	fc.AddVitals(benchID(1), fixtureStart.Add(-time.Hour), json.RawMessage(
		`{"device":{"network":{"signal":{"rssi":-58,"quality":84}},"system":{"uptime":7200,"memory":{"used":41500,"total":82000}}},"service":{"cloud":{"uptime":7100}}}`))

	// Devices for the import: free ones, one owned by an outsider, one in another product.
	fc.AddDevice(cloudtest.Device{ID: freeID})
	fc.AddDevice(cloudtest.Device{ID: free2ID})
	fc.AddDevice(cloudtest.Device{ID: strangerID, Owner: "stranger@elsewhere.example"})
	fc.AddDevice(cloudtest.Device{ID: foreignID, ProductID: otherProd})
	clk.Set(fixtureStart)

	f := &fixture{cloud: fc, clock: clk, q: newUIQueue(),
		streamOpen: make(chan struct{}, 8), streamClosed: make(chan struct{}, 8), saved: &memFile{}}
	transport := &watchTransport{base: fc.HTTPClient().Transport, open: f.streamOpen, closed: f.streamClosed}
	client := func(token string) *cloud.Client {
		return &cloud.Client{BaseURL: fc.URL(), Token: token, Transport: transport}
	}
	f.source = StaticSource{User: client(fc.UserToken(techEmail)), ProductClient: client(fc.ProductToken(productID)),
		ProductID: fmt.Sprint(productID)}

	cfg := defaultConfig()
	cfg.do = f.q.do
	cfg.now = clk.Now
	cfg.openFile = func(fyne.Window, func(io.ReadCloser, string, error)) { t.Error("unexpected open dialog") }
	cfg.saveFile = func(_ fyne.Window, suggested string, chosen func(io.WriteCloser, string, error)) {
		f.saved.name = suggested
		chosen(f.saved, suggested, nil)
	}
	for _, o := range opts {
		o(&cfg)
	}
	f.win = test.NewTempWindow(t, widget.NewLabel(""))
	f.tools = newTools(f.win, f.source, cfg)
	t.Cleanup(func() {
		// Close the screen and run what its workers still hand over, here,
		// so nothing of this test touches widgets while the next one runs.
		f.tools.Close()
		done := make(chan struct{})
		go func() { f.tools.wg.Wait(); close(done) }()
		for {
			select {
			case fn := <-f.q.fns:
				fn()
			case <-done:
				return
			case <-time.After(10 * time.Second):
				t.Error("the tools' workers did not end after Close")
				return
			}
		}
	})
	f.win.SetContent(f.tools)
	f.win.Resize(fyne.NewSize(1180, 760))
	return f
}

// watchTransport tells the test when an event stream opens and closes,
// so tests wait on signals rather than on time.
type watchTransport struct {
	base         http.RoundTripper
	open, closed chan struct{}
}

func (w *watchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		w.open <- struct{}{}
		resp.Body = &signalBody{ReadCloser: resp.Body, closed: w.closed}
	}
	return resp, err
}

type signalBody struct {
	io.ReadCloser
	once   sync.Once
	closed chan struct{}
}

func (b *signalBody) Close() error {
	b.once.Do(func() { b.closed <- struct{}{} })
	return b.ReadCloser.Close()
}

// memFile is the CSV "file" the save dialog seam hands out.
type memFile struct {
	mu     sync.Mutex
	name   string
	data   strings.Builder
	closed bool
}

func (m *memFile) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data.Write(p)
}

func (m *memFile) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func (m *memFile) contents() (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data.String(), m.closed
}

// wait blocks until f's signal channel ch fires, failing after a while.
func wait(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// column returns the texts of column col of a table, row by row.
func columnOf[T any](d *dataTable[T], col int) []string {
	out := make([]string, len(d.rows))
	for i := range d.rows {
		out[i] = d.cell(i, col)
	}
	return out
}

// headerButton finds the header button titled title in the window.
func headerButton(t *testing.T, win fyne.Window, title string) *widget.Button {
	t.Helper()
	for _, o := range fynetest.Objects(win.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == title && b.Importance == widget.LowImportance && b.Visible() {
			return b
		}
	}
	t.Fatalf("no header button %q on screen", title)
	return nil
}

// shoot writes a capture to /tmp/ui-shots when UI_SHOTS names a folder,
// for a person to look at.
func shoot(t *testing.T, name string, img image.Image) {
	t.Helper()
	dir := os.Getenv("UI_SHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, img); err != nil {
		t.Fatal(err)
	}
}

var cmpIgnoreUnexported = cmpopts.IgnoreUnexported(cloudtest.Event{})

func tableCell(row int) widget.TableCellID { return widget.TableCellID{Row: row} }

// sortedColumn is columnOf, sorted, for lists whose order the server chooses.
func sortedColumn[T any](d *dataTable[T], col int) []string {
	out := columnOf(d, col)
	slices.Sort(out)
	return out
}

type ioReadCloser = io.ReadCloser

func nopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

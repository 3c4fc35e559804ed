// Package devicetools is the station's "rest of the tutorial": the screens a
// technician uses to look at and act on devices in the Particle Cloud
// outside the provisioning pipeline. Its tabs list the user's devices and a
// product's devices (filtered, sorted, paged), show one device in a detail
// pane where it can be renamed, pinged, annotated, asked for a variable or
// made to run a function, list customers, publish events and watch the
// product's live event stream, read and export vitals, list products and
// organizations, and import a file of device IDs into the product.
//
// The package holds no protocol logic: every cloud call is a method of
// *cloud.Client, run on its own goroutine with a deadline, and its answer
// reaches the widgets only through fyne.Do (the rymdport bridge pattern).
// Errors are shown in the plain words of cloud.Error; the server's raw
// detail stays behind a "Details" expander.
package devicetools

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// Source is where the device tools get their access to the Particle Cloud.
// The station's main window implements it from the running job profile:
// the user's token (a supervisor's sign-in, or a customer token), and a
// product token from the profile's OAuth client. Both methods are called
// on a worker goroutine, never on the UI goroutine, so they may do network
// work (such as getting a product token) and must honour ctx.
type Source interface {
	// UserCloud returns a client carrying a user (or customer) token, for
	// the user routes: my devices, my products and organizations, and
	// publishing on the user endpoint. It returns an error with a
	// plain-language message when nobody is signed in.
	UserCloud(ctx context.Context) (*cloud.Client, error)
	// ProductCloud returns a client whose token may manage Product(): a
	// product token, or a user token of a member of the product's team.
	ProductCloud(ctx context.Context) (*cloud.Client, error)
	// Product is the product ID or slug the tools work on; "" when the
	// station has no product (the product tabs then say so).
	Product() string
	// CustomerCloud returns a client carrying the token of the product's
	// customer email (a shadow customer, made when it does not exist yet
	// with the product's OAuth client), for claiming a device to that
	// customer. It returns an error with a plain-language message when the
	// station holds no OAuth client for the product.
	CustomerCloud(ctx context.Context, email string) (*cloud.Client, error)
}

// StaticSource is a Source of fixed clients, for callers that already hold
// their tokens (demo mode, tests, a signed-in supervisor).
type StaticSource struct {
	// User is the client for user routes; nil when nobody is signed in.
	User *cloud.Client
	// ProductClient is the client for product routes; nil when there is
	// no product token.
	ProductClient *cloud.Client
	// ProductID is the product ID or slug.
	ProductID string
	// Customers returns a client with the token of a product customer;
	// nil when the station cannot act for customers.
	Customers func(ctx context.Context, email string) (*cloud.Client, error)
}

// ErrNotSignedIn is returned by StaticSource when it holds no user client.
var ErrNotSignedIn = errors.New("nobody is signed in to the Particle Cloud")

// ErrNoProduct is returned by StaticSource when it holds no product client.
var ErrNoProduct = errors.New("the station has no product token")

// ErrNoCustomers is returned by StaticSource when it cannot get customer
// tokens.
var ErrNoCustomers = errors.New("the station has no OAuth client to act for the product's customers")

// UserCloud returns s.User or ErrNotSignedIn.
func (s StaticSource) UserCloud(context.Context) (*cloud.Client, error) {
	if s.User == nil {
		return nil, ErrNotSignedIn
	}
	return s.User, nil
}

// ProductCloud returns s.ProductClient or ErrNoProduct.
func (s StaticSource) ProductCloud(context.Context) (*cloud.Client, error) {
	if s.ProductClient == nil {
		return nil, ErrNoProduct
	}
	return s.ProductClient, nil
}

// Product returns s.ProductID.
func (s StaticSource) Product() string { return s.ProductID }

// CustomerCloud calls s.Customers, or returns ErrNoCustomers.
func (s StaticSource) CustomerCloud(ctx context.Context, email string) (*cloud.Client, error) {
	if s.Customers == nil {
		return nil, ErrNoCustomers
	}
	return s.Customers(ctx, email)
}

// Default limits. A call that takes longer than callTimeout is abandoned
// and reported; a device that is offline makes the cloud wait about 30 s
// before it answers "timed out", so the limit leaves room for that.
const (
	callTimeout   = 60 * time.Second
	importTimeout = 3 * time.Minute
	eventLimit    = 200
)

// config holds what tests replace: the UI dispatcher, the clock, the
// timeouts and the file dialogs.
type config struct {
	// do runs fn on the UI goroutine: fyne.Do in the app.
	do func(fn func())
	// now tells the time for "last heard 5 minutes ago".
	now func() time.Time
	// timeout bounds one cloud call; importTimeout a bulk import.
	timeout, importTimeout time.Duration
	// eventLimit is how many stream events the Events tab keeps.
	eventLimit int
	// openFile asks for a file to read (the device ID list); it calls
	// chosen with nil, nil when the user cancels.
	openFile func(win fyne.Window, chosen func(r io.ReadCloser, name string, err error))
	// saveFile asks where to write a file (the vitals CSV); it calls
	// chosen with nil, nil when the user cancels.
	saveFile func(win fyne.Window, suggested string, chosen func(w io.WriteCloser, name string, err error))
}

func defaultConfig() config {
	return config{
		do:            fyne.Do,
		now:           time.Now,
		timeout:       callTimeout,
		importTimeout: importTimeout,
		eventLimit:    eventLimit,
		openFile:      dialogOpenFile,
		saveFile:      dialogSaveFile,
	}
}

func dialogOpenFile(win fyne.Window, chosen func(io.ReadCloser, string, error)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			chosen(nil, "", err)
			return
		}
		chosen(r, r.URI().Name(), nil)
	}, win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".txt", ".csv"}))
	d.Show()
}

func dialogSaveFile(win fyne.Window, suggested string, chosen func(io.WriteCloser, string, error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			chosen(nil, "", err)
			return
		}
		chosen(w, w.URI().Name(), nil)
	}, win)
	d.SetFileName(suggested)
	d.Show()
}

// Tools is the device tools screen: a widget holding the six tabs. Close
// it when the screen goes away; that stops the event stream and abandons
// every call still running.
type Tools struct {
	widget.BaseWidget

	win fyne.Window
	src Source
	cfg config

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// running holds the cancel of each call in progress (UI goroutine only).
	running map[int]context.CancelFunc
	nextJob int
	// loaded marks the tabs whose list has been asked for (UI goroutine).
	loaded map[int]bool

	tabs      *container.AppTabs
	devices   *devicesTab
	product   *productTab
	customers *customersTab
	events    *eventsTab
	vitals    *vitalsTab
	orgs      *orgsTab
}

// New builds the device tools for win, reaching the cloud through src. The
// lists load when their tab is first opened (or Refresh is pressed); call
// Close when the screen is closed.
func New(win fyne.Window, src Source) *Tools {
	return newTools(win, src, defaultConfig())
}

func newTools(win fyne.Window, src Source, cfg config) *Tools {
	// The screen's lifetime is the root of every call it makes: Close ends it.
	ctx, cancel := context.WithCancel(context.Background())
	t := &Tools{win: win, src: src, cfg: cfg, ctx: ctx, cancel: cancel, running: map[int]context.CancelFunc{}}
	t.devices = newDevicesTab(t)
	t.product = newProductTab(t)
	t.customers = newCustomersTab(t)
	t.events = newEventsTab(t)
	t.vitals = newVitalsTab(t)
	t.orgs = newOrgsTab(t)
	t.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Devices"), t.devices.content),
		container.NewTabItem(lang.L("Product devices"), t.product.content),
		container.NewTabItem(lang.L("Customers"), t.customers.content),
		container.NewTabItem(lang.L("Events"), t.events.content),
		container.NewTabItem(lang.L("Vitals"), t.vitals.content),
		container.NewTabItem(lang.L("Organizations"), t.orgs.content),
	)
	t.loaded = map[int]bool{}
	loaded := t.loaded
	load := []func(){t.devices.refresh, t.product.search, t.customers.refresh, nil, nil, t.orgs.refresh}
	t.tabs.OnSelected = func(*container.TabItem) {
		i := t.tabs.SelectedIndex()
		if i >= 0 && i < len(load) && load[i] != nil && !loaded[i] {
			loaded[i] = true
			load[i]()
		}
	}
	t.ExtendBaseWidget(t)
	t.tabs.OnSelected(t.tabs.Items[0]) // the first tab's list loads at once
	return t
}

// Tab indexes, for ShowTab.
const (
	TabDevices        = 0
	TabProductDevices = 1
	TabCustomers      = 2
	TabEvents         = 3
	TabVitals         = 4
	TabOrganizations  = 5
)

// ShowTab opens one of the tabs (TabDevices ... TabOrganizations), loading
// its list the first time. Call it on the UI goroutine.
func (t *Tools) ShowTab(tab int) {
	if tab >= 0 && tab < len(t.tabs.Items) {
		if t.tabs.SelectedIndex() == tab {
			t.tabs.OnSelected(t.tabs.Items[tab])
			return
		}
		t.tabs.SelectIndex(tab)
	}
}

// CancelRunning stops every call in progress, as each one's Cancel
// button does; the live event stream goes on. The main window calls it
// when the technician presses Escape on this screen. Call it on the UI
// goroutine.
func (t *Tools) CancelRunning() {
	for _, cancel := range t.running {
		cancel()
	}
}

// Close stops the live event stream and abandons every call in flight.
// It returns at once; late answers are dropped.
func (t *Tools) Close() {
	t.cancel()
}

// CreateRenderer shows the tabs.
func (t *Tools) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.tabs)
}

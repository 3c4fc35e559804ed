package devicetools

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// eventsTab publishes events and shows the product's live event stream.
type eventsTab struct {
	t *Tools

	name, data *widget.Entry
	private    *widget.Check
	endpoint   *widget.RadioGroup
	publishBtn *widget.Button
	publishOut *outcome

	watchBtn  *widget.Button
	clearBtn  *widget.Button
	streamOut *outcome
	list      *dataTable[cloud.Event]
	events    []cloud.Event // newest first, at most cfg.eventLimit
	product   string        // the product the stream watches
	stop      context.CancelFunc
	watching  bool

	content fyne.CanvasObject
}

func (e *eventsTab) endpointProduct() string { return lang.L("The product") }
func (e *eventsTab) endpointUser() string    { return lang.L("My devices (user account)") }

func newEventsTab(t *Tools) *eventsTab {
	e := &eventsTab{t: t}
	e.name = widget.NewEntry()
	e.name.SetPlaceHolder(lang.L("Event name, such as station/test"))
	e.data = widget.NewEntry()
	e.data.SetPlaceHolder(lang.L("Data (may be empty)"))
	e.data.OnSubmitted = func(string) { e.publish() }
	e.private = widget.NewCheck(lang.L("Private (only this account's devices receive it)"), nil)
	e.private.Checked = true
	e.endpoint = widget.NewRadioGroup([]string{e.endpointProduct(), e.endpointUser()}, nil)
	e.endpoint.Horizontal = true
	e.endpoint.Required = true
	e.endpoint.Selected = e.endpointProduct()
	e.publishBtn = widget.NewButtonWithIcon(lang.L("Publish"), theme.MailSendIcon(), e.publish)
	e.publishOut = newReservedOutcome()

	e.watchBtn = widget.NewButtonWithIcon(lang.L("Start watching"), theme.MediaPlayIcon(), e.toggle)
	e.watchBtn.Importance = widget.HighImportance
	e.clearBtn = widget.NewButtonWithIcon(lang.L("Clear"), theme.ContentClearIcon(), func() {
		e.events = nil
		e.list.setRows(nil)
	})
	e.streamOut = newOutcome()
	e.list = newDataTable([]column[cloud.Event]{
		{title: lang.L("Time"), width: 160, text: func(ev cloud.Event) string { return stamp(ev.PublishedAt) }},
		{title: lang.L("Device"), width: 220, text: func(ev cloud.Event) string { return ev.DeviceID }},
		{title: lang.L("Event"), width: 180, text: func(ev cloud.Event) string { return ev.Name }},
		{title: lang.L("Data"), width: 360, text: func(ev cloud.Event) string { return ev.Data }},
	}, lang.L("No events yet. Press Start watching to see the product's events as they happen."))

	form := widget.NewForm(
		widget.NewFormItem(lang.L("Name"), e.name),
		widget.NewFormItem(lang.L("Data"), e.data),
		widget.NewFormItem(lang.L("Send to"), e.endpoint),
		widget.NewFormItem("", e.private),
	)
	pubTitle := widget.NewLabel(lang.L("Publish an event"))
	pubTitle.TextStyle = fyne.TextStyle{Bold: true}
	publish := container.NewVBox(pubTitle, form, container.NewHBox(e.publishBtn), e.publishOut)

	watchTitle := widget.NewLabel(lang.L("Live events of the product"))
	watchTitle.TextStyle = fyne.TextStyle{Bold: true}
	limit := widget.NewLabel(lang.L("(the latest {{.N}} are kept)", map[string]any{"N": t.cfg.eventLimit}))
	watchTop := container.NewVBox(widget.NewSeparator(),
		container.NewHBox(watchTitle, limit),
		container.NewHBox(e.watchBtn, e.clearBtn), e.streamOut)
	e.content = container.NewBorder(container.NewVBox(publish, watchTop), nil, nil, nil, e.list.stack)
	return e
}

func (e *eventsTab) publish() {
	name := strings.TrimSpace(e.name.Text)
	if name == "" {
		e.publishOut.problem(lang.L("Type the event name first."), "")
		return
	}
	toProduct := e.endpoint.Selected != e.endpointUser()
	if toProduct && e.t.noProduct(e.publishOut) {
		return
	}
	req := cloud.PublishRequest{Name: name, Data: e.data.Text, Private: e.private.Checked}
	if toProduct {
		req.Product = e.t.src.Product()
	}
	run(e.t, e.publishOut, lang.L("Publishing {{.Name}}…", map[string]any{"Name": name}), e.t.cfg.timeout,
		[]fyne.Disableable{e.publishBtn},
		func(ctx context.Context) (struct{}, error) {
			get := e.t.src.UserCloud
			if toProduct {
				get = e.t.src.ProductCloud
			}
			c, err := get(ctx)
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, c.Publish(ctx, req)
		},
		func(struct{}) {
			if toProduct {
				e.publishOut.succeed(lang.L("Published {{.Name}} to the product's devices.", map[string]any{"Name": name}))
			} else {
				e.publishOut.succeed(lang.L("Published {{.Name}} to the account's devices.", map[string]any{"Name": name}))
			}
		})
}

func (e *eventsTab) toggle() {
	if e.watching {
		e.stopWatching()
		e.streamOut.info(lang.L("Stopped. Press Start watching to see new events."))
		return
	}
	e.start()
}

// stopWatching ends the stream, if one is open.
func (e *eventsTab) stopWatching() {
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
	e.watching = false
	e.watchBtn.SetText(lang.L("Start watching"))
	e.watchBtn.SetIcon(theme.MediaPlayIcon())
}

// start opens the product's event stream on its own goroutine. It runs
// until Stop, until the screen is closed (Tools.Close), or until the cloud
// refuses it for good.
func (e *eventsTab) start() {
	if e.t.noProduct(e.streamOut) || e.t.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(e.t.ctx)
	e.stop = cancel
	e.watching = true
	e.watchBtn.SetText(lang.L("Stop watching"))
	e.watchBtn.SetIcon(theme.MediaStopIcon())
	product := e.t.src.Product()
	e.product = product // named on screen: the bench may move to another product
	// A still line, no animated bar: watching can last a shift, with nothing
	// to show progress of (an animation would keep the window repainting).
	e.streamOut.info(lang.L("Watching the events of product {{.Product}}…", map[string]any{"Product": product}))
	do := e.t.cfg.do
	e.t.wg.Add(1)
	go func() {
		defer e.t.wg.Done()
		defer cancel()
		fail := func(err error) {
			do(func() {
				if ctx.Err() != nil {
					return // stopped meanwhile
				}
				e.stopWatching()
				e.streamOut.fail(err, false, 0)
			})
		}
		c, err := e.t.src.ProductCloud(ctx)
		if err != nil {
			fail(err)
			return
		}
		s := cloud.Stream{Product: product, OnReconnect: func(error) {
			do(func() {
				if ctx.Err() == nil {
					e.streamOut.info(lang.L("The connection dropped; reconnecting…"))
				}
			})
		}}
		// Events are shown in batches, at most every eventFlush, so a busy
		// product cannot flood the screen with redraws.
		var mu sync.Mutex
		var pending []cloud.Event
		limit := e.t.cfg.eventLimit
		e.t.wg.Add(1)
		go func() {
			defer e.t.wg.Done()
			tick := time.NewTicker(eventFlush)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				mu.Lock()
				batch := pending
				pending = nil
				mu.Unlock()
				if len(batch) > 0 {
					do(func() {
						if ctx.Err() == nil {
							e.add(batch...)
						}
					})
				}
			}
		}()
		for ev, err := range c.Subscribe(ctx, s) {
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					fail(err)
				}
				return
			}
			mu.Lock()
			pending = append(pending, ev)
			if len(pending) > limit {
				pending = pending[len(pending)-limit:]
			}
			mu.Unlock()
		}
	}()
}

// eventFlush is how often new events are drawn.
const eventFlush = 250 * time.Millisecond

// add puts evs (oldest first) at the top of the list, newest on top,
// dropping the oldest past the limit. The view is not scrolled: a
// technician reading older events keeps their place.
func (e *eventsTab) add(evs ...cloud.Event) {
	fresh := make([]cloud.Event, 0, len(evs)+len(e.events))
	for i := len(evs) - 1; i >= 0; i-- {
		fresh = append(fresh, evs[i])
	}
	e.events = append(fresh, e.events...)
	if len(e.events) > e.t.cfg.eventLimit {
		e.events = e.events[:e.t.cfg.eventLimit]
	}
	e.list.updateRows(e.events)
	e.streamOut.info(lang.L("Watching the events of product {{.Product}}: {{.N}} shown.", map[string]any{"Product": e.product, "N": len(e.events)}))
}

package provisioning

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/internal/clock"
)

// EventWatcher holds one product event stream open for every attempt of a
// station (or of a headless process) and tells each attempt when its
// Photon comes online: a spark/status "online" event received after the
// attempt said it expects one. The stream opens when the first attempt
// uses the watcher and closes Linger after the last one let go; it is
// reopened when it breaks, falls silent or its token is refused. Create it
// with NewEventWatcher; it is safe for concurrent use.
type EventWatcher struct {
	api     CloudAPI
	tokens  *TokenSource
	product string
	clock   clock.Clock
	// Linger keeps the stream open this long after the last user let go,
	// so a bench between two Photons does not reopen it (0: close at once).
	Linger time.Duration

	mu       sync.Mutex
	users    int
	gen      int // counts Use/release changes, so a stale linger does nothing
	cancel   context.CancelFunc
	done     chan struct{}
	up       bool
	failed   bool          // the last open failed or the stream dropped
	changed  chan struct{} // closed and replaced when up or failed changes
	arrivals map[string]map[*Arrival]struct{}
	opens    int
}

// NewEventWatcher returns a stopped watcher of product's events, with
// tokens from tokens and waits on clk (nil: the system clock).
func NewEventWatcher(api CloudAPI, tokens *TokenSource, product string, clk clock.Clock) *EventWatcher {
	return &EventWatcher{api: api, tokens: tokens, product: product, clock: clock.Or(clk),
		changed: make(chan struct{}), arrivals: map[string]map[*Arrival]struct{}{}}
}

// Use opens the stream unless it is open already, and returns the function
// that lets go of it.
func (w *EventWatcher) Use() (release func()) {
	w.mu.Lock()
	w.users++
	w.gen++
	if w.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel, w.done = cancel, make(chan struct{})
		go w.run(ctx, w.done)
	}
	w.mu.Unlock()
	var once sync.Once
	return func() { once.Do(w.release) }
}

func (w *EventWatcher) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.users--
	w.gen++
	if w.users > 0 {
		return
	}
	if w.Linger <= 0 {
		w.stopLocked()
		return
	}
	gen := w.gen
	t := w.clock.NewTimer(w.Linger)
	go func() {
		<-t.C()
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.gen == gen && w.users == 0 {
			w.stopLocked()
		}
	}()
}

// stopLocked closes the stream (w.mu held); it does not wait for it.
func (w *EventWatcher) stopLocked() {
	if w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
}

// Close closes the stream whoever still uses it and waits until it is
// closed.
func (w *EventWatcher) Close() {
	w.mu.Lock()
	w.stopLocked()
	done := w.done
	w.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Up tells whether the stream is open now.
func (w *EventWatcher) Up() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.up
}

// Opens counts how many times the cloud accepted the stream.
func (w *EventWatcher) Opens() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opens
}

// Ready waits until the stream is open, at most d: it returns at once when
// the stream's last open failed (verification then polls).
func (w *EventWatcher) Ready(ctx context.Context, d time.Duration) bool {
	t := w.clock.NewTimer(d)
	defer t.Stop()
	for {
		w.mu.Lock()
		up, failed, changed := w.up, w.failed || w.cancel == nil, w.changed
		w.mu.Unlock()
		if up || failed {
			return up
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C():
			return false
		case <-changed:
		}
	}
}

// Expect registers the wish to hear of deviceID's next online event. Call
// it before sending the Wi-Fi settings; Close the Arrival when done.
func (w *EventWatcher) Expect(deviceID string) *Arrival {
	a := &Arrival{w: w, id: strings.ToLower(deviceID), online: make(chan StatusEvent, 1), news: make(chan struct{}, 1)}
	w.mu.Lock()
	defer w.mu.Unlock()
	a.broken = !w.up
	m := w.arrivals[a.id]
	if m == nil {
		m = map[*Arrival]struct{}{}
		w.arrivals[a.id] = m
	}
	m[a] = struct{}{}
	return a
}

// setState records whether the stream is up and tells every arrival: one
// that was waiting on the stream now knows it cannot trust its silence.
func (w *EventWatcher) setState(done chan struct{}, up, failed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done != done {
		return // a stream goroutine that was replaced is winding down
	}
	if up && !w.up {
		w.opens++
	}
	if w.up == up && w.failed == failed {
		return
	}
	w.up, w.failed = up, failed
	close(w.changed)
	w.changed = make(chan struct{})
	if up {
		return
	}
	for _, m := range w.arrivals {
		for a := range m {
			a.broken = true
			a.poke()
		}
	}
}

// dispatch hands an online event to the arrivals expecting its device.
func (w *EventWatcher) dispatch(ev StatusEvent) {
	if ev.Name != "spark/status" || !strings.EqualFold(strings.TrimSpace(ev.Data), "online") {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for a := range w.arrivals[strings.ToLower(ev.DeviceID)] {
		select {
		case a.online <- ev:
		default: // it has one already
		}
		a.poke()
	}
}

// watcherBackoff bounds the wait before the stream is opened again after
// it ended with an error.
const watcherBackoff = 30 * time.Second

// run keeps the stream open until ctx ends.
func (w *EventWatcher) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	defer w.setState(done, false, true)
	delay := time.Second
	for ctx.Err() == nil {
		tok, err := w.tokens.Product(ctx)
		if errors.Is(err, ErrBadClientCredentials) {
			return // nothing to watch with; the station stops the bench
		}
		if err == nil {
			hooks := StreamHooks{Opened: func() { w.setState(done, true, false); delay = time.Second },
				Dropped: func(error) { w.setState(done, false, true) }}
			for ev, err := range w.api.ProductEvents(ctx, tok, w.product, hooks) {
				if err != nil {
					if cloud.IsUnauthorized(err) || cloud.IsTokenExpired(err) {
						w.tokens.Renew(ctx, tok)
					}
					break
				}
				w.dispatch(ev)
			}
		}
		if ctx.Err() != nil {
			return
		}
		w.setState(done, false, true)
		if clock.Sleep(ctx, w.clock, delay) != nil {
			return
		}
		delay = min(2*delay, watcherBackoff)
	}
}

// Arrival is one attempt's wish to hear that its Photon came online.
type Arrival struct {
	w      *EventWatcher
	id     string
	online chan StatusEvent
	news   chan struct{}
	broken bool // guarded by w.mu: the stream was down at some moment since Expect
}

// Online delivers the first online event of the device since Expect.
func (a *Arrival) Online() <-chan StatusEvent { return a.online }

// News is signalled when an online event arrives or the stream's state
// changes.
func (a *Arrival) News() <-chan struct{} { return a.news }

// Trusted tells whether the stream has been open ever since Expect, so
// that its silence means the Photon has not come online.
func (a *Arrival) Trusted() bool {
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	return !a.broken
}

func (a *Arrival) poke() {
	select {
	case a.news <- struct{}{}:
	default:
	}
}

// Close withdraws the wish.
func (a *Arrival) Close() {
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	if m := a.w.arrivals[a.id]; m != nil {
		delete(m, a)
		if len(m) == 0 {
			delete(a.w.arrivals, a.id)
		}
	}
}

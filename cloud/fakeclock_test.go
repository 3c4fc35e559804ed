package cloud

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// FakeClock is a Clock that moves only when a test advances it. Tests wait
// for the code under test to start a timer (WaitForTimer) and then advance
// the clock past it, so nothing sleeps.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{}
	started []time.Duration // every timer ever started, in order
}

// NewFakeClock returns a clock stopped at a fixed instant.
func NewFakeClock() *FakeClock {
	return &FakeClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC), changed: make(chan struct{})}
}

type fakeTimer struct {
	clk  *FakeClock
	when time.Time
	d    time.Duration
	ch   chan time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	for i, x := range t.clk.timers {
		if x == t {
			t.clk.timers = slices.Delete(t.clk.timers, i, i+1)
			t.clk.notifyLocked()
			return true
		}
	}
	return false
}

func (f *FakeClock) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Now returns the fake time.
func (f *FakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer starts a fake timer.
func (f *FakeClock) NewTimer(d time.Duration) clock.Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{clk: f, when: f.now.Add(d), d: d, ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- f.now
	} else {
		f.timers = append(f.timers, t)
	}
	f.started = append(f.started, d)
	f.notifyLocked()
	return t
}

// Advance moves the clock and fires every timer that is due.
func (f *FakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	keep := f.timers[:0]
	for _, t := range f.timers {
		if !t.when.After(f.now) {
			t.ch <- f.now
		} else {
			keep = append(keep, t)
		}
	}
	f.timers = keep
	f.notifyLocked()
}

// Pending lists the durations of the timers not yet fired or stopped.
func (f *FakeClock) Pending() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for _, t := range f.timers {
		out = append(out, t.d)
	}
	return out
}

// Started lists the durations of every timer started so far.
func (f *FakeClock) Started() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.started)
}

// WaitForTimer blocks until a timer of duration d is pending, failing the
// test after a generous real-time guard (a hang, not a sleep).
func (f *FakeClock) WaitForTimer(t testing.TB, d time.Duration) { f.WaitForTimers(t, d, 1) }

// WaitForTimers blocks until n timers of duration d are pending.
func (f *FakeClock) WaitForTimers(t testing.TB, d time.Duration, n int) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		f.mu.Lock()
		count := 0
		for _, x := range f.timers {
			if x.d == d {
				count++
			}
		}
		ch := f.changed
		f.mu.Unlock()
		if count >= n {
			return
		}
		select {
		case <-ch:
		case <-guard.C:
			t.Fatalf("waited for %d timers of %v; pending %v", n, d, f.Pending())
		}
	}
}

// WaitForStarted blocks until at least n timers have been started in all.
func (f *FakeClock) WaitForStarted(t testing.TB, n int) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		f.mu.Lock()
		count, ch := len(f.started), f.changed
		f.mu.Unlock()
		if count >= n {
			return
		}
		select {
		case <-ch:
		case <-guard.C:
			t.Fatalf("waited for %d timers to start; %d started", n, count)
		}
	}
}

// RunUntil advances the clock past each timer the code under test starts,
// until done delivers. It lets a test drive retries whose number it does
// not know in advance (the transport may itself retry a dropped connection).
func RunUntil[T any](t testing.TB, f *FakeClock, done <-chan T) T {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		f.mu.Lock()
		ch := f.changed
		var next time.Duration = -1
		for _, x := range f.timers {
			if d := x.when.Sub(f.now); next < 0 || d < next {
				next = d
			}
		}
		f.mu.Unlock()
		if next >= 0 {
			f.Advance(next)
			continue
		}
		select {
		case v := <-done:
			return v
		case <-ch:
		case <-guard.C:
			t.Fatal("the operation did not finish")
		}
	}
}

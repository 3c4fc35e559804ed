package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// uiQueue stands in for fyne.DoAndWait in tests: goroutines ui starts hand
// their widget work to it, and the test goroutine runs that work, so every
// widget write happens on the test goroutine and -race can check it.
type uiQueue struct {
	fns    chan func()
	closed chan struct{}
}

func newUIQueue(t *testing.T) *uiQueue {
	q := &uiQueue{fns: make(chan func()), closed: make(chan struct{})}
	// Work still queued when the test ends is dropped: the window is gone,
	// and running it beside the next test would race on Fyne's caches.
	t.Cleanup(func() { close(q.closed) })
	return q
}

func (q *uiQueue) do(fn func()) {
	done := make(chan struct{})
	select {
	case q.fns <- func() { fn(); close(done) }:
		<-done
	case <-q.closed:
	}
}

// until runs queued UI work until cond holds, failing after a few seconds.
func (q *uiQueue) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
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

// runOne runs the next piece of queued UI work.
func (q *uiQueue) runOne(t *testing.T) {
	t.Helper()
	select {
	case fn := <-q.fns:
		fn()
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for UI work")
	}
}

// fixedClock is a clock the test moves by hand.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

var shiftStart = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// lightApp is a test app with the station theme pinned to light, as the
// golden images are.
func lightApp(t *testing.T) fyne.App {
	t.Helper()
	a := test.NewTempApp(t)
	v := theme.VariantLight
	a.Settings().SetTheme(&StationTheme{Forced: &v})
	SetupTranslations()
	return a
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

// shoot writes a capture to /tmp/ui-shots for a person to look at.
func shoot(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	dir := os.Getenv("UI_SHOTS")
	if dir == "" {
		return
	}
	img := c.Capture()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// recv takes one value from ch, failing the test after a few seconds.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting on a channel")
	}
	var zero T
	return zero
}

// TestMain pins the local time zone: the journal shows local times, and the
// golden images must not depend on where the tests run.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

func fyneSize(w, h float32) fyne.Size { return fyne.NewSize(w, h) }

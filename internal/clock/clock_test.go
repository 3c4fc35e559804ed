package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

// instant fires every timer at once.
type instant struct{ now time.Time }

func (c *instant) Now() time.Time { return c.now }
func (c *instant) NewTimer(d time.Duration) Timer {
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return fired{ch}
}

type fired struct{ c chan time.Time }

func (f fired) C() <-chan time.Time { return f.c }
func (f fired) Stop() bool          { return false }

func TestSleepWaitsOnTheClock(t *testing.T) {
	c := &instant{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := Sleep(context.Background(), c, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := c.now.Hour(); got != 1 {
		t.Errorf("clock at hour %d after sleeping an hour, want 1", got)
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, System, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep = %v, want context.Canceled", err)
	}
	if err := Sleep(ctx, System, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) on an ended context = %v, want context.Canceled", err)
	}
}

func TestOr(t *testing.T) {
	if Or(nil) != System {
		t.Error("Or(nil) is not the system clock")
	}
	c := &instant{}
	if Or(c) != Clock(c) {
		t.Error("Or(c) is not c")
	}
}

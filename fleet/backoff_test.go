package fleet

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// waitsClock fires every wait at once, records how long each would have
// been, and ends the run after enough of them.
type waitsClock struct {
	mu     sync.Mutex
	waits  []time.Duration
	enough int
	done   context.CancelFunc
}

func (c *waitsClock) Now() time.Time { return time.Unix(0, 0) }
func (c *waitsClock) NewTimer(d time.Duration) clock.Timer {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	if len(c.waits) == c.enough {
		c.done()
	}
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, 0)
	return firedTimer(ch)
}

type firedTimer <-chan time.Time

func (t firedTimer) C() <-chan time.Time { return t }
func (t firedTimer) Stop() bool          { return false }

// While the database cannot be reached the sender waits longer each time,
// up to the cap.
func TestBackoffDoublesUpToTheCap(t *testing.T) {
	addr := closedAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := &waitsClock{enough: 7, done: cancel}
	bench := newBench(t)
	NewSender(mustConfig(t, "postgres://bench:pw@"+addr+"/fleet", nil), SenderOptions{Outbox: bench, Clock: clk,
		MinBackoff: time.Second, MaxBackoff: 10 * time.Second}).Run(ctx)
	want := []time.Duration{1, 2, 4, 8, 10, 10, 10}
	for i := range want {
		want[i] *= time.Second
	}
	if got := clk.waits[:7]; !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

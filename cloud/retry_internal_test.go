package cloud

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	noJitter := RetryPolicy{Jitter: func(d time.Duration) time.Duration { return d }}
	tests := []struct {
		n    int
		want time.Duration
	}{
		{0, 500 * time.Millisecond}, {1, time.Second}, {2, 2 * time.Second}, {5, 16 * time.Second}, {6, 30 * time.Second}, {40, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := noJitter.Backoff(tt.n); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	// The default jitter stays within [d/2, d] and is not constant.
	seen := map[time.Duration]bool{}
	for range 200 {
		d := RetryPolicy{}.Backoff(2)
		if d < time.Second || d > 2*time.Second {
			t.Fatalf("jittered Backoff(2) = %v, want within [1s, 2s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Error("the default jitter never varies")
	}
	custom := RetryPolicy{BaseDelay: time.Second, MaxDelay: 3 * time.Second, Jitter: func(d time.Duration) time.Duration { return d }}
	if got := custom.Backoff(3); got != 3*time.Second {
		t.Errorf("capped Backoff(3) = %v, want 3s", got)
	}
}

// retryAfterNow is the clock reading of the Retry-After cases.
var retryAfterNow = time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)

var retryAfterCases = []struct {
	name, header string
	want         time.Duration
}{
	{"absent", "", 0},
	{"seconds", "7", 7 * time.Second},
	{"seconds with spaces", " 120 ", 2 * time.Minute},
	{"zero", "0", 0},
	{"negative", "-5", 0},
	{"HTTP date ahead", retryAfterNow.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
	{"HTTP date past", retryAfterNow.Add(-time.Minute).Format(http.TimeFormat), 0},
	{"garbage", "soon", 0},
	{"huge is capped", "99999999999", 7 * 24 * time.Hour},
	{"too many digits to count is the longest wait", "99999999999999999999999", 7 * 24 * time.Hour},
	{"hugely negative", "-99999999999999999999999", 0},
	{"HTTP date far ahead is capped", "Thu, 01 Nov 2070 00:00:00 GMT", 7 * 24 * time.Hour},
}

func TestParseRetryAfter(t *testing.T) {
	now := retryAfterNow
	tests := retryAfterCases
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("Retry-After", tt.header)
			}
			if got := parseRetryAfter(h, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

// FuzzParseRetryAfter: whatever the header says, the wait is never
// negative and never more than the seven-day cap, so a hostile or broken
// answer cannot park the station.
func FuzzParseRetryAfter(f *testing.F) {
	for _, tt := range retryAfterCases {
		f.Add(tt.header)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		d := parseRetryAfter(h, retryAfterNow)
		if d < 0 || d > 7*24*time.Hour {
			t.Fatalf("parseRetryAfter(%q) = %v, want within [0, 7 days]", v, d)
		}
	})
}

package serialio

import (
	"bytes"
	"sync"
)

// Redacted replaces a secret wherever the console hands device output to
// anyone else (transcripts, the raw monitor, error details).
const Redacted = "[redacted]"

// redactor scrubs secrets from a byte stream that arrives in arbitrary
// chunks. It holds back a tail that could be the start of a secret until the
// next chunk shows whether it is, so a password echoed one byte per
// millisecond is scrubbed as surely as one that arrives in one piece.
type redactor struct {
	mu      sync.Mutex
	secrets [][]byte
	pending []byte
}

func (r *redactor) addSecret(s string) {
	if s == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.secrets {
		if string(x) == s {
			return
		}
	}
	r.secrets = append(r.secrets, []byte(s))
}

// write takes the next chunk and returns what is safe to show now.
func (r *redactor) write(p []byte) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	buf := append(r.pending, p...)
	buf = r.scrub(buf)
	hold := 0
	for _, s := range r.secrets {
		if h := overlapPrefix(buf, s); h > hold {
			hold = h
		}
	}
	// Never hold back part of the redaction marker itself.
	out := append([]byte(nil), buf[:len(buf)-hold]...)
	r.pending = append([]byte(nil), buf[len(buf)-hold:]...)
	return out
}

// flush ends the stream (the device went away). What is held back is the
// start of a secret whose echo was cut short, e.g. by an unplug in the middle
// of the password: it is never shown, not even in part.
func (r *redactor) flush() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		return nil
	}
	r.pending = nil
	return []byte(Redacted)
}

// scrubString redacts complete secrets in s (for one-off texts such as error
// details).
func (r *redactor) scrubString(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.scrub([]byte(s)))
}

func (r *redactor) scrub(b []byte) []byte {
	for _, s := range r.secrets {
		if bytes.Contains(b, s) {
			b = bytes.ReplaceAll(b, s, []byte(Redacted))
		}
	}
	return b
}

// overlapPrefix is the length of the longest suffix of b that is a proper
// prefix of s.
func overlapPrefix(b, s []byte) int {
	n := len(s) - 1
	if n > len(b) {
		n = len(b)
	}
	for ; n > 0; n-- {
		if bytes.Equal(b[len(b)-n:], s[:n]) {
			return n
		}
	}
	return 0
}

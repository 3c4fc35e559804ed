package serialio

import (
	"bytes"
	"sync"
)

// Redacted replaces a secret wherever the console hands device output to
// anyone else (transcripts, the raw monitor, error details).
const Redacted = "[redacted]"

// lineSecrets introduce a value the console never hands on: format B of
// the identify output ends with the device secret, which the station does
// not know in advance, so its value is cut from "Device Secret: " to the end
// of the line.
var lineSecrets = [][]byte{[]byte("Device Secret: ")}

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
	for _, m := range lineSecrets {
		if h := overlapPrefix(buf, m); h > hold {
			hold = h // perhaps the start of the marker
		}
		// A marker whose value has not ended yet: hold from the marker
		// until the line ends (or the stream does, see flush).
		if i := bytes.LastIndex(buf, m); i >= 0 && !bytes.ContainsAny(buf[i+len(m):], "\r\n") {
			if h := len(buf) - i; h > hold {
				hold = h
			}
		}
	}
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
	p := r.pending
	r.pending = nil
	if len(p) == 0 {
		return nil
	}
	for _, m := range lineSecrets {
		if i := bytes.Index(p, m); i >= 0 {
			// The line secret's value was cut short: show none of it.
			return append(append([]byte(nil), p[:i+len(m)]...), Redacted...)
		}
	}
	for _, s := range r.secrets {
		if overlapPrefix(p, s) > 0 {
			return []byte(Redacted)
		}
	}
	return p // only the start of a marker, nothing secret
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
	return scrubLineSecrets(b)
}

// scrubLineSecrets replaces the value of every complete line secret.
func scrubLineSecrets(b []byte) []byte {
	for _, m := range lineSecrets {
		var out []byte
		rest := b
		for {
			i := bytes.Index(rest, m)
			if i < 0 {
				break
			}
			v := rest[i+len(m):]
			end := bytes.IndexAny(v, "\r\n")
			if end < 0 {
				break // not ended yet: write holds it back
			}
			out = append(out, rest[:i+len(m)]...)
			out = append(out, Redacted...)
			rest = v[end:]
		}
		if out != nil {
			b = append(out, rest...)
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

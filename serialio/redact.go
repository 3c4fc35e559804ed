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

// maxLineSecret bounds how much of a line secret's value is held back
// waiting for its line end; past that the value is redacted and the rest of
// the line dropped, so a device that never ends the line cannot make the
// console hold its output forever.
const maxLineSecret = 256

// redactor scrubs secrets from a byte stream that arrives in arbitrary
// chunks. It holds back a tail that could be the start of a secret until the
// next chunk shows whether it is, so a password echoed one byte per
// millisecond is scrubbed as surely as one that arrives in one piece.
type redactor struct {
	mu      sync.Mutex
	secrets [][]byte
	pending []byte
	// dropping: a line secret's value ran past maxLineSecret; what comes
	// until the line ends is part of it and is dropped.
	dropping bool
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
	r.pending = nil
	if r.dropping {
		end := bytes.IndexAny(buf, "\r\n")
		if end < 0 {
			return nil
		}
		buf, r.dropping = buf[end:], false
	}
	buf, open, m := cutLineSecrets(r.scrubKnown(buf))
	hold := 0
	if open >= 0 {
		if len(buf)-open-len(m) > maxLineSecret {
			r.dropping = true
			return append(append([]byte(nil), buf[:open+len(m)]...), Redacted...)
		}
		hold = len(buf) - open // the value has not ended: hold from its marker
	}
	for _, set := range [][][]byte{r.secrets, lineSecrets} {
		for _, s := range set {
			if h := overlapPrefix(buf, s); h > hold {
				hold = h // perhaps the start of a secret or of a marker
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
	r.pending, r.dropping = nil, false
	if len(p) == 0 {
		return nil
	}
	if p, open, m := cutLineSecrets(p); open >= 0 {
		// The line secret's value was cut short: show none of it.
		return append(append([]byte(nil), p[:open+len(m)]...), Redacted...)
	}
	for _, s := range r.secrets {
		if overlapPrefix(p, s) > 0 {
			return []byte(Redacted)
		}
	}
	return p // only the start of a marker, nothing secret
}

// scrubString redacts complete secrets in s (for one-off texts such as error
// details); a line secret's value runs to the end of s if its line does not
// end.
func (r *redactor) scrubString(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, open, m := cutLineSecrets(r.scrubKnown([]byte(s)))
	if open >= 0 {
		b = append(b[:open+len(m)], Redacted...)
	}
	return string(b)
}

// scrubKnown replaces every complete known secret.
func (r *redactor) scrubKnown(b []byte) []byte {
	for _, s := range r.secrets {
		if bytes.Contains(b, s) {
			b = bytes.ReplaceAll(b, s, []byte(Redacted))
		}
	}
	return b
}

// cutLineSecrets replaces the value of every line secret in b whose line
// has ended. When a value has not ended yet it returns the offset of its
// marker in the result, and the marker; otherwise -1.
func cutLineSecrets(b []byte) (out []byte, open int, marker []byte) {
	rest := b
	for {
		i, m := firstMarker(rest)
		if i < 0 {
			return append(out, rest...), -1, nil
		}
		v := rest[i+len(m):]
		end := bytes.IndexAny(v, "\r\n")
		if end < 0 {
			at := len(out) + i
			return append(out, rest...), at, m
		}
		out = append(out, rest[:i+len(m)]...)
		out = append(out, Redacted...)
		rest = v[end:]
	}
}

// firstMarker finds the earliest line-secret marker in b.
func firstMarker(b []byte) (int, []byte) {
	at, marker := -1, []byte(nil)
	for _, m := range lineSecrets {
		if i := bytes.Index(b, m); i >= 0 && (at < 0 || i < at) {
			at, marker = i, m
		}
	}
	return at, marker
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

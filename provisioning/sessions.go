package provisioning

import (
	"sync"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// CloudSession is what every user of one profile's cloud access shares in
// a station: the token source of its OAuth client and the watcher of its
// product's event stream.
type CloudSession struct {
	Tokens  *TokenSource
	Watcher *EventWatcher
}

// DefaultStreamLinger is how long a station keeps a product's event stream
// open after its last Photon was verified: a bench plugs in the next one
// within it, and Particle allows only 100 stream opens per 5 minutes per IP.
const DefaultStreamLinger = 2 * time.Minute

// CloudSessions hands out one CloudSession per OAuth client, product and
// client secret: the bench's slots, the wizard and the device tools of a
// station all get the same one, so a station asks for one product token
// and holds one event stream per product. A changed secret (a supervisor
// fixed the profile) gets a new session. The zero value is not usable;
// fill API (and Limit, shared with the pipelines).
type CloudSessions struct {
	API   CloudAPI
	Limit *CloudLimit
	Clock clock.Clock // nil: system clock
	// Linger is the watchers' Linger (0: DefaultStreamLinger).
	Linger time.Duration

	mu       sync.Mutex
	sessions map[sessionKey]CloudSession
}

type sessionKey struct{ product, clientID, secret string }

// For returns the session of profile p whose client secret is secret.
func (s *CloudSessions) For(p Profile, secret string) CloudSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = map[sessionKey]CloudSession{}
	}
	k := sessionKey{p.Product, p.ClientID, secret}
	if cs, ok := s.sessions[k]; ok {
		return cs
	}
	for old, cs := range s.sessions {
		if old.product == k.product && old.clientID == k.clientID {
			// The secret changed: the old session answers no one again.
			go cs.Watcher.Close()
			delete(s.sessions, old)
		}
	}
	clk := clock.Or(s.Clock)
	tokens := NewTokenSource(s.API, p.ClientID, secret, clk, s.Limit)
	w := NewEventWatcher(s.API, tokens, p.Product, clk)
	w.Linger = s.Linger
	if w.Linger <= 0 {
		w.Linger = DefaultStreamLinger
	}
	cs := CloudSession{Tokens: tokens, Watcher: w}
	s.sessions[k] = cs
	return cs
}

// Close closes every session's event stream.
func (s *CloudSessions) Close() {
	s.mu.Lock()
	all := make([]CloudSession, 0, len(s.sessions))
	for _, cs := range s.sessions {
		all = append(all, cs)
	}
	s.sessions = nil
	s.mu.Unlock()
	for _, cs := range all {
		cs.Watcher.Close()
	}
}

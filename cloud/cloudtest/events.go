package cloudtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// subscriber is one open event stream.
type subscriber struct {
	ch    chan Event
	match func(Event) bool // called with c.mu held
	drop  chan struct{}
}

// subscriberBuffer is how many events a slow stream may fall behind before
// events are dropped for it.
const subscriberBuffer = 256

// publishLocked records an event and hands it to matching streams.
func (c *Cloud) publishLocked(ev Event) {
	c.events = append(c.events, ev)
	for s := range c.subs {
		if s.match(ev) {
			select {
			case s.ch <- ev:
			default: // the stream is too far behind; the event is lost for it
			}
		}
	}
}

// OpenStreams reports how many event streams are open. A stream counts
// from just before its ":ok" line is written.
func (c *Cloud) OpenStreams() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.subs)
}

// StreamsChanged returns a channel that is closed the next time an event
// stream opens or closes, so a test can wait for OpenStreams to reach a
// count without polling or sleeping: take the channel, check OpenStreams,
// and wait on the channel only if the count is not reached yet.
func (c *Cloud) StreamsChanged() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams
}

func (c *Cloud) streamsChangedLocked() {
	close(c.streams)
	c.streams = make(chan struct{})
}

// DropStreams ends every open event stream, as a load balancer or network
// drop would, so clients can be seen to reconnect.
func (c *Cloud) DropStreams() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := range c.subs {
		close(s.drop)
		delete(c.subs, s)
	}
	c.streamsChangedLocked()
}

// handleStream serves the SSE routes of §6.2. Which events it carries
// depends on the route: my devices, one device, one product, or the
// firehose of /v1/events/:prefix.
func (c *Cloud) handleStream(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	prefix := r.p["..."]
	who := tok.who
	var match func(Event) bool
	switch {
	case r.p["device"] != "":
		_, d, ok := c.deviceRoute(w, r)
		if !ok {
			return
		}
		id := d.ID
		match = func(ev Event) bool { return ev.CoreID == id }
	case r.p["product"] != "":
		p, ok := c.productFor(w, r, tok)
		if !ok {
			return
		}
		id := p.ID
		match = func(ev Event) bool { return ev.ProductID == id }
	case strings.HasPrefix(r.URL.Path, "/v1/events"):
		if prefix == "" {
			badRequest(w, "An event name prefix is required")
			return
		}
		match = func(ev Event) bool { return !ev.Private || c.mineLocked(who, ev) }
	default:
		match = func(ev Event) bool { return c.mineLocked(who, ev) }
	}
	fl, canFlush := w.(http.Flusher)
	if !canFlush {
		okError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	sub := &subscriber{ch: make(chan Event, subscriberBuffer), drop: make(chan struct{}),
		match: func(ev Event) bool { return strings.HasPrefix(ev.Name, prefix) && match(ev) }}
	c.mu.Lock()
	c.subs[sub] = struct{}{}
	c.streamsChangedLocked()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if _, open := c.subs[sub]; open {
			delete(c.subs, sub)
			c.streamsChangedLocked()
		}
		c.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ":ok\n\n"); err != nil {
		return
	}
	fl.Flush()
	keepAlive := time.NewTicker(c.opts.KeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.closed:
			return
		case <-sub.drop:
			return
		case ev := <-sub.ch:
			if _, err := w.Write(sseFrame(ev)); err != nil {
				return
			}
			fl.Flush()
			keepAlive.Reset(c.opts.KeepAlive)
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, "\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}

// mineLocked reports whether an event belongs on a caller's "my devices"
// stream: from a device it owns (or, for a product token, one in the
// product), or published through the API by the caller.
func (c *Cloud) mineLocked(who principal, ev Event) bool {
	if ev.CoreID == "api" {
		if who.kind == kindProduct {
			return ev.ProductID == who.productID
		}
		return ev.publisher == who
	}
	d := c.devices[ev.CoreID]
	if d == nil {
		return false
	}
	if who.kind == kindProduct {
		return d.ProductID == who.productID
	}
	return ownsDevice(who, d)
}

// sseFrame renders one event: its name on "event:" and one line of JSON on
// "data:", then a blank line.
func sseFrame(ev Event) []byte {
	data := map[string]any{"data": nullIfEmpty(ev.Data), "ttl": ev.TTL,
		"published_at": isoTime(ev.PublishedAt), "coreid": ev.CoreID, "public": !ev.Private,
		"version": 0, "name": ev.Name}
	if ev.ProductID != 0 {
		data["productID"] = ev.ProductID
	}
	if ev.UserID != "" {
		data["userid"] = ev.UserID
	}
	b, _ := json.Marshal(data)
	return []byte("event: " + ev.Name + "\ndata: " + string(b) + "\n\n")
}

// handlePublish is POST /v1/devices/events and
// POST /v1/products/:product/events.
func (c *Cloud) handlePublish(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	ev := Event{CoreID: "api", TTL: 60, Private: true, publisher: tok.who}
	if _, productRoute := r.p["product"]; productRoute {
		p, ok := c.productFor(w, r, tok)
		if !ok {
			return
		}
		ev.ProductID = p.ID
	} else if tok.who.kind != kindUser {
		ev.ProductID = tok.who.productID
	}
	ev.Name, _ = r.field("name")
	if strings.TrimSpace(ev.Name) == "" || len(ev.Name) > 64 {
		badRequest(w, "Event name is required (at most 64 characters)")
		return
	}
	ev.Data, _ = r.field("data")
	if s, ok := r.field("ttl"); ok && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			badRequest(w, "ttl must be a number of seconds")
			return
		}
		ev.TTL = n
	}
	if priv, present, err := r.boolField("private"); err != nil {
		badRequest(w, err.Error())
		return
	} else if present {
		ev.Private = priv
	}
	c.mu.Lock()
	ev.PublishedAt = c.now()
	if u := c.users[tok.who.email]; u != nil && tok.who.kind == kindUser {
		ev.UserID = u.id
	}
	c.publishLocked(ev)
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

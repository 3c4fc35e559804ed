package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// PublishRequest is an event to publish through the API.
type PublishRequest struct {
	// Product publishes on the product's event endpoint; empty uses the
	// user endpoint (/v1/devices/events), which also works with a customer token.
	Product string
	Name    string
	Data    string
	Private bool
	// TTL is the event's time to live; 0 leaves the server default (60 s).
	TTL time.Duration
}

// Publish publishes an event. It is never retried: a repeat would publish twice.
func (c *Client) Publish(ctx context.Context, ev PublishRequest) error {
	op := "publish event " + strconv.Quote(showID(ev.Name))
	if strings.TrimSpace(ev.Name) == "" {
		return &Error{Op: op, Kind: KindInvalidInput, Hint: "the event needs a name"}
	}
	path := []string{"v1", "devices", "events"}
	if ev.Product != "" {
		p, err := seg(op, "product ID", ev.Product)
		if err != nil {
			return err
		}
		path = []string{"v1", "products", p, "events"}
	}
	body := map[string]any{"name": ev.Name, "private": ev.Private}
	if ev.Data != "" {
		body["data"] = ev.Data
	}
	if ev.TTL > 0 {
		body["ttl"] = int(ev.TTL / time.Second)
	}
	return c.expectOK(ctx, &request{op: op, method: "POST", path: path, body: body})
}

// Event is one event received on a stream.
type Event struct {
	Name        string
	Data        string
	TTL         int
	PublishedAt time.Time
	// DeviceID is the publishing device ("coreid"); "api" for events
	// published through the API, "particle-internal" for webhooks.
	DeviceID        string
	UserID          string
	FirmwareVersion int
	Public          bool
	ProductID       int
}

// decodeEvent builds an Event from an SSE frame. The data line is Particle's
// JSON envelope; anything else is kept whole as Data.
func decodeEvent(f sseFrame) Event {
	ev := Event{Name: f.event}
	var env struct {
		Data        *string         `json:"data"`
		TTL         json.RawMessage `json:"ttl"`
		PublishedAt flexTime        `json:"published_at"`
		CoreID      string          `json:"coreid"`
		UserID      string          `json:"userid"`
		Version     json.RawMessage `json:"version"`
		Public      bool            `json:"public"`
		ProductID   json.RawMessage `json:"productID"`
		Name        string          `json:"name"`
	}
	if json.Unmarshal([]byte(f.data), &env) != nil {
		ev.Data = f.data
		return ev
	}
	ev.Data = deref(env.Data)
	ev.TTL = looseInt(env.TTL)
	ev.PublishedAt = time.Time(env.PublishedAt)
	ev.DeviceID = strings.ToLower(env.CoreID)
	if !IsDeviceID(ev.DeviceID) {
		ev.DeviceID = env.CoreID
	}
	ev.UserID = env.UserID
	ev.FirmwareVersion = looseInt(env.Version)
	ev.Public = env.Public
	ev.ProductID = looseInt(env.ProductID)
	if ev.Name == "" || ev.Name == "message" {
		if env.Name != "" {
			ev.Name = env.Name
		}
	}
	return ev
}

// looseInt reads a JSON number or a numeric string ("60"); 0 otherwise.
func looseInt(raw json.RawMessage) int {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -1<<31 && f <= 1<<31 {
		return int(f)
	}
	return 0
}

// sseFrame is one dispatched Server-Sent Event.
type sseFrame struct {
	event, data string
}

// maxSSELine bounds a line so a broken stream cannot exhaust memory.
const maxSSELine = 1 << 20

// longLivedStream is how long a stream must have stayed open, on keep-alives
// alone, to count as healthy when it ends: it is reopened at once, not ever
// more slowly as one that keeps dropping.
const longLivedStream = 2 * time.Minute

// sseParser is a push parser for text/event-stream. It accepts \n, \r\n and
// \r line endings split anywhere across chunks, ignores comments (":ok",
// ":" keep-alives), joins several data lines with \n, and dispatches a frame
// at each blank line that follows at least one data line.
type sseParser struct {
	line    []byte
	skipLF  bool // the previous chunk ended a line with \r
	event   string
	data    []string
	hasData bool
	tooLong bool
	size    int  // bytes of data in the event so far
	tooBig  bool // the event's data passed maxSSEEvent: it is dropped
}

// maxSSEEvent bounds the data of one event (many data: lines without a
// blank line must not grow without limit).
const maxSSEEvent = 4 << 20

// feed consumes a chunk and returns the frames it completes.
func (p *sseParser) feed(b []byte) []sseFrame {
	var out []sseFrame
	for len(b) > 0 {
		if p.skipLF {
			p.skipLF = false
			if b[0] == '\n' {
				b = b[1:]
				continue
			}
		}
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			p.appendLine(b)
			break
		}
		p.appendLine(b[:i])
		if b[i] == '\r' {
			p.skipLF = true
		}
		b = b[i+1:]
		if f, ok := p.endLine(); ok {
			out = append(out, f)
		}
	}
	return out
}

func (p *sseParser) appendLine(b []byte) {
	if p.tooLong {
		return
	}
	if len(p.line)+len(b) > maxSSELine {
		p.tooLong = true
		p.line = p.line[:0]
		return
	}
	p.line = append(p.line, b...)
}

// endLine interprets the complete line held in p.line.
func (p *sseParser) endLine() (sseFrame, bool) {
	line := string(p.line)
	p.line = p.line[:0]
	if p.tooLong {
		// Drop the oversized line (and so its event, if it held data).
		p.tooLong = false
		p.hasData, p.data, p.event, p.size, p.tooBig = false, nil, "", 0, false
		return sseFrame{}, false
	}
	if line == "" {
		if !p.hasData || p.tooBig {
			p.event, p.data, p.hasData, p.size, p.tooBig = "", nil, false, 0, false
			return sseFrame{}, false
		}
		f := sseFrame{event: p.event, data: strings.Join(p.data, "\n")}
		if f.event == "" {
			f.event = "message"
		}
		p.event, p.data, p.hasData, p.size = "", nil, false, 0
		return f, true
	}
	if line[0] == ':' {
		return sseFrame{}, false // a comment: ":ok" or a keep-alive
	}
	field, value, found := strings.Cut(line, ":")
	if found {
		value = strings.TrimPrefix(value, " ")
	}
	switch field {
	case "event":
		p.event = value
	case "data":
		p.hasData = true
		p.size += len(value) + 1
		if p.size > maxSSEEvent {
			p.tooBig, p.data = true, nil // keep reading to its end, then drop it
		} else if !p.tooBig {
			p.data = append(p.data, value)
		}
	}
	// "id" and "retry" are not used by Particle; unknown fields are ignored.
	return sseFrame{}, false
}

// Stream selects an event stream.
type Stream struct {
	// Product selects the product's stream (a product token); with Device
	// too, that product device's stream.
	Product string
	// Device selects one device's stream. With neither Product nor Device
	// the stream carries all the caller's devices' events.
	Device string
	// Prefix keeps only events whose name starts with it.
	Prefix string
	// KeepAlive is how long a silent stream is trusted before it is
	// reopened. 0 means 65s (Particle's keep-alive is said to be at most 60 s).
	KeepAlive time.Duration
	// ReconnectDelay is the first wait before reopening; it doubles on
	// consecutive failures up to 30s. 0 means 2s.
	ReconnectDelay time.Duration
	// MaxFailures is how many opens in a row may fail (network, 5xx, 429)
	// before the error is yielded and the iteration ends. 0 means 10.
	MaxFailures int
	// OnReconnect, if set, is told why the stream is being reopened.
	OnReconnect func(err error)
	// OnOpen, if set, is called each time the cloud has accepted the
	// stream (answered 200), before its first event.
	OnOpen func()
}

func (s Stream) path(op string) ([]string, error) {
	var p []string
	switch {
	case s.Product != "" && s.Device != "":
		ref, err := ProductDevice(s.Product, s.Device).path(op)
		if err != nil {
			return nil, err
		}
		p = append(ref, "events")
	case s.Product != "":
		prod, err := seg(op, "product ID", s.Product)
		if err != nil {
			return nil, err
		}
		p = []string{"v1", "products", prod, "events"}
	case s.Device != "":
		id, err := NormalizeDeviceID(s.Device)
		if err != nil {
			err.(*Error).Op = op
			return nil, err
		}
		p = []string{"v1", "devices", id, "events"}
	default:
		p = []string{"v1", "devices", "events"}
	}
	if s.Prefix != "" {
		p = append(p, s.Prefix)
	}
	return p, nil
}

// String describes the stream for messages.
func (s Stream) String() string {
	var what string
	switch {
	case s.Product != "" && s.Device != "":
		what = "events of " + ProductDevice(s.Product, s.Device).String()
	case s.Product != "":
		what = "events of product " + showID(s.Product)
	case s.Device != "":
		what = "events of device " + showID(s.Device)
	default:
		what = "events of my devices"
	}
	if s.Prefix != "" {
		what += " named " + showID(s.Prefix) + "*"
	}
	return what
}

// Subscribe opens an event stream and yields its events until ctx is done
// or the consumer stops. A stream that goes silent for longer than KeepAlive,
// ends, or breaks is reopened after ReconnectDelay. An error that reopening
// cannot cure (an invalid token, no permission, an unknown device) or too
// many failed opens in a row is yielded once, and the iteration ends; so is
// a rate limit whose Retry-After is longer than Client.Retry.MaxRetryAfter
// (the client does not park a stream for hours). When ctx ends the
// iteration ends without an error.
func (c *Client) Subscribe(ctx context.Context, s Stream) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		op := "watch " + s.String()
		path, err := s.path(op)
		if err != nil {
			yield(Event{}, err)
			return
		}
		clk := c.clock()
		maxFail := s.MaxFailures
		if maxFail <= 0 {
			maxFail = 10
		}
		delay := s.ReconnectDelay
		if delay <= 0 {
			delay = 2 * time.Second
		}
		maxHold := c.Retry.withDefaults().MaxRetryAfter
		failures, quiet := 0, 0
		for {
			if ctx.Err() != nil {
				return
			}
			if c.Gate != nil {
				if c.Gate.Wait(ctx, clk) != nil {
					return
				}
			}
			body, cancel, e := c.openStream(ctx, op, path)
			var wait time.Duration
			if e != nil {
				if e.Kind == KindCanceled || ctx.Err() != nil {
					return
				}
				failures++
				wait = e.RetryAfter
				if wait <= 0 {
					wait = backoff(delay, failures-1)
				}
				if e.Kind == KindRateLimited && c.Gate != nil {
					// Every client sharing the gate holds off, whether
					// or not this stream is reopened.
					c.Gate.Hold(clk.Now().Add(min(wait, maxHold)))
				}
				// A Retry-After longer than the client waits out by
				// itself is the caller's to decide, as for requests.
				if !retryable(e) || failures >= maxFail || e.RetryAfter > maxHold {
					yield(Event{}, e)
					return
				}
			} else {
				failures = 0
				if s.OnOpen != nil {
					s.OnOpen()
				}
				var more bool
				var delivered int
				opened := clk.Now()
				more, delivered, e = c.readStream(ctx, op, body, cancel, s, yield)
				if !more {
					return
				}
				// A stream that keeps ending before any event arrives is
				// reopened ever more slowly, so it cannot exhaust
				// Particle's limit on stream opens.
				// A stream that ran a long while on keep-alives alone is a
				// healthy quiet one: reopen it at once, as after an event.
				if delivered > 0 || clk.Now().Sub(opened) >= longLivedStream {
					quiet = 0
				} else {
					quiet++
				}
				wait = backoff(delay, quiet)
			}
			if s.OnReconnect != nil {
				s.OnReconnect(e)
			}
			if clock.Sleep(ctx, clk, wait) != nil {
				return
			}
		}
	}
}

// backoff doubles d n times, capped at 30s.
func backoff(d time.Duration, n int) time.Duration {
	for i := 0; i < n && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

// openStream sends the stream request and returns the body of a 200 answer.
func (c *Client) openStream(ctx context.Context, op string, path []string) (io.ReadCloser, context.CancelFunc, *Error) {
	sctx, cancel := context.WithCancel(ctx)
	r := &request{op: op, method: "GET", path: path, accept: "text/event-stream"}
	req, err := c.newHTTPRequest(sctx, r, "", nil)
	if err != nil {
		cancel()
		return nil, nil, asError(op, err)
	}
	req.Header.Set("Cache-Control", "no-cache")
	// The answer's headers must come within the request timeout; after
	// that the keep-alive timeout watches the stream.
	headerTimer := time.AfterFunc(c.timeout(), cancel)
	resp, err := c.httpClient().Do(req)
	headerTimer.Stop()
	if err != nil {
		cancel()
		return nil, nil, transportError(ctx, op, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyInError))
		resp.Body.Close()
		cancel()
		return nil, nil, decodeError(op, resp.StatusCode, parseRetryAfter(resp.Header, c.clock().Now()), body)
	}
	return resp.Body, cancel, nil
}

type chunk struct {
	b   []byte
	err error
}

// readStream yields the stream's events. It returns more=false when the
// consumer stopped or ctx ended, and otherwise how many events it delivered
// and the reason the stream ended.
func (c *Client) readStream(ctx context.Context, op string, body io.ReadCloser, cancel context.CancelFunc, s Stream, yield func(Event, error) bool) (more bool, delivered int, reason *Error) {
	done := make(chan struct{})
	chunks := make(chan chunk)
	defer func() {
		close(done)
		cancel()
		body.Close()
	}()
	go func() {
		for {
			buf := make([]byte, 4096)
			n, err := body.Read(buf)
			if n > 0 {
				select {
				case chunks <- chunk{b: buf[:n]}:
				case <-done:
					return
				}
			}
			if err != nil {
				select {
				case chunks <- chunk{err: err}:
				case <-done:
				}
				return
			}
		}
	}()
	ka := s.KeepAlive
	if ka <= 0 {
		ka = 65 * time.Second
	}
	clk := c.clock()
	var p sseParser
	for {
		t := clk.NewTimer(ka)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, delivered, nil
		case <-t.C():
			return true, delivered, &Error{Op: op, Kind: KindNetwork, Hint: "the event stream went silent (no keep-alive); reopening it"}
		case ch := <-chunks:
			t.Stop()
			if ch.err != nil {
				if ctx.Err() != nil {
					return false, delivered, nil
				}
				return true, delivered, &Error{Op: op, Kind: KindNetwork, Hint: "the event stream was closed; reopening it", Err: ch.err}
			}
			for _, f := range p.feed(ch.b) {
				delivered++
				if !yield(decodeEvent(f), nil) {
					return false, delivered, nil
				}
			}
		}
	}
}

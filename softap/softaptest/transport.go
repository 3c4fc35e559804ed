package softaptest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/photon-station/photon-station/softap"
)

// route sniffs the first bytes: a space before any LF or NUL means an HTTP
// request line ("GET /version HTTP/1.1"); otherwise it is a raw TCP command.
func (d *Device) route(c net.Conn) {
	br := bufio.NewReader(c)
	for n := 1; n <= 31; n++ {
		b, err := br.Peek(n)
		if err != nil {
			d.untrack(c)
			return
		}
		switch b[n-1] {
		case ' ':
			select {
			case d.httpLn.conns <- &sniffedConn{Conn: c, r: br, onClose: func() { d.untrack(c) }}:
			case <-d.done:
				d.untrack(c)
			}
			return
		case '\n', 0:
			n = 32
		}
	}
	d.serveTCP(c, br)
}

// serveTCP handles one raw TCP request as SimpleProtocolDispatcher does.
func (d *Device) serveTCP(c net.Conn, br *bufio.Reader) {
	d.tcpMu.Lock()
	if d.tcpLocked != nil {
		d.tcpLocked()
	}
	var buf []byte
	var command string
	var body []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			d.tcpMu.Unlock()
			d.untrack(c)
			return
		}
		buf = append(buf, b)
		cmd, bd, err := softap.ParseFrame(buf)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			continue
		}
		if err != nil {
			// A corrupt length: the real device misreads it; answer nothing.
			d.note("tcp", cmd)
			d.tcpMu.Unlock()
			d.untrack(c)
			return
		}
		command, body = cmd, bd
		break
	}
	d.note("tcp", command)
	if d.stall[command] {
		d.tcpMu.Unlock()
		<-d.done
		d.untrack(c)
		return
	}
	reply, known, parsed, leave := d.handle(command, body)
	if !known {
		d.tcpMu.Unlock()
		d.untrack(c)
		return
	}
	if leave && d.dropConnectReply {
		d.tcpMu.Unlock()
		resetConn(c)
		d.untrack(c)
		d.leaveListening(c)
		return
	}
	out := "\n\n"
	if parsed {
		out += reply
	}
	_, _ = c.Write([]byte(out))
	d.mu.Lock()
	leaveOpen := d.keepFirstOpen && !d.firstSeen && !leave
	d.firstSeen = true
	d.mu.Unlock()
	d.tcpMu.Unlock()
	if !leaveOpen {
		d.untrack(c)
	}
	if leave {
		d.leaveListening(c)
	}
}

// resetConn closes a TCP connection with RST, as a vanished peer looks.
func resetConn(c net.Conn) {
	type lingerer interface{ SetLinger(int) error }
	if tc, ok := c.(lingerer); ok {
		_ = tc.SetLinger(0)
	}
	if sc, ok := c.(*sniffedConn); ok {
		resetConn(sc.Conn)
	}
}

var httpCommands = map[string]bool{
	"version": true, "device-id": true, "scan-ap": true, "public-key": true,
	"set": true, "configure-ap": true, "connect-ap": true,
}

// connKey finds the accepted connection of an HTTP request.
type connKey struct{}

func withConn(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*sniffedConn); ok {
		c = sc.Conn
	}
	return context.WithValue(ctx, connKey{}, c)
}

// serveHTTP answers one request per connection, as the device does: every
// response says "Connection: close" and the connection ends after it, so a
// pipelined second request gets nothing.
func (d *Device) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	path := strings.TrimPrefix(r.URL.Path, "/")
	switch {
	case path == "":
		w.Header().Set("Location", "/index")
		w.WriteHeader(http.StatusFound)
		return
	case path == "index":
		w.Header().Set("Location", "/hello")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	case path == "hello":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "Soft AP Setup")
		return
	case !httpCommands[path]:
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return
	}
	d.note("http", path)
	if d.stall[path] {
		select {
		case <-d.done:
		case <-r.Context().Done():
		}
		return
	}
	current, _ := r.Context().Value(connKey{}).(net.Conn)
	reply, _, parsed, leave := d.handle(path, body)
	if leave && d.dropConnectReply {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				resetConn(c)
				c.Close()
			}
		}
		d.leaveListening(current)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if parsed {
		_, _ = io.WriteString(w, reply)
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // the firmware always answers chunked
	}
	if leave {
		// The server ends this response and closes its connection
		// (Connection: close); everything else goes now.
		d.leaveListening(current)
	}
}

// sniffedConn replays the bytes read while sniffing the transport.
type sniffedConn struct {
	net.Conn
	r       *bufio.Reader
	onClose func()
}

func (c *sniffedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *sniffedConn) Close() error {
	err := c.Conn.Close()
	c.onClose()
	return err
}

// chanListener hands sniffed HTTP connections to the http.Server.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

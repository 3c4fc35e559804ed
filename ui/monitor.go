package ui

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	sysclock "github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/ui/lang"
)

// ConsoleOpener opens the raw console of a serial port. Reading gives the
// device's output (secrets scrubbed); writing sends to the device through
// the same open console, so through its port lock. Closing releases the
// port; a read blocked on the port returns when it is closed.
type ConsoleOpener interface {
	OpenConsole(ctx context.Context, port string) (io.ReadWriteCloser, error)
}

// consoleBuffer keeps the newest output of a port, carrying a rune split
// across two reads over to the next refresh. The reader goroutine writes;
// the refresh reads; a mutex keeps them apart.
type consoleBuffer struct {
	mu    sync.Mutex
	data  []byte
	limit int
	dirty bool
	// wrote, when set, is told after every write (tests wait on it).
	wrote chan<- struct{}

	// now tells the time a chunk arrived; stamps are where the lines
	// that arrived then begin in data.
	now     func() time.Time
	stamps  []lineStamp
	midLine bool // the last byte written did not end a line
	afterCR bool // the last byte written was a CR (a CRLF is one line end)
}

// lineStamp is when the line starting at pos in the buffer arrived.
type lineStamp struct {
	pos int
	at  time.Time
}

// stampLines notes the start of every line in p, which is about to be
// appended to the buffer.
func (b *consoleBuffer) stampLinesLocked(p []byte) {
	at := b.now()
	for i, c := range p {
		if !b.midLine && !(c == '\n' && b.afterCR) {
			b.stamps = append(b.stamps, lineStamp{pos: len(b.data) + i, at: at})
			b.midLine = true
		}
		if c == '\n' || c == '\r' {
			b.midLine = false
		}
		b.afterCR = c == '\r'
	}
}

func (b *consoleBuffer) write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.now != nil {
		b.stampLinesLocked(p)
	}
	b.data = append(b.data, p...)
	if over := len(b.data) - b.limit; over > 0 {
		// Drop whole lines from the front when possible.
		cut := over
		if i := strings.IndexByte(string(b.data[over:]), '\n'); i >= 0 && i < 256 {
			cut = over + i + 1
		}
		b.data = append(b.data[:0], b.data[cut:]...)
		kept := b.stamps[:0]
		for _, st := range b.stamps {
			if st.pos >= cut {
				kept = append(kept, lineStamp{pos: st.pos - cut, at: st.at})
			}
		}
		b.stamps = kept
	}
	b.dirty = true
	if b.wrote != nil {
		b.wrote <- struct{}{}
	}
}

// text returns the printable text up to the last complete rune, each line
// led by the local time it arrived when stamped is set, and whether
// anything changed since the last call.
func (b *consoleBuffer) text(stamped bool) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := b.dirty
	b.dirty = false
	end := len(b.data)
	// Hold back an incomplete UTF-8 sequence at the end: its rest is coming.
	for i := 1; i <= 3 && i <= end; i++ {
		c := b.data[end-i]
		if c < 0x80 {
			break
		}
		if c >= 0xC0 { // a leading byte
			if !utf8.FullRune(b.data[end-i:]) {
				end -= i
			}
			break
		}
	}
	if !stamped {
		return consoleText(b.data[:end]), changed
	}
	var out strings.Builder
	from := 0
	for i, st := range b.stamps {
		if st.pos >= end {
			break
		}
		out.WriteString(consoleText(b.data[from:st.pos]))
		next := end
		if i+1 < len(b.stamps) {
			next = min(b.stamps[i+1].pos, end)
		}
		out.WriteString(st.at.Local().Format("15:04:05.000") + "  " + consoleText(b.data[st.pos:next]))
		from = next
	}
	out.WriteString(consoleText(b.data[from:end]))
	return out.String(), changed
}

func (b *consoleBuffer) reset() {
	b.mu.Lock()
	b.data = b.data[:0]
	b.stamps = b.stamps[:0]
	b.midLine, b.afterCR = false, false
	b.dirty = true
	b.mu.Unlock()
}

// consoleText turns raw device output into lines: CRLF and lone CR become
// line ends, invalid bytes become U+FFFD, other control bytes are dropped.
func consoleText(raw []byte) string {
	s := strings.ToValidUTF8(string(raw), "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r >= 0x20 && r != 0x7f {
			return r
		}
		return -1
	}, s)
}

// SerialMonitor is the raw console of one port, like `particle serial
// monitor`: a reader goroutine fills a buffer and a throttled refresh
// draws it, so a chatty device never floods the UI goroutine.
type SerialMonitor struct {
	opener    ConsoleOpener
	ports     PortFinder
	do        dispatcher
	newTicker tickerFunc
	parent    context.Context
	lastPort  string // the port last opened (its output stays on Close)

	buf    *consoleBuffer
	cancel context.CancelFunc
	run    int

	portPick *portPicker
	connect  *widget.Button
	find     *widget.Button
	status   *widget.Label
	// statusMore holds the status's raw cause, folded away.
	statusMore *detailsExpander
	grid       *widget.TextGrid
	scroll     *container.Scroll
	content    fyne.CanvasObject

	// stamped leads each line with the local time it arrived; stampFlag
	// is its state for the stream goroutine.
	stamped   *widget.Check
	stampFlag atomic.Bool
	save      *widget.Button
	// line is typed to the device; Send writes it through the open
	// console (device, set while a port is open).
	line   *widget.Entry
	send   *widget.Button
	device io.Writer
}

// monitorRefresh is how often new output is drawn.
const monitorRefresh = 100 * time.Millisecond

func newSerialMonitor(ctx context.Context, opener ConsoleOpener, ports PortFinder, do dispatcher, newTicker tickerFunc) *SerialMonitor {
	m := &SerialMonitor{opener: opener, ports: ports, do: do, newTicker: newTicker, parent: ctx,
		buf: &consoleBuffer{limit: 256 << 10, now: sysclock.System.Now}}
	m.portPick = newPortPicker(ctx, ports, nil, do, lang.L("Choose a port"), nil)
	m.find = widget.NewButtonWithIcon(lang.L("Look for Photons"), theme.SearchIcon(), m.findPorts)
	m.connect = widget.NewButtonWithIcon(lang.L("Open"), theme.MediaPlayIcon(), m.toggle)
	m.connect.Importance = widget.HighImportance
	clear := widget.NewButtonWithIcon(lang.L("Clear"), theme.ContentClearIcon(), func() {
		m.buf.reset()
		m.grid.SetText("")
	})
	m.status = widget.NewLabel(lang.L("Choose a port and press Open to see what the device prints."))
	m.statusMore = newDetailsExpander()
	m.grid = widget.NewTextGrid()
	m.scroll = container.NewScroll(m.grid)
	m.stamped = widget.NewCheck(lang.L("Times"), func(bool) { m.redraw() })
	m.save = widget.NewButtonWithIcon(lang.L("Save to file…"), theme.DocumentSaveIcon(), m.saveAs)
	m.line = widget.NewEntry()
	m.line.SetPlaceHolder(lang.L("A line to send to the device"))
	m.line.OnSubmitted = func(string) { m.Send() }
	m.send = widget.NewButtonWithIcon(lang.L("Send"), theme.MailSendIcon(), m.Send)
	m.setDevice(nil)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(m.find, m.connect, clear), m.portPick.content)
	bottom := container.NewVBox(container.NewBorder(nil, nil, container.NewHBox(m.stamped, m.save), m.send, m.line), messageWithDetails(m.status, m.statusMore))
	m.content = container.NewBorder(top, bottom, nil, nil, m.scroll)
	return m
}

// Content is the screen's canvas object.
func (m *SerialMonitor) Content() fyne.CanvasObject { return m.content }

func (m *SerialMonitor) findPorts() {
	if m.ports == nil {
		m.setStatus(nil, lang.L("Listing ports is not available in this build."))
		return
	}
	m.portPick.find(func(f portsFound) {
		switch {
		case f.err != nil:
			m.setStatus(f.err, portsUnlisted())
		case f.offered == 0:
			m.setStatus(nil, strings.TrimSpace(lang.L("No Photon found on USB.")+" "+f.heldWords()))
		case f.held > 0:
			m.setStatus(nil, f.heldWords())
		}
	})
}

func (m *SerialMonitor) toggle() {
	if m.cancel != nil {
		m.Close()
		return
	}
	if m.portPick.heldNow() {
		m.setStatus(nil, benchHoldsWords())
		return
	}
	m.Open(m.portPick.Selected())
}

// Open starts streaming port. Call on the UI goroutine.
func (m *SerialMonitor) Open(port string) {
	if m.opener == nil || port == "" || m.cancel != nil {
		return
	}
	m.run++
	run := m.run
	if port != m.lastPort {
		// Another device: the last one's output would be mistaken for it.
		m.buf.reset()
		m.grid.SetText("")
		m.lastPort = port
	}
	ctx, cancel := context.WithCancel(m.parent)
	m.cancel = cancel
	m.connect.SetText(lang.L("Close"))
	m.connect.SetIcon(theme.MediaStopIcon())
	m.setStatus(nil, lang.L("Opening {{.Port}}…", map[string]any{"Port": port}))
	ticks, stop := m.newTicker(monitorRefresh)
	go m.stream(ctx, run, port, ticks, stop)
}

// stream is the reader goroutine: it reads until the port closes and hands
// the text to the UI at most every monitorRefresh.
func (m *SerialMonitor) stream(ctx context.Context, run int, port string, ticks <-chan time.Time, stopTicks func()) {
	defer stopTicks()
	openCtx, cancelOpen := context.WithTimeout(ctx, 10*time.Second)
	rc, err := m.opener.OpenConsole(openCtx, port)
	cancelOpen()
	if err != nil {
		m.do(func() {
			m.ended(run, lang.L("{{.Port}} could not be opened. Check that the Photon is plugged in and no other program (or the bench) uses the port, then press Open again.", map[string]any{"Port": port}), err)
		})
		return
	}
	m.do(func() {
		if run == m.run {
			m.setStatus(nil, lang.L("Showing {{.Port}}", map[string]any{"Port": port}))
			m.setDevice(rc)
		}
	})
	readDone := make(chan error, 1)
	go func() {
		p := make([]byte, 4096)
		for {
			n, err := rc.Read(p)
			if n > 0 {
				m.buf.write(p[:n])
			}
			if err != nil {
				readDone <- err
				return
			}
		}
	}()
	stop := context.AfterFunc(ctx, func() { rc.Close() })
	defer stop()
	for {
		select {
		case err := <-readDone:
			rc.Close()
			m.flush(run)
			msg := lang.L("{{.Port}} closed.", map[string]any{"Port": port})
			var cause error
			if ctx.Err() == nil && err != nil && !errors.Is(err, io.EOF) {
				msg, cause = lang.L("{{.Port}} stopped sending: the Photon was unplugged or reset. Plug it in again and press Open.", map[string]any{"Port": port}), err
			}
			m.do(func() { m.ended(run, msg, cause) })
			return
		case <-ticks:
			m.flush(run)
		}
	}
}

// flush draws the buffer if it changed.
func (m *SerialMonitor) flush(run int) {
	text, changed := m.buf.text(m.stampsOn())
	if !changed {
		return
	}
	m.do(func() {
		if run != m.run {
			return
		}
		m.grid.SetText(text)
		m.scroll.ScrollToBottom()
	})
}

func (m *SerialMonitor) ended(run int, msg string, cause error) {
	if run != m.run {
		return
	}
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.connect.SetText(lang.L("Open"))
	m.connect.SetIcon(theme.MediaPlayIcon())
	m.setStatus(cause, msg)
	m.setDevice(nil)
}

// Text is what the console shows.
func (m *SerialMonitor) Text() string { return m.grid.Text() }

// Close stops streaming; the port is released.
func (m *SerialMonitor) Close() {
	if m.cancel != nil {
		m.cancel()
	}
}

// TypedKey: Escape closes the port.
func (m *SerialMonitor) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		m.Close()
	}
}

// setStatus shows msg under the monitor, with cause (if any) behind
// Details for support.
func (m *SerialMonitor) setStatus(cause error, msg string) {
	m.status.SetText(msg)
	m.statusMore.set(causeText(cause))
}

package ui

import (
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"github.com/photon-station/photon-station/ui/lang"
)

// The serial monitor's tools: times on lines, saving what it shows, and a
// line to send to the device.

// stampsOn tells whether lines show the time they arrived; the stream
// goroutine asks, so the check's state is read through an atomic copy.
func (m *SerialMonitor) stampsOn() bool { return m.stampFlag.Load() }

// redraw shows the buffer again, with or without times.
func (m *SerialMonitor) redraw() {
	m.stampFlag.Store(m.stamped.Checked)
	text, _ := m.buf.text(m.stampsOn())
	m.grid.SetText(text)
	m.scroll.ScrollToBottom()
}

// setDevice enables the send line while a console is open.
func (m *SerialMonitor) setDevice(w io.Writer) {
	m.device = w
	if w == nil {
		m.line.Disable()
		m.send.Disable()
		return
	}
	m.line.Enable()
	m.send.Enable()
}

// Send writes the typed line, with a line end, to the open console. The
// write runs off the UI goroutine: a device that stops reading cannot
// freeze the window.
func (m *SerialMonitor) Send() {
	w, line := m.device, m.line.Text
	if w == nil || line == "" {
		return
	}
	run := m.run
	m.send.Disable()
	go func() {
		_, err := io.WriteString(w, line+"\n")
		m.do(func() {
			if run != m.run || m.device == nil {
				return
			}
			m.send.Enable()
			if err != nil {
				m.setStatus(err, lang.L("The line was not sent: the Photon was unplugged or reset. Plug it in again, press Open, and send it again."))
				return
			}
			m.line.SetText("")
		})
	}()
}

// saveTo writes what the monitor shows (device output with secrets
// already scrubbed by the console) to w and closes it.
func (m *SerialMonitor) saveTo(w io.WriteCloser) error {
	_, err := io.WriteString(w, m.Text())
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return nil
}

// saveAs asks where to save the monitor's text.
func (m *SerialMonitor) saveAs() {
	win := windowOf(m.content)
	if win == nil {
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		if err := m.saveTo(wc); err != nil {
			_ = storage.Delete(wc.URI()) // no half-written file left behind
			showProblem(win, lang.L("The monitor's text was not saved. Choose another folder (a USB stick may be full or read-only) and save again."), err)
			return
		}
		m.setStatus(nil, lang.L("Saved to {{.Name}}.", map[string]any{"Name": wc.URI().Name()}))
	}, win)
	name := strings.NewReplacer("/", "-", "\\", "-", ":", "-").Replace(strings.TrimLeft(m.lastPort, "/\\."))
	if name == "" {
		name = "serial"
	}
	d.SetFileName("photon-station-" + name + ".txt")
	d.Show()
}

// windowOf is the window showing o, or nil.
func windowOf(o fyne.CanvasObject) fyne.Window {
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	for _, w := range fyne.CurrentApp().Driver().AllWindows() {
		if c != nil && w.Canvas() == c {
			return w
		}
	}
	return nil
}

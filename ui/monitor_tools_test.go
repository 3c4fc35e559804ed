package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The monitor shows when each line arrived (on request), sends a typed
// line through the open console, and saves what it shows.
func TestSerialMonitorTimesSendAndSave(t *testing.T) {
	s := newTestStation(t)
	s.view.Tabs.SelectIndex(4)
	m := s.view.Monitor
	arrival := shiftStart.Add(90 * time.Minute)
	m.buf.now = func() time.Time { return arrival }
	if !m.send.Disabled() || !m.line.Disabled() {
		t.Error("the send line is usable with no port open")
	}
	test.Tap(m.find)
	s.q.until(t, "ports listed", func() bool { return m.portPick.Selected() == "/dev/ttyACM0" })
	wrote := make(chan struct{}, 8)
	m.buf.wrote = wrote
	test.Tap(m.connect)
	recv(t, s.console.opened)
	s.q.until(t, "port open", func() bool { return strings.HasPrefix(m.status.Text, "Showing") })
	if m.send.Disabled() || m.line.Disabled() {
		t.Fatal("the send line is off with the port open")
	}

	writeAll(t, s.console.w, []byte("booted\r\nWi-Fi pass"))
	recv(t, wrote)
	arrival = arrival.Add(1500 * time.Millisecond)
	writeAll(t, s.console.w, []byte("word: [redacted]\r\nready\r\n"))
	recv(t, wrote)
	go func() { s.ticks.c <- time.Time{} }()
	s.q.runOne(t)
	if got, want := m.Text(), "booted\nWi-Fi password: [redacted]\nready\n"; got != want {
		t.Errorf("without times the console = %q, want %q", got, want)
	}
	test.Tap(m.stamped)
	first, second := shiftStart.Add(90*time.Minute).Local().Format("15:04:05.000"), arrival.Local().Format("15:04:05.000")
	want := first + "  booted\n" + first + "  Wi-Fi password: [redacted]\n" + second + "  ready\n"
	if got := m.Text(); got != want {
		t.Errorf("with times the console = %q, want %q", got, want)
	}

	// Send writes the line, with a line end, through the open console.
	typeInto(s.win, m.line, "status")
	test.Tap(m.send)
	if got := recv(t, s.console.sent); got != "status\n" {
		t.Errorf("sent %q, want %q", got, "status\n")
	}
	s.q.until(t, "the line cleared", func() bool { return m.line.Text == "" })
	shoot(t, "serial-monitor-tools-1280x800", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1920, 1080))
	shoot(t, "serial-monitor-tools-1920x1080", s.win.Canvas())
	s.win.Resize(fyne.NewSize(1280, 800))

	// Save writes exactly what is shown: the console's scrubbed text.
	var file closingBuffer
	if err := m.saveTo(&file); err != nil || !file.closed {
		t.Fatalf("save: %v (closed %v)", err, file.closed)
	}
	if file.String() != m.Text() {
		t.Errorf("saved %q, shown %q", file.String(), m.Text())
	}
	if err := m.saveTo(&closingBuffer{failClose: true}); err == nil {
		t.Errorf("a failed close gave %v", err)
	}

	// Closed: nothing to send to.
	m.Close()
	s.q.until(t, "monitor closed", func() bool { return m.cancel == nil })
	if !m.send.Disabled() {
		t.Error("Send is on after the port closed")
	}
}

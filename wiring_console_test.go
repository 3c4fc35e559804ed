package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// TestConsoleStreamShowsOutputThenUnplug: the serial monitor's stream
// carries what the device prints, and ends with the unplugged error (not a
// silent stall) when the cable is pulled.
func TestConsoleStreamShowsOutputThenUnplug(t *testing.T) {
	ph := serialtest.New(serialtest.Config{NotListening: true, Chatter: "temperature=21.5\r\n", ChatterEvery: 5 * time.Millisecond})
	t.Cleanup(func() { ph.Close() })
	conn := ph.Pipe()
	go conn.Write([]byte("\r\n")) // the application starts printing once it hears from the host
	c := serialio.NewConsole(conn)
	s := newConsoleStream(c)
	t.Cleanup(func() { s.Close() })

	got := make(chan error, 1)
	var out bytes.Buffer // written by the reader until it sends on got
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := s.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				got <- err
				return
			}
			if strings.Count(out.String(), "temperature=21.5") >= 2 {
				ph.Unplug()
			}
		}
	}()
	select {
	case err := <-got:
		if !serialio.IsUnplugged(err) {
			t.Errorf("stream ended with %v, want the unplugged error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end 10 s after unplugging")
	}
	if !strings.Contains(out.String(), "temperature=21.5") {
		t.Errorf("the stream did not carry the device's output: %q", out.String())
	}
}

// TestConsoleStreamClose: closing the monitor ends a waiting Read.
func TestConsoleStreamClose(t *testing.T) {
	ph := serialtest.New(serialtest.Config{Silent: true})
	t.Cleanup(func() { ph.Close() })
	c := serialio.NewConsole(ph.Pipe())
	s := newConsoleStream(c)
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 16))
		done <- err
	}()
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Errorf("Read after Close = %v, want EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still waiting after Close")
	}
}

// TestConsoleStreamSendsThroughTheOpenConsole: a line typed into the
// serial monitor reaches the Photon through the console that holds the
// port (a listening-mode Photon answers "i" with its device ID), and no
// second opener gets the port meanwhile.
func TestConsoleStreamSendsThroughTheOpenConsole(t *testing.T) {
	ph := serialtest.New(serialtest.Config{})
	t.Cleanup(func() { ph.Close() })
	path, err := ph.PTY()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	s, err := openSerialConsole(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if other, err := openSerialConsole(ctx, path); err == nil {
		other.Close()
		t.Fatal("a second console opened the port the monitor holds")
	}
	if _, err := io.WriteString(s, "i\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	want := "Your device id is " + ph.DeviceID()
	found := make(chan string, 1)
	go func() {
		var out bytes.Buffer
		buf := make([]byte, 256)
		for {
			n, err := s.Read(buf)
			out.Write(buf[:n])
			if strings.Contains(out.String(), want) || err != nil {
				found <- out.String()
				return
			}
		}
	}()
	select {
	case got := <-found:
		if !strings.Contains(got, want) {
			t.Errorf("after sending i the device printed %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer 10 s after sending i")
	}
}

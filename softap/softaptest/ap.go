package softaptest

import (
	"fmt"
	"net"
	"strings"
)

// The access point's life (docs/softap.md, "connect-ap and the access point
// going away"): up in listening mode; down right after connect-ap's reply,
// when the Photon leaves listening mode to join the stored network; back
// when the join fails (WLAN_LISTEN_ON_FAILED_CONNECT) or SETUP is held.

// serve starts accepting on ln as the access point. d.mu must be held.
func (d *Device) serve(ln net.Listener) {
	d.ln = ln
	d.firstSeen = false // a restarted TCP server has its #1252 quirk again
	d.wg.Add(1)
	go func() { defer d.wg.Done(); d.acceptLoop(ln) }()
}

func (d *Device) acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !d.track(c) {
			c.Close()
			return
		}
		d.wg.Add(1)
		go func() { defer d.wg.Done(); d.route(c) }()
	}
}

// Listening reports whether the access point is up: the Photon is in
// listening mode.
func (d *Device) Listening() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ln != nil
}

// leaveListening takes the access point down after connect-ap's reply:
// the listener closes (new connections are refused) and every connection
// but current (the one carrying the reply, which its handler finishes and
// closes) is cut. The Photon then joins the stored network: it comes
// online after Delays.Join, or falls back to listening mode after
// Delays.FallBack.
func (d *Device) leaveListening(current net.Conn) {
	d.mu.Lock()
	if d.closed || d.ln == nil {
		d.mu.Unlock()
		return
	}
	ln := d.ln
	d.ln = nil
	for c := range d.conns {
		if c != current {
			c.Close()
			delete(d.conns, c)
		}
	}
	d.wg.Add(1)
	d.mu.Unlock()
	ln.Close()
	if d.apHook != nil {
		d.apHook(false)
	}
	go func() { defer d.wg.Done(); d.join() }()
}

// join plays the Photon joining its stored network after connect-ap.
func (d *Device) join() {
	d.mu.Lock()
	ok := d.rec.Configured > 0 && (d.correctPassword == nil || *d.correctPassword == d.rec.Password)
	d.mu.Unlock()
	wait := d.delays.Join
	if !ok {
		wait = d.delays.FallBack
	}
	if !d.sleep(wait) {
		return
	}
	if !ok {
		d.restartAP()
		return
	}
	d.mu.Lock()
	d.isOnline = true
	if d.rec.ClaimCode != "" {
		d.claimed = true
	}
	code := d.rec.ClaimCode
	d.mu.Unlock()
	if d.online != nil {
		d.online(strings.ToLower(d.id), code)
	}
}

// EnterListeningMode plays holding SETUP: the Photon leaves the cloud and
// its access point comes back on the same address. It does nothing while
// the access point is up.
func (d *Device) EnterListeningMode() error {
	d.mu.Lock()
	d.isOnline = false
	d.mu.Unlock()
	return d.restartAP()
}

// restartAP brings the access point back on its address.
func (d *Device) restartAP() error {
	d.apMu.Lock()
	defer d.apMu.Unlock()
	d.mu.Lock()
	if d.closed || d.ln != nil {
		d.mu.Unlock()
		return nil
	}
	d.mu.Unlock()
	ln, err := net.Listen("tcp", d.addr)
	d.mu.Lock()
	if err != nil {
		d.apErr = fmt.Errorf("softaptest: the access point could not come back on %s: %w", d.addr, err)
		d.mu.Unlock()
		return d.apErr
	}
	if d.closed || d.ln != nil {
		d.mu.Unlock()
		ln.Close()
		return nil
	}
	d.serve(ln)
	d.mu.Unlock()
	if d.apHook != nil {
		d.apHook(true)
	}
	return nil
}

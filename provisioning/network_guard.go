package provisioning

import (
	"context"
	"fmt"
	"net/http"

	"github.com/photon-station/photon-station/cloud"
)

// Guard returns a copy of c whose requests wait while the station has
// moved the computer onto a Photon's network, where there is no internet.
// Give it to every cloud user that shares the computer's radio with this
// network (the pipelines, the device tools).
func (n *DeviceNetwork) Guard(c *cloud.Client) *cloud.Client {
	cp := *c
	if cp.HTTPClient != nil {
		hc := *cp.HTTPClient
		hc.Transport = &guardedTransport{n: n, next: hc.Transport}
		cp.HTTPClient = &hc
		return &cp
	}
	cp.Transport = &guardedTransport{n: n, next: cp.Transport}
	return &cp
}

// guardedTransport holds each request until the computer is on its own
// network, and counts it in flight until its answer's headers are in (an
// event stream's body may go on for hours; a radio switch only breaks it,
// and the stream reconnects through this transport again).
type guardedTransport struct {
	n    *DeviceNetwork
	next http.RoundTripper
}

func (t *guardedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.n.startRequest(r.Context()); err != nil {
		return nil, err
	}
	defer t.n.endRequest()
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// signalLocked wakes everyone waiting for a change (n.mu held).
func (n *DeviceNetwork) signalLocked() {
	close(n.changed)
	n.changed = make(chan struct{})
}

// startRequest waits until the computer is on its own network and counts
// a cloud request in flight. A request held by an attempt on a network
// joined by hand is refused when that attempt ends (endAttempt).
func (n *DeviceNetwork) startRequest(ctx context.Context) error {
	heldAt := -1
	for {
		n.mu.Lock()
		if !n.away {
			if heldAt >= 0 && n.dropped != heldAt {
				ssid := n.ssid
				n.mu.Unlock()
				return fmt.Errorf("not sent: the computer is on the Photon's network %s, joined by hand, which has no internet", ssid)
			}
			n.inFlight++
			n.mu.Unlock()
			return nil
		}
		if heldAt < 0 {
			heldAt = n.dropped
		}
		ssid, ch := n.ssid, n.changed
		n.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("the computer is on the Photon's network %s, which has no internet: %w", ssid, ctx.Err())
		}
	}
}

func (n *DeviceNetwork) endRequest() {
	n.mu.Lock()
	n.inFlight--
	n.signalLocked()
	n.mu.Unlock()
}

// goAway holds new cloud requests and waits for those in flight, before
// the radio switches to a Photon's network.
func (n *DeviceNetwork) goAway(ctx context.Context) error {
	n.mu.Lock()
	n.away = true
	n.signalLocked()
	for n.inFlight > 0 {
		ch := n.changed
		n.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			n.comeHome()
			return ctx.Err()
		}
		n.mu.Lock()
	}
	n.mu.Unlock()
	return nil
}

// comeHome releases the held cloud requests.
func (n *DeviceNetwork) comeHome() {
	n.mu.Lock()
	n.away = false
	n.signalLocked()
	n.mu.Unlock()
}

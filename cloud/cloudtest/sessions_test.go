package cloudtest

import (
	"net/http"
	"testing"
	"time"
)

// A device that opens a new cloud session while the cloud still holds its
// old one (it never noticed the device leave for listening mode) is
// announced again, and the new session has a later handshake time, even
// on a clock that stands still: two sessions never share a time.
func TestEverySessionIsAnnounced(t *testing.T) {
	clk := NewManualClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	c := New(Options{Now: clk.Now})
	t.Cleanup(c.Close)
	id := c.AddDevice(Device{})
	c.SetOnline(id, true)
	d, _ := c.Device(id)
	first := d.LastHeard
	if err := c.DeviceOnline(id, ""); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	second := c.devices[id].lastHandshake
	c.mu.Unlock()
	if !second.After(first) {
		t.Errorf("second session at %v, not after the first at %v", second, first)
	}
	online := 0
	for _, e := range c.Events() {
		if e.Name == "spark/status" && e.Data == "online" {
			online++
		}
	}
	if online != 2 {
		t.Errorf("%d online events for two sessions, want 2", online)
	}
}

// Claim processes a presented claim code without a new session.
func TestClaimWithoutASession(t *testing.T) {
	c := New(Options{})
	t.Cleanup(c.Close)
	c.AddProduct(Product{ID: 100, Name: "P"})
	c.AddCustomer(Customer{Email: "kim@example.com", ProductID: 100})
	id := c.AddDevice(Device{ProductID: 100, Online: true})
	c.mu.Lock()
	const code = "test-claim-code"
	c.claims[code] = &claimCode{Code: code, Owner: "kim@example.com", Customer: true, ProductID: 100, ExpiresAt: c.now().Add(time.Hour)}
	before := c.devices[id].lastHandshake
	c.mu.Unlock()
	if err := c.Claim(id, code); err != nil {
		t.Fatal(err)
	}
	d, _ := c.Device(id)
	c.mu.Lock()
	moved := c.devices[id].lastHandshake != before
	c.mu.Unlock()
	if d.Owner != "kim@example.com" || moved {
		t.Errorf("after Claim: owner %q, handshake moved %v", d.Owner, moved)
	}
}

// A fault with Until ends at that moment of the fake's clock.
func TestFaultUntil(t *testing.T) {
	clk := NewManualClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	c := New(Options{Now: clk.Now})
	t.Cleanup(c.Close)
	c.InjectFault(Fault{Status: http.StatusServiceUnavailable, Until: clk.Now().Add(5 * time.Second)})
	if f := c.takeFault("GET", "/v1/devices"); f == nil || f.Status != http.StatusServiceUnavailable {
		t.Fatalf("fault during the outage: %+v", f)
	}
	clk.Advance(5 * time.Second)
	if f := c.takeFault("GET", "/v1/devices"); f != nil {
		t.Errorf("fault after the outage: %+v", f)
	}
}

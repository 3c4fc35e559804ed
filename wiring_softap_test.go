package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
	"github.com/photon-station/photon-station/ui"
)

// The wizard's pages reach the Photon's network through its one owner.
var _ ui.PhotonAP = (*provisioning.DeviceNetwork)(nil)

// photonsInRange stands for the laptop's Wi-Fi among emulated Photons: each
// SSID leads to a softaptest Photon, a connection reaches the Photon whose
// access point the radio is on, and the strongest access point is the one
// strongest(scan) names.
type photonsInRange struct {
	mu        sync.Mutex
	addr      map[string]string
	strongest func(scan int) string
	scans     int
	on        string
	joins     []string
	// cloudOnPhoton lists cloud requests that arrived while on a Photon's network.
	cloudOnPhoton []string
}

func (p *photonsInRange) Find(context.Context) ([]softap.PhotonAP, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scans++
	first := p.strongest(p.scans)
	out := []softap.PhotonAP{{SSID: first, Strength: 80}}
	for s := range p.addr {
		if s != first {
			out = append(out, softap.PhotonAP{SSID: s, Strength: 40})
		}
	}
	return out, nil
}

func (p *photonsInRange) Join(_ context.Context, ssid string) (provisioning.SoftAPLink, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.on = ssid
	p.joins = append(p.joins, ssid)
	return p, nil
}

func (p *photonsInRange) WaitJoined(context.Context) (provisioning.SoftAPLink, string, error) {
	return nil, "", errors.New("not joined by hand in this test")
}

func (p *photonsInRange) Dialer() softap.Dialer { return p }

func (p *photonsInRange) Restore(context.Context) error {
	p.mu.Lock()
	p.on = ""
	p.mu.Unlock()
	return nil
}

func (p *photonsInRange) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	p.mu.Lock()
	addr, ok := p.addr[p.on]
	p.mu.Unlock()
	if !ok {
		return nil, errors.New("no route to host")
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// cloudURL serves h's cloud behind a check of the radio.
func (p *photonsInRange) cloudURL(t *testing.T, c *cloudtest.Cloud) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		if p.on != "" {
			p.cloudOnPhoton = append(p.cloudOnPhoton, fmt.Sprintf("%s %s on %s", r.Method, r.URL.Path, p.on))
		}
		p.mu.Unlock()
		c.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// provision --via softap without --softap-addr joins the strongest Photon
// once and keeps that access point, although another Photon is the
// strongest at every later scan: the claim code and Wi-Fi reach only the
// Photon it identified, and the cloud is never asked from its network.
func TestProvisionSoftAPKeepsFirstAccessPoint(t *testing.T) {
	h := newHeadless(t)
	air := &photonsInRange{addr: map[string]string{}, strongest: func(scan int) string {
		if scan == 1 {
			return "Photon-AAAA"
		}
		return "Photon-BBBB"
	}}
	devs := map[string]*softaptest.Device{}
	for ssid, id := range map[string]string{"Photon-AAAA": "320020001847333531323135", "Photon-BBBB": tDeviceID} {
		h.cloud.AddDevice(cloudtest.Device{ID: id})
		d, err := softaptest.New(softaptest.WithDeviceID(id), softaptest.WithWiFiPassword(tWiFiPassword),
			softaptest.WithOnline(func(id, code string) { h.cloud.DeviceOnline(id, code) }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		devs[ssid], air.addr[ssid] = d, d.Addr()
	}
	old := photonJoiner
	photonJoiner = func() provisioning.PhotonJoiner { return air }
	t.Cleanup(func() { photonJoiner = old })

	code, stdout, stderr := h.run("provision", "--via", "softap", "--product", tProduct,
		"--client-id", tClientID, "--ssid", "Workshop", "--security", "wpa2", "--customer", tCustomer,
		"--api-url", air.cloudURL(t, h.cloud), "--timeout", "10s", "--json")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if _, res := jsonLines(t, stdout); res.DeviceID != "320020001847333531323135" {
		t.Errorf("device_id %q", res.DeviceID)
	}
	if diff := cmp.Diff([]string{"Photon-AAAA", "Photon-AAAA"}, air.joins); diff != "" {
		t.Errorf("joins (-want +got):\n%s", diff)
	}
	if r := devs["Photon-AAAA"].Record(); r.ClaimCode == "" || r.SSID != "Workshop" {
		t.Errorf("identified Photon: claim code %v, SSID %q", r.ClaimCode != "", r.SSID)
	}
	if r := devs["Photon-BBBB"].Record(); r.ClaimCode != "" || r.Configured != 0 {
		t.Errorf("the other Photon got claim code %v, %d configure-ap", r.ClaimCode != "", r.Configured)
	}
	if len(air.cloudOnPhoton) > 0 {
		t.Errorf("cloud requests from a Photon's network: %v", air.cloudOnPhoton)
	}
	if air.on != "" {
		t.Errorf("left on %s", air.on)
	}
	h.assertNoLeaks(stdout, stderr)
}

// cannotSwitch is a computer whose Wi-Fi the station cannot drive.
type cannotSwitch struct{ provisioning.PhotonJoiner }

func (cannotSwitch) Find(context.Context) ([]softap.PhotonAP, error) {
	return nil, softap.ErrManualJoin
}

// Where the computer cannot switch networks by itself, provision --via
// softap fails saying how to run it instead.
func TestProvisionSoftAPCannotSwitchNetworks(t *testing.T) {
	h := newHeadless(t)
	old := photonJoiner
	photonJoiner = func() provisioning.PhotonJoiner { return cannotSwitch{} }
	t.Cleanup(func() { photonJoiner = old })
	code, stdout, stderr := h.run("provision", "--via", "softap", "--product", tProduct,
		"--client-id", tClientID, "--ssid", "Workshop", "--security", "wpa2", "--api-url", h.cloud.URL(), "--timeout", "10s")
	if code != exitFailed {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"cannot switch Wi-Fi networks by itself", "join the Photon's network (Photon-XXXX) from the Wi-Fi menu", "run again with --softap-addr 192.168.0.1"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

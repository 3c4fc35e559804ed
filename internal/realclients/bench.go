package main

import (
	"fmt"
	"sync"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/softap"
	"github.com/photon-station/photon-station/softap/softaptest"
)

// The seeded world. The SSID is plain ASCII because the JavaScript client
// frames bodies by their UTF-16 length (docs/softap.md), but it carries a
// space and the characters Go's JSON would HTML-escape; the password is
// not ASCII, since it travels RSA-encrypted and so is framed correctly.
const (
	productID   = 4242
	productSlug = "realclients-bench"
	ssid        = "Line 7 <Bench & Co>"
	wifiChannel = 6
	variable    = "temperature"
	function    = "length"
)

var (
	wifiPassword = "Tray 7 pässwort"
	temperature  = 21.5
	// photonIDs gives each SoftAP transport its Photon.
	photonIDs = []struct{ transport, id string }{
		{"tcp", "3b0021001747353236343031"},
		{"http", "3b0021001747353236343032"},
	}
)

// Setup is the first line the program writes: where the emulators listen
// and the credentials the scripts use.
type Setup struct {
	Cloud   CloudSetup    `json:"cloud"`
	Network NetworkSetup  `json:"network"`
	Photons []PhotonSetup `json:"photons"`
}

// CloudSetup is the fake cloud and its product.
type CloudSetup struct {
	URL          string `json:"url"`
	ProductID    int    `json:"product_id"`
	ProductSlug  string `json:"product_slug"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Variable     string `json:"variable"`
	VariableVal  any    `json:"variable_value"`
	Function     string `json:"function"`
}

// NetworkSetup is the Wi-Fi network the Photons scan and accept.
type NetworkSetup struct {
	SSID     string `json:"ssid"`
	Password string `json:"password"`
	Sec      int64  `json:"sec"`
	Channel  int    `json:"channel"`
}

// PhotonSetup is one emulated Photon in listening mode.
type PhotonSetup struct {
	ID        string `json:"id"`
	Transport string `json:"transport"` // "tcp" or "http"
	Host      string `json:"host"`
	Port      string `json:"port"`
}

// State is what one Photon was given, and whether it came online.
type State struct {
	ID         string   `json:"id"`
	ClaimCode  string   `json:"claim_code"`
	SSID       string   `json:"ssid"`
	Sec        int64    `json:"sec"`
	Channel    int      `json:"channel"`
	Password   string   `json:"password"`
	Configured int      `json:"configured"`
	Connects   int      `json:"connects"`
	Commands   []string `json:"commands"`
	Online     bool     `json:"online"`
	// ClaimError is the cloud's reason for not claiming the device with
	// the code it presented, "" when it claimed it (or it is not online).
	ClaimError string `json:"claim_error"`
}

// bench is the fake cloud with its emulated Photons.
type bench struct {
	cloud   *cloudtest.Cloud
	photons []*photon
	setup   Setup
}

// photon is one emulated Photon and what happened when it came online.
type photon struct {
	device     *softaptest.Device
	cameOnline chan struct{}

	mu         sync.Mutex
	claimError string
}

func newBench() (*bench, error) {
	c := cloudtest.New(cloudtest.Options{})
	b := &bench{cloud: c}
	c.AddProduct(cloudtest.Product{ID: productID, Slug: productSlug, Name: "Real clients bench"})
	client := c.AddOAuthClient(cloudtest.OAuthClient{ID: "realclients-4242", Name: "realclients", ProductID: productID})
	b.setup = Setup{
		Cloud: CloudSetup{URL: c.URL(), ProductID: productID, ProductSlug: productSlug,
			ClientID: client.ID, ClientSecret: client.Secret,
			Variable: variable, VariableVal: temperature, Function: function},
		Network: NetworkSetup{SSID: ssid, Password: wifiPassword, Sec: int64(softap.SecWPA2AESPSK), Channel: wifiChannel},
	}
	for _, ph := range photonIDs {
		c.AddDevice(cloudtest.Device{ID: ph.id,
			Variables: map[string]cloudtest.Variable{variable: {Type: "double", Value: temperature}},
			Functions: map[string]cloudtest.Function{function: argumentLength},
		})
		p := &photon{cameOnline: make(chan struct{})}
		d, err := softaptest.New(
			softaptest.WithDeviceID(ph.id),
			softaptest.WithNetworks(
				softap.Network{SSID: ssid, RSSI: -45, Code: softap.SecWPA2AESPSK, Channel: wifiChannel, MaxDataRate: 54000},
				softap.Network{SSID: "Guest", RSSI: -70, Code: softap.SecOpen, Channel: 1, MaxDataRate: 54000},
			),
			softaptest.WithWiFiPassword(wifiPassword),
			softaptest.WithOnline(func(id, code string) { p.online(c, id, code) }),
		)
		if err != nil {
			b.close()
			return nil, fmt.Errorf("starting the SoftAP Photon %s: %w", ph.id, err)
		}
		p.device = d
		b.photons = append(b.photons, p)
		host, port := splitAddr(d.Addr())
		b.setup.Photons = append(b.setup.Photons, PhotonSetup{ID: ph.id, Transport: ph.transport, Host: host, Port: port})
	}
	return b, nil
}

// argumentLength is the Photons' cloud function: it answers the length of
// its argument in bytes, so a call shows that the argument arrived whole.
func argumentLength(arg string) int32 { return int32(len(arg)) }

// online is the Photon joining Wi-Fi: the cloud sees it and its claim code.
func (p *photon) online(c *cloudtest.Cloud, id, code string) {
	err := c.DeviceOnline(id, code)
	p.mu.Lock()
	if err != nil {
		p.claimError = err.Error()
	}
	p.mu.Unlock()
	close(p.cameOnline)
}

func (p *photon) state() State {
	r := p.device.Record()
	p.mu.Lock()
	defer p.mu.Unlock()
	return State{ID: p.device.DeviceID(), ClaimCode: r.ClaimCode, SSID: r.SSID, Sec: r.Sec, Channel: r.Channel,
		Password: r.Password, Configured: r.Configured, Connects: r.Connects, Commands: r.Commands,
		Online: p.device.Online(), ClaimError: p.claimError}
}

func (b *bench) photon(id string) *photon {
	for _, p := range b.photons {
		if p.device.DeviceID() == id {
			return p
		}
	}
	return nil
}

func (b *bench) close() {
	for _, p := range b.photons {
		_ = p.device.Close()
	}
	b.cloud.Close()
}

package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/softap"
)

// Fleet is a product device the demo cloud holds from the start, so the
// Device tools tabs have something to list, read, call and chart.
type Fleet struct {
	ID       string
	Name     string
	Online   bool
	Customer string // owning customer's e-mail, "" when unclaimed
}

// fleetNames are the demo product's devices already in the field.
var fleetNames = []string{"lobby", "server-room", "canteen", "workshop", "office-2", "warehouse"}

// seedCloud fills the fake cloud: the org, the product, its OAuth client,
// the trainee's account and devices, and the product's fleet with
// variables, functions and vitals.
func (w *World) seedCloud() {
	c := w.Cloud
	c.AddUser(cloudtest.User{Email: UserEmail, Password: UserPassword, OTP: UserCode})
	c.AddOrg(cloudtest.Org{Slug: OrgSlug, Name: "Demo Factory", Members: []string{UserEmail}})
	c.AddProduct(cloudtest.Product{ID: ProductID, Slug: ProductSlug, Name: ProductName, Org: OrgSlug,
		Members: []string{UserEmail}, Groups: []string{"line-a", "line-b"}})
	c.AddOAuthClient(cloudtest.OAuthClient{ID: ClientID, Secret: w.clientSec, Name: "Photon Station (demo)",
		Type: "installed", ProductID: ProductID})

	// The trainee's own prototypes.
	c.AddDevice(cloudtest.Device{ID: w.newDeviceID(), Name: "desk-prototype", Owner: UserEmail, Online: true,
		Notes:     "The trainee's own Photon, outside any product.",
		Variables: map[string]cloudtest.Variable{"temp": {Type: "double", Value: 22.25}, "version": {Type: "string", Value: "0.9.1"}},
		Functions: map[string]cloudtest.Function{"led": ledFunction}})
	c.AddDevice(cloudtest.Device{ID: w.newDeviceID(), Name: "spare-photon", Owner: UserEmail})

	now := time.Now()
	for i, name := range fleetNames {
		id := w.newDeviceID()
		customer := ""
		if i%2 == 0 {
			customer = fmt.Sprintf("site-%d@demo-thermostats.example", i/2+1)
			c.AddCustomer(cloudtest.Customer{Email: customer, ProductID: ProductID})
		}
		group := "line-a"
		if i%2 == 1 {
			group = "line-b"
		}
		var mu sync.Mutex
		setpoint := 20 + i%3
		c.AddDevice(cloudtest.Device{
			ID: id, Name: "thermostat-" + name, ProductID: ProductID, Owner: customer,
			Online: i != 3, Groups: []string{group}, FirmwareVersion: 3 + i%2, SystemFirmware: "2.3.1",
			Notes: "Installed in the " + name + ".",
			Variables: map[string]cloudtest.Variable{
				"temp":         {Type: "double", Value: 19.5 + float64(i)*0.75},
				"setpoint":     {Type: "int32", Value: setpoint},
				statusVariable: {Type: "string", Value: statusReady},
				"heating":      {Type: "bool", Value: i%2 == 0},
				"uptime_hours": {Type: "int32", Value: 120 + 37*i},
			},
			Functions: map[string]cloudtest.Function{
				"setpoint": func(arg string) int32 {
					v, err := strconv.Atoi(arg)
					if err != nil || v < 5 || v > 30 {
						return -1
					}
					mu.Lock()
					setpoint = v
					mu.Unlock()
					return int32(v)
				},
				"led": ledFunction,
			},
		})
		w.Fleet = append(w.Fleet, Fleet{ID: id, Name: "thermostat-" + name, Online: i != 3, Customer: customer})
		for h := 6; h >= 1; h-- {
			c.AddVitals(id, now.Add(-time.Duration(h)*time.Hour), vitals(-50-i*3-h, 3600*(24+i)-h*3600))
		}
	}
}

// ledFunction is the demo firmware's "led" function: "on" or "off".
func ledFunction(arg string) int32 {
	switch arg {
	case "on":
		return 1
	case "off":
		return 0
	}
	return -1
}

// vitals is a Device Vitals payload as a Photon sends it.
func vitals(rssi, uptime int) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"device": map[string]any{
			"network": map[string]any{"signal": map[string]any{"rssi": rssi, "strength": 100 + rssi, "quality": 90 + rssi/4}},
			"system":  map[string]any{"uptime": uptime, "memory": map[string]any{"used": 41000, "total": 82000}},
			"cloud":   map[string]any{"disconnects": 0, "publish": map[string]any{"rate_limited": 0}},
		},
		"service": map[string]any{"cloud": map[string]any{"uptime": uptime - 120}},
	})
	return b
}

// publishTemperatures makes the online fleet publish a temperature now and
// then, so the live event stream has something to show.
func (w *World) publishTemperatures() {
	t := time.NewTicker(w.opt.PublishEvery)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-t.C:
		}
		n++
		for i, d := range w.Fleet {
			if d.Online {
				w.Cloud.Publish(d.ID, "temperature", strconv.FormatFloat(19.5+float64(i)*0.75+float64(n%5)*0.1, 'f', 1, 64))
			}
		}
	}
}

// softapNetworks is what the SoftAP Photon sees in its scan.
func softapNetworks() []softap.Network {
	return []softap.Network{
		{SSID: WiFiSSID, RSSI: -45, Code: softap.SecWPA2AESPSK, Channel: 6, MaxDataRate: 54000},
		{SSID: WiFiSSID, RSSI: -70, Code: softap.SecWPA2AESPSK, Channel: 11, MaxDataRate: 54000},
		{SSID: "Visitors", RSSI: -62, Code: softap.SecOpen, Channel: 1, MaxDataRate: 54000},
	}
}

// CustomerClient is a client with the token of the demo product's customer
// email, got as the station gets it: through the demo profile's OAuth
// client, creating the shadow customer when it does not exist yet. The
// device tools claim devices to customers with it.
func (w *World) CustomerClient(ctx context.Context, email string) (*cloud.Client, error) {
	tok, _, err := w.Sessions.For(w.Profile, w.clientSec).Tokens.Customer(ctx, w.Profile.Product, email, true)
	if err != nil {
		return nil, err
	}
	return w.API.WithToken(tok.Value), nil
}

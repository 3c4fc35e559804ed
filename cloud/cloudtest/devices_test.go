package cloudtest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScoping(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
	carolsDevice := f.c.AddDevice(Device{ProductID: 100, Owner: "carol@example.com", Online: true})
	cust := f.c.CustomerToken(100, "carol@example.com")
	other := f.c.ProductToken(200)
	outsider := f.c.AddToken(Token{User: "mallory@example.com"})
	const familyC = `{"error":"Permission Denied","info":"I didn't recognize that device name or ID, try opening https://api.particle.io/v1/devices?access_token=undefined"}`
	const productNo = `{"error":"Permission denied","ok":false}`
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		wantStatus int
		wantBody   string
	}{
		{"product token, own product device", "GET", "/v1/products/100/devices/" + photonA, f.product, 200, ""},
		{"product token, own device on user route", "GET", "/v1/devices/" + photonA, f.product, 200, ""},
		{"product token, other product", "GET", "/v1/products/200/devices", f.product, 403, productNo},
		{"product token, other product's device", "GET", "/v1/devices/" + photonC, f.product, 403, familyC},
		{"other product token", "GET", "/v1/products/100/devices/" + photonA, other, 403, productNo},
		{"unknown product", "GET", "/v1/products/999/devices", f.product, 403, productNo},
		{"device not in product", "GET", "/v1/products/100/devices/" + photonC, f.product, 404, `{"error":"Device not found for this product","ok":false}`},
		{"customer, product device list", "GET", "/v1/products/100/devices", cust, 403, productNo},
		{"customer, import", "POST", "/v1/products/100/devices", cust, 403, productNo},
		{"customer, customers", "GET", "/v1/products/100/customers", cust, 403, productNo},
		{"customer, product", "GET", "/v1/products/100", cust, 403, productNo},
		{"customer, product device route", "GET", "/v1/products/100/devices/" + carolsDevice, cust, 403, productNo},
		{"customer, products", "GET", "/v1/user/products", cust, 403, productNo},
		{"customer, own device", "GET", "/v1/devices/" + carolsDevice, cust, 200, ""},
		{"customer, product device not theirs", "GET", "/v1/devices/" + photonA, cust, 403, familyC},
		{"member user, product device", "GET", "/v1/devices/" + photonA, f.user, 200, ""},
		{"member via org", "GET", "/v1/products/other-v1/devices/" + photonC, f.user, 200, ""},
		{"user, own device by name", "GET", "/v1/devices/beta", f.user, 200, ""},
		{"outsider, device", "GET", "/v1/devices/" + photonB, outsider, 403, familyC},
		{"outsider, product", "GET", "/v1/products/100/devices", outsider, 403, productNo},
		{"unknown device", "GET", "/v1/devices/" + stranger, f.user, 403, familyC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, f.c, call{method: tt.method, path: tt.path, token: tt.token})
			if got.status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(tt.wantBody, got.body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
		})
	}
	t.Run("lists", func(t *testing.T) {
		ids := func(token string) []string {
			var list []map[string]any
			decodeInto(t, do(t, f.c, call{method: "GET", path: "/v1/devices", token: token}).body, &list)
			var out []string
			for _, d := range list {
				out = append(out, d["id"].(string))
			}
			return out
		}
		if diff := cmp.Diff([]string{photonB}, ids(f.user)); diff != "" {
			t.Errorf("user's devices (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{carolsDevice}, ids(cust)); diff != "" {
			t.Errorf("customer's devices (-want +got):\n%s", diff)
		}
	})
	t.Run("query token echoed in family C", func(t *testing.T) {
		got := do(t, f.c, call{method: "GET", path: "/v1/devices/" + stranger + "?access_token=" + f.user})
		if got.decode(t)["info"] != "I didn't recognize that device name or ID, try opening https://api.particle.io/v1/devices?access_token="+f.user {
			t.Errorf("info = %v", got.decode(t)["info"])
		}
	})
}

func TestVariables(t *testing.T) {
	f := newFixture(t, Options{})
	tests := []struct {
		path       string
		token      string
		wantStatus int
		wantBody   string
		wantResult any
	}{
		{path: "/v1/devices/" + photonA + "/temp", token: f.user, wantStatus: 200, wantResult: 21.5},
		{path: "/v1/devices/alpha/count", token: f.user, wantStatus: 200, wantResult: float64(7)},
		{path: "/v1/products/100/devices/" + photonA + "/label", token: f.product, wantStatus: 200, wantResult: "bench"},
		{path: "/v1/devices/" + photonA + "/ready", token: f.user, wantStatus: 200, wantResult: true},
		{path: "/v1/devices/" + photonA + "/temp?format=raw", token: f.user, wantStatus: 200, wantBody: "21.5"},
		{path: "/v1/devices/" + photonA + "/label?format=raw", token: f.user, wantStatus: 200, wantBody: "bench"},
		{path: "/v1/devices/" + photonA + "/sensor2", token: f.user, wantStatus: 404, wantBody: `{"error":"Unknown Variable: sensor2","ok":false}`},
		{path: "/v1/devices/" + photonB + "/temp", token: f.user, wantStatus: 408, wantBody: `{"error":"timed out","ok":false}`},
		{path: "/v1/devices/" + photonC + "/temp", token: f.product, wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := do(t, f.c, call{method: "GET", path: tt.path, token: tt.token})
			if got.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(tt.wantBody, got.body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
			if tt.wantResult != nil {
				m := got.decode(t)
				if diff := cmp.Diff(tt.wantResult, m["result"]); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
				core := m["coreInfo"].(map[string]any)
				if core["deviceID"] != photonA || core["connected"] != true {
					t.Errorf("coreInfo = %v", core)
				}
			}
		})
	}
}

func TestFunctions(t *testing.T) {
	f := newFixture(t, Options{})
	var seen []string
	f.c.SetFunction(photonA, "record", func(arg string) int32 { seen = append(seen, arg); return 42 })
	p := "/v1/devices/" + photonA + "/record"
	tests := []struct {
		name       string
		call       call
		wantStatus int
		wantBody   string
		wantArg    string
	}{
		{name: "JSON arg", call: call{method: "POST", path: p, token: f.user, json: map[string]string{"arg": "255,0,0"}},
			wantStatus: 200, wantBody: `{"connected":true,"id":"` + photonA + `","last_app":"","name":"alpha","return_value":42}`, wantArg: "255,0,0"},
		{name: "JSON args", call: call{method: "POST", path: p, token: f.user, json: map[string]string{"args": "a b"}}, wantStatus: 200, wantArg: "a b"},
		{name: "form arg", call: call{method: "POST", path: p, token: f.user, form: url.Values{"arg": {"x=1&y"}}}, wantStatus: 200, wantArg: "x=1&y"},
		{name: "form args, product route", call: call{method: "POST", path: "/v1/products/100/devices/" + photonA + "/record", token: f.product,
			form: url.Values{"args": {"p"}}}, wantStatus: 200, wantArg: "p"},
		{name: "raw", call: call{method: "POST", path: p, token: f.user, json: map[string]string{"arg": "r", "format": "raw"}}, wantStatus: 200, wantBody: "42", wantArg: "r"},
		{name: "no body", call: call{method: "POST", path: p, token: f.user}, wantStatus: 200, wantArg: ""},
		{name: "unknown", call: call{method: "POST", path: "/v1/devices/" + photonA + "/MISSING", token: f.user, json: map[string]string{}},
			wantStatus: 404, wantBody: `{"error":"Function MISSING not found","ok":false}`},
		{name: "offline", call: call{method: "POST", path: "/v1/devices/" + photonB + "/echo", token: f.user, json: map[string]string{"arg": "x"}},
			wantStatus: 408, wantBody: `{"error":"timed out","ok":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			got := do(t, f.c, tt.call)
			if got.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(tt.wantBody, got.body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
			if tt.wantStatus == 200 {
				if diff := cmp.Diff([]string{tt.wantArg}, seen); diff != "" {
					t.Errorf("firmware saw (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestUpdatePingRemove(t *testing.T) {
	f := newFixture(t, Options{})
	got := do(t, f.c, call{method: "PUT", path: "/v1/devices/" + photonA, token: f.user, json: map[string]string{"name": "bench_7"}})
	if diff := cmp.Diff(`{"id":"`+photonA+`","name":"bench_7","updated_at":"2026-11-26T12:00:00.000Z"}`, got.body); diff != "" {
		t.Errorf("rename (-want +got):\n%s", diff)
	}
	got = do(t, f.c, call{method: "PUT", path: "/v1/products/100/devices/" + photonA, token: f.product,
		form: url.Values{"notes": {"shelf 3"}, "development": {"true"}}})
	if got.status != 200 {
		t.Fatalf("notes: %d %s", got.status, got.body)
	}
	if d, _ := f.c.Device(photonA); d.Name != "bench_7" || d.Notes != "shelf 3" || !d.Development {
		t.Errorf("device after update = %+v", d)
	}
	if got := do(t, f.c, call{method: "PUT", path: "/v1/devices/" + photonA, token: f.user, json: map[string]string{"name": "has space"}}); got.status != 400 {
		t.Errorf("bad name: %d", got.status)
	}
	if got := do(t, f.c, call{method: "PUT", path: "/v1/devices/" + photonA + "/ping", token: f.user}); got.body != `{"ok":true,"online":true}` {
		t.Errorf("ping online: %s", got.body)
	}
	if got := do(t, f.c, call{method: "PUT", path: "/v1/devices/" + photonB + "/ping", token: f.user}); got.body != `{"ok":true,"online":false}` {
		t.Errorf("ping offline: %s", got.body)
	}
	if got := do(t, f.c, call{method: "PUT", path: "/v1/devices/" + photonA, token: f.user, json: map[string]string{"signal": "1"}}); got.body != `{"connected":true,"id":"`+photonA+`","signaling":true}` {
		t.Errorf("signal: %s", got.body)
	}

	// Remove from product: 204, customer released, denied when asked.
	f.c.AddCustomer(Customer{Email: "carol@example.com", ProductID: 100})
	carols := f.c.AddDevice(Device{ProductID: 100, Owner: "carol@example.com"})
	got = do(t, f.c, call{method: "DELETE", path: "/v1/products/100/devices/" + carols, token: f.product, json: map[string]bool{"deny": true}})
	if got.status != 204 || got.body != "" {
		t.Errorf("remove: %d %q", got.status, got.body)
	}
	if d, _ := f.c.Device(carols); d.ProductID != 0 || d.Owner != "" || !d.Denied {
		t.Errorf("after remove: %+v", d)
	}
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/products/100/devices/" + carols, token: f.product}); got.status != 404 {
		t.Errorf("remove twice: %d %s", got.status, got.body)
	}
	// Remove owner keeps the device in the product.
	f.c.AddDevice(Device{ID: "eeeeeeeeeeeeeeeeeeeeeeee", ProductID: 100, Owner: "alice@example.com"})
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/products/100/devices/eeeeeeeeeeeeeeeeeeeeeeee/owner", token: f.product}); got.body != `{"ok":true}` {
		t.Errorf("remove owner: %s", got.body)
	}
	if d, _ := f.c.Device("eeeeeeeeeeeeeeeeeeeeeeee"); d.Owner != "" || d.ProductID != 100 {
		t.Errorf("after remove owner: %+v", d)
	}
}

func TestDeviceJSONFields(t *testing.T) {
	f := newFixture(t, Options{})
	got := do(t, f.c, call{method: "GET", path: "/v1/products/100/devices/" + photonA, token: f.product})
	m := got.decode(t)
	for _, k := range []string{"denied", "development", "firmware_product_id", "groups", "id", "last_handshake_at",
		"last_ip_address", "name", "online", "owner", "platform_id", "product_id", "quarantined", "serial_number",
		"system_firmware_version", "targeted_firmware_release_version", "cellular", "connected", "current_build_target",
		"default_build_target", "firmware_updates_enabled", "firmware_updates_forced", "last_heard", "mobile_secret",
		"functions", "variables", "notes", "status"} {
		if _, ok := m[k]; !ok {
			t.Errorf("product device detail lacks %q", k)
		}
	}
	if diff := cmp.Diff(map[string]any{"count": "int32", "label": "string", "ready": "bool", "temp": "double"}, m["variables"]); diff != "" {
		t.Errorf("variables (-want +got):\n%s", diff)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/devices/" + photonB, token: f.user})
	if m := got.decode(t); m["product_id"] != float64(6) || m["online"] != false || m["connected"] != false {
		t.Errorf("non-product device: product_id %v online %v connected %v", m["product_id"], m["online"], m["connected"])
	}
}

func TestUnresponsiveDevice(t *testing.T) {
	f := newFixture(t, Options{DeviceTimeout: time.Millisecond})
	f.c.SetUnresponsive(photonA, true)
	for _, cl := range []call{
		{method: "GET", path: "/v1/devices/" + photonA + "/temp", token: f.user},
		{method: "POST", path: "/v1/devices/" + photonA + "/echo", token: f.user, json: map[string]string{"arg": "x"}},
	} {
		got := do(t, f.c, cl)
		if got.status != 408 || got.body != `{"error":"timed out","ok":false}` {
			t.Errorf("%s %s: %d %s", cl.method, cl.path, got.status, got.body)
		}
	}
	f.c.SetUnresponsive(photonA, false)
	if got := do(t, f.c, call{method: "GET", path: "/v1/devices/" + photonA + "/temp", token: f.user}); got.status != 200 {
		t.Errorf("responsive again: %d", got.status)
	}
}

func TestUnresponsiveDeviceHoldsUntilClientGivesUp(t *testing.T) {
	f := newFixture(t, Options{})
	f.c.SetUnresponsive(photonA, true)
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", f.c.URL()+"/v1/devices/"+photonA+"/temp", nil)
	req.Header.Set("Authorization", "Bearer "+f.user)
	errc := make(chan error, 1)
	logged := f.c.RequestLogged()
	go func() {
		resp, err := f.c.HTTPClient().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-logged
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the client's cancellation", err)
	}
}

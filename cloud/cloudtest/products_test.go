package cloudtest

import (
	"fmt"
	"net/url"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type importResult struct {
	Updated    float64  `json:"updated"`
	UpdatedIDs []string `json:"updatedDeviceIds"`
	Existing   []string `json:"existingDeviceIds"`
	Nonmember  []string `json:"nonmemberDeviceIds"`
	Invalid    []string `json:"invalidDeviceIds"`
	Protected  []string `json:"protectedDeviceIds"`
}

func TestImport(t *testing.T) {
	const (
		fresh    = "aaaaaaaaaaaaaaaaaaaaaaa1"
		fresh2   = "aaaaaaaaaaaaaaaaaaaaaaa2"
		theirs   = "aaaaaaaaaaaaaaaaaaaaaaa3"
		argon    = "aaaaaaaaaaaaaaaaaaaaaaa4"
		quarant  = "aaaaaaaaaaaaaaaaaaaaaaa5"
		byserial = "aaaaaaaaaaaaaaaaaaaaaaa6"
	)
	setup := func(t *testing.T) *fixture {
		f := newFixture(t, Options{})
		f.c.AddDevice(Device{ID: fresh})
		f.c.AddDevice(Device{ID: fresh2})
		f.c.AddDevice(Device{ID: theirs, Owner: "mallory@example.com"})
		f.c.AddDevice(Device{ID: argon, PlatformID: 12})
		f.c.AddDevice(Device{ID: quarant, ProductID: 100, Quarantined: true})
		f.c.AddDevice(Device{ID: byserial, SerialNumber: "PHHAAA123"})
		return f
	}
	empty := []string{}
	tests := []struct {
		name string
		call func(f *fixture) call
		want importResult
		// wantIn lists devices that must now be in product 100.
		wantIn []string
	}{
		{name: "one id, form, upper case", call: func(f *fixture) call {
			return call{method: "POST", path: "/v1/products/100/devices", token: f.product, form: url.Values{"id": {"AAAAAAAAAAAAAAAAAAAAAAA1"}}}
		}, want: importResult{Updated: 1, UpdatedIDs: []string{fresh}, Existing: empty, Nonmember: empty, Invalid: empty, Protected: empty},
			wantIn: []string{fresh}},
		{name: "one id, JSON, by slug", call: func(f *fixture) call {
			return call{method: "POST", path: "/v1/products/bench-v1/devices", token: f.product, json: map[string]string{"id": fresh}}
		}, want: importResult{Updated: 1, UpdatedIDs: []string{fresh}, Existing: empty, Nonmember: empty, Invalid: empty, Protected: empty},
			wantIn: []string{fresh}},
		{name: "many, every outcome", call: func(f *fixture) call {
			return call{method: "POST", path: "/v1/products/100/devices", token: f.product, json: map[string]any{
				"ids": []string{fresh, photonA, photonC, theirs, argon, "nonsense", fresh}}}
		}, want: importResult{Updated: 1, UpdatedIDs: []string{fresh}, Existing: []string{photonA},
			Nonmember: []string{theirs}, Invalid: []string{photonC, argon, "nonsense"}, Protected: empty},
			wantIn: []string{fresh, photonA}},
		{name: "approve quarantined", call: func(f *fixture) call {
			return call{method: "POST", path: "/v1/products/100/devices", token: f.product, json: map[string]string{"id": quarant}}
		}, want: importResult{Updated: 1, UpdatedIDs: []string{quarant}, Existing: empty, Nonmember: empty, Invalid: empty, Protected: empty},
			wantIn: []string{quarant}},
		{name: "file with serial number and claim_user", call: func(f *fixture) call {
			body, ct := multipartBody(t, "file", "ids.txt", fresh+"\n\nPHHAAA123\r\n"+theirs+"\n", map[string]string{"claim_user": "mallory@example.com"})
			return call{method: "POST", path: "/v1/products/100/devices", token: f.product, body: body, contentType: ct}
		}, want: importResult{Updated: 3, UpdatedIDs: []string{fresh, byserial, theirs}, Existing: empty, Nonmember: empty, Invalid: empty, Protected: empty},
			wantIn: []string{fresh, byserial, theirs}},
		{name: "team member user token", call: func(f *fixture) call {
			return call{method: "POST", path: "/v1/products/100/devices", token: f.user, form: url.Values{"id": {fresh2}}}
		}, want: importResult{Updated: 1, UpdatedIDs: []string{fresh2}, Existing: empty, Nonmember: empty, Invalid: empty, Protected: empty},
			wantIn: []string{fresh2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			got := do(t, f.c, tt.call(f))
			if got.status != 200 {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			var res importResult
			decodeInto(t, got.body, &res)
			if diff := cmp.Diff(tt.want, res); diff != "" {
				t.Errorf("import result (-want +got):\n%s", diff)
			}
			for _, id := range tt.wantIn {
				if d, _ := f.c.Device(id); d.ProductID != 100 {
					t.Errorf("%s in product %d, want 100", id, d.ProductID)
				}
			}
		})
	}
	t.Run("claim_user claims", func(t *testing.T) {
		f := setup(t)
		do(t, f.c, call{method: "POST", path: "/v1/products/100/devices?claim_user=alice@example.com", token: f.product, form: url.Values{"id": {fresh}}})
		if d, _ := f.c.Device(fresh); d.Owner != "alice@example.com" || d.OwnerIsCustomer {
			t.Errorf("owner = %q (customer %v), want alice", d.Owner, d.OwnerIsCustomer)
		}
	})
	t.Run("nothing to import", func(t *testing.T) {
		f := setup(t)
		if got := do(t, f.c, call{method: "POST", path: "/v1/products/100/devices", token: f.product, json: map[string]string{}}); got.status != 400 {
			t.Errorf("empty import: %d %s", got.status, got.body)
		}
	})
}

type deviceList struct {
	Devices []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"devices"`
	Customers []map[string]string `json:"customers"`
	Meta      map[string]int      `json:"meta"`
}

func TestProductDeviceList(t *testing.T) {
	f := newFixture(t, Options{})
	// 30 more devices in product 100: ids ...00 to ...29, names unit-NN,
	// group "even" or "odd", firmware version = index.
	var all []string
	for i := range 30 {
		id := fmt.Sprintf("bbbbbbbbbbbbbbbbbbbbbb%02d", i)
		group := "odd"
		if i%2 == 0 {
			group = "even"
		}
		f.c.AddDevice(Device{ID: id, Name: fmt.Sprintf("unit-%02d", i), ProductID: 100, Groups: []string{group},
			FirmwareVersion: i, Quarantined: i == 29})
		all = append(all, id)
	}
	all = append(all, photonA)
	sort.Strings(all)
	ids := func(l deviceList) []string {
		var out []string
		for _, d := range l.Devices {
			out = append(out, d.ID)
		}
		return out
	}
	tests := []struct {
		query     string
		wantIDs   []string
		wantPages int
		wantTotal int
	}{
		{query: "sortAttr=deviceId", wantIDs: all[:25], wantPages: 2, wantTotal: 31},
		{query: "sortAttr=deviceId&page=2", wantIDs: all[25:], wantPages: 2, wantTotal: 31},
		{query: "sortAttr=deviceId&perPage=10&page=4", wantIDs: all[30:], wantPages: 4, wantTotal: 31},
		{query: "sortAttr=deviceId&per_page=10&page=4", wantIDs: all[30:], wantPages: 4, wantTotal: 31},
		{query: "sortAttr=deviceId&per_page=10&page=9", wantIDs: nil, wantPages: 4, wantTotal: 31},
		{query: "sortAttr=deviceId&sortDir=desc&perPage=2", wantIDs: []string{all[30], all[29]}, wantPages: 16, wantTotal: 31},
		{query: "deviceId=BBBBBBBBBBBBBBBBBBBBBB0&sortAttr=deviceId&sortDir=asc", wantIDs: all[1:11], wantPages: 1, wantTotal: 10},
		{query: "deviceName=UNIT-2&sortAttr=deviceId", wantIDs: all[21:31], wantPages: 1, wantTotal: 10},
		{query: "deviceName=alpha", wantIDs: []string{photonA}, wantPages: 1, wantTotal: 1},
		{query: "groups=nope,odd&sortAttr=firmwareVersion&sortDir=desc&perPage=3", wantIDs: []string{all[30], all[28], all[26]}, wantPages: 5, wantTotal: 15},
		{query: "quarantined=true", wantIDs: []string{all[30]}, wantPages: 1, wantTotal: 1},
		{query: "deviceName=zzz", wantIDs: nil, wantPages: 1, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := do(t, f.c, call{method: "GET", path: "/v1/products/100/devices?" + tt.query, token: f.product})
			if got.status != 200 {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			var l deviceList
			decodeInto(t, got.body, &l)
			if diff := cmp.Diff(tt.wantIDs, ids(l)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if l.Meta["total_pages"] != tt.wantPages || l.Meta["total"] != tt.wantTotal {
				t.Errorf("meta = %v, want total_pages %d total %d", l.Meta, tt.wantPages, tt.wantTotal)
			}
		})
	}
	for _, bad := range []string{"page=0", "perPage=x", "sortAttr=name", "sortDir=up", "quarantined=maybe"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if got := do(t, f.c, call{method: "GET", path: "/v1/products/100/devices?" + bad, token: f.product}); got.status != 400 {
				t.Errorf("status %d, want 400: %s", got.status, got.body)
			}
		})
	}
}

func TestCustomers(t *testing.T) {
	f := newFixture(t, Options{})
	create := func(h map[string][]string, form url.Values) reply {
		return do(t, f.c, call{method: "POST", path: "/v1/products/100/customers", header: h, form: form})
	}
	got := create(basic(f.client.ID, f.client.Secret), url.Values{"email": {"Dave@Example.com"}, "no_password": {"true"}})
	if got.status != 200 {
		t.Fatalf("create customer: %d %s", got.status, got.body)
	}
	m := got.decode(t)
	if m["scope"] != "customer=dave@example.com" || m["token_type"] != "bearer" || m["expires_in"] != float64(7776000) || m["refresh_token"] == nil {
		t.Errorf("create customer body: %s", got.body)
	}
	custTok := m["access_token"].(string)

	t.Run("exists", func(t *testing.T) {
		got := create(basic(f.client.ID, f.client.Secret), url.Values{"email": {"dave@example.com"}, "no_password": {"true"}})
		if diff := cmp.Diff(`{"error":"Customer already exists","ok":false}`, got.body); diff != "" || got.status != 400 {
			t.Errorf("status %d, body (-want +got):\n%s", got.status, diff)
		}
	})
	t.Run("body credentials", func(t *testing.T) {
		got := create(nil, url.Values{"email": {"erin@example.com"}, "no_password": {"true"}, "client_id": {f.client.ID}, "client_secret": {f.client.Secret}})
		if got.status != 200 {
			t.Errorf("status %d: %s", got.status, got.body)
		}
	})
	t.Run("bearer token is not enough", func(t *testing.T) {
		got := do(t, f.c, call{method: "POST", path: "/v1/products/100/customers", token: f.product, form: url.Values{"email": {"x@example.com"}, "no_password": {"true"}}})
		if got.status != 400 || got.decode(t)["error"] != "invalid_client" {
			t.Errorf("status %d: %s", got.status, got.body)
		}
	})
	t.Run("other product's client", func(t *testing.T) {
		other := f.c.AddOAuthClient(OAuthClient{Name: "Other", ProductID: 200})
		got := create(basic(other.ID, other.Secret), url.Values{"email": {"y@example.com"}, "no_password": {"true"}})
		if got.status != 400 || got.decode(t)["error"] != "invalid_client" {
			t.Errorf("status %d: %s", got.status, got.body)
		}
	})
	t.Run("listed only after claiming", func(t *testing.T) {
		list := func() []any {
			got := do(t, f.c, call{method: "GET", path: "/v1/products/100/customers", token: f.product})
			return got.decode(t)["customers"].([]any)
		}
		if n := len(list()); n != 0 {
			t.Fatalf("unclaimed customers listed: %d", n)
		}
		code := do(t, f.c, call{method: "POST", path: "/v1/products/100/device_claims", token: custTok}).decode(t)["claim_code"].(string)
		f.c.SetOnline(photonA, false)
		if err := f.c.DeviceOnline(photonA, code); err != nil {
			t.Fatal(err)
		}
		got := list()
		if len(got) != 1 || got[0].(map[string]any)["username"] != "dave@example.com" {
			t.Errorf("customers = %v", got)
		}
	})
	if diff := cmp.Diff([]string{"dave@example.com", "erin@example.com"}, customerEmails(f.c.Customers(100))); diff != "" {
		t.Errorf("Customers (-want +got):\n%s", diff)
	}
}

func customerEmails(cs []Customer) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Email)
	}
	return out
}

func TestProductsOrgsClients(t *testing.T) {
	f := newFixture(t, Options{})
	names := func(body string, key string) []string {
		var m map[string][]map[string]any
		decodeInto(t, body, &m)
		var out []string
		for _, p := range m[key] {
			out = append(out, fmt.Sprint(p["slug"]))
		}
		return out
	}
	got := do(t, f.c, call{method: "GET", path: "/v1/user/products", token: f.user})
	if diff := cmp.Diff([]string{"bench-v1", "other-v1"}, names(got.body, "products")); diff != "" {
		t.Errorf("user products (-want +got):\n%s", diff)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/products", token: f.product})
	if diff := cmp.Diff([]string{"bench-v1"}, names(got.body, "products")); diff != "" {
		t.Errorf("product token's products (-want +got):\n%s", diff)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/orgs", token: f.user})
	if diff := cmp.Diff(`{"organizations":[{"id":"org1","name":"Acme","slug":"acme"}]}`, got.body); diff != "" {
		t.Errorf("orgs (-want +got):\n%s", diff)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/orgs/acme/products", token: f.user})
	if diff := cmp.Diff([]string{"other-v1"}, names(got.body, "products")); diff != "" {
		t.Errorf("org products (-want +got):\n%s", diff)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/products/bench-v1", token: f.user})
	if p := got.decode(t)["product"].(map[string]any); p["id"] != float64(100) || p["platform_id"] != float64(6) {
		t.Errorf("get product: %s", got.body)
	}

	// Creating a product client shows the secret once; listing hides it.
	got = do(t, f.c, call{method: "POST", path: "/v1/products/100/clients", token: f.user,
		json: map[string]string{"name": "Station Two", "type": "installed"}})
	cl := got.decode(t)["client"].(map[string]any)
	if got.status != 200 || cl["secret"] == nil || cl["id"] == nil {
		t.Fatalf("create client: %d %s", got.status, got.body)
	}
	got = do(t, f.c, call{method: "GET", path: "/v1/products/100/clients", token: f.user})
	var listed struct {
		OK      bool             `json:"ok"`
		Clients []map[string]any `json:"clients"`
	}
	decodeInto(t, got.body, &listed)
	if len(listed.Clients) != 2 {
		t.Fatalf("product clients: %s", got.body)
	}
	for _, c := range listed.Clients {
		if _, has := c["secret"]; has {
			t.Errorf("listed client carries its secret: %v", c)
		}
	}
	// The new client works for client_credentials.
	got = do(t, f.c, tokenCall(basic(cl["id"].(string), cl["secret"].(string)), url.Values{"grant_type": {"client_credentials"}}))
	if got.status != 200 {
		t.Errorf("new client's token: %d %s", got.status, got.body)
	}
	if got := do(t, f.c, call{method: "POST", path: "/v1/clients", token: f.user, form: url.Values{"name": {"w"}, "type": {"web"}}}); got.status != 400 {
		t.Errorf("web client without redirect_uri: %d", got.status)
	}
}

func TestOrgRoutesAndClientUpdates(t *testing.T) {
	f := newFixture(t, Options{})
	if got := do(t, f.c, call{method: "GET", path: "/v1/orgs/acme/products/other-v1/devices/" + photonC, token: f.user}); got.status != 200 {
		t.Errorf("org product device: %d %s", got.status, got.body)
	}
	if got := do(t, f.c, call{method: "GET", path: "/v1/orgs/acme/products/bench-v1/devices", token: f.user}); got.status != 403 {
		t.Errorf("product outside the org: %d %s", got.status, got.body)
	}
	got := do(t, f.c, call{method: "POST", path: "/v1/clients", token: f.user, json: map[string]string{"name": "My App", "type": "installed"}})
	id := got.decode(t)["client"].(map[string]any)["id"].(string)
	got = do(t, f.c, call{method: "PUT", path: "/v1/clients/" + id, token: f.user, json: map[string]string{"scope": "create_customer"}})
	if diff := cmp.Diff(`{"client":{"id":"`+id+`","name":"My App","scope":"create_customer","type":"installed"},"ok":true}`, got.body); diff != "" {
		t.Errorf("update client (-want +got):\n%s", diff)
	}
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/clients/" + id, token: f.c.UserToken("bob@example.com")}); got.status != 404 {
		t.Errorf("someone else's client deleted: %d", got.status)
	}
	if got := do(t, f.c, call{method: "DELETE", path: "/v1/clients/" + id, token: f.user}); got.status != 204 {
		t.Errorf("delete client: %d %s", got.status, got.body)
	}
	if got := do(t, f.c, call{method: "GET", path: "/v1/clients", token: f.user}); got.body != `{"clients":[],"ok":true}` {
		t.Errorf("clients after delete: %s", got.body)
	}
}

package cloud_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
)

const (
	fakeA        = "0123456789abcdef01234567" // in product 100, online, variables and functions
	fakeB        = "1123456789abcdef01234567" // owned by alice, offline
	fakeC        = "2123456789abcdef01234567" // owned by someone else, in no product
	fakeD        = "3123456789abcdef01234567" // unclaimed, in no product: to import
	fakeE        = "4123456789abcdef01234567" // unclaimed, in no product: to import by file
	fakeOffline  = "5123456789abcdef01234567" // in product 100, offline
	fakeProduct  = 100
	fakeProductS = "100"
)

// fakeBench is a fake Particle Cloud set up as a provisioning bench sees it.
type fakeBench struct {
	fake      *cloudtest.Cloud
	fakeClock *cloudtest.ManualClock
	clk       *cloud.FakeClock
	creds     cloud.ClientCredentials
	userTok   string
}

func newFakeBench(t *testing.T) *fakeBench {
	t.Helper()
	fc := cloudtest.NewManualClock(time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC))
	f := cloudtest.New(cloudtest.Options{Now: fc.Now})
	t.Cleanup(f.Close)
	f.AddUser(cloudtest.User{Email: "alice@example.com", Password: "correct horse"})
	f.AddUser(cloudtest.User{Email: "bob@example.com", Password: "hunter22", OTP: "123456"})
	f.AddOrg(cloudtest.Org{ID: "org1", Slug: "acme", Name: "Acme", Members: []string{"alice@example.com"}})
	f.AddProduct(cloudtest.Product{ID: fakeProduct, Slug: "bench-v1", Name: "Bench", Members: []string{"alice@example.com"}, Groups: []string{"tray7"}})
	f.AddProduct(cloudtest.Product{ID: 200, Slug: "other-v1", Name: "Other", Org: "acme"})
	cl := f.AddOAuthClient(cloudtest.OAuthClient{ID: "bench-1234", Name: "Bench", ProductID: fakeProduct})
	f.AddDevice(cloudtest.Device{ID: fakeA, Name: "alpha", ProductID: fakeProduct, Online: true, Groups: []string{"tray7"},
		Variables: map[string]cloudtest.Variable{"temp": {Type: "double", Value: 21.5}, "count": {Type: "int32", Value: 7},
			"label": {Type: "string", Value: "bench"}, "ready": {Type: "bool", Value: true}},
		Functions: map[string]cloudtest.Function{"echo": func(arg string) int32 { return int32(len(arg)) }}})
	f.AddDevice(cloudtest.Device{ID: fakeB, Name: "beta", Owner: "alice@example.com"})
	f.AddDevice(cloudtest.Device{ID: fakeC, Name: "gamma", Owner: "mallory@elsewhere.example", Online: true})
	f.AddDevice(cloudtest.Device{ID: fakeD, Online: true})
	f.AddDevice(cloudtest.Device{ID: fakeE, Online: true})
	f.AddDevice(cloudtest.Device{ID: fakeOffline, Name: "sleepy", ProductID: fakeProduct, Variables: map[string]cloudtest.Variable{"temp": {Type: "double", Value: 1.0}}})
	f.AddVitals(fakeA, fc.Now().Add(-time.Hour), []byte(`{"device":{"system":{"uptime":42}}}`))
	return &fakeBench{fake: f, fakeClock: fc, clk: cloud.NewFakeClock(), creds: cloud.ClientCredentials{ID: cl.ID, Secret: cl.Secret},
		userTok: f.UserToken("alice@example.com")}
}

// client returns a client of the fake with the given bearer token.
func (b *fakeBench) client(tok string) *cloud.Client {
	return &cloud.Client{BaseURL: b.fake.URL(), Token: tok, HTTPClient: b.fake.HTTPClient(), Clock: b.clk,
		Retry: cloud.RetryPolicy{MaxAttempts: 3, Jitter: noJitter}}
}

// last returns the last logged request.
func (b *fakeBench) last(t *testing.T) cloudtest.Request {
	t.Helper()
	reqs := b.fake.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake logged no request")
	}
	return reqs[len(reqs)-1]
}

// wire is what the tests assert about a logged request.
type wire struct {
	Method, Path, Encoding string
	Keys                   []string
	Auth                   []cloudtest.AuthCarrier
}

func (b *fakeBench) expect(t *testing.T, want wire) {
	t.Helper()
	r := b.last(t)
	got := wire{Method: r.Method, Path: r.Path, Encoding: r.BodyEncoding, Keys: r.BodyKeys, Auth: r.Auth}
	if len(got.Keys) == 0 {
		got.Keys = nil
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
}

var (
	header = []cloudtest.AuthCarrier{cloudtest.AuthHeader}
	basicA = []cloudtest.AuthCarrier{cloudtest.AuthBasic}
)

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%v (details: %s)", err, details(err))
		}
		return v
	}
}

// TestAgainstFakeCloud runs the tutorial's operations against cloudtest, the
// strict fake of the Particle Cloud, and checks both the wire (method, path,
// encoding, where the credential travelled) and the decoded result.
func TestAgainstFakeCloud(t *testing.T) {
	b := newFakeBench(t)
	ctx := t.Context()
	user := b.client(b.userTok)

	t.Run("tokens", func(t *testing.T) {
		tok := must[cloud.Token](t)(user.ProductToken(ctx, b.creds, 0))
		b.expect(t, wire{"POST", "/oauth/token", "form", []string{"grant_type"}, basicA})
		if tok.AccessToken == "" || tok.ExpiresIn != 7776000*time.Second || tok.RefreshToken == "" {
			t.Errorf("product token %v, refresh %t", tok, tok.RefreshToken != "")
		}
		never := must[cloud.Token](t)(user.ProductToken(ctx, b.creds, cloud.NeverExpires))
		b.expect(t, wire{"POST", "/oauth/token", "form", []string{"expires_in", "grant_type"}, basicA})
		if !never.ExpiresAt.IsZero() || never.RefreshToken != "" {
			t.Errorf("never-expiring token %v has an expiry or a refresh token", never)
		}
		info := must[cloud.TokenInfo](t)(user.WithToken(never.AccessToken).CurrentToken(ctx))
		b.expect(t, wire{"GET", "/v1/access_tokens/current", "", nil, header})
		if info.Client != b.creds.ID || !info.ExpiresAt.IsZero() {
			t.Errorf("current token info %+v", info)
		}
		if err := user.WithToken(never.AccessToken).RevokeCurrentToken(ctx); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"DELETE", "/v1/access_tokens/current", "", nil, header})
		if _, err := user.WithToken(never.AccessToken).ListDevices(ctx); !cloud.IsUnauthorized(err) {
			t.Errorf("revoked token still works: %v", err)
		}
		if _, err := user.ProductToken(ctx, cloud.ClientCredentials{ID: b.creds.ID, Secret: "wrong-secret-0000"}, 0); !cloud.IsBadCredentials(err) {
			t.Errorf("wrong client secret: %v", err)
		}
	})

	t.Run("login with MFA", func(t *testing.T) {
		tok := must[cloud.Token](t)(user.Login(ctx, "alice@example.com", "correct horse", time.Hour))
		b.expect(t, wire{"POST", "/oauth/token", "form", []string{"expires_in", "grant_type", "password", "username"}, basicA})
		if tok.ExpiresIn != time.Hour {
			t.Errorf("login token lifetime %v", tok.ExpiresIn)
		}
		if _, err := user.Login(ctx, "alice@example.com", "wrong", 0); !cloud.IsBadCredentials(err) {
			t.Errorf("wrong password: %v", err)
		}
		_, err := user.Login(ctx, "bob@example.com", "hunter22", 0)
		if !cloud.IsMFARequired(err) || cloud.MFAToken(err) == "" {
			t.Fatalf("MFA account: %v", err)
		}
		if strings.Contains(err.Error(), cloud.MFAToken(err)) {
			t.Error("the MFA token is in the error text")
		}
		if _, err := user.LoginOTP(ctx, cloud.MFAToken(err), "000000"); !cloud.IsBadCredentials(err) {
			t.Errorf("wrong OTP: %v", err)
		}
		_, err = user.Login(ctx, "bob@example.com", "hunter22", 0)
		otp := must[cloud.Token](t)(user.LoginOTP(ctx, cloud.MFAToken(err), "123456"))
		b.expect(t, wire{"POST", "/oauth/token", "form", []string{"grant_type", "mfa_token", "otp"}, basicA})
		if otp.AccessToken == "" {
			t.Error("no token after the OTP step")
		}
	})

	prodTok := must[cloud.Token](t)(user.ProductToken(ctx, b.creds, 0)).AccessToken
	prod := b.client(prodTok)
	a := cloud.ProductDevice(fakeProductS, strings.ToUpper(fakeA))

	t.Run("devices", func(t *testing.T) {
		list := must[[]cloud.Device](t)(user.ListDevices(ctx))
		b.expect(t, wire{"GET", "/v1/devices", "", nil, header})
		if !slices.ContainsFunc(list, func(d cloud.Device) bool { return d.ID == fakeB && d.Name == "beta" }) {
			t.Errorf("alice's device missing from %+v", list)
		}
		d := must[cloud.Device](t)(user.GetDevice(ctx, cloud.UserDevice("beta")))
		b.expect(t, wire{"GET", "/v1/devices/beta", "", nil, header})
		if d.ID != fakeB || d.Online {
			t.Errorf("beta = %+v", d)
		}
		pd := must[cloud.Device](t)(prod.GetDevice(ctx, a))
		b.expect(t, wire{"GET", "/v1/products/100/devices/" + fakeA, "", nil, header})
		if pd.ID != fakeA || !pd.Online || pd.ProductID != fakeProduct || pd.Variables["temp"] != "double" {
			t.Errorf("product device = %+v", pd)
		}
		if _, err := user.GetDevice(ctx, cloud.UserDevice(fakeC)); !cloud.IsPermissionDenied(err) {
			t.Errorf("someone else's device: %v", err)
		}
	})

	t.Run("variables", func(t *testing.T) {
		v := must[cloud.Variable](t)(prod.GetVariable(ctx, a, "temp"))
		b.expect(t, wire{"GET", "/v1/products/100/devices/" + fakeA + "/temp", "", nil, header})
		if f, err := v.Float(); err != nil || f != 21.5 || v.CoreInfo.DeviceID != fakeA {
			t.Errorf("temp = %v, %v (%+v)", f, err, v)
		}
		if n, err := must[cloud.Variable](t)(prod.GetVariable(ctx, a, "count")).Int(); err != nil || n != 7 {
			t.Errorf("count = %v, %v", n, err)
		}
		if s := must[cloud.Variable](t)(prod.GetVariable(ctx, a, "label")).Text(); s != "bench" {
			t.Errorf("label = %q", s)
		}
		if r, err := must[cloud.Variable](t)(prod.GetVariable(ctx, a, "ready")).Bool(); err != nil || !r {
			t.Errorf("ready = %v, %v", r, err)
		}
		raw := must[string](t)(prod.GetVariableRaw(ctx, a, "temp"))
		if raw != "21.5" {
			t.Errorf("raw temp = %q", raw)
		}
		if _, err := prod.GetVariable(ctx, a, "nope"); !cloud.IsUnknownVariable(err) {
			t.Errorf("unknown variable: %v", err)
		}
		if _, err := prod.GetVariable(ctx, cloud.ProductDevice(fakeProductS, fakeOffline), "temp"); !cloud.IsDeviceOffline(err) {
			t.Errorf("offline device: %v", err)
		}
	})

	t.Run("functions", func(t *testing.T) {
		r := must[cloud.FunctionResult](t)(prod.CallFunction(ctx, a, "echo", "255,255,0"))
		b.expect(t, wire{"POST", "/v1/products/100/devices/" + fakeA + "/echo", "json", []string{"arg"}, header})
		if r.ReturnValue != 9 {
			t.Errorf("echo returned %d, want 9", r.ReturnValue)
		}
		formProd := b.client(prodTok)
		formProd.Encoding = cloud.EncodeForm
		r = must[cloud.FunctionResult](t)(formProd.CallFunction(ctx, a, "echo", "ab"))
		b.expect(t, wire{"POST", "/v1/products/100/devices/" + fakeA + "/echo", "form", []string{"arg"}, header})
		if r.ReturnValue != 2 {
			t.Errorf("form echo returned %d, want 2", r.ReturnValue)
		}
		if _, err := prod.CallFunction(ctx, a, "nope", ""); !cloud.IsUnknownFunction(err) {
			t.Errorf("unknown function: %v", err)
		}
		if _, err := user.CallFunction(ctx, cloud.UserDevice(fakeB), "echo", ""); !cloud.IsDeviceOffline(err) {
			t.Errorf("offline device: %v", err)
		}
	})

	t.Run("rename, notes, ping", func(t *testing.T) {
		u := must[cloud.DeviceUpdate](t)(prod.RenameDevice(ctx, a, "bench-7"))
		b.expect(t, wire{"PUT", "/v1/products/100/devices/" + fakeA, "json", []string{"name"}, header})
		if u.Name != "bench-7" {
			t.Errorf("rename answer %+v", u)
		}
		must[cloud.DeviceUpdate](t)(prod.SetNotes(ctx, a, "tray 7 slot 3"))
		b.expect(t, wire{"PUT", "/v1/products/100/devices/" + fakeA, "json", []string{"notes"}, header})
		if st, _ := b.fake.Device(fakeA); st.Name != "bench-7" || st.Notes != "tray 7 slot 3" {
			t.Errorf("fake holds %+v", st)
		}
		if !must[bool](t)(prod.Ping(ctx, a)) {
			t.Error("online device did not answer the ping")
		}
		b.expect(t, wire{"PUT", "/v1/products/100/devices/" + fakeA + "/ping", "", nil, header})
		if must[bool](t)(user.Ping(ctx, cloud.UserDevice(fakeB))) {
			t.Error("offline device answered the ping")
		}
	})

	t.Run("products and organizations", func(t *testing.T) {
		ps := must[[]cloud.Product](t)(user.ListProducts(ctx))
		b.expect(t, wire{"GET", "/v1/user/products", "", nil, header})
		if !slices.ContainsFunc(ps, func(p cloud.Product) bool { return p.ID == fakeProduct && p.Slug == "bench-v1" }) {
			t.Errorf("products %+v", ps)
		}
		orgs := must[[]cloud.Organization](t)(user.ListOrganizations(ctx))
		b.expect(t, wire{"GET", "/v1/orgs", "", nil, header})
		if diff := cmp.Diff([]cloud.Organization{{ID: "org1", Slug: "acme", Name: "Acme"}}, orgs); diff != "" {
			t.Errorf("orgs (-want +got):\n%s", diff)
		}
		ops := must[[]cloud.Product](t)(user.ListOrgProducts(ctx, "acme"))
		b.expect(t, wire{"GET", "/v1/orgs/acme/products", "", nil, header})
		if len(ops) != 1 || ops[0].ID != 200 {
			t.Errorf("org products %+v", ops)
		}
		p := must[cloud.Product](t)(prod.GetProduct(ctx, "bench-v1"))
		b.expect(t, wire{"GET", "/v1/products/bench-v1", "", nil, header})
		if p.ID != fakeProduct || p.Name != "Bench" {
			t.Errorf("product %+v", p)
		}
		if _, err := prod.GetProduct(ctx, "other-v1"); !cloud.IsPermissionDenied(err) {
			t.Errorf("a product token on another product: %v", err)
		}
	})

	t.Run("product device list, filters and pages", func(t *testing.T) {
		page := must[cloud.DevicePage](t)(prod.ListProductDevices(ctx, fakeProductS, cloud.DeviceQuery{Groups: []string{"tray7"}, SortAttr: cloud.SortByDeviceID, SortDir: cloud.Ascending, PerPage: 10}))
		r := b.last(t)
		if diff := cmp.Diff([]string{"groups", "perPage", "per_page", "sortAttr", "sortDir"}, r.QueryKeys); diff != "" {
			t.Errorf("query keys (-want +got):\n%s", diff)
		}
		if len(page.Devices) != 1 || page.Devices[0].ID != fakeA || page.Meta.TotalPages != 1 {
			t.Errorf("tray7 page %+v", page)
		}
		var ids []string
		for d, err := range prod.ProductDevices(ctx, fakeProductS, cloud.DeviceQuery{PerPage: 1, SortAttr: cloud.SortByDeviceID, SortDir: cloud.Ascending}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		if diff := cmp.Diff([]string{fakeA, fakeOffline}, ids); diff != "" {
			t.Errorf("all product devices (-want +got):\n%s", diff)
		}
		off := must[cloud.DevicePage](t)(prod.ListProductDevices(ctx, fakeProductS, cloud.DeviceQuery{DeviceName: "slee", Quarantined: boolp(false)}))
		if len(off.Devices) != 1 || off.Devices[0].ID != fakeOffline {
			t.Errorf("name filter %+v", off)
		}
	})

	t.Run("import", func(t *testing.T) {
		res := must[cloud.ImportResult](t)(prod.ImportDevice(ctx, fakeProductS, strings.ToUpper(fakeD)))
		b.expect(t, wire{"POST", "/v1/products/100/devices", "json", []string{"id"}, header})
		if in, msg := res.Outcome(fakeD); !in || res.Updated != 1 {
			t.Errorf("import: %+v (%s)", res, msg)
		}
		res = must[cloud.ImportResult](t)(prod.ImportDevices(ctx, fakeProductS, []string{fakeD, fakeC, "ffffffffffffffffffffffff"}, cloud.ImportOptions{}))
		b.expect(t, wire{"POST", "/v1/products/100/devices", "json", []string{"ids"}, header})
		want := cloud.ImportResult{UpdatedDeviceIDs: []string{}, ExistingDeviceIDs: []string{fakeD}, NonmemberDeviceIDs: []string{fakeC},
			InvalidDeviceIDs: []string{"ffffffffffffffffffffffff"}, ProtectedDeviceIDs: []string{}}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("import many (-want +got):\n%s", diff)
		}
		res = must[cloud.ImportResult](t)(prod.ImportDeviceFile(ctx, fakeProductS, "tray.txt", strings.NewReader(fakeE+"\n"), cloud.ImportOptions{}))
		b.expect(t, wire{"POST", "/v1/products/100/devices", "multipart", []string{"file"}, header})
		if in, _ := res.Outcome(fakeE); !in {
			t.Errorf("import file: %+v", res)
		}
		if st, _ := b.fake.Device(fakeE); st.ProductID != fakeProduct {
			t.Errorf("fake did not import: %+v", st)
		}
	})

	var custTok string
	t.Run("customers and claim codes", func(t *testing.T) {
		tok, created, err := prod.EnsureCustomer(ctx, fakeProductS, b.creds, "Slot3@Factory.example", 0)
		if err != nil || !created || tok.Customer() != "slot3@factory.example" {
			t.Fatalf("EnsureCustomer = %v, %v, %v", tok, created, err)
		}
		tok2, created, err := prod.EnsureCustomer(ctx, fakeProductS, b.creds, "slot3@factory.example", 0)
		if err != nil || created || tok2.AccessToken == "" {
			t.Fatalf("EnsureCustomer again = %v, %v, %v", tok2, created, err)
		}
		b.expect(t, wire{"POST", "/oauth/token", "form", []string{"grant_type", "scope"}, basicA})
		_, err = prod.CreateShadowCustomer(ctx, fakeProductS, b.creds, "slot3@factory.example")
		if !cloud.IsCustomerExists(err) {
			t.Errorf("second creation: %v", err)
		}
		b.expect(t, wire{"POST", "/v1/products/100/customers", "form", []string{"email", "no_password"}, basicA})
		custTok = tok2.AccessToken
		cust := b.client(custTok)

		code := must[cloud.ClaimCode](t)(cust.CreateClaimCode(ctx, cloud.ClaimCodeRequest{Product: fakeProductS}))
		b.expect(t, wire{"POST", "/v1/products/100/device_claims", "json", nil, header})
		if len(code.Code) != 63 || len(code.DeviceIDs) != 0 {
			t.Errorf("claim code of %d characters, devices %v", len(code.Code), code.DeviceIDs)
		}
		if _, err := prod.CreateClaimCode(ctx, cloud.ClaimCodeRequest{Product: fakeProductS}); err == nil {
			t.Error("a product token got a product claim code; the route wants a customer token")
		}
		// The device presents the code when it first connects.
		if err := b.fake.DeviceOnline(fakeD, code.Code); err != nil {
			t.Fatal(err)
		}
		d := must[cloud.Device](t)(prod.GetDevice(ctx, cloud.ProductDevice(fakeProductS, fakeD)))
		if d.Owner != "slot3@factory.example" {
			t.Errorf("device owner %q after the claim", d.Owner)
		}
		custs := must[cloud.CustomerPage](t)(prod.ListCustomers(ctx, fakeProductS, 1, 25))
		b.expect(t, wire{"GET", "/v1/products/100/customers", "", nil, header})
		if !slices.ContainsFunc(custs.Customers, func(c cloud.Customer) bool { return c.Username == "slot3@factory.example" }) {
			t.Errorf("customers %+v", custs)
		}
		uc := must[cloud.ClaimCode](t)(user.CreateClaimCode(ctx, cloud.ClaimCodeRequest{}))
		b.expect(t, wire{"POST", "/v1/device_claims", "json", nil, header})
		if !slices.Contains(uc.DeviceIDs, fakeB) {
			t.Errorf("user claim code lists %v, want alice's devices", uc.DeviceIDs)
		}
	})

	t.Run("claim, transfer, unclaim, remove", func(t *testing.T) {
		_, err := user.ClaimDevice(ctx, fakeC, false)
		if !cloud.IsClaimedBySomeoneElse(err) {
			t.Fatalf("claiming someone else's device: %v", err)
		}
		b.expect(t, wire{"POST", "/v1/devices", "json", []string{"id"}, header})
		r := must[cloud.ClaimResult](t)(user.ClaimDevice(ctx, strings.ToUpper(fakeC), true))
		b.expect(t, wire{"POST", "/v1/devices", "json", []string{"id", "request_transfer"}, header})
		if !r.TransferRequested || len(b.fake.Transfers()) != 1 {
			t.Errorf("transfer: %+v, %v", r, b.fake.Transfers())
		}
		if err := prod.UnclaimDevice(ctx, cloud.ProductDevice(fakeProductS, fakeD)); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"DELETE", "/v1/products/100/devices/" + fakeD + "/owner", "", nil, header})
		if st, _ := b.fake.Device(fakeD); st.Owner != "" || st.ProductID != fakeProduct {
			t.Errorf("after unclaim: %+v", st)
		}
		if err := prod.RemoveFromProduct(ctx, fakeProductS, fakeD, false); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"DELETE", "/v1/products/100/devices/" + fakeD, "", nil, header})
		if st, _ := b.fake.Device(fakeD); st.ProductID != 0 {
			t.Errorf("after removal: %+v", st)
		}
		if err := user.UnclaimDevice(ctx, cloud.UserDevice(fakeB)); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"DELETE", "/v1/devices/" + fakeB, "", nil, header})
	})

	t.Run("OAuth clients", func(t *testing.T) {
		oc := must[cloud.OAuthClient](t)(user.CreateOAuthClient(ctx, fakeProductS, cloud.OAuthClientSpec{Name: "Station 2"}))
		b.expect(t, wire{"POST", "/v1/products/100/clients", "json", []string{"name", "type"}, header})
		if oc.ID == "" || oc.Secret == "" || oc.Type != "installed" {
			t.Fatalf("new client %v (secret set: %t)", oc, oc.Secret != "")
		}
		list := must[[]cloud.OAuthClient](t)(user.ListOAuthClients(ctx, fakeProductS))
		b.expect(t, wire{"GET", "/v1/products/100/clients", "", nil, header})
		i := slices.IndexFunc(list, func(c cloud.OAuthClient) bool { return c.ID == oc.ID })
		if i < 0 || list[i].Secret != "" {
			t.Errorf("listed clients %v", list)
		}
		// The new client's credentials give a product token.
		must[cloud.Token](t)(user.ProductToken(ctx, oc.Credentials(), 0))

		// Deleted, it is gone from the product's list and a second delete
		// is refused as not found.
		if err := user.DeleteOAuthClient(ctx, fakeProductS, oc.ID); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"DELETE", "/v1/products/100/clients/" + oc.ID, "", nil, header})
		list = must[[]cloud.OAuthClient](t)(user.ListOAuthClients(ctx, fakeProductS))
		b.expect(t, wire{"GET", "/v1/products/100/clients", "", nil, header})
		if slices.ContainsFunc(list, func(c cloud.OAuthClient) bool { return c.ID == oc.ID }) {
			t.Errorf("the deleted client is still listed: %v", list)
		}
		if err := user.DeleteOAuthClient(ctx, fakeProductS, oc.ID); !cloud.IsNotFound(err) {
			t.Errorf("deleting it again: %v, want not found", err)
		}
		b.expect(t, wire{"DELETE", "/v1/products/100/clients/" + oc.ID, "", nil, header})
	})

	t.Run("vitals", func(t *testing.T) {
		v := must[cloud.Vitals](t)(prod.LastVitals(ctx, a))
		b.expect(t, wire{"GET", "/v1/products/100/diagnostics/" + fakeA + "/last", "", nil, header})
		if v.DeviceID != fakeA || !strings.Contains(string(v.Payload), `"uptime":42`) {
			t.Errorf("last vitals %+v", v)
		}
		now := b.fakeClock.Now()
		hist := must[[]cloud.Vitals](t)(prod.VitalsHistory(ctx, a, now.Add(-24*time.Hour), now))
		if len(hist) != 1 {
			t.Errorf("history %+v", hist)
		}
		if got := b.last(t).QueryKeys; !slices.Equal(got, []string{"end_date", "start_date"}) {
			t.Errorf("history query keys %v", got)
		}
		csv := must[[]byte](t)(prod.VitalsHistoryCSV(ctx, a, now.Add(-24*time.Hour), now))
		if r := b.last(t); r.Header.Get("Accept") != "text/csv" || !strings.Contains(string(csv), fakeA) {
			t.Errorf("CSV %q (Accept %q)", csv, r.Header.Get("Accept"))
		}
	})

	t.Run("events", func(t *testing.T) {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		k := consume(sctx, prod, cloud.Stream{Product: fakeProductS, Prefix: "bench/"})
		waitStreams(t, b.fake, 1)
		if err := user.Publish(ctx, cloud.PublishRequest{Name: "bench/hello", Data: "1", Private: true}); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"POST", "/v1/devices/events", "json", []string{"data", "name", "private"}, header})
		if err := prod.Publish(ctx, cloud.PublishRequest{Product: fakeProductS, Name: "bench/product", Data: "2"}); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"POST", "/v1/products/100/events", "json", []string{"data", "name", "private"}, header})
		b.fake.Publish(fakeA, "bench/temp", "21.5")
		b.fake.Publish(fakeA, "other", "x")
		var got []string
		for len(got) < 2 {
			ev := k.next(t)
			got = append(got, ev.Name+"="+ev.Data+"@"+ev.DeviceID)
		}
		// The user-route event is alice's, not the product's; the stream
		// carries the product's events only.
		if diff := cmp.Diff([]string{"bench/product=2@api", "bench/temp=21.5@" + fakeA}, got); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		cancel()
		k.wait(t)
	})

	t.Run("errors", func(t *testing.T) {
		expired := b.fake.AddToken(cloudtest.Token{User: "alice@example.com", ExpiresAt: b.fakeClock.Now().Add(-time.Minute)})
		if _, err := b.client(expired).ListDevices(ctx); !cloud.IsTokenExpired(err) {
			t.Errorf("expired token: %v", err)
		}
		if _, err := b.client("0000000000000000000000000000000000000000").ListDevices(ctx); !cloud.IsUnauthorized(err) || cloud.IsTokenExpired(err) {
			t.Errorf("unknown token: %v", err)
		}
		if _, err := b.client(custTok).ListProductDevices(ctx, fakeProductS, cloud.DeviceQuery{}); !cloud.IsPermissionDenied(err) && !cloud.IsUnauthorized(err) {
			t.Errorf("customer token on product management: %v", err)
		}
		// The fake answers 403 "Permission denied": exactly a permission error.
		if _, err := b.client(custTok).ListProductDevices(ctx, fakeProductS, cloud.DeviceQuery{}); !cloud.IsPermissionDenied(err) {
			t.Errorf("customer token on product management: %v, want permission denied", err)
		}
	})

	t.Run("429 with Retry-After, shared gate", func(t *testing.T) {
		b.fake.InjectRateLimit("GET", "/v1/devices", 1, 4*time.Second)
		gate := &cloud.RateGate{}
		c := b.client(b.userTok)
		c.Gate = gate
		done := start(ctx, c, getDevices)
		b.clk.WaitForTimer(t, 4*time.Second)
		b.clk.Advance(4 * time.Second)
		if r := <-done; r.err != nil {
			t.Fatalf("after the rate limit: %v", r.err)
		}
	})

	t.Run("5xx and dropped connections are retried for reads", func(t *testing.T) {
		before := len(b.fake.Requests())
		b.fake.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/orgs", Times: 1, Status: http.StatusServiceUnavailable, Body: `{"error":"server_error"}`})
		b.fake.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/orgs", Times: 1, CloseConnection: true})
		done := start(ctx, user, func(ctx context.Context, c *cloud.Client) (any, error) { return c.ListOrganizations(ctx) })
		if r := cloud.RunUntil(t, b.clk, done); r.err != nil {
			t.Fatalf("after a 503 and a dropped connection: %v", r.err)
		}
		var orgs int
		for _, r := range b.fake.Requests()[before:] {
			if r.Path == "/v1/orgs" {
				orgs++
			}
		}
		if orgs < 3 {
			t.Errorf("the fake saw %d requests for /v1/orgs, want 3 or more", orgs)
		}
	})

	t.Run("no secret in any URL", func(t *testing.T) {
		if leaks := b.fake.SecretsInURLs(); len(leaks) != 0 {
			for _, r := range leaks {
				t.Errorf("secret in URL: %s %s?%s", r.Method, r.Path, r.RawQuery)
			}
		}
		for _, r := range b.fake.Requests() {
			if slices.Contains(r.Auth, cloudtest.AuthQuery) || slices.Contains(r.Auth, cloudtest.AuthBody) || slices.Contains(r.Auth, cloudtest.AuthClientBody) {
				t.Errorf("%s %s carried a credential in %v", r.Method, r.Path, r.Auth)
			}
		}
	})
}

// waitStreams waits until the fake holds n open event streams. It waits on
// the fake's StreamsChanged signal, not by polling; the timer only guards
// against a hang.
func waitStreams(t *testing.T, f *cloudtest.Cloud, n int) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		changed := f.StreamsChanged()
		if f.OpenStreams() >= n {
			return
		}
		select {
		case <-changed:
		case <-guard.C:
			t.Fatalf("%d streams open, want %d", f.OpenStreams(), n)
		}
	}
}

// TestCancelWhileServerHangs: a server that never answers is left as soon as
// the caller's context ends, and the error says it was cancelled.
func TestCancelWhileServerHangs(t *testing.T) {
	b := newFakeBench(t)
	b.fake.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/devices", Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	logged := b.fake.RequestLogged()
	done := start(ctx, b.client(b.userTok), getDevices)
	select {
	case <-logged:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the fake")
	}
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", r.err)
	}
	var e *cloud.Error
	if !errors.As(r.err, &e) || e.Kind != cloud.KindCanceled {
		t.Errorf("err = %#v, want a canceled *cloud.Error", r.err)
	}
}

// TestAgainstFakeCloudMoreRoutes covers, against cloudtest, the operations
// and variants TestAgainstFakeCloud leaves out: a plain claim (user and
// customer), denying a device, claim codes with an IMEI or ICCID, the user
// routes of OAuth clients and vitals, raw variables on the user route, the
// device-ID filter and page of the product list, and the device and
// my-devices event streams through a reconnect.
func TestAgainstFakeCloudMoreRoutes(t *testing.T) {
	b := newFakeBench(t)
	ctx := t.Context()
	user := b.client(b.userTok)
	prod := b.client(must[cloud.Token](t)(user.ProductToken(ctx, b.creds, 0)).AccessToken)

	t.Run("claim an unclaimed device", func(t *testing.T) {
		r := must[cloud.ClaimResult](t)(user.ClaimDevice(ctx, strings.ToUpper(fakeD), false))
		b.expect(t, wire{"POST", "/v1/devices", "json", []string{"id"}, header})
		if diff := cmp.Diff(cloud.ClaimResult{DeviceID: fakeD, Claimed: true}, r); diff != "" {
			t.Errorf("claim result (-want +got):\n%s", diff)
		}
		if st, _ := b.fake.Device(fakeD); st.Owner != "alice@example.com" || st.OwnerIsCustomer {
			t.Errorf("after the claim the fake holds %+v", st)
		}
		// Asking for a transfer of a device nobody owns just claims it.
		b.fake.SetOwner(fakeD, "")
		r = must[cloud.ClaimResult](t)(user.ClaimDevice(ctx, fakeD, true))
		b.expect(t, wire{"POST", "/v1/devices", "json", []string{"id", "request_transfer"}, header})
		if diff := cmp.Diff(cloud.ClaimResult{DeviceID: fakeD, Claimed: true}, r); diff != "" {
			t.Errorf("claim with request_transfer of an unclaimed device (-want +got):\n%s", diff)
		}
		if n := len(b.fake.Transfers()); n != 0 {
			t.Errorf("%d transfers requested for an unclaimed device", n)
		}
		form := b.client(b.userTok)
		form.Encoding = cloud.EncodeForm
		if _, err := form.ClaimDevice(ctx, fakeOffline, false); !cloud.IsNotFound(err) {
			t.Errorf("claiming an offline device: %v, want not found", err)
		}
		b.expect(t, wire{"POST", "/v1/devices", "form", []string{"id"}, header})
	})

	t.Run("customer claims a product device", func(t *testing.T) {
		tok, _, err := prod.EnsureCustomer(ctx, fakeProductS, b.creds, "slot9@factory.example", 0)
		if err != nil {
			t.Fatal(err)
		}
		r := must[cloud.ClaimResult](t)(b.client(tok.AccessToken).ClaimDevice(ctx, fakeA, false))
		b.expect(t, wire{"POST", "/v1/devices", "json", []string{"id"}, header})
		if !r.Claimed || r.DeviceID != fakeA {
			t.Errorf("claim result %+v", r)
		}
		if st, _ := b.fake.Device(fakeA); st.Owner != "slot9@factory.example" || !st.OwnerIsCustomer {
			t.Errorf("after the customer's claim the fake holds %+v", st)
		}
	})

	t.Run("customer token for an existing customer", func(t *testing.T) {
		if _, _, err := prod.EnsureCustomer(ctx, fakeProductS, b.creds, "slot4@factory.example", 0); err != nil {
			t.Fatal(err)
		}
		tok := must[cloud.Token](t)(user.CustomerToken(ctx, b.creds, "Slot4@Factory.example", 2*time.Hour))
		b.expect(t, wire{"POST", "/oauth/token", "form", []string{"expires_in", "grant_type", "scope"}, basicA})
		if tok.Customer() != "slot4@factory.example" || tok.ExpiresIn != 2*time.Hour || !tok.ExpiresAt.Equal(b.clk.Now().Add(2*time.Hour)) || tok.RefreshToken == "" {
			t.Errorf("customer token %v (refresh set: %t)", tok, tok.RefreshToken != "")
		}
		never := must[cloud.Token](t)(user.CustomerToken(ctx, b.creds, "slot4@factory.example", cloud.NeverExpires))
		if never.Customer() != "slot4@factory.example" || !never.ExpiresAt.IsZero() || never.RefreshToken != "" {
			t.Errorf("never-expiring customer token %v (refresh set: %t)", never, never.RefreshToken != "")
		}
		// The token speaks for the customer: its device list is the
		// customer's (empty), and product management is refused.
		if list := must[[]cloud.Device](t)(b.client(never.AccessToken).ListDevices(ctx)); len(list) != 0 {
			t.Errorf("a new customer sees devices %+v", list)
		}
		if _, err := b.client(never.AccessToken).GetProduct(ctx, fakeProductS); !cloud.IsPermissionDenied(err) {
			t.Errorf("customer token on a product route: %v", err)
		}
		if _, err := user.CustomerToken(ctx, b.creds, "nobody@factory.example", 0); !cloud.IsBadCredentials(err) {
			t.Errorf("token for an unknown customer: %v", err)
		}
	})

	t.Run("deny a device", func(t *testing.T) {
		must[cloud.ImportResult](t)(prod.ImportDevice(ctx, fakeProductS, fakeE))
		if err := prod.RemoveFromProduct(ctx, fakeProductS, strings.ToUpper(fakeE), true); err != nil {
			t.Fatal(err)
		}
		b.expect(t, wire{"DELETE", "/v1/products/100/devices/" + fakeE, "json", []string{"deny"}, header})
		if st, _ := b.fake.Device(fakeE); st.ProductID != 0 || !st.Denied {
			t.Errorf("after deny the fake holds %+v", st)
		}
		if err := prod.RemoveFromProduct(ctx, fakeProductS, fakeE, false); !cloud.IsNotFound(err) {
			t.Errorf("removing a device not in the product: %v, want not found", err)
		}
	})

	t.Run("claim codes for cellular devices", func(t *testing.T) {
		form := b.client(b.userTok)
		form.Encoding = cloud.EncodeForm
		imei := must[cloud.ClaimCode](t)(form.CreateClaimCode(ctx, cloud.ClaimCodeRequest{IMEI: "352753090000000"}))
		b.expect(t, wire{"POST", "/v1/device_claims", "form", []string{"imei"}, header})
		iccid := must[cloud.ClaimCode](t)(user.CreateClaimCode(ctx, cloud.ClaimCodeRequest{ICCID: "8934076500002589174"}))
		b.expect(t, wire{"POST", "/v1/device_claims", "json", []string{"iccid"}, header})
		codes := b.fake.ClaimCodes()
		if len(codes) < 2 {
			t.Fatalf("the fake issued %d claim codes", len(codes))
		}
		got := codes[len(codes)-2:]
		if got[0].Code != imei.Code || got[0].IMEI != "352753090000000" || got[1].Code != iccid.Code || got[1].ICCID != "8934076500002589174" {
			t.Errorf("issued codes %v, client got %v and %v", got, imei, iccid)
		}
		for _, c := range []cloud.ClaimCode{imei, iccid} {
			if len(c.Code) != 63 || !c.ExpiresAt.Equal(c.IssuedAt.Add(time.Hour)) {
				t.Errorf("claim code of %d characters, issued %v, expires %v", len(c.Code), c.IssuedAt, c.ExpiresAt)
			}
		}
	})

	t.Run("user OAuth clients", func(t *testing.T) {
		oc := must[cloud.OAuthClient](t)(user.CreateOAuthClient(ctx, "", cloud.OAuthClientSpec{Name: "Bench app"}))
		b.expect(t, wire{"POST", "/v1/clients", "json", []string{"name", "type"}, header})
		if oc.ID == "" || oc.Secret == "" || oc.Type != "installed" || oc.Name != "Bench app" {
			t.Fatalf("new client %v (secret set: %t)", oc, oc.Secret != "")
		}
		form := b.client(b.userTok)
		form.Encoding = cloud.EncodeForm
		web := must[cloud.OAuthClient](t)(form.CreateOAuthClient(ctx, "", cloud.OAuthClientSpec{Name: "Web", Type: cloud.OAuthWeb, RedirectURI: "https://bench.example/cb", Scope: "create_customer"}))
		b.expect(t, wire{"POST", "/v1/clients", "form", []string{"name", "redirect_uri", "scope", "type"}, header})
		if web.Type != "web" || web.Scope != "create_customer" {
			t.Errorf("web client %v", web)
		}
		list := must[[]cloud.OAuthClient](t)(user.ListOAuthClients(ctx, ""))
		b.expect(t, wire{"GET", "/v1/clients", "", nil, header})
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
			if c.Secret != "" {
				t.Errorf("listed client %s carries its secret", c.ID)
			}
		}
		slices.Sort(ids)
		want := []string{oc.ID, web.ID}
		slices.Sort(want)
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("user clients (-want +got):\n%s", diff)
		}
	})

	t.Run("vitals and raw variables on the user routes", func(t *testing.T) {
		ref := cloud.UserDevice(strings.ToUpper(fakeA))
		v := must[cloud.Vitals](t)(user.LastVitals(ctx, ref))
		b.expect(t, wire{"GET", "/v1/diagnostics/" + fakeA + "/last", "", nil, header})
		if v.DeviceID != fakeA || !strings.Contains(string(v.Payload), `"uptime":42`) {
			t.Errorf("last vitals %+v", v)
		}
		now := b.fakeClock.Now()
		hist := must[[]cloud.Vitals](t)(user.VitalsHistory(ctx, ref, now.Add(-2*time.Hour), now))
		b.expect(t, wire{"GET", "/v1/diagnostics/" + fakeA, "", nil, header})
		if len(hist) != 1 || !hist[0].UpdatedAt.Equal(now.Add(-time.Hour)) {
			t.Errorf("history %+v", hist)
		}
		if got := must[[]cloud.Vitals](t)(user.VitalsHistory(ctx, ref, now.Add(-30*time.Minute), now)); len(got) != 0 {
			t.Errorf("history after the only record: %+v", got)
		}
		csv := string(must[[]byte](t)(user.VitalsHistoryCSV(ctx, ref, now.Add(-2*time.Hour), now)))
		if r := b.last(t); r.Path != "/v1/diagnostics/"+fakeA || r.Header.Get("Accept") != "text/csv" {
			t.Errorf("CSV request %s (Accept %q)", r.Path, r.Header.Get("Accept"))
		}
		if !strings.HasPrefix(csv, "updated_at,deviceID,") || !strings.Contains(csv, fakeA) {
			t.Errorf("CSV %q", csv)
		}
		if _, err := user.VitalsHistory(ctx, ref, now.Add(-40*24*time.Hour), now); !isKind(err, cloud.KindBadRequest) {
			t.Errorf("history from 40 days ago: %v, want a bad request", err)
		}
		raw := must[string](t)(user.GetVariableRaw(ctx, ref, "count"))
		if r := b.last(t); r.Path != "/v1/devices/"+fakeA+"/count" || r.RawQuery != "format=raw" || raw != "7" {
			t.Errorf("raw count %q from %s?%s", raw, r.Path, r.RawQuery)
		}
	})

	t.Run("product list by device ID and page", func(t *testing.T) {
		page := must[cloud.DevicePage](t)(prod.ListProductDevices(ctx, fakeProductS, cloud.DeviceQuery{DeviceID: strings.ToUpper(fakeOffline[:6]), Page: 1, PerPage: 5}))
		r := b.last(t)
		if diff := cmp.Diff([]string{"deviceId", "page", "perPage", "per_page"}, r.QueryKeys); diff != "" {
			t.Errorf("query keys (-want +got):\n%s", diff)
		}
		if len(page.Devices) != 1 || page.Devices[0].ID != fakeOffline || page.Meta.TotalPages != 1 || page.Meta.Page != 1 {
			t.Errorf("device ID filter %+v", page)
		}
		empty := must[cloud.DevicePage](t)(prod.ListProductDevices(ctx, fakeProductS, cloud.DeviceQuery{Page: 9, PerPage: 5}))
		if len(empty.Devices) != 0 || empty.Meta.Page != 9 || empty.Meta.TotalPages != 1 {
			t.Errorf("page past the end %+v", empty)
		}
	})

	t.Run("device and my-devices streams survive a drop", func(t *testing.T) {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		b.fake.ResetRequests()
		opts := cloud.Stream{ReconnectDelay: 3 * time.Second}
		dev, mine := opts, opts
		dev.Device = strings.ToUpper(fakeOffline)
		kDev := consume(sctx, user, dev)
		kMine := consume(sctx, user, mine)
		waitStreams(t, b.fake, 2)
		var paths []string
		for _, r := range b.fake.Requests() {
			if r.Method != "GET" || !slices.Equal(r.Auth, header) {
				t.Errorf("stream request %s %s authenticated by %v", r.Method, r.Path, r.Auth)
			}
			paths = append(paths, r.Path)
		}
		slices.Sort(paths)
		if diff := cmp.Diff([]string{"/v1/devices/" + fakeOffline + "/events", "/v1/devices/events"}, paths); diff != "" {
			t.Errorf("stream paths (-want +got):\n%s", diff)
		}
		b.fake.Publish(fakeOffline, "bench/temp", "1")
		b.fake.Publish(fakeB, "bench/mine", "2")
		if ev := kDev.next(t); ev.Name != "bench/temp" || ev.Data != "1" || ev.DeviceID != fakeOffline {
			t.Errorf("device stream got %+v", ev)
		}
		if ev := kMine.next(t); ev.Name != "bench/mine" || ev.Data != "2" || ev.DeviceID != fakeB {
			t.Errorf("my-devices stream got %+v", ev)
		}
		// The load balancer drops both streams: each is reopened after
		// ReconnectDelay on the injected clock, and events flow again.
		b.fake.DropStreams()
		b.clk.WaitForTimers(t, 3*time.Second, 2)
		b.clk.Advance(3 * time.Second)
		waitStreams(t, b.fake, 2)
		b.fake.Publish(fakeOffline, "bench/temp", "3")
		b.fake.Publish(fakeB, "bench/mine", "4")
		if ev := kDev.next(t); ev.Data != "3" {
			t.Errorf("device stream after the drop got %+v", ev)
		}
		if ev := kMine.next(t); ev.Data != "4" {
			t.Errorf("my-devices stream after the drop got %+v", ev)
		}
		cancel()
		kDev.wait(t)
		kMine.wait(t)
	})

	if leaks := b.fake.SecretsInURLs(); len(leaks) != 0 {
		t.Errorf("secrets in URLs: %+v", leaks)
	}
}

// isKind reports whether err is a *cloud.Error of kind k.
func isKind(err error, k cloud.Kind) bool {
	var e *cloud.Error
	return errors.As(err, &e) && e.Kind == k
}

// TestDeletesAfterALostReply: when the cloud did a DELETE but its reply was
// lost, the retry's "not found" (or "unauthorized" for a revoked token)
// means the first attempt did the work, and the call succeeds. Without a
// lost reply, "not found" stays an error; an ambiguous 403 always does.
func TestDeletesAfterALostReply(t *testing.T) {
	ctx := context.Background()
	b := newFakeBench(t)
	prodTok := b.fake.ProductToken(fakeProduct)
	prod := b.client(prodTok)
	user := b.client(b.userTok)

	b.fake.InjectFault(cloudtest.Fault{Method: "DELETE", Path: "/v1/products/:product/devices/:id", Times: 1, LoseReply: true})
	done := start(ctx, prod, func(ctx context.Context, c *cloud.Client) (any, error) {
		return nil, c.RemoveFromProduct(ctx, fakeProductS, fakeA, false)
	})
	if r := cloud.RunUntil(t, b.clk, done); r.err != nil {
		t.Fatalf("remove after a lost reply: %v", r.err)
	}
	if st, _ := b.fake.Device(fakeA); st.ProductID != 0 {
		t.Errorf("the device is still in the product: %+v", st)
	}
	var statuses []int
	for _, r := range b.fake.Requests() {
		if r.Method == "DELETE" && r.Path == "/v1/products/100/devices/"+fakeA {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 2 || statuses[0] != -1 || statuses[1] != http.StatusNotFound {
		t.Errorf("the fake saw DELETE answers %v, want the lost reply (-1) then 404", statuses)
	}
	if err := prod.RemoveFromProduct(ctx, fakeProductS, fakeA, false); !cloud.IsNotFound(err) {
		t.Errorf("removing a device that is not in the product: %v, want not found", err)
	}
	// 503 means the service did not take the request: a 404 after it is
	// a real "not in the product".
	b.fake.InjectFault(cloudtest.Fault{Method: "DELETE", Path: "/v1/products/:product/devices/:id", Times: 1,
		Status: http.StatusServiceUnavailable, Body: `{"error":"server_error"}`})
	done = start(ctx, prod, func(ctx context.Context, c *cloud.Client) (any, error) {
		return nil, c.RemoveFromProduct(ctx, fakeProductS, fakeA, false)
	})
	if r := cloud.RunUntil(t, b.clk, done); !cloud.IsNotFound(r.err) {
		t.Errorf("503 then 404: %v, want not found", r.err)
	}

	b.fake.InjectFault(cloudtest.Fault{Method: "DELETE", Path: "/v1/devices/:id", Times: 1, LoseReply: true})
	done = start(ctx, user, func(ctx context.Context, c *cloud.Client) (any, error) {
		return nil, c.UnclaimDevice(ctx, cloud.UserDevice(fakeB))
	})
	// The user route answers 403 for a device that is not the user's,
	// whether the lost attempt unclaimed it or it was never theirs: the
	// error stands, and the technician looks (the device is unclaimed).
	if r := cloud.RunUntil(t, b.clk, done); !cloud.IsPermissionDenied(r.err) {
		t.Fatalf("unclaim after a lost reply: %v, want the 403 reported", r.err)
	}
	if st, _ := b.fake.Device(fakeB); st.Owner != "" {
		t.Errorf("the device is still claimed: %+v", st)
	}

	tok := b.fake.UserToken("alice@example.com")
	b.fake.InjectFault(cloudtest.Fault{Method: "DELETE", Path: "/v1/access_tokens/current", Times: 1, LoseReply: true})
	done = start(ctx, b.client(tok), func(ctx context.Context, c *cloud.Client) (any, error) {
		return nil, c.RevokeCurrentToken(ctx)
	})
	if r := cloud.RunUntil(t, b.clk, done); r.err != nil {
		t.Fatalf("revoke after a lost reply: %v", r.err)
	}
	if _, err := b.client(tok).ListDevices(ctx); !cloud.IsUnauthorized(err) {
		t.Errorf("the revoked token still works: %v", err)
	}
	// A token that was never valid is still refused, lost reply or not.
	if err := b.client("0000000000000000000000000000000000000000").RevokeCurrentToken(ctx); !cloud.IsUnauthorized(err) {
		t.Errorf("revoking an unknown token: %v", err)
	}
}

// TestCreatingRequestsRepeatOnlyWhenRefused: a token or claim code request
// whose reply was lost is not repeated (each repeat would leave an unknown
// token or a live code behind); one the cloud refused (503) is.
func TestCreatingRequestsRepeatOnlyWhenRefused(t *testing.T) {
	ctx := context.Background()
	b := newFakeBench(t)
	client := b.client("")
	count := func(path string) int {
		n := 0
		for _, r := range b.fake.Requests() {
			if r.Path == path {
				n++
			}
		}
		return n
	}

	b.fake.InjectFault(cloudtest.Fault{Path: "/oauth/token", Times: 1, LoseReply: true})
	done := start(ctx, client, func(ctx context.Context, c *cloud.Client) (any, error) { return c.ProductToken(ctx, b.creds, 0) })
	if r := cloud.RunUntil(t, b.clk, done); r.err == nil || !cloud.IsNetwork(r.err) {
		t.Fatalf("a token request with a lost reply: %v, want the network error", r.err)
	}
	if n := count("/oauth/token"); n != 1 {
		t.Errorf("%d token requests after a lost reply, want 1", n)
	}
	b.fake.InjectFault(cloudtest.Fault{Path: "/oauth/token", Times: 1, Status: 503, Body: `{"error":"server_error"}`})
	done = start(ctx, client, func(ctx context.Context, c *cloud.Client) (any, error) { return c.ProductToken(ctx, b.creds, 0) })
	if r := cloud.RunUntil(t, b.clk, done); r.err != nil {
		t.Fatalf("a token request after a 503: %v, want it repeated", r.err)
	}

	user := b.client(b.userTok)
	before := len(b.fake.ClaimCodes())
	b.fake.InjectFault(cloudtest.Fault{Method: "POST", Path: "/v1/device_claims", Times: 1, LoseReply: true})
	done = start(ctx, user, func(ctx context.Context, c *cloud.Client) (any, error) {
		return c.CreateClaimCode(ctx, cloud.ClaimCodeRequest{})
	})
	if r := cloud.RunUntil(t, b.clk, done); r.err == nil {
		t.Fatal("a claim code request with a lost reply reported success")
	}
	if n := len(b.fake.ClaimCodes()) - before; n != 1 {
		t.Errorf("%d claim codes made for one request, want 1", n)
	}
}

// TestRetryAfterBeyondTheDeadline: with the system clock, a Retry-After
// longer than the caller's remaining time is reported at once as the rate
// limit, instead of sleeping into the deadline.
func TestRetryAfterBeyondTheDeadline(t *testing.T) {
	b := newFakeBench(t)
	b.fake.InjectRateLimit("GET", "/v1/devices", 0, time.Minute)
	c := &cloud.Client{BaseURL: b.fake.URL(), Token: b.userTok, HTTPClient: b.fake.HTTPClient()}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListDevices(ctx)
	if !cloud.IsRateLimited(err) {
		t.Fatalf("got %v, want the rate limit", err)
	}
	if time.Since(start) > 250*time.Millisecond {
		t.Errorf("took %v: slept towards the deadline", time.Since(start))
	}
}

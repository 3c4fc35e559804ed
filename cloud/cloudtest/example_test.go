package cloudtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/photon-station/photon-station/cloud/cloudtest"
)

// Example sets up a product with a two-legged OAuth client and a Photon,
// then walks the station's provisioning path over plain HTTP: product
// token, import, shadow customer, claim code, the device coming online with
// the code, and verification.
func Example() {
	c := cloudtest.New(cloudtest.Options{})
	defer c.Close()
	c.AddProduct(cloudtest.Product{ID: 1234, Slug: "bench-v1", Name: "Bench"})
	client := c.AddOAuthClient(cloudtest.OAuthClient{ID: "bench-2146", ProductID: 1234})
	id := c.AddDevice(cloudtest.Device{ID: "0123456789ABCDEF01234567"})

	post := func(path string, form url.Values, auth func(*http.Request)) string {
		req, _ := http.NewRequest("POST", c.URL()+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		auth(req)
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	byClient := func(r *http.Request) { r.SetBasicAuth(client.ID, client.Secret) }
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	field := func(reply, name string) string {
		_, rest, _ := strings.Cut(reply, `"`+name+`":"`)
		v, _, _ := strings.Cut(rest, `"`)
		return v
	}

	productToken := field(post("/oauth/token", url.Values{"grant_type": {"client_credentials"}}, byClient), "access_token")
	fmt.Println(post("/v1/products/1234/devices", url.Values{"id": {id}}, bearer(productToken)))
	customer := post("/v1/products/1234/customers", url.Values{"email": {"Tray7@Example.com"}, "no_password": {"true"}}, byClient)
	fmt.Println(field(customer, "scope"))
	code := field(post("/v1/products/1234/device_claims", url.Values{}, bearer(field(customer, "access_token"))), "claim_code")
	fmt.Println(len(code))

	// The emulator (or the demo) delivers the code and brings the device up.
	fmt.Println(c.DeviceOnline(id, code))
	d, _ := c.Device(id)
	fmt.Println(d.Online, d.ProductID, d.Owner, d.OwnerIsCustomer)
	fmt.Println(len(c.SecretsInURLs()))
	// Output:
	// 200 {"existingDeviceIds":[],"invalidDeviceIds":[],"nonmemberDeviceIds":[],"protectedDeviceIds":[],"updated":1,"updatedDeviceIds":["0123456789abcdef01234567"]}
	// customer=tray7@example.com
	// 63
	// <nil>
	// true 1234 tray7@example.com true
	// 0
}

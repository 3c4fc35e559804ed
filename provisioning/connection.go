package provisioning

import (
	"context"
	"fmt"

	"github.com/photon-station/photon-station/cloud"
)

// ConnectionCheck is what the cloud said about a profile's product when
// the supervisor pressed "Test connection".
type ConnectionCheck struct {
	ProductName string
	Platform    string // e.g. "Photon"
	PlatformID  int
	Devices     int // devices in the product
	Customers   int // customers of the product
}

// platformNames names the platforms a product may be for (particle-cloud-api.md §9).
var platformNames = map[int]string{0: "Core", 6: "Photon", 8: "P1", 10: "Electron", 12: "Argon",
	13: "Boron", 14: "Xenon", 15: "E-SoM-X", 23: "B-SoM", 25: "B5-SoM", 26: "Tracker", 32: "Photon 2 / P2", 35: "M-SoM"}

// PlatformName is the display name of a Particle platform ID.
func PlatformName(id int) string {
	if n, ok := platformNames[id]; ok {
		return n
	}
	return fmt.Sprintf("platform %d", id)
}

// CheckConnection runs the pre-flight a profile depends on, without a
// device: a product token from the profile's OAuth client, then the
// product, its device count and its customer count. api carries no token;
// clientSecret is the profile's client secret (never logged or returned).
func CheckConnection(ctx context.Context, api *cloud.Client, p Profile, clientSecret string) (ConnectionCheck, error) {
	if err := ValidateProduct(p.Product); err != nil {
		return ConnectionCheck{}, err
	}
	if err := ValidateClientID(p.ClientID); err != nil {
		return ConnectionCheck{}, err
	}
	if clientSecret == "" {
		return ConnectionCheck{}, &MissingSecretError{Kind: SecretClientSecret}
	}
	tok, err := api.ProductToken(ctx, cloud.ClientCredentials{ID: p.ClientID, Secret: clientSecret}, 0)
	if err != nil {
		return ConnectionCheck{}, err
	}
	c := api.WithToken(tok.AccessToken)
	prod, err := c.GetProduct(ctx, p.Product)
	if err != nil {
		return ConnectionCheck{}, err
	}
	found := ConnectionCheck{ProductName: prod.Name, PlatformID: prod.PlatformID, Platform: PlatformName(prod.PlatformID)}
	page, err := c.ListProductDevices(ctx, p.Product, cloud.DeviceQuery{PerPage: 1})
	if err != nil {
		return ConnectionCheck{}, err
	}
	found.Devices = page.Meta.Total
	if found.Devices == 0 && page.Meta.TotalPages > 1 {
		found.Devices = page.Meta.TotalPages // one per page
	}
	if found.Devices == 0 {
		found.Devices = len(page.Devices)
	}
	customers, err := c.ListCustomers(ctx, p.Product, 1, 1)
	if err != nil {
		return ConnectionCheck{}, err
	}
	found.Customers = customers.Meta.Total
	if found.Customers == 0 && customers.Meta.TotalPages > 1 {
		found.Customers = customers.Meta.TotalPages
	}
	if found.Customers == 0 {
		found.Customers = len(customers.Customers)
	}
	return found, nil
}

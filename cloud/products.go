package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"
)

// Product is a Particle product, decoded permissively.
type Product struct {
	ID             int      `json:"id"`
	PlatformID     int      `json:"platform_id"`
	Name           string   `json:"name"`
	Slug           string   `json:"slug"`
	Description    string   `json:"description"`
	Groups         []string `json:"groups"`
	DeviceCount    int      `json:"device_count"`
	OrganizationID string   `json:"organization_id"`
	Org            string   `json:"org"`
	Settings       struct {
		Quarantine bool `json:"quarantine"`
	} `json:"settings"`
}

// UnmarshalJSON tolerates null strings and an org given as an object or an ID.
func (p *Product) UnmarshalJSON(b []byte) error {
	type plain Product
	var x struct {
		plain
		Name           *string         `json:"name"`
		Slug           *string         `json:"slug"`
		Description    *string         `json:"description"`
		OrganizationID json.RawMessage `json:"organization_id"`
		Org            json.RawMessage `json:"org"`
		Settings       json.RawMessage `json:"settings"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*p = Product(x.plain)
	p.Name, p.Slug, p.Description = deref(x.Name), deref(x.Slug), deref(x.Description)
	p.OrganizationID = looseString(x.OrganizationID)
	p.Org = looseString(x.Org)
	_ = json.Unmarshal(x.Settings, &p.Settings)
	return nil
}

// looseString reads a JSON string or number, or an object's id/slug.
func looseString(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return ""
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	var obj struct {
		ID   json.RawMessage `json:"id"`
		Slug string          `json:"slug"`
	}
	if json.Unmarshal(raw, &obj) == nil && (len(obj.ID) > 0 || obj.Slug != "") {
		if obj.Slug != "" {
			return obj.Slug
		}
		return looseString(obj.ID)
	}
	return strings.Trim(s, `"`)
}

// Organization is a Particle organization.
type Organization struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// ListProducts lists the user's products (GET /v1/user/products).
func (c *Client) ListProducts(ctx context.Context) ([]Product, error) {
	var b struct {
		Products []Product `json:"products"`
	}
	err := c.call(ctx, &request{op: "list products", method: "GET", path: []string{"v1", "user", "products"}, idempotent: true}, &b)
	return b.Products, err
}

// ListOrganizations lists the user's organizations (GET /v1/orgs).
func (c *Client) ListOrganizations(ctx context.Context) ([]Organization, error) {
	var b struct {
		Organizations []Organization `json:"organizations"`
	}
	err := c.call(ctx, &request{op: "list organizations", method: "GET", path: []string{"v1", "orgs"}, idempotent: true}, &b)
	return b.Organizations, err
}

// ListOrgProducts lists an organization's products (by org ID or slug).
func (c *Client) ListOrgProducts(ctx context.Context, org string) ([]Product, error) {
	op := "list products of organization " + showID(org)
	o, err := seg(op, "organization", org)
	if err != nil {
		return nil, err
	}
	var b struct {
		Products []Product `json:"products"`
	}
	err = c.call(ctx, &request{op: op, method: "GET", path: []string{"v1", "orgs", o, "products"}, idempotent: true}, &b)
	return b.Products, err
}

// GetProduct gets a product by ID or slug.
func (c *Client) GetProduct(ctx context.Context, product string) (Product, error) {
	op := "get product " + showID(product)
	p, err := seg(op, "product ID", product)
	if err != nil {
		return Product{}, err
	}
	var b struct {
		Product Product `json:"product"`
	}
	err = c.call(ctx, &request{op: op, method: "GET", path: []string{"v1", "products", p}, idempotent: true}, &b)
	return b.Product, err
}

// SortAttr is a product device list sort key.
type SortAttr string

// The sort keys of the product device list.
const (
	SortByDeviceID        SortAttr = "deviceId"
	SortByFirmwareVersion SortAttr = "firmwareVersion"
	SortByLastConnection  SortAttr = "lastConnection"
)

// SortDir is a sort direction.
type SortDir string

// Sort directions.
const (
	Ascending  SortDir = "asc"
	Descending SortDir = "desc"
)

// DeviceQuery filters, sorts and pages the product device list. Zero fields
// are left out.
type DeviceQuery struct {
	DeviceID   string   // partial match on the device ID
	DeviceName string   // partial match on the name
	Groups     []string // any of these groups
	SortAttr   SortAttr
	SortDir    SortDir
	// Quarantined selects quarantined (true) or other (false) devices; nil lists all.
	Quarantined *bool
	Page        int // from 1
	PerPage     int // the server default is 25
}

func (q DeviceQuery) values() map[string][]string {
	v := map[string][]string{}
	set := func(k, s string) {
		if s != "" {
			v[k] = []string{s}
		}
	}
	set("deviceId", strings.ToLower(strings.TrimSpace(q.DeviceID)))
	set("deviceName", q.DeviceName)
	set("groups", strings.Join(q.Groups, ","))
	set("sortAttr", string(q.SortAttr))
	set("sortDir", string(q.SortDir))
	if q.Quarantined != nil {
		set("quarantined", strconv.FormatBool(*q.Quarantined))
	}
	if q.Page > 0 {
		set("page", strconv.Itoa(q.Page))
	}
	if q.PerPage > 0 {
		// The docs tool says perPage, particle-api-js per_page: send both.
		set("perPage", strconv.Itoa(q.PerPage))
		set("per_page", strconv.Itoa(q.PerPage))
	}
	return v
}

// Customer is a product customer.
type Customer struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// PageMeta is the pagination of a list.
type PageMeta struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	TotalPages int `json:"total_pages"`
	Total      int `json:"total"`
}

// DevicePage is one page of the product device list.
type DevicePage struct {
	Devices   []Device   `json:"devices"`
	Customers []Customer `json:"customers"`
	Meta      PageMeta   `json:"meta"`
}

// ListProductDevices gets one page of a product's devices.
func (c *Client) ListProductDevices(ctx context.Context, product string, q DeviceQuery) (DevicePage, error) {
	op := "list devices of product " + showID(product)
	p, err := seg(op, "product ID", product)
	if err != nil {
		return DevicePage{}, err
	}
	var page DevicePage
	err = c.call(ctx, &request{op: op, method: "GET", path: []string{"v1", "products", p, "devices"}, query: q.values(), idempotent: true}, &page)
	if page.Meta.Page == 0 {
		page.Meta.Page = max(q.Page, 1)
	}
	return page, err
}

// maxPages guards ProductDevices against a server that never ends.
const maxPages = 10000

// ProductDevices iterates over every device of a product that matches q,
// page after page from q.Page (or 1), until meta.total_pages. An error ends
// the iteration after it is yielded.
func (c *Client) ProductDevices(ctx context.Context, product string, q DeviceQuery) iter.Seq2[Device, error] {
	return func(yield func(Device, error) bool) {
		page := max(q.Page, 1)
		for range maxPages {
			q.Page = page
			p, err := c.ListProductDevices(ctx, product, q)
			if err != nil {
				yield(Device{}, err)
				return
			}
			for _, d := range p.Devices {
				if !yield(d, nil) {
					return
				}
			}
			if len(p.Devices) == 0 || page >= p.Meta.TotalPages {
				return
			}
			page++
		}
	}
}

// ImportResult is the answer to an import: what happened to each identifier.
type ImportResult struct {
	Updated int `json:"updated"`
	// UpdatedDeviceIDs were added to the product.
	UpdatedDeviceIDs []string `json:"updatedDeviceIds"`
	// ExistingDeviceIDs were already in this product.
	ExistingDeviceIDs []string `json:"existingDeviceIds"`
	// NonmemberDeviceIDs are owned by a user outside the product team.
	NonmemberDeviceIDs []string `json:"nonmemberDeviceIds"`
	// InvalidDeviceIDs are unknown, of the wrong platform, or in another product.
	InvalidDeviceIDs []string `json:"invalidDeviceIds"`
	// ProtectedDeviceIDs are protected devices (seen in the CLI).
	ProtectedDeviceIDs []string `json:"protectedDeviceIds"`
}

// Outcome tells what happened to one device ID in an import, as a technician
// would put it, and whether the device is now in the product.
func (r ImportResult) Outcome(deviceID string) (inProduct bool, message string) {
	id := strings.ToLower(deviceID)
	has := func(list []string) bool {
		for _, x := range list {
			if strings.EqualFold(x, id) {
				return true
			}
		}
		return false
	}
	switch {
	case has(r.UpdatedDeviceIDs):
		return true, "added to the product"
	case has(r.ExistingDeviceIDs):
		return true, "already in this product"
	case has(r.NonmemberDeviceIDs):
		return false, "owned by a Particle user who is not on this product's team: ask the owner to unclaim it, then import again"
	case has(r.InvalidDeviceIDs):
		return false, "refused: the device ID is unknown, the device is in another product, or it is not the product's platform"
	case has(r.ProtectedDeviceIDs):
		return false, "refused: the device is protected"
	case r.Updated > 0 && len(r.UpdatedDeviceIDs) == 0 && len(r.NonmemberDeviceIDs)+len(r.InvalidDeviceIDs) == 0:
		// Older answers carry only the count.
		return true, "added to the product"
	}
	return false, "not reported by the cloud: check the product's device list"
}

// ImportOptions are optional fields of an import.
type ImportOptions struct {
	// ClaimUser claims the imported devices to this user (e-mail).
	ClaimUser string
	// ImportSIMs also imports and activates Particle SIMs (file imports).
	ImportSIMs bool
}

func (c *Client) importDevices(ctx context.Context, op, product string, r *request) (ImportResult, error) {
	p, err := seg(op, "product ID", product)
	if err != nil {
		return ImportResult{}, err
	}
	r.op, r.method, r.path, r.idempotent = op, "POST", []string{"v1", "products", p, "devices"}, true
	var res ImportResult
	err = c.call(ctx, r, &res)
	for _, l := range []*[]string{&res.UpdatedDeviceIDs, &res.ExistingDeviceIDs, &res.NonmemberDeviceIDs, &res.InvalidDeviceIDs, &res.ProtectedDeviceIDs} {
		if *l == nil {
			*l = []string{}
		}
	}
	return res, err
}

// ImportDevice adds one device to a product (or approves a quarantined one).
// Importing is idempotent at Particle: a device already there is reported
// in ExistingDeviceIDs.
func (c *Client) ImportDevice(ctx context.Context, product, deviceID string) (ImportResult, error) {
	op := fmt.Sprintf("import device %s into product %s", showID(deviceID), showID(product))
	id, err := NormalizeDeviceID(deviceID)
	if err != nil {
		err.(*Error).Op = op
		return ImportResult{}, err
	}
	return c.importDevices(ctx, op, product, &request{body: map[string]any{"id": id}})
}

// ImportDevices adds several devices to a product in one JSON request.
// Device IDs are lower-cased; other identifiers (serial numbers) are sent
// as given.
func (c *Client) ImportDevices(ctx context.Context, product string, ids []string, opt ImportOptions) (ImportResult, error) {
	op := fmt.Sprintf("import %d devices into product %s", len(ids), showID(product))
	list := make([]string, 0, len(ids))
	for _, id := range ids {
		if n, err := NormalizeDeviceID(id); err == nil {
			id = n
		}
		if id = strings.TrimSpace(id); id != "" {
			list = append(list, id)
		}
	}
	if len(list) == 0 {
		return ImportResult{}, &Error{Op: op, Kind: KindInvalidInput, Hint: "there are no device IDs to import"}
	}
	body := map[string]any{"ids": list}
	if opt.ClaimUser != "" {
		body["claim_user"] = opt.ClaimUser
	}
	// Always JSON: a form cannot carry the list the way the API expects.
	cp := *c
	cp.Encoding = EncodeJSON
	return cp.importDevices(ctx, op, product, &request{body: body})
}

// maxImportFile bounds a file of identifiers read into memory for retries.
const maxImportFile = 16 << 20

// ImportDeviceFile uploads a text file of identifiers (one device ID, serial
// number, IMEI or ICCID per line) as the multipart field "file".
func (c *Client) ImportDeviceFile(ctx context.Context, product string, filename string, file io.Reader, opt ImportOptions) (ImportResult, error) {
	op := "import device file into product " + showID(product)
	content, err := io.ReadAll(io.LimitReader(file, maxImportFile+1))
	if err != nil {
		return ImportResult{}, &Error{Op: op, Kind: KindInvalidInput, Hint: "the file of device IDs could not be read", Err: err}
	}
	if len(content) > maxImportFile {
		return ImportResult{}, &Error{Op: op, Kind: KindInvalidInput, Hint: "the file of device IDs is too large (over 16 MB); split it"}
	}
	if filename == "" {
		filename = "devices.txt"
	}
	fields := map[string]string{}
	if opt.ClaimUser != "" {
		fields["claim_user"] = opt.ClaimUser
	}
	if opt.ImportSIMs {
		fields["import_sims"] = "true"
	}
	return c.importDevices(ctx, op, product, &request{multipart: &multipartBody{field: "file", filename: filename, content: content, fields: fields}})
}

// CustomerPage is one page of a product's customers.
type CustomerPage struct {
	Customers []Customer `json:"customers"`
	Meta      PageMeta   `json:"meta"`
}

// ListCustomers gets a page of a product's customers (page from 1; 0 leaves
// page and perPage to the server). Shadow customers appear only once they
// have claimed a device.
func (c *Client) ListCustomers(ctx context.Context, product string, page, perPage int) (CustomerPage, error) {
	op := "list customers of product " + showID(product)
	p, err := seg(op, "product ID", product)
	if err != nil {
		return CustomerPage{}, err
	}
	q := map[string][]string{}
	if page > 0 {
		q["page"] = []string{strconv.Itoa(page)}
	}
	if perPage > 0 {
		q["perPage"] = []string{strconv.Itoa(perPage)}
		q["per_page"] = []string{strconv.Itoa(perPage)}
	}
	var b CustomerPage
	err = c.call(ctx, &request{op: op, method: "GET", path: []string{"v1", "products", p, "customers"}, query: q, idempotent: true}, &b)
	return b, err
}

// CreateShadowCustomer creates a two-legged (shadow) customer of the product
// with no password, authenticating with the product's OAuth client by HTTP
// Basic, and returns the new customer's token. An existing customer gives
// IsCustomerExists; use CustomerToken then, or EnsureCustomer.
func (c *Client) CreateShadowCustomer(ctx context.Context, product string, client ClientCredentials, email string) (Token, error) {
	op := "create customer"
	p, err := seg(op, "product ID", product)
	if err != nil {
		return Token{}, err
	}
	email, err = seg(op, "customer e-mail or ID", email)
	if err != nil {
		return Token{}, err
	}
	return c.tokenRequest(ctx, &request{
		op: op, method: "POST", path: []string{"v1", "products", p, "customers"},
		body: map[string]any{"email": strings.ToLower(email), "no_password": true},
		form: true, auth: authBasic, basic: client, retry429: true,
	})
}

// EnsureCustomer returns a token for the shadow customer, creating the
// customer when it does not exist yet. created tells which happened. Safe
// to repeat: a second station, or a retry, gets a token for the same customer.
func (c *Client) EnsureCustomer(ctx context.Context, product string, client ClientCredentials, email string, lifetimeD time.Duration) (tok Token, created bool, err error) {
	tok, err = c.CreateShadowCustomer(ctx, product, client, email)
	if err == nil {
		return tok, true, nil
	}
	if !IsCustomerExists(err) {
		return Token{}, false, err
	}
	tok, err = c.CustomerToken(ctx, client, email, lifetimeD)
	return tok, false, err
}

// ClaimCodeLifetime is how long Particle honours a claim code.
const ClaimCodeLifetime = time.Hour

// ClaimCode is a code that lets a device claim itself to the token's owner
// (a customer, on the product route) when it first connects. String hides
// the code.
type ClaimCode struct {
	Code string
	// DeviceIDs are the devices the caller already owns.
	DeviceIDs []string
	// IssuedAt and ExpiresAt are by the client's clock.
	IssuedAt, ExpiresAt time.Time
}

// String describes the code without showing it.
func (cc ClaimCode) String() string {
	return fmt.Sprintf("claim code (hidden, %d characters) expires %s", len(cc.Code), cc.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString hides the code from %#v.
func (cc ClaimCode) GoString() string { return "cloud.ClaimCode{" + cc.String() + "}" }

// Stale reports whether the code should be replaced before use: it expires
// within margin of now.
func (cc ClaimCode) Stale(now time.Time, margin time.Duration) bool {
	return cc.Code == "" || !now.Add(margin).Before(cc.ExpiresAt)
}

// ClaimCodeRequest asks for a claim code. With Product set, the client's
// token must be a customer token of that product and the code claims to that
// customer. IMEI or ICCID identify a cellular device; Photons need neither.
type ClaimCodeRequest struct {
	Product string
	IMEI    string
	ICCID   string
}

// CreateClaimCode gets a new claim code (valid one hour, single use).
func (c *Client) CreateClaimCode(ctx context.Context, req ClaimCodeRequest) (ClaimCode, error) {
	op := "create claim code"
	path := []string{"v1", "device_claims"}
	if req.Product != "" {
		p, err := seg(op, "product ID", req.Product)
		if err != nil {
			return ClaimCode{}, err
		}
		op += " for product " + showID(p)
		path = []string{"v1", "products", p, "device_claims"}
	}
	body := map[string]any{}
	if req.IMEI != "" {
		body["imei"] = req.IMEI
	}
	if req.ICCID != "" {
		body["iccid"] = req.ICCID
	}
	var b struct {
		ClaimCode string   `json:"claim_code"`
		DeviceIDs []string `json:"device_ids"`
	}
	issued := c.clock().Now()
	// Each request makes a new code, valid for an hour: repeat it only when
	// the cloud surely made none.
	if err := c.call(ctx, &request{op: op, method: "POST", path: path, body: body, retryRefused: true}, &b); err != nil {
		return ClaimCode{}, err
	}
	if b.ClaimCode == "" {
		return ClaimCode{}, &Error{Op: op, Kind: KindBadResponse, Hint: "the Particle Cloud answered without a claim code. Try again"}
	}
	for i, id := range b.DeviceIDs {
		b.DeviceIDs[i] = strings.ToLower(id)
	}
	return ClaimCode{Code: b.ClaimCode, DeviceIDs: b.DeviceIDs, IssuedAt: issued, ExpiresAt: issued.Add(ClaimCodeLifetime)}, nil
}

// OAuthClientType is the kind of OAuth client.
type OAuthClientType string

// OAuth client types. A product's "Two-Legged Auth (Server)" client is installed.
const (
	OAuthInstalled OAuthClientType = "installed"
	OAuthWeb       OAuthClientType = "web"
)

// OAuthClientSpec describes a client to create.
type OAuthClientSpec struct {
	Name        string
	Type        OAuthClientType // default installed
	RedirectURI string          // required for web clients
	Scope       string          // e.g. "create_customer"
}

// OAuthClient is an OAuth client. Secret is set only in the answer to its
// creation (Particle never shows it again); String hides it.
type OAuthClient struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Secret string `json:"secret"`
	Scope  string `json:"scope"`
}

// String describes the client without its secret.
func (oc OAuthClient) String() string {
	return fmt.Sprintf("OAuth client %q (%s, %s)", oc.ID, oc.Name, oc.Type)
}

// GoString hides the secret from %#v.
func (oc OAuthClient) GoString() string { return "cloud.OAuthClient{" + oc.String() + "}" }

// Credentials returns the client's ID and secret.
func (oc OAuthClient) Credentials() ClientCredentials {
	return ClientCredentials{ID: oc.ID, Secret: oc.Secret}
}

func clientsPath(op, product string) ([]string, error) {
	if product == "" {
		return []string{"v1", "clients"}, nil
	}
	p, err := seg(op, "product ID", product)
	if err != nil {
		return nil, err
	}
	return []string{"v1", "products", p, "clients"}, nil
}

// CreateOAuthClient creates an OAuth client, for the product when product is
// not empty. Store the returned Secret at once: it is shown only here. Not
// retried: a repeat would create a second client.
func (c *Client) CreateOAuthClient(ctx context.Context, product string, spec OAuthClientSpec) (OAuthClient, error) {
	op := "create OAuth client"
	path, err := clientsPath(op, product)
	if err != nil {
		return OAuthClient{}, err
	}
	if strings.TrimSpace(spec.Name) == "" {
		return OAuthClient{}, &Error{Op: op, Kind: KindInvalidInput, Hint: "give the OAuth client a name"}
	}
	if spec.Type == "" {
		spec.Type = OAuthInstalled
	}
	body := map[string]any{"name": spec.Name, "type": string(spec.Type)}
	if spec.RedirectURI != "" {
		body["redirect_uri"] = spec.RedirectURI
	}
	if spec.Scope != "" {
		body["scope"] = spec.Scope
	}
	var b struct {
		Client OAuthClient `json:"client"`
	}
	if err := c.call(ctx, &request{op: op, method: "POST", path: path, body: body, retry429: true}, &b); err != nil {
		return OAuthClient{}, err
	}
	return b.Client, nil
}

// DeleteOAuthClient deletes an OAuth client, the product's when product is
// not empty (DELETE /v1/products/:product/clients/:id; 204). Tokens it
// already issued are not revoked by this. Retried safely: a repeat after a
// lost reply that finds the client gone counts as done.
func (c *Client) DeleteOAuthClient(ctx context.Context, product, id string) error {
	op := "delete OAuth client"
	path, err := clientsPath(op, product)
	if err != nil {
		return err
	}
	cid, err := seg(op, "OAuth client ID", id)
	if err != nil {
		return err
	}
	return c.expectOK(ctx, &request{op: op, method: "DELETE", path: append(path, cid), idempotent: true, doneWhenGone: IsNotFound})
}

// ListOAuthClients lists OAuth clients (without secrets), the product's when
// product is not empty.
func (c *Client) ListOAuthClients(ctx context.Context, product string) ([]OAuthClient, error) {
	op := "list OAuth clients"
	path, err := clientsPath(op, product)
	if err != nil {
		return nil, err
	}
	var b struct {
		Clients []OAuthClient `json:"clients"`
	}
	err = c.call(ctx, &request{op: op, method: "GET", path: path, idempotent: true}, &b)
	return b.Clients, err
}

package cloudtest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// DefaultPerPage is the product device list's page size when the request
// names none.
const DefaultPerPage = 25

func (c *Cloud) productJSONLocked(p *product) map[string]any {
	n := 0
	for _, d := range c.devices {
		if d.ProductID == p.ID {
			n++
		}
	}
	var orgID any
	if o := c.orgBySlugOrID(p.Org); o != nil {
		orgID = o.ID
	}
	return map[string]any{
		"id": p.ID, "platform_id": p.PlatformID, "name": p.Name, "slug": p.Slug,
		"description": "", "groups": append([]string{}, p.Groups...),
		"settings": map[string]any{"location": map[string]bool{"opt_in": false},
			"known_application": map[string]bool{"opt_in": false}, "quarantine": p.Quarantine},
		"device_count": n, "org": orgID, "organization_id": orgID, "requires_activation_codes": false,
	}
}

// handleListProducts is GET /v1/user/products and GET /v1/products: the
// products the user is a team member of (a product token sees its own).
func (c *Cloud) handleListProducts(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	if tok.who.kind == kindCustomer {
		productDenied(w)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []map[string]any{}
	for _, p := range c.products {
		if c.canManageProduct(tok.who, p) {
			out = append(out, c.productJSONLocked(p))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": out})
}

func (c *Cloud) handleGetProduct(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	p, ok := c.productFor(w, r, tok)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"product": c.productJSONLocked(p)})
}

// pagination reads page and perPage (or per_page), answering 400 on junk.
func pagination(w http.ResponseWriter, r *request) (page, perPage int, ok bool) {
	page, perPage = 1, DefaultPerPage
	if s := r.query.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			badRequest(w, "page must be a positive number")
			return 0, 0, false
		}
		page = n
	}
	s := r.query.Get("perPage")
	if s == "" {
		s = r.query.Get("per_page")
	}
	if s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			badRequest(w, "perPage must be a number from 1 to 1000")
			return 0, 0, false
		}
		perPage = n
	}
	return page, perPage, true
}

func totalPages(n, perPage int) int {
	if n == 0 {
		return 1
	}
	return (n + perPage - 1) / perPage
}

// handleListProductDevices is GET /v1/products/:product/devices with the
// filters, sort and pagination of §3.12.
func (c *Cloud) handleListProductDevices(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	p, ok := c.productFor(w, r, tok)
	if !ok {
		return
	}
	page, perPage, ok := pagination(w, r)
	if !ok {
		return
	}
	q := r.query
	idFilter := strings.ToLower(q.Get("deviceId"))
	nameFilter := strings.ToLower(q.Get("deviceName"))
	groups := splitComma(q.Get("groups"))
	quarantined := q.Get("quarantined")
	if quarantined != "" && quarantined != "true" && quarantined != "false" {
		badRequest(w, "quarantined must be true or false")
		return
	}
	sortAttr, sortDir := q.Get("sortAttr"), q.Get("sortDir")
	switch sortAttr {
	case "", "deviceId", "firmwareVersion", "lastConnection":
	default:
		badRequest(w, "sortAttr must be deviceId, firmwareVersion or lastConnection")
		return
	}
	switch sortDir {
	case "", "asc", "desc":
	default:
		badRequest(w, "sortDir must be asc or desc")
		return
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	var list []*device
	for _, d := range c.devices {
		if d.ProductID != p.ID {
			continue
		}
		if idFilter != "" && !strings.Contains(d.ID, idFilter) {
			continue
		}
		if nameFilter != "" && !strings.Contains(strings.ToLower(d.Name), nameFilter) {
			continue
		}
		if quarantined != "" && strconv.FormatBool(d.Quarantined) != quarantined {
			continue
		}
		if len(groups) > 0 && !anyShared(groups, d.Groups) {
			continue
		}
		list = append(list, d)
	}
	less := func(a, b *device) bool {
		switch sortAttr {
		case "firmwareVersion":
			if a.FirmwareVersion != b.FirmwareVersion {
				return a.FirmwareVersion < b.FirmwareVersion
			}
		case "lastConnection", "":
			if !a.lastHandshake.Equal(b.lastHandshake) {
				return a.lastHandshake.Before(b.lastHandshake)
			}
		}
		return a.ID < b.ID
	}
	desc := sortDir == "desc" || (sortDir == "" && (sortAttr == "" || sortAttr == "lastConnection"))
	sort.Slice(list, func(i, j int) bool {
		if desc {
			return less(list[j], list[i])
		}
		return less(list[i], list[j])
	})
	total := len(list)
	start := (page - 1) * perPage
	end := min(start+perPage, total)
	if start > total {
		start = total
	}
	devs := []map[string]any{}
	owners := map[string]bool{}
	customersOut := []map[string]string{}
	for _, d := range list[start:end] {
		devs = append(devs, c.deviceJSONLocked(d))
		if d.ownerIsCustomer && !owners[d.Owner] {
			owners[d.Owner] = true
			if cu := c.customerLocked(p.ID, d.Owner); cu != nil {
				customersOut = append(customersOut, map[string]string{"id": cu.ID, "username": cu.Email})
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": devs, "customers": customersOut,
		"meta": map[string]int{"page": page, "per_page": perPage, "total_pages": totalPages(total, perPage), "total": total}})
}

func anyShared(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// handleImport is POST /v1/products/:product/devices: one id, a JSON list of
// ids, or a multipart file of identifiers (§3.11). It always answers the
// five result arrays and updated.
func (c *Cloud) handleImport(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	p, ok := c.productFor(w, r, tok)
	if !ok {
		return
	}
	var idents []string
	if f, ok := r.files["file"]; ok {
		idents = readLines(f)
	} else if ids, ok := r.listField("ids"); ok {
		idents = ids
	} else if id, ok := r.field("id"); ok && id != "" {
		idents = []string{id}
	}
	if len(idents) == 0 {
		badRequest(w, "Provide a device id, a list of ids or a file of ids")
		return
	}
	claimUser, _ := r.field("claim_user")
	if claimUser == "" {
		claimUser = r.query.Get("claim_user")
	}
	claimUser = strings.ToLower(claimUser)

	c.mu.Lock()
	defer c.mu.Unlock()
	res := map[string][]string{"updatedDeviceIds": {}, "existingDeviceIds": {}, "nonmemberDeviceIds": {},
		"invalidDeviceIds": {}, "protectedDeviceIds": {}}
	seen := map[string]bool{}
	for _, ident := range idents {
		ident = strings.TrimSpace(ident)
		if ident == "" {
			continue
		}
		d := c.deviceByIdentifierLocked(ident)
		key := strings.ToLower(ident)
		if d != nil {
			key = d.ID
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		switch {
		case d == nil, d.PlatformID != p.PlatformID, d.ProductID != 0 && d.ProductID != p.ID:
			res["invalidDeviceIds"] = append(res["invalidDeviceIds"], ident)
		case d.ProductID == p.ID && d.Quarantined:
			d.Quarantined = false // approving a quarantined device
			res["updatedDeviceIds"] = append(res["updatedDeviceIds"], d.ID)
		case d.ProductID == p.ID:
			res["existingDeviceIds"] = append(res["existingDeviceIds"], d.ID)
		case d.Owner != "" && !d.ownerIsCustomer && !c.isMember(d.Owner, p) && d.Owner != claimUser:
			res["nonmemberDeviceIds"] = append(res["nonmemberDeviceIds"], d.ID)
		default:
			d.ProductID = p.ID
			d.denied = false
			if claimUser != "" {
				d.Owner, d.ownerIsCustomer = claimUser, false
			}
			res["updatedDeviceIds"] = append(res["updatedDeviceIds"], d.ID)
		}
	}
	body := map[string]any{"updated": len(res["updatedDeviceIds"])}
	for k, v := range res {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

func (c *Cloud) deviceByIdentifierLocked(ident string) *device {
	if d := c.devices[strings.ToLower(ident)]; d != nil {
		return d
	}
	if ident == "" {
		return nil
	}
	for _, d := range c.devices {
		if d.SerialNumber == ident || d.IMEI == ident || d.ICCID == ident {
			return d
		}
	}
	return nil
}

// --- customers (§4.3–4.5) ---

// handleCreateCustomer is POST /v1/products/:product/customers, authorized
// by the product's OAuth client (Basic or body), never by a bearer token.
func (c *Cloud) handleCreateCustomer(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	cl, ok := c.clientCredentials(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.productByIDOrSlug(r.p["product"])
	if p == nil || cl.ProductID != p.ID {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Client credentials are invalid")
		return
	}
	email, _ := r.field("email")
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		badRequest(w, "email is required")
		return
	}
	password, _ := r.field("password")
	noPassword, _, err := r.boolField("no_password")
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	if password == "" && !noPassword {
		badRequest(w, "password is required unless no_password is true")
		return
	}
	if c.customerLocked(p.ID, email) != nil {
		// Undocumented on the real cloud; the spec's suggestion.
		badRequest(w, "Customer already exists")
		return
	}
	if noPassword {
		password = ""
	}
	lifetime, never, problem := parseLifetime(r, c.now())
	if problem != "" {
		badRequest(w, problem)
		return
	}
	c.addCustomerLocked(Customer{Email: email, ProductID: p.ID, Password: password})
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, c.issueBodyLocked(principal{kind: kindCustomer, email: email, productID: p.ID}, cl.ID, lifetime, never))
}

// handleListCustomers is GET /v1/products/:product/customers. Like the real
// cloud it lists only customers that have claimed a device.
func (c *Cloud) handleListCustomers(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	p, ok := c.productFor(w, r, tok)
	if !ok {
		return
	}
	page, perPage, ok := pagination(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var listed []*customer
	for _, cu := range p.customers {
		if cu.listed {
			listed = append(listed, cu)
		}
	}
	start := min((page-1)*perPage, len(listed))
	end := min(start+perPage, len(listed))
	out := []map[string]any{}
	for _, cu := range listed[start:end] {
		devs := []string{}
		for _, d := range c.devices {
			if d.ownerIsCustomer && d.Owner == cu.Email && d.ProductID == p.ID {
				devs = append(devs, d.ID)
			}
		}
		sort.Strings(devs)
		out = append(out, map[string]any{"id": cu.ID, "username": cu.Email, "devices": devs})
	}
	writeJSON(w, http.StatusOK, map[string]any{"customers": out,
		"meta": map[string]int{"page": page, "per_page": perPage, "total_pages": totalPages(len(listed), perPage), "total": len(listed)}})
}

// --- claim codes (§3.13) ---

// handleClaimCode is POST /v1/device_claims (users and customers) and
// POST /v1/products/:product/device_claims (customers of that product).
func (c *Cloud) handleClaimCode(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	imei, _ := r.field("imei")
	iccid, _ := r.field("iccid")
	c.mu.Lock()
	defer c.mu.Unlock()
	cc := &claimCode{IMEI: imei, ICCID: iccid, Owner: tok.who.email, Customer: tok.who.kind == kindCustomer}
	if ps, productRoute := r.p["product"]; productRoute {
		p := c.productByIDOrSlug(ps)
		if p == nil || tok.who.kind != kindCustomer || tok.who.productID != p.ID {
			productDenied(w)
			return
		}
		cc.ProductID = p.ID
	} else {
		if tok.who.kind == kindProduct {
			okError(w, http.StatusForbidden, "Permission denied")
			return
		}
		cc.ProductID = tok.who.productID // a customer's code claims within its product
	}
	now := c.now()
	for {
		cc.Code = newClaimCodeText()
		if c.claims[cc.Code] == nil {
			break
		}
	}
	cc.IssuedAt, cc.ExpiresAt = now, now.Add(ClaimCodeLifetime)
	c.claims[cc.Code] = cc
	c.secrets[cc.Code] = true
	c.claimLog = append(c.claimLog, cc)
	ids := []string{}
	for _, d := range c.devices {
		if ownsDevice(tok.who, d) {
			ids = append(ids, d.ID)
		}
	}
	sort.Strings(ids)
	writeJSON(w, http.StatusOK, map[string]any{"claim_code": cc.Code, "device_ids": ids})
}

// --- OAuth clients (§4.6) ---

func (c *Cloud) handleCreateClient(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	cl := OAuthClient{}
	if _, productRoute := r.p["product"]; productRoute {
		p, ok := c.productFor(w, r, tok)
		if !ok {
			return
		}
		cl.ProductID = p.ID
	} else if tok.who.kind != kindUser {
		okError(w, http.StatusForbidden, "Permission denied")
		return
	} else {
		cl.Owner = tok.who.email
	}
	cl.Name, _ = r.field("name")
	cl.Type, _ = r.field("type")
	cl.Scope, _ = r.field("scope")
	redirect, _ := r.field("redirect_uri")
	switch {
	case strings.TrimSpace(cl.Name) == "":
		badRequest(w, "name is required")
		return
	case cl.Type != "installed" && cl.Type != "web":
		badRequest(w, "type must be installed or web")
		return
	case cl.Type == "web" && redirect == "":
		badRequest(w, "redirect_uri is required for web clients")
		return
	}
	c.mu.Lock()
	cl.ID = c.newClientID(cl.Name)
	cl.Secret = randomHex(20)
	c.clients[cl.ID] = &oauthClient{cl}
	c.secrets[cl.Secret] = true
	c.mu.Unlock()
	client := map[string]any{"name": cl.Name, "type": cl.Type, "id": cl.ID, "secret": cl.Secret}
	if cl.Scope != "" {
		client["scope"] = cl.Scope
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "client": client})
}

func (c *Cloud) handleListClients(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	productID := 0
	if _, productRoute := r.p["product"]; productRoute {
		p, ok := c.productFor(w, r, tok)
		if !ok {
			return
		}
		productID = p.ID
	} else if tok.who.kind != kindUser {
		okError(w, http.StatusForbidden, "Permission denied")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var list []*oauthClient
	for _, cl := range c.clients {
		if (productID != 0 && cl.ProductID == productID) || (productID == 0 && cl.Owner == tok.who.email && cl.Owner != "") {
			list = append(list, cl)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	out := []map[string]any{}
	for _, cl := range list {
		out = append(out, map[string]any{"name": cl.Name, "type": cl.Type, "id": cl.ID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "clients": out})
}

// --- organizations (§4.2) ---

func (c *Cloud) handleListOrgs(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	if tok.who.kind != kindUser {
		okError(w, http.StatusForbidden, "Permission denied")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []map[string]string{}
	for _, o := range c.orgs {
		if contains(o.Members, tok.who.email) {
			out = append(out, map[string]string{"id": o.ID, "slug": o.Slug, "name": o.Name})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"organizations": out})
}

func (c *Cloud) handleOrgProducts(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.orgBySlugOrID(r.p["org"])
	if o == nil || tok.who.kind != kindUser || !contains(o.Members, tok.who.email) {
		productDenied(w)
		return
	}
	out := []map[string]any{}
	for _, p := range c.products {
		if p.Org != "" && (strings.EqualFold(p.Org, o.Slug) || p.Org == o.ID) {
			out = append(out, c.productJSONLocked(p))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": out})
}

// productInOrg reports whether a product (id or slug) belongs to an org (id
// or slug).
func (c *Cloud) productInOrg(productIDOrSlug, orgIDOrSlug string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, o := c.productByIDOrSlug(productIDOrSlug), c.orgBySlugOrID(orgIDOrSlug)
	return p != nil && o != nil && (strings.EqualFold(p.Org, o.Slug) || p.Org == o.ID)
}

// clientFor resolves :client among the caller's clients (its own user
// clients, or clients of products it manages).
func (c *Cloud) clientFor(w http.ResponseWriter, r *request, tok *token) (*oauthClient, bool) {
	c.mu.Lock()
	cl := c.clients[r.p["client"]]
	ok := cl != nil
	if ok {
		if cl.ProductID != 0 {
			p := c.productByID(cl.ProductID)
			ok = p != nil && c.canManageProduct(tok.who, p)
		} else {
			ok = tok.who.kind == kindUser && cl.Owner == tok.who.email
		}
	}
	c.mu.Unlock()
	if !ok {
		okError(w, http.StatusNotFound, "Client not found")
		return nil, false
	}
	return cl, true
}

// handleUpdateClient is PUT /v1/clients/:client (name and/or scope).
func (c *Cloud) handleUpdateClient(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	cl, ok := c.clientFor(w, r, tok)
	if !ok {
		return
	}
	name, hasName := r.field("name")
	scope, hasScope := r.field("scope")
	if !hasName && !hasScope {
		badRequest(w, "Nothing to do")
		return
	}
	c.mu.Lock()
	if hasName {
		cl.Name = name
	}
	if hasScope {
		cl.Scope = scope
	}
	out := map[string]any{"name": cl.Name, "type": cl.Type, "id": cl.ID}
	if cl.Scope != "" {
		out["scope"] = cl.Scope
	}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "client": out})
}

// handleDeleteClient is DELETE /v1/clients/:client: 204. Tokens the client
// issued keep working, as on the real cloud as far as is documented.
func (c *Cloud) handleDeleteClient(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	cl, ok := c.clientFor(w, r, tok)
	if !ok {
		return
	}
	c.mu.Lock()
	delete(c.clients, cl.ID)
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

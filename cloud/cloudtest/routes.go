package cloudtest

import "net/http"

// buildRoutes lists the routes the fake serves; a route with an empty
// method answers every method. Product routes are also
// served under /v1/orgs/:org/ (see serveHTTP). The first route whose
// method and pattern match wins, so literal routes (events, ping, owner)
// come before the ":name" variable and function routes they overlap.
func (c *Cloud) buildRoutes() []route {
	const (
		get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	)
	table := []struct {
		method, pattern string
		h               handlerFunc
	}{
		// OAuth and tokens (§1, §2). /oauth/token answers every method
		// (an empty method matches any) and checks the method itself, so
		// anything but a form POST gets its OAuth error.
		{"", "/oauth/token", c.handleToken},
		{get, "/v1/access_tokens/current", c.handleCurrentToken},
		{del, "/v1/access_tokens/current", c.handleDeleteCurrentToken},
		{get, "/v1/access_tokens", c.handleListTokens},
		{del, "/v1/access_tokens", c.handleDeleteAllTokens},
		{del, "/v1/access_tokens/:token", c.handleDeleteToken},
		{get, "/v1/user", c.handleUser},

		// Events (§6).
		{get, "/v1/events/...", c.handleStream},
		{get, "/v1/devices/events/...", c.handleStream},
		{post, "/v1/devices/events", c.handlePublish},
		{get, "/v1/devices/:device/events/...", c.handleStream},
		{get, "/v1/products/:product/events/...", c.handleStream},
		{post, "/v1/products/:product/events", c.handlePublish},
		{get, "/v1/products/:product/devices/:device/events/...", c.handleStream},

		// User device routes (§3).
		{get, "/v1/devices", c.handleListDevices},
		{post, "/v1/devices", c.handleClaim},
		{get, "/v1/devices/:device", c.handleGetDevice},
		{put, "/v1/devices/:device", c.handleUpdateDevice},
		{del, "/v1/devices/:device", c.handleUnclaim},
		{put, "/v1/devices/:device/ping", c.handlePing},
		{get, "/v1/devices/:device/:name", c.handleGetVariable},
		{post, "/v1/devices/:device/:name", c.handleCallFunction},
		{post, "/v1/device_claims", c.handleClaimCode},
		{get, "/v1/diagnostics/:device/last", c.handleVitalsLast},
		{get, "/v1/diagnostics/:device", c.handleVitalsHistory},

		// Products, customers, clients, orgs (§3.11–4).
		{get, "/v1/user/products", c.handleListProducts},
		{get, "/v1/products", c.handleListProducts},
		{get, "/v1/products/:product", c.handleGetProduct},
		{get, "/v1/products/:product/devices", c.handleListProductDevices},
		{post, "/v1/products/:product/devices", c.handleImport},
		{get, "/v1/products/:product/devices/:device", c.handleGetDevice},
		{put, "/v1/products/:product/devices/:device", c.handleUpdateDevice},
		{del, "/v1/products/:product/devices/:device", c.handleRemoveProductDevice},
		{del, "/v1/products/:product/devices/:device/owner", c.handleRemoveOwner},
		{put, "/v1/products/:product/devices/:device/ping", c.handlePing},
		{get, "/v1/products/:product/devices/:device/:name", c.handleGetVariable},
		{post, "/v1/products/:product/devices/:device/:name", c.handleCallFunction},
		{get, "/v1/products/:product/customers", c.handleListCustomers},
		{post, "/v1/products/:product/customers", c.handleCreateCustomer},
		{post, "/v1/products/:product/device_claims", c.handleClaimCode},
		{get, "/v1/products/:product/clients", c.handleListClients},
		{post, "/v1/products/:product/clients", c.handleCreateClient},
		{get, "/v1/products/:product/diagnostics/:device/last", c.handleVitalsLast},
		{get, "/v1/products/:product/diagnostics/:device", c.handleVitalsHistory},
		{get, "/v1/clients", c.handleListClients},
		{post, "/v1/clients", c.handleCreateClient},
		{put, "/v1/clients/:client", c.handleUpdateClient},
		{del, "/v1/clients/:client", c.handleDeleteClient},
		{put, "/v1/products/:product/clients/:client", c.handleUpdateClient},
		{del, "/v1/products/:product/clients/:client", c.handleDeleteClient},
		{get, "/v1/orgs", c.handleListOrgs},
		{get, "/v1/orgs/:org/products", c.handleOrgProducts},
	}
	routes := make([]route, len(table))
	for i, t := range table {
		routes[i] = route{method: t.method, segs: splitPattern(t.pattern), h: t.h}
	}
	return routes
}

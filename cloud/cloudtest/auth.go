package cloudtest

import (
	"net/http"
	"regexp"
	"strings"
	"time"
)

// principalKind says whom a token speaks for.
type principalKind int

const (
	kindUser     principalKind = iota + 1 // a Particle account
	kindProduct                           // a product (client_credentials of a product client)
	kindCustomer                          // a customer of one product
)

// principal is whom a token speaks for: a user (email), a product
// (productID) or a customer (email within productID).
type principal struct {
	kind      principalKind
	email     string
	productID int
}

type token struct {
	value     string
	who       principal
	clientID  string
	expiresAt time.Time // zero: never
	scope     string
}

type refreshToken struct {
	value     string
	who       principal
	clientID  string
	expiresAt time.Time
	scope     string
}

type mfaToken struct {
	value     string
	user      string
	clientID  string
	expiresAt time.Time
	lifetime  time.Duration
	never     bool
}

type claimCode = ClaimCode

// Token describes an access token for AddToken. Exactly one of the forms
// applies: User alone (a user token), ProductID alone (a product token), or
// Customer with ProductID (a customer token).
type Token struct {
	Value     string // 40 hex generated when empty
	User      string
	ProductID int
	Customer  string
	ClientID  string    // "particle" when empty
	ExpiresAt time.Time // zero: never expires
}

// AddToken registers an access token directly, skipping /oauth/token, and
// returns its value.
func (c *Cloud) AddToken(t Token) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Value == "" {
		t.Value = randomHex(20)
	}
	if t.ClientID == "" {
		t.ClientID = "particle"
	}
	tok := &token{value: t.Value, clientID: t.ClientID, expiresAt: t.ExpiresAt}
	switch {
	case t.Customer != "":
		tok.who = principal{kind: kindCustomer, email: strings.ToLower(t.Customer), productID: t.ProductID}
		tok.scope = "customer=" + tok.who.email
	case t.User != "":
		tok.who = principal{kind: kindUser, email: strings.ToLower(t.User)}
	default:
		tok.who = principal{kind: kindProduct, productID: t.ProductID}
	}
	c.tokens[t.Value] = tok
	c.secrets[t.Value] = true
	return t.Value
}

// UserToken returns a new never-expiring token for a user.
func (c *Cloud) UserToken(email string) string { return c.AddToken(Token{User: email}) }

// ProductToken returns a new never-expiring product token.
func (c *Cloud) ProductToken(productID int) string {
	return c.AddToken(Token{ProductID: productID})
}

// CustomerToken returns a new never-expiring token for a product's customer.
func (c *Cloud) CustomerToken(productID int, email string) string {
	return c.AddToken(Token{ProductID: productID, Customer: email})
}

// RevokeToken deletes an access token, as if revoked on the console.
func (c *Cloud) RevokeToken(value string) {
	c.mu.Lock()
	delete(c.tokens, value)
	c.mu.Unlock()
}

var bearerPattern = regexp.MustCompile(`Bearer\s(\S+)`)

// authorize finds the caller's token under the rules of §0.2 and answers
// the request with the exact error when it cannot. It returns the caller.
func (c *Cloud) authorize(w http.ResponseWriter, r *request) (*token, bool) {
	header, hasHeader := r.Header.Get("Authorization"), r.Header.Get("Authorization") != ""
	queryTok, hasQuery := r.query.Get("access_token"), r.query.Has("access_token")
	bodyTok, hasBody := r.field("access_token")
	used := 0
	for _, b := range []bool{hasHeader, hasQuery, hasBody} {
		if b {
			used++
		}
	}
	if used > 1 {
		oauthError(w, http.StatusBadRequest, "invalid_request",
			"Only one method may be used to authenticate at a time (Auth header,  GET or POST).")
		return nil, false
	}
	if used == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The access token was not found")
		return nil, false
	}
	var value string
	switch {
	case hasHeader:
		m := bearerPattern.FindStringSubmatch(header)
		if m == nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed auth header")
			return nil, false
		}
		value, r.tokenVia = m[1], AuthHeader
	case hasQuery:
		if r.Method != http.MethodGet {
			// The docs allow the query token only on GET; the wording of
			// this refusal is not documented.
			oauthError(w, http.StatusBadRequest, "invalid_request",
				"Method must be GET when putting the token in the query.")
			return nil, false
		}
		value, r.tokenVia = queryTok, AuthQuery
	default:
		if r.Method == http.MethodGet {
			oauthError(w, http.StatusBadRequest, "invalid_request",
				"Method cannot be GET When putting the token in the body.")
			return nil, false
		}
		if r.encoding != "form" {
			oauthError(w, http.StatusBadRequest, "invalid_request",
				"When putting the token in the body, content type must be application/x-www-form-urlencoded.")
			return nil, false
		}
		value, r.tokenVia = bodyTok, AuthBody
	}
	c.mu.Lock()
	tok := c.tokens[value]
	expired := tok != nil && !tok.expiresAt.IsZero() && !c.now().Before(tok.expiresAt)
	c.mu.Unlock()
	if tok == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "The access token provided is invalid.")
		return nil, false
	}
	if expired {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "The access token provided has expired.")
		return nil, false
	}
	return tok, true
}

// clientCredentials reads OAuth client credentials: HTTP Basic first, then
// the client_id/client_secret body fields (§0.3). It answers invalid_client
// errors itself.
func (c *Cloud) clientCredentials(w http.ResponseWriter, r *request) (*oauthClient, bool) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, _ = r.field("client_id")
		var ok bool
		secret, ok = r.field("client_secret")
		if id == "" {
			oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid or missing client_id parameter")
			return nil, false
		}
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_client", "Missing client_secret parameter")
			return nil, false
		}
	}
	if !clientIDPattern.MatchString(id) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid or missing client_id parameter")
		return nil, false
	}
	c.mu.Lock()
	cl := c.clients[id]
	c.mu.Unlock()
	if cl == nil || cl.Secret != secret {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Client credentials are invalid")
		return nil, false
	}
	return cl, true
}

var clientIDPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]{3,40}$`)

// canSeeDevice reports whether a caller may use a device on user device
// routes: owners, team members of the device's product, the device's
// product token, and the owning customer.
func (c *Cloud) canSeeDevice(who principal, d *device) bool {
	switch who.kind {
	case kindUser:
		if d.Owner == who.email && !d.ownerIsCustomer {
			return true
		}
		if p := c.productByID(d.ProductID); p != nil && c.isMember(who.email, p) {
			return true
		}
	case kindProduct:
		return d.ProductID != 0 && d.ProductID == who.productID
	case kindCustomer:
		return d.ownerIsCustomer && d.Owner == who.email && d.ProductID == who.productID
	}
	return false
}

// ownsDevice reports whether a device is claimed to the caller.
func ownsDevice(who principal, d *device) bool {
	switch who.kind {
	case kindUser:
		return d.Owner == who.email && !d.ownerIsCustomer
	case kindCustomer:
		return d.ownerIsCustomer && d.Owner == who.email && d.ProductID == who.productID
	}
	return false
}

// canManageProduct reports whether a caller may use product-management
// routes: the product's own token or a team member. Customers never may.
func (c *Cloud) canManageProduct(who principal, p *product) bool {
	switch who.kind {
	case kindProduct:
		return who.productID == p.ID
	case kindUser:
		return c.isMember(who.email, p)
	}
	return false
}

// productFor resolves :product and checks the caller may manage it,
// answering the error itself.
func (c *Cloud) productFor(w http.ResponseWriter, r *request, tok *token) (*product, bool) {
	c.mu.Lock()
	p := c.productByIDOrSlug(r.p["product"])
	ok := p != nil && c.canManageProduct(tok.who, p)
	c.mu.Unlock()
	if !ok {
		productDenied(w)
		return nil, false
	}
	return p, true
}

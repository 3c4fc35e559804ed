package cloudtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// User is a Particle account, for AddUser.
type User struct {
	Email    string
	Password string
	// OTP, when set, turns on multi-factor authentication: the password
	// grant answers 403 mfa_required and this code completes the login.
	OTP string
	// RecoveryCodes are single-use codes for the recovery-code grant.
	RecoveryCodes []string
}

// Org is an organization, for AddOrg. Members see the org's products.
type Org struct {
	ID      string // generated when empty
	Slug    string
	Name    string
	Members []string // user e-mails
}

// Product is a Particle product, for AddProduct.
type Product struct {
	ID         int    // required, > 0
	Slug       string // generated from Name when empty
	Name       string
	PlatformID int    // 6 (Photon) when zero
	Org        string // owning org slug; "" for a user-owned product
	Members    []string
	Groups     []string
	// Quarantine mirrors settings.quarantine; informational.
	Quarantine bool
}

// OAuthClient is an OAuth client, for AddOAuthClient. A client with a
// ProductID is a product client: client_credentials gives a product token
// and it may create customers. A client with an Owner gives that user's
// token. Other clients only log users in.
type OAuthClient struct {
	ID        string
	Secret    string
	Name      string
	Type      string // "installed" or "web"
	Scope     string
	ProductID int
	Owner     string // user e-mail
}

// Customer is a customer of a product, for AddCustomer.
type Customer struct {
	Email     string // stored lower-cased
	ProductID int
	Password  string // "" for a shadow (no_password) customer
	ID        string // generated when empty
}

// Variable is a cloud variable's type and current value. Type is one of
// "int32", "double", "string", "bool"; Value is returned as the JSON result
// (an int for int32, a float64 for double, ...).
type Variable struct {
	Type  string
	Value any
}

// Function is a cloud function's firmware: it gets the argument and returns
// the int32 return_value. It runs on the request goroutine, without the
// fake's lock held, and may call back into the Cloud.
type Function func(arg string) int32

// Device is a device, for AddDevice.
type Device struct {
	ID         string // 24 hex; generated when empty; stored lower-cased
	Name       string
	PlatformID int // 6 (Photon) when zero
	ProductID  int // 0 for a device in no product
	// Owner is the e-mail of the owning user, or of a customer of the
	// device's product (add the customer first: the match is made when the
	// device is added); "" leaves the device unclaimed. An e-mail the fake
	// does not know stands for "someone else".
	Owner           string
	Online          bool
	Notes           string
	Groups          []string
	Development     bool
	Quarantined     bool
	FirmwareVersion int
	SystemFirmware  string // "1.5.2" when empty
	SerialNumber    string
	IMEI, ICCID     string
	Variables       map[string]Variable
	Functions       map[string]Function
}

// DeviceState is a device as the fake currently holds it, for assertions.
type DeviceState struct {
	ID              string
	Name            string
	Notes           string
	PlatformID      int
	ProductID       int
	Owner           string
	OwnerIsCustomer bool
	Online          bool
	Development     bool
	Quarantined     bool
	Denied          bool
	Groups          []string
	LastHeard       time.Time
}

// ClaimCode is an issued claim code, for assertions.
type ClaimCode struct {
	Code      string
	ProductID int    // 0 for a user claim code
	Owner     string // user or customer e-mail the device will be claimed to
	Customer  bool
	IMEI      string
	ICCID     string
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedBy    string // device id, once consumed
}

// TransferRequest records a claim with request_transfer=true on a device
// owned by someone else.
type TransferRequest struct {
	DeviceID string
	From, To string
	At       time.Time
}

// Event is a published event as streams deliver it.
type Event struct {
	Name        string
	Data        string
	TTL         int
	PublishedAt time.Time
	CoreID      string // device id, or "api"
	Private     bool
	ProductID   int
	UserID      string
	// publisher is the principal that published an API event.
	publisher principal
}

// Errors DeviceOnline returns when the presented claim code did not claim
// the device. The device still comes online.
var (
	ErrUnknownDevice      = errors.New("cloudtest: unknown device")
	ErrUnknownClaimCode   = errors.New("cloudtest: unknown claim code")
	ErrClaimCodeExpired   = errors.New("cloudtest: claim code expired")
	ErrClaimCodeUsed      = errors.New("cloudtest: claim code already used")
	ErrClaimedByOther     = errors.New("cloudtest: device owned by someone else")
	ErrNotInClaimsProduct = errors.New("cloudtest: device not in the claim code's product")
)

type user struct {
	User
	id string
}

type org struct{ Org }

type product struct {
	Product
	customers []*customer
}

type oauthClient struct{ OAuthClient }

type customer struct {
	Customer
	listed bool // appears in the customer list once it has claimed a device
}

type device struct {
	Device
	unresponsive    bool
	ownerIsCustomer bool
	denied          bool
	lastHeard       time.Time
	lastHandshake   time.Time
	vitals          []vital
}

type vital struct {
	at      time.Time
	payload json.RawMessage
}

var deviceIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// AddUser adds an account that can log in with the password grant.
func (c *Cloud) AddUser(u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u.Email = strings.ToLower(u.Email)
	c.users[u.Email] = &user{User: u, id: randomHex(12)}
	c.secrets[u.Password] = true
}

// AddOrg adds an organization.
func (c *Cloud) AddOrg(o Org) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o.ID == "" {
		o.ID = randomHex(12)
	}
	if o.Slug == "" {
		o.Slug = slugify(o.Name)
	}
	o.Members = lowerAll(o.Members)
	c.orgs = append(c.orgs, &org{o})
}

// AddProduct adds a product. It panics when ID is not positive or already
// taken: that is a mistake in the test or demo fixture.
func (c *Cloud) AddProduct(p Product) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.ID <= 0 {
		panic("cloudtest: AddProduct needs a positive ID")
	}
	for _, q := range c.products {
		if q.ID == p.ID {
			panic(fmt.Sprintf("cloudtest: product %d added twice", p.ID))
		}
	}
	if p.Slug == "" {
		p.Slug = slugify(p.Name) + "-v" + strconv.Itoa(p.ID)
	}
	if p.PlatformID == 0 {
		p.PlatformID = 6
	}
	p.Members = lowerAll(p.Members)
	c.products = append(c.products, &product{Product: p})
}

// AddOAuthClient adds an OAuth client. Secret is generated when empty; the
// stored client is returned so callers learn it.
func (c *Cloud) AddOAuthClient(cl OAuthClient) OAuthClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl.ID == "" {
		cl.ID = c.newClientID(cl.Name)
	}
	if cl.Secret == "" {
		cl.Secret = randomHex(20)
	}
	if cl.Type == "" {
		cl.Type = "installed"
	}
	cl.Owner = strings.ToLower(cl.Owner)
	c.clients[cl.ID] = &oauthClient{cl}
	c.secrets[cl.Secret] = true
	return cl
}

// AddCustomer adds a customer to a product and returns its id.
func (c *Cloud) AddCustomer(cu Customer) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.productByID(cu.ProductID)
	if p == nil {
		panic(fmt.Sprintf("cloudtest: AddCustomer: no product %d", cu.ProductID))
	}
	return c.addCustomerLocked(cu).ID
}

func (c *Cloud) addCustomerLocked(cu Customer) *customer {
	cu.Email = strings.ToLower(cu.Email)
	if cu.ID == "" {
		cu.ID = randomHex(12)
	}
	p := c.productByID(cu.ProductID)
	cust := &customer{Customer: cu}
	p.customers = append(p.customers, cust)
	return cust
}

// AddDevice adds a device and returns its lower-case id. It panics on an
// ID that is not 24 hex characters or is already known.
func (c *Cloud) AddDevice(d Device) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.ID == "" {
		d.ID = randomHex(12)
	}
	d.ID = strings.ToLower(d.ID)
	if !deviceIDPattern.MatchString(d.ID) {
		panic(fmt.Sprintf("cloudtest: AddDevice: %q is not a 24-hex device id", d.ID))
	}
	if _, dup := c.devices[d.ID]; dup {
		panic(fmt.Sprintf("cloudtest: device %s added twice", d.ID))
	}
	if d.PlatformID == 0 {
		d.PlatformID = 6
	}
	if d.SystemFirmware == "" {
		d.SystemFirmware = "1.5.2"
	}
	d.Owner = strings.ToLower(d.Owner)
	d.Variables = copyVars(d.Variables)
	fns := make(map[string]Function, len(d.Functions))
	for k, v := range d.Functions {
		fns[k] = v
	}
	d.Functions = fns
	dev := &device{Device: d}
	if d.ProductID != 0 && d.Owner != "" {
		if cu := c.customerLocked(d.ProductID, d.Owner); cu != nil {
			dev.ownerIsCustomer = true
			cu.listed = true
		}
	}
	if d.Online {
		dev.lastHeard = c.now()
		dev.lastHandshake = dev.lastHeard
	}
	c.devices[d.ID] = dev
	return d.ID
}

// SetVariable sets (or adds) a device variable.
func (c *Cloud) SetVariable(deviceID, name string, v Variable) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.devices[strings.ToLower(deviceID)]; d != nil {
		d.Variables[name] = v
	}
}

// SetFunction sets (or adds) a device function.
func (c *Cloud) SetFunction(deviceID, name string, f Function) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.devices[strings.ToLower(deviceID)]; d != nil {
		d.Functions[name] = f
	}
}

// SetUnresponsive makes an online device stop answering the cloud, as a
// device whose application blocks does: variable and function calls wait
// (see Options.DeviceTimeout) instead of answering at once.
func (c *Cloud) SetUnresponsive(deviceID string, unresponsive bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.devices[strings.ToLower(deviceID)]; d != nil {
		d.unresponsive = unresponsive
	}
}

// SetOwner changes who owns a device: a user's e-mail, a customer of the
// device's product (added first with AddCustomer), or "" to release it. An
// unknown e-mail stands for "someone else".
func (c *Cloud) SetOwner(deviceID, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.devices[strings.ToLower(deviceID)]
	if d == nil {
		return
	}
	d.Owner, d.ownerIsCustomer = strings.ToLower(owner), false
	if d.Owner != "" && d.ProductID != 0 {
		if cu := c.customerLocked(d.ProductID, d.Owner); cu != nil {
			d.ownerIsCustomer, cu.listed = true, true
		}
	}
}

// SetOnline marks a device online or offline and publishes spark/status.
// It does nothing for an unknown device.
func (c *Cloud) SetOnline(deviceID string, online bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.devices[strings.ToLower(deviceID)]
	if d == nil || d.Online == online {
		return
	}
	c.setOnlineLocked(d, online)
}

func (c *Cloud) setOnlineLocked(d *device, online bool) {
	d.Online = online
	now := c.now()
	d.lastHeard = now
	status := "offline"
	if online {
		c.handshakeLocked(d, now)
		status = "online"
	}
	c.publishLocked(Event{Name: "spark/status", Data: status, TTL: 60, PublishedAt: now,
		CoreID: d.ID, Private: true, ProductID: d.ProductID})
}

// handshakeLocked records a new cloud session of d at now. Two sessions
// never share a time, as on the real cloud (whose clock has moved on by
// the time a device reconnects), even when the fake's clock stands still.
func (c *Cloud) handshakeLocked(d *device, now time.Time) {
	if !now.After(d.lastHandshake) {
		now = d.lastHandshake.Add(time.Millisecond)
	}
	d.lastHandshake = now
	if now.After(d.lastHeard) {
		d.lastHeard = now
	}
}

// DeviceOnline is what a device does after it joins Wi-Fi: it connects to
// the cloud and, when it holds one, presents a claim code. The device goes
// online (publishing spark/status "online"); a valid code claims it to the
// code's owner (a user, or a customer of the code's product) and is
// consumed. When the code does not claim the device, the device is still
// online and the reason is returned (ErrClaimCodeExpired, ...).
func (c *Cloud) DeviceOnline(deviceID, claimCode string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.devices[strings.ToLower(deviceID)]
	if d == nil {
		return ErrUnknownDevice
	}
	err := c.presentClaimCodeLocked(d, claimCode)
	if d.Online {
		// A new session while the cloud still holds the old one open (it
		// had not noticed the device leave): the cloud announces it, as
		// it announces every session.
		now := c.now()
		d.lastHeard = now
		c.handshakeLocked(d, now)
		c.publishLocked(Event{Name: "spark/status", Data: "online", TTL: 60, PublishedAt: now,
			CoreID: d.ID, Private: true, ProductID: d.ProductID})
	} else {
		c.setOnlineLocked(d, true)
	}
	return err
}

// Claim is the cloud processing a claim code that a device presented, for
// tests where that happens some time after the device came online (the
// real cloud promises no order between the two). The device's session is
// not touched.
func (c *Cloud) Claim(deviceID, claimCode string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.devices[strings.ToLower(deviceID)]
	if d == nil {
		return ErrUnknownDevice
	}
	return c.presentClaimCodeLocked(d, claimCode)
}

func (c *Cloud) presentClaimCodeLocked(d *device, code string) error {
	if code == "" {
		return nil
	}
	cc := c.claims[code]
	switch {
	case cc == nil:
		return ErrUnknownClaimCode
	case cc.UsedBy != "":
		return ErrClaimCodeUsed
	case !c.now().Before(cc.ExpiresAt):
		return ErrClaimCodeExpired
	case cc.ProductID != 0 && d.ProductID != cc.ProductID:
		return ErrNotInClaimsProduct
	case d.Owner != "" && d.Owner != cc.Owner:
		return ErrClaimedByOther
	}
	cc.UsedBy = d.ID
	d.Owner = cc.Owner
	d.ownerIsCustomer = cc.Customer
	if cc.Customer {
		if cu := c.customerLocked(cc.ProductID, cc.Owner); cu != nil {
			cu.listed = true
		}
	}
	return nil
}

// Publish publishes an event from a device, as firmware's Particle.publish
// does. Streams the device is visible on receive it.
func (c *Cloud) Publish(deviceID, name, data string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := strings.ToLower(deviceID)
	ev := Event{Name: name, Data: data, TTL: 60, PublishedAt: c.now(), CoreID: id, Private: true}
	if d := c.devices[id]; d != nil {
		ev.ProductID = d.ProductID
	}
	c.publishLocked(ev)
}

// AddVitals records a vitals (diagnostics) payload for a device at a time.
func (c *Cloud) AddVitals(deviceID string, at time.Time, payload json.RawMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.devices[strings.ToLower(deviceID)]; d != nil {
		d.vitals = append(d.vitals, vital{at: at.UTC(), payload: append(json.RawMessage(nil), payload...)})
		sort.SliceStable(d.vitals, func(i, j int) bool { return d.vitals[i].at.Before(d.vitals[j].at) })
	}
}

// Device reports a device's current state.
func (c *Cloud) Device(deviceID string) (DeviceState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.devices[strings.ToLower(deviceID)]
	if d == nil {
		return DeviceState{}, false
	}
	return DeviceState{ID: d.ID, Name: d.Name, Notes: d.Notes, PlatformID: d.PlatformID,
		ProductID: d.ProductID, Owner: d.Owner, OwnerIsCustomer: d.ownerIsCustomer,
		Online: d.Online, Development: d.Development, Quarantined: d.Quarantined,
		Denied: d.denied, Groups: append([]string(nil), d.Groups...), LastHeard: d.lastHeard}, true
}

// ClaimCodes lists the claim codes issued so far, oldest first.
func (c *Cloud) ClaimCodes() []ClaimCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]ClaimCode, len(c.claimLog))
	for i, cc := range c.claimLog {
		out[i] = *cc
	}
	return out
}

// Customers lists a product's customers (all of them, including those the
// API's customer list hides until they claim a device).
func (c *Cloud) Customers(productID int) []Customer {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Customer
	if p := c.productByID(productID); p != nil {
		for _, cu := range p.customers {
			out = append(out, cu.Customer)
		}
	}
	return out
}

// Transfers lists transfer requests made with request_transfer=true.
func (c *Cloud) Transfers() []TransferRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]TransferRequest(nil), c.transfers...)
}

// OAuthClients lists every OAuth client, including those created through
// the API (with their secrets, so a test can use them).
func (c *Cloud) OAuthClients() []OAuthClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]OAuthClient, 0, len(c.clients))
	for _, cl := range c.clients {
		out = append(out, cl.OAuthClient)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Events lists every event published so far, oldest first.
func (c *Cloud) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// --- lookups (caller holds c.mu) ---

func (c *Cloud) productByID(id int) *product {
	for _, p := range c.products {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (c *Cloud) productByIDOrSlug(s string) *product {
	if id, err := strconv.Atoi(s); err == nil {
		return c.productByID(id)
	}
	for _, p := range c.products {
		if strings.EqualFold(p.Slug, s) {
			return p
		}
	}
	return nil
}

func (c *Cloud) customerLocked(productID int, emailOrID string) *customer {
	p := c.productByID(productID)
	if p == nil {
		return nil
	}
	for _, cu := range p.customers {
		if cu.Email == strings.ToLower(emailOrID) || cu.ID == emailOrID {
			return cu
		}
	}
	return nil
}

func (c *Cloud) orgBySlugOrID(s string) *org {
	for _, o := range c.orgs {
		if strings.EqualFold(o.Slug, s) || o.ID == s {
			return o
		}
	}
	return nil
}

// isMember reports whether a user is on a product's team, directly or
// through the product's organization.
func (c *Cloud) isMember(email string, p *product) bool {
	if contains(p.Members, email) {
		return true
	}
	if p.Org != "" {
		if o := c.orgBySlugOrID(p.Org); o != nil && contains(o.Members, email) {
			return true
		}
	}
	return false
}

func (c *Cloud) newClientID(name string) string {
	c.nextID++
	s := slugify(name)
	if s == "" {
		s = "client"
	}
	return fmt.Sprintf("%s-%d", s, c.nextID)
}

// --- small helpers ---

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

const claimAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func newClaimCodeText() string {
	b := make([]byte, 63)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = claimAlphabet[int(b[i])%len(claimAlphabet)]
	}
	return string(b)
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func copyVars(m map[string]Variable) map[string]Variable {
	out := make(map[string]Variable, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DeviceRef names a device and the route family used to reach it: the user
// routes (/v1/devices/...) for a user or customer token, or the product
// routes (/v1/products/:product/devices/...) for a product token.
type DeviceRef struct {
	// Product is the product ID or slug; empty selects the user routes.
	Product string
	// Device is the device ID. User routes also accept a device name.
	Device string
}

// UserDevice refers to a device through the user routes, by ID or name.
func UserDevice(idOrName string) DeviceRef { return DeviceRef{Device: idOrName} }

// ProductDevice refers to a device through a product's routes, by ID.
func ProductDevice(product, id string) DeviceRef { return DeviceRef{Product: product, Device: id} }

// String names the device for messages (long values are not repeated:
// they may be a secret pasted into the wrong field).
func (r DeviceRef) String() string {
	if r.Product == "" {
		return "device " + showID(r.Device)
	}
	return "device " + showID(r.Device) + " of product " + showID(r.Product)
}

// path returns the path segments of the device, with the ID normalised.
// Product routes need an ID; user routes accept a name too.
func (r DeviceRef) path(op string) ([]string, error) {
	dev := strings.TrimSpace(r.Device)
	if id, err := NormalizeDeviceID(dev); err == nil {
		dev = id
	} else if r.Product != "" || dev == "" {
		e := err.(*Error)
		e.Op = op
		return nil, e
	}
	if r.Product == "" {
		return []string{"v1", "devices", dev}, nil
	}
	p, err := seg(op, "product ID", r.Product)
	if err != nil {
		return nil, err
	}
	return []string{"v1", "products", p, "devices", dev}, nil
}

// Device is a device as the device routes describe it: the union of the
// fields Particle has sent over the years. Nullable fields are zero when null.
type Device struct {
	ID                    string            `json:"id"`
	Name                  string            `json:"name"`
	LastApp               string            `json:"last_app"`
	LastIPAddress         string            `json:"last_ip_address"`
	LastHeard             time.Time         `json:"last_heard"`
	LastHandshakeAt       time.Time         `json:"last_handshake_at"`
	ProductID             int               `json:"product_id"`
	PlatformID            int               `json:"platform_id"`
	Online                bool              `json:"online"`
	Connected             bool              `json:"connected"`
	Cellular              bool              `json:"cellular"`
	Notes                 string            `json:"notes"`
	Functions             []string          `json:"functions"`
	Variables             map[string]string `json:"variables"`
	Status                string            `json:"status"`
	SerialNumber          string            `json:"serial_number"`
	ICCID                 string            `json:"iccid"`
	IMEI                  string            `json:"imei"`
	MACWiFi               string            `json:"mac_wifi"`
	SystemFirmwareVersion string            `json:"system_firmware_version"`
	Owner                 string            `json:"owner"`
	// Product-route fields.
	FirmwareProductID              int      `json:"firmware_product_id"`
	Groups                         []string `json:"groups"`
	FirmwareVersion                int      `json:"firmware_version"`
	DesiredFirmwareVersion         *int     `json:"desired_firmware_version"`
	TargetedFirmwareReleaseVersion int      `json:"targeted_firmware_release_version"`
	Development                    bool     `json:"development"`
	Quarantined                    bool     `json:"quarantined"`
	Denied                         bool     `json:"denied"`
	FirmwareUpdatesEnabled         bool     `json:"firmware_updates_enabled"`
	FirmwareUpdatesForced          bool     `json:"firmware_updates_forced"`
}

// UnmarshalJSON decodes permissively: nulls become zero values, and Online
// is true when either "online" (current) or "connected" (older) is.
func (d *Device) UnmarshalJSON(b []byte) error {
	type plain Device
	var p struct {
		plain
		Name            *string          `json:"name"`
		LastApp         *string          `json:"last_app"`
		Notes           *string          `json:"notes"`
		LastHeard       flexTime         `json:"last_heard"`
		LastHandshakeAt flexTime         `json:"last_handshake_at"`
		Variables       map[string]any   `json:"variables"`
		FirmwareVersion *json.RawMessage `json:"firmware_version"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*d = Device(p.plain)
	d.ID = strings.ToLower(d.ID)
	d.Name = deref(p.Name)
	d.LastApp = deref(p.LastApp)
	d.Notes = deref(p.Notes)
	d.LastHeard = time.Time(p.LastHeard)
	d.LastHandshakeAt = time.Time(p.LastHandshakeAt)
	d.Online = d.Online || d.Connected
	if p.FirmwareVersion != nil {
		d.FirmwareVersion, _ = strconv.Atoi(strings.Trim(string(*p.FirmwareVersion), `"`))
	}
	d.Variables = nil
	if len(p.Variables) > 0 {
		d.Variables = make(map[string]string, len(p.Variables))
		for k, v := range p.Variables {
			d.Variables[k] = fmt.Sprint(v)
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// flexTime decodes an ISO-8601 time, null, or an empty string.
type flexTime time.Time

// UnmarshalJSON accepts null and empty strings as the zero time.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*t = flexTime{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil // an odd timestamp must not lose the whole device
	}
	*t = flexTime(v)
	return nil
}

// ListDevices lists the devices the token can see (GET /v1/devices): a
// user's devices, or a customer's.
func (c *Client) ListDevices(ctx context.Context) ([]Device, error) {
	var out []Device
	err := c.call(ctx, &request{op: "list devices", method: "GET", path: []string{"v1", "devices"}, idempotent: true}, &out)
	return out, err
}

// GetDevice gets one device's details.
func (c *Client) GetDevice(ctx context.Context, ref DeviceRef) (Device, error) {
	op := "get " + ref.String()
	p, err := ref.path(op)
	if err != nil {
		return Device{}, err
	}
	var d Device
	err = c.call(ctx, &request{op: op, method: "GET", path: p, idempotent: true}, &d)
	return d, err
}

// Variable is a cloud variable read from a device. Result is the JSON value:
// a number for int32 and double, a string or a boolean.
type Variable struct {
	Name     string          `json:"name"`
	Result   json.RawMessage `json:"result"`
	CoreInfo CoreInfo        `json:"coreInfo"`
}

// CoreInfo describes the device that answered a variable read.
type CoreInfo struct {
	Name            string    `json:"name"`
	DeviceID        string    `json:"deviceID"`
	Connected       bool      `json:"connected"`
	LastHeard       time.Time `json:"last_heard"`
	LastHandshakeAt time.Time `json:"last_handshake_at"`
	LastApp         string    `json:"last_app"`
	ProductID       int       `json:"product_id"`
}

// UnmarshalJSON tolerates null or odd timestamps and null strings.
func (ci *CoreInfo) UnmarshalJSON(b []byte) error {
	type plain CoreInfo
	var x struct {
		plain
		Name            *string  `json:"name"`
		LastApp         *string  `json:"last_app"`
		LastHeard       flexTime `json:"last_heard"`
		LastHandshakeAt flexTime `json:"last_handshake_at"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*ci = CoreInfo(x.plain)
	ci.Name, ci.LastApp = deref(x.Name), deref(x.LastApp)
	ci.LastHeard, ci.LastHandshakeAt = time.Time(x.LastHeard), time.Time(x.LastHandshakeAt)
	ci.DeviceID = strings.ToLower(ci.DeviceID)
	return nil
}

// Float returns a numeric result (int32 or double variables).
func (v Variable) Float() (float64, error) {
	var f float64
	if err := json.Unmarshal(v.Result, &f); err != nil {
		return 0, fmt.Errorf("variable %s is not a number: %s", v.Name, v.Result)
	}
	return f, nil
}

// Int returns an integer result (int32 variables).
func (v Variable) Int() (int64, error) {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(v.Result)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("variable %s is not an integer: %s", v.Name, v.Result)
	}
	return n, nil
}

// Bool returns a boolean result.
func (v Variable) Bool() (bool, error) {
	var b bool
	if err := json.Unmarshal(v.Result, &b); err != nil {
		return false, fmt.Errorf("variable %s is not a boolean: %s", v.Name, v.Result)
	}
	return b, nil
}

// Text returns the result as text: a string result unquoted, any other
// value as its JSON text.
func (v Variable) Text() string {
	var s string
	if err := json.Unmarshal(v.Result, &s); err == nil {
		return s
	}
	return string(v.Result)
}

// Value returns the result as float64, string or bool (nil if absent).
func (v Variable) Value() any {
	var x any
	_ = json.Unmarshal(v.Result, &x)
	return x
}

func varPath(op string, ref DeviceRef, name string) ([]string, error) {
	p, err := ref.path(op)
	if err != nil {
		return nil, err
	}
	name, err = seg(op, "variable name", name)
	if err != nil {
		return nil, err
	}
	return append(p, name), nil
}

// GetVariable reads a cloud variable. A device that does not answer gives
// an error for which IsDeviceOffline is true; an unknown name, IsUnknownVariable.
func (c *Client) GetVariable(ctx context.Context, ref DeviceRef, name string) (Variable, error) {
	op := fmt.Sprintf("read variable %q of %s", showID(name), ref)
	p, err := varPath(op, ref, name)
	if err != nil {
		return Variable{}, err
	}
	var v Variable
	if err := c.call(ctx, &request{op: op, method: "GET", path: p, idempotent: true}, &v); err != nil {
		return Variable{}, err
	}
	if v.Name == "" {
		v.Name = name
	}
	return v, nil
}

// GetVariableRaw reads a cloud variable with format=raw: the bare value as text.
func (c *Client) GetVariableRaw(ctx context.Context, ref DeviceRef, name string) (string, error) {
	op := fmt.Sprintf("read variable %q of %s", showID(name), ref)
	p, err := varPath(op, ref, name)
	if err != nil {
		return "", err
	}
	_, body, err := c.send(ctx, &request{op: op, method: "GET", path: p, query: map[string][]string{"format": {"raw"}}, accept: "*/*", idempotent: true})
	return string(body), err
}

// FunctionResult is the answer to a function call.
type FunctionResult struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Connected   bool   `json:"connected"`
	ReturnValue int    `json:"return_value"`
}

// CallFunction calls a cloud function with arg (sent as "arg", JSON or form
// per Client.Encoding) and returns the firmware's int32 result. It is never
// retried: a function may act on the world.
func (c *Client) CallFunction(ctx context.Context, ref DeviceRef, name, arg string) (FunctionResult, error) {
	op := fmt.Sprintf("call function %q of %s", showID(name), ref)
	p, err := ref.path(op)
	if err != nil {
		return FunctionResult{}, err
	}
	name, err = seg(op, "function name", name)
	if err != nil {
		return FunctionResult{}, err
	}
	var r FunctionResult
	err = c.call(ctx, &request{op: op, method: "POST", path: append(p, name), body: map[string]any{"arg": arg}}, &r)
	return r, err
}

// DeviceUpdate is the answer to a device update (rename, notes): the
// changed attributes, decoded permissively.
type DeviceUpdate struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Notes     string    `json:"notes"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (c *Client) updateDevice(ctx context.Context, op string, ref DeviceRef, body map[string]any) (DeviceUpdate, error) {
	p, err := ref.path(op)
	if err != nil {
		return DeviceUpdate{}, err
	}
	var b struct {
		ID        string   `json:"id"`
		Name      *string  `json:"name"`
		Notes     *string  `json:"notes"`
		UpdatedAt flexTime `json:"updated_at"`
	}
	if err := c.call(ctx, &request{op: op, method: "PUT", path: p, body: body, idempotent: true}, &b); err != nil {
		return DeviceUpdate{}, err
	}
	return DeviceUpdate{ID: strings.ToLower(b.ID), Name: deref(b.Name), Notes: deref(b.Notes), UpdatedAt: time.Time(b.UpdatedAt)}, nil
}

// RenameDevice gives the device a new name.
func (c *Client) RenameDevice(ctx context.Context, ref DeviceRef, name string) (DeviceUpdate, error) {
	op := "rename " + ref.String()
	if strings.TrimSpace(name) == "" {
		return DeviceUpdate{}, &Error{Op: op, Kind: KindInvalidInput, Hint: "the new device name is empty"}
	}
	return c.updateDevice(ctx, op, ref, map[string]any{"name": name})
}

// SetNotes replaces the device's notes.
func (c *Client) SetNotes(ctx context.Context, ref DeviceRef, notes string) (DeviceUpdate, error) {
	return c.updateDevice(ctx, "set notes of "+ref.String(), ref, map[string]any{"notes": notes})
}

// Ping asks the cloud to ping the device and reports whether it answered.
func (c *Client) Ping(ctx context.Context, ref DeviceRef) (online bool, err error) {
	op := "ping " + ref.String()
	p, err := ref.path(op)
	if err != nil {
		return false, err
	}
	var b struct {
		Online bool `json:"online"`
	}
	err = c.call(ctx, &request{op: op, method: "PUT", path: append(p, "ping"), idempotent: true}, &b)
	return b.Online, err
}

// ClaimResult is the answer to a claim.
type ClaimResult struct {
	DeviceID string
	// Claimed is true when the device is now the caller's.
	Claimed bool
	// TransferRequested is true when a transfer was requested instead
	// (the device belongs to someone else, who gets an e-mail).
	TransferRequested bool
}

// ClaimDevice claims an online, unclaimed device for the token's owner (use
// a customer token to claim it for a customer). With requestTransfer, a
// device owned by someone else is asked for (the owner gets an e-mail).
// A device owned by someone else gives IsClaimedBySomeoneElse.
func (c *Client) ClaimDevice(ctx context.Context, deviceID string, requestTransfer bool) (ClaimResult, error) {
	op := "claim device " + showID(deviceID)
	id, err := NormalizeDeviceID(deviceID)
	if err != nil {
		err.(*Error).Op = op
		return ClaimResult{}, err
	}
	body := map[string]any{"id": id}
	if requestTransfer {
		body["request_transfer"] = true
	}
	var b struct {
		OK       *bool  `json:"ok"`
		DeviceID string `json:"deviceID"`
		Claimed  *bool  `json:"claimed"`
	}
	if err := c.call(ctx, &request{op: op, method: "POST", path: []string{"v1", "devices"}, body: body, retry429: true}, &b); err != nil {
		return ClaimResult{}, err
	}
	if b.OK != nil && !*b.OK {
		return ClaimResult{}, &Error{Op: op, Kind: KindUnknown}
	}
	r := ClaimResult{DeviceID: id}
	switch {
	case !requestTransfer:
		r.Claimed = b.Claimed == nil || *b.Claimed
	case b.Claimed != nil:
		// An unclaimed device is simply claimed ("claimed":true); only a
		// device owned by someone else gets a transfer request.
		r.Claimed = *b.Claimed
		r.TransferRequested = !r.Claimed
	default:
		// A bare {"ok":true} (the body is unconfirmed) does not say which
		// happened: the device is the caller's now, or a transfer waits.
		_, err := c.GetDevice(ctx, UserDevice(id))
		switch {
		case err == nil:
			r.Claimed = true
		case IsPermissionDenied(err) || IsNotFound(err):
			r.TransferRequested = true
		default:
			return ClaimResult{}, err
		}
	}
	return r, nil
}

// UnclaimDevice removes the device's owner. On the user route
// (DELETE /v1/devices/:id) it unclaims the device; on a product route
// (DELETE .../devices/:id/owner) it unclaims it but keeps it in the product.
func (c *Client) UnclaimDevice(ctx context.Context, ref DeviceRef) error {
	op := "unclaim " + ref.String()
	p, err := ref.path(op)
	if err != nil {
		return err
	}
	// No "done when gone" here: after a lost reply the user route answers
	// 403 "Permission Denied", the same as for a device someone else owns
	// or a token without access, so success cannot be told from failure.
	r := &request{op: op, method: "DELETE", path: p, idempotent: true}
	if ref.Product != "" {
		r.path = append(p, "owner")
	}
	return c.expectOK(ctx, r)
}

// RemoveFromProduct removes a device from a product (which also unclaims a
// customer-owned device). With deny, a quarantined device is denied instead.
func (c *Client) RemoveFromProduct(ctx context.Context, product, deviceID string, deny bool) error {
	ref := ProductDevice(product, deviceID)
	op := "remove " + ref.String()
	p, err := ref.path(op)
	if err != nil {
		return err
	}
	r := &request{op: op, method: "DELETE", path: p, idempotent: true, doneWhenGone: IsNotFound}
	if deny {
		r.body = map[string]any{"deny": true}
	}
	return c.expectOK(ctx, r)
}

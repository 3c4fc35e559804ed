package cloudtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// deviceJSONLocked renders the union of the device fields the real cloud
// sends (§3.1), so a client decoding any subset finds them.
func (c *Cloud) deviceJSONLocked(d *device) map[string]any {
	fns := []string{}
	for name := range d.Functions {
		fns = append(fns, name)
	}
	sort.Strings(fns)
	vars := map[string]string{}
	for name, v := range d.Variables {
		vars[name] = v.Type
	}
	productID := d.ProductID
	if productID == 0 {
		productID = d.PlatformID
	}
	m := map[string]any{
		"id": d.ID, "name": nullIfEmpty(d.Name), "last_app": nil,
		"last_ip_address": "10.0.0.2", "last_heard": isoTime(d.lastHeard),
		"last_handshake_at": isoTime(d.lastHandshake), "product_id": productID,
		"online": d.Online, "connected": d.Online, "platform_id": d.PlatformID,
		"cellular": d.ICCID != "" || d.IMEI != "", "notes": nullIfEmpty(d.Notes),
		"functions": fns, "variables": vars, "status": "normal",
		"serial_number": d.SerialNumber, "mac_wifi": macFor(d.ID),
		"system_firmware_version": d.SystemFirmware, "firmware_updates_enabled": true,
		"firmware_updates_forced": false, "owner": nullIfEmpty(d.Owner),
		"mobile_secret": "", "current_build_target": d.SystemFirmware,
		"default_build_target": d.SystemFirmware,
	}
	if d.IMEI != "" {
		m["imei"] = d.IMEI
	}
	if d.ICCID != "" {
		m["iccid"] = d.ICCID
	}
	if d.ProductID != 0 {
		groups := append([]string{}, d.Groups...)
		m["firmware_product_id"] = d.ProductID
		m["groups"] = groups
		m["firmware_version"] = d.FirmwareVersion
		m["desired_firmware_version"] = nil
		m["targeted_firmware_release_version"] = d.FirmwareVersion
		m["development"] = d.Development
		m["quarantined"] = d.Quarantined
		m["denied"] = d.denied
	}
	return m
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func macFor(id string) string {
	return strings.ToUpper(id[len(id)-12:len(id)-10] + ":" + id[len(id)-10:len(id)-8] + ":" +
		id[len(id)-8:len(id)-6] + ":" + id[len(id)-6:len(id)-4] + ":" + id[len(id)-4:len(id)-2] + ":" + id[len(id)-2:])
}

// findDeviceLocked resolves an id (any case) or, on user routes, a name
// among the devices the caller can see.
func (c *Cloud) findDeviceLocked(who principal, idOrName string, byName bool) *device {
	if d := c.devices[strings.ToLower(idOrName)]; d != nil {
		return d
	}
	if !byName {
		return nil
	}
	ids := make([]string, 0, len(c.devices))
	for id := range c.devices {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		d := c.devices[id]
		if d.Name == idOrName && c.canSeeDevice(who, d) {
			return d
		}
	}
	return nil
}

// userDevice authorizes a user device route (/v1/devices/:device...) and
// resolves the device, answering family C when it is unknown or foreign.
func (c *Cloud) userDevice(w http.ResponseWriter, r *request) (*token, *device, bool) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return nil, nil, false
	}
	c.mu.Lock()
	d := c.findDeviceLocked(tok.who, r.p["device"], true)
	visible := d != nil && c.canSeeDevice(tok.who, d)
	c.mu.Unlock()
	if !visible {
		permissionDenied(w, r)
		return nil, nil, false
	}
	return tok, d, true
}

// productDevice authorizes a product device route
// (/v1/products/:product/devices/:device...) and resolves the device.
func (c *Cloud) productDevice(w http.ResponseWriter, r *request) (*token, *product, *device, bool) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return nil, nil, nil, false
	}
	p, ok := c.productFor(w, r, tok)
	if !ok {
		return nil, nil, nil, false
	}
	c.mu.Lock()
	d := c.devices[strings.ToLower(r.p["device"])]
	in := d != nil && d.ProductID == p.ID
	c.mu.Unlock()
	if !in {
		okError(w, http.StatusNotFound, "Device not found for this product")
		return nil, nil, nil, false
	}
	return tok, p, d, true
}

// deviceRoute picks the user or product resolution by the route's shape.
func (c *Cloud) deviceRoute(w http.ResponseWriter, r *request) (*token, *device, bool) {
	if _, isProduct := r.p["product"]; isProduct {
		tok, _, d, ok := c.productDevice(w, r)
		return tok, d, ok
	}
	return c.userDevice(w, r)
}

func (c *Cloud) handleListDevices(w http.ResponseWriter, r *request) {
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var list []*device
	for _, d := range c.devices {
		switch tok.who.kind {
		case kindProduct:
			if d.ProductID == tok.who.productID {
				list = append(list, d)
			}
		default:
			if ownsDevice(tok.who, d) {
				list = append(list, d)
			}
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].lastHandshake.Equal(list[j].lastHandshake) {
			return list[i].lastHandshake.After(list[j].lastHandshake)
		}
		return list[i].ID < list[j].ID
	})
	out := make([]map[string]any, 0, len(list))
	for _, d := range list {
		out = append(out, c.deviceJSONLocked(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *Cloud) handleGetDevice(w http.ResponseWriter, r *request) {
	_, d, ok := c.deviceRoute(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	writeJSON(w, http.StatusOK, c.deviceJSONLocked(d))
}

func (c *Cloud) handleGetVariable(w http.ResponseWriter, r *request) {
	_, d, ok := c.deviceRoute(w, r)
	if !ok {
		return
	}
	name := r.p["name"]
	c.mu.Lock()
	online, unresponsive := d.Online, d.unresponsive
	v, known := d.Variables[name]
	core := map[string]any{"name": nullIfEmpty(d.Name), "deviceID": d.ID, "connected": d.Online,
		"last_heard": isoTime(d.lastHeard), "last_handshake_at": isoTime(d.lastHandshake),
		"last_app": "", "product_id": d.ProductID}
	c.mu.Unlock()
	switch {
	case !online:
		okError(w, http.StatusRequestTimeout, "timed out")
	case unresponsive:
		c.waitForDevice(w, r)
	case !known:
		okError(w, http.StatusNotFound, "Unknown Variable: "+name)
	case r.query.Get("format") == "raw":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, v.Value)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"cmd": "VarReturn", "name": name, "result": v.Value, "coreInfo": core})
	}
}

func (c *Cloud) handleCallFunction(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	_, d, ok := c.deviceRoute(w, r)
	if !ok {
		return
	}
	name := r.p["name"]
	arg, has := r.field("arg")
	if !has {
		arg, _ = r.field("args")
	}
	c.mu.Lock()
	online, unresponsive := d.Online, d.unresponsive
	fn := d.Functions[name]
	devName := d.Name
	c.mu.Unlock()
	switch {
	case !online:
		okError(w, http.StatusRequestTimeout, "timed out")
		return
	case unresponsive:
		c.waitForDevice(w, r)
		return
	case fn == nil:
		okError(w, http.StatusNotFound, "Function "+name+" not found")
		return
	case len(arg) > 1024:
		badRequest(w, "Argument too long")
		return
	}
	ret := fn(arg)
	if f, _ := r.field("format"); f == "raw" || r.query.Get("format") == "raw" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, ret)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": d.ID, "name": nullIfEmpty(devName), "last_app": "",
		"connected": true, "return_value": ret})
}

// waitForDevice holds a call to an unresponsive device until the client
// gives up, the Cloud closes, or Options.DeviceTimeout passes (then 408).
func (c *Cloud) waitForDevice(w http.ResponseWriter, r *request) {
	var timeout <-chan time.Time
	if c.opts.DeviceTimeout > 0 {
		t := time.NewTimer(c.opts.DeviceTimeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.Context().Done():
	case <-c.closed:
	case <-timeout:
		okError(w, http.StatusRequestTimeout, "timed out")
	}
}

func (c *Cloud) handleUpdateDevice(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	_, d, ok := c.deviceRoute(w, r)
	if !ok {
		return
	}
	_, productRoute := r.p["product"]
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]any{"id": d.ID}
	changed := false
	if s, ok := r.field("signal"); ok {
		if s != "0" && s != "1" && s != "true" && s != "false" {
			badRequest(w, "signal must be 1 or 0")
			return
		}
		if !d.Online {
			okError(w, http.StatusRequestTimeout, "timed out")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": d.ID, "connected": true, "signaling": s == "1" || s == "true"})
		return
	}
	if name, ok := r.field("name"); ok {
		if strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\n/") {
			badRequest(w, "Invalid device name")
			return
		}
		d.Name, out["name"], changed = name, name, true
	}
	if notes, ok := r.field("notes"); ok {
		d.Notes, out["notes"], changed = notes, notes, true
	}
	if v, present, err := r.boolField("firmware_updates_forced"); err != nil {
		badRequest(w, err.Error())
		return
	} else if present {
		out["firmware_updates_forced"], changed = v, true
	}
	if productRoute {
		if v, present, err := r.boolField("development"); err != nil {
			badRequest(w, err.Error())
			return
		} else if present {
			d.Development, out["development"], changed = v, v, true
		}
		if v, present, err := r.boolField("quarantined"); err != nil {
			badRequest(w, err.Error())
			return
		} else if present {
			d.Quarantined, out["quarantined"], changed = v, v, true
		}
		if groups, ok := r.listField("groups"); ok {
			d.Groups, out["groups"], changed = groups, append([]string{}, groups...), true
		}
		if r.isNull("desired_firmware_version") {
			out["desired_firmware_version"], changed = nil, true
		} else if s, ok := r.field("desired_firmware_version"); ok {
			n, err := strconv.Atoi(s)
			if err != nil {
				badRequest(w, "desired_firmware_version must be a number")
				return
			}
			out["desired_firmware_version"], changed = n, true
		}
		if v, present, err := r.boolField("flash"); err != nil {
			badRequest(w, err.Error())
			return
		} else if present {
			out["flash"], changed = v, true
		}
	}
	if !changed {
		badRequest(w, "Nothing to do")
		return
	}
	out["updated_at"] = isoTime(c.now())
	writeJSON(w, http.StatusOK, out)
}

func (c *Cloud) handlePing(w http.ResponseWriter, r *request) {
	_, d, ok := c.deviceRoute(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	online := d.Online
	if online {
		d.lastHeard = c.now()
	}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"online": online, "ok": true})
}

// handleClaim is POST /v1/devices: claim an online device to the caller,
// or ask its owner for a transfer.
func (c *Cloud) handleClaim(w http.ResponseWriter, r *request) {
	if r.bodyErr != nil {
		badRequest(w, "Invalid request body")
		return
	}
	tok, ok := c.authorize(w, r)
	if !ok {
		return
	}
	id, _ := r.field("id")
	id = strings.TrimSpace(id)
	if id == "" {
		if _, prov := r.field("product_id"); prov {
			badRequest(w, "Device provisioning is not supported by this fake")
			return
		}
		errorsList(w, http.StatusBadRequest, "id is required")
		return
	}
	transfer, _, err := r.boolField("request_transfer")
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	if tok.who.kind == kindProduct {
		errorsList(w, http.StatusForbidden, "Product tokens cannot claim devices")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.devices[strings.ToLower(id)]
	if d == nil || !d.Online {
		errorsList(w, http.StatusNotFound, "device not found")
		return
	}
	switch {
	case ownsDevice(tok.who, d):
	case d.Owner == "":
		if tok.who.kind == kindCustomer && d.ProductID != tok.who.productID {
			errorsList(w, http.StatusForbidden, "Device is not in the customer's product")
			return
		}
		d.Owner, d.ownerIsCustomer = tok.who.email, tok.who.kind == kindCustomer
		if cu := c.customerLocked(tok.who.productID, tok.who.email); cu != nil && d.ownerIsCustomer {
			cu.listed = true
		}
	case transfer:
		c.transfers = append(c.transfers, TransferRequest{DeviceID: d.ID, From: d.Owner, To: tok.who.email, At: c.now()})
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "deviceID": d.ID, "claimed": false,
			"transfer_id": randomHex(12)})
		return
	default:
		errorsList(w, http.StatusForbidden, "That belongs to someone else.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "deviceID": d.ID, "claimed": true})
}

// handleUnclaim is DELETE /v1/devices/:device: the owner, or the product's
// team or token for a product device, releases it.
func (c *Cloud) handleUnclaim(w http.ResponseWriter, r *request) {
	tok, d, ok := c.userDevice(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	allowed := ownsDevice(tok.who, d)
	if p := c.productByID(d.ProductID); p != nil && c.canManageProduct(tok.who, p) {
		allowed = true
	}
	if !allowed {
		permissionDenied(w, r)
		return
	}
	d.Owner, d.ownerIsCustomer = "", false
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// handleRemoveOwner is DELETE /v1/products/:product/devices/:device/owner.
func (c *Cloud) handleRemoveOwner(w http.ResponseWriter, r *request) {
	_, _, d, ok := c.productDevice(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	d.Owner, d.ownerIsCustomer = "", false
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// handleRemoveProductDevice is DELETE /v1/products/:product/devices/:device
// (optionally {"deny":true}): 204, and a customer owner is released.
func (c *Cloud) handleRemoveProductDevice(w http.ResponseWriter, r *request) {
	_, _, d, ok := c.productDevice(w, r)
	if !ok {
		return
	}
	deny, _, err := r.boolField("deny")
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	c.mu.Lock()
	if deny {
		d.denied = true
	}
	d.ProductID, d.Quarantined, d.Development, d.Groups = 0, false, false, nil
	if d.ownerIsCustomer {
		d.Owner, d.ownerIsCustomer = "", false
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (c *Cloud) handleUser(w http.ResponseWriter, r *request) {
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
	u := c.users[tok.who.email]
	n := 0
	for _, d := range c.devices {
		if ownsDevice(tok.who, d) {
			n++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"username": tok.who.email, "subscription_ids": []string{},
		"account_info":     map[string]any{"first_name": "", "last_name": "", "business_account": false},
		"scim_provisioned": false, "no_password": false,
		"mfa": map[string]bool{"enabled": u != nil && u.OTP != ""}, "wifi_device_count": n, "cellular_device_count": 0})
}

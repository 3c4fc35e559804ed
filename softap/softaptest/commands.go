package softaptest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/photon-station/photon-station/softap"
)

// handle runs one command. known is false for names the device does not
// have (no bytes at all are written); parsed is false when the request JSON
// was rejected (no JSON is written); leave is true for connect-ap, after
// whose reply the device leaves listening mode.
func (d *Device) handle(command string, body []byte) (reply string, known, parsed, leave bool) {
	if command != "configure-ap" && !d.sleep(d.delayFor(command)) {
		return "", false, false, false
	}
	switch command {
	case "version":
		return `{"v":2}`, true, true, false
	case "device-id":
		c := "0"
		d.mu.Lock()
		if d.claimed {
			c = "1"
		}
		d.mu.Unlock()
		return `{"id":"` + d.id + `","c":"` + c + `"}`, true, true, false
	case "scan-ap":
		return d.scanReply(), true, true, false
	case "public-key":
		if d.noKey {
			return `{"r":1}`, true, true, false
		}
		der, err := x509.MarshalPKIXPublicKey(&d.key.PublicKey)
		if err != nil {
			return `{"r":1}`, true, true, false
		}
		padded := make([]byte, softap.PublicKeyLength)
		copy(padded, der)
		return `{"b":"` + strings.ToUpper(hex.EncodeToString(padded)) + `","r":0}`, true, true, false
	case "set":
		r, ok := d.set(body)
		return r, true, ok, false
	case "configure-ap":
		r, ok := d.configure(body)
		return r, true, ok, false
	case "connect-ap":
		// The body is ignored ("todo - parse index").
		d.mu.Lock()
		d.rec.Connects++
		d.mu.Unlock()
		return `{"r":0}`, true, true, true
	case "ant-internal", "ant-external":
		// They switch the antenna and answer nothing.
		return "", false, false, false
	}
	return "", false, false, false
}

// scanReply writes the list by hand as the firmware does: SSIDs unescaped.
func (d *Device) scanReply() string {
	var b strings.Builder
	b.WriteString(`{"scans":[`)
	first := true
	for _, n := range d.networks {
		if n.SSID == "" {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, `{"ssid":"%s","rssi":%d,"sec":%d,"ch":%d,"mdr":%d}`, n.SSID, n.RSSI, int64(n.Code), n.Channel, n.MaxDataRate)
	}
	b.WriteString(`]}`)
	return b.String()
}

func (d *Device) set(body []byte) (string, bool) {
	f, ok := parseFlat(body, map[string]kind{"k": kindString, "v": kindString})
	if !ok {
		return "", false
	}
	k, v := f["k"].str, f["v"].str
	if len(k) > 2 {
		k = k[:2]
	}
	if len(v) > 63 {
		v = v[:63]
	}
	if k != "cc" || v == "" {
		return `{"r":-1}`, true
	}
	d.mu.Lock()
	d.rec.ClaimCode = v
	d.mu.Unlock()
	return `{"r":0}`, true
}

// Result codes of configure-ap (photon-softap.md §6). Decryption failures use
// the standard mbedTLS values, which are UNCONFIRMED for the real device.
const (
	rCipherRequired    = -2
	rInvalidSSIDLen    = -3
	rInvalidKeyLen     = -4
	rInvalidEnterprise = 1
	rRSABadInput       = -16512 // -0x4080
	rRSAInvalidPadding = -16640 // -0x4100
)

func (d *Device) configure(body []byte) (string, bool) {
	f, ok := parseFlat(body, map[string]kind{
		"idx": kindNumber, "ssid": kindString, "pwd": kindString, "sec": kindNumber, "ch": kindNumber,
		"eap": kindNumber, "oi": kindString, "ii": kindString, "crt": kindString, "key": kindString,
		"ek": kindString, "ca": kindString,
	})
	if !ok {
		return "", false
	}
	result := func(r int) (string, bool) { return `{"r":` + strconv.Itoa(r) + `}`, true }
	ssid := f["ssid"].str
	password := ""
	if p := f["pwd"].str; p != "" {
		pt, r := d.decrypt(p)
		if r != 0 {
			return result(r)
		}
		password = string(pt)
	}
	sec := softap.SecurityCode(f["sec"].num)
	family := sec.Family()
	_, hasEAP := f["eap"]
	enterprise := hasEAP || family == softap.WPAEnterprise || family == softap.WPA2Enterprise
	// wlan_set_credentials: the SSID length first, then the sniff scan for
	// WPA, WPA2 and Enterprise, then the passphrase length, then the
	// Enterprise configuration.
	if len(ssid) == 0 || len(ssid) > 32 {
		return result(rInvalidSSIDLen)
	}
	if family == softap.WPA || family == softap.WPA2 || enterprise {
		if !d.sleep(d.delayFor("configure-ap")) {
			return "", false
		}
		if !d.visible(ssid) {
			return result(rCipherRequired)
		}
	}
	switch family {
	case softap.WPA, softap.WPA2:
		if len(password) < 8 || len(password) > 64 {
			return result(rInvalidKeyLen)
		}
	case softap.WEP:
		if len(password) < 5 || len(password) > 58 {
			return result(rInvalidKeyLen)
		}
	}
	var ent *Enterprise
	if enterprise {
		var r int
		if ent, r = d.enterprise(f, password); r != 0 {
			return result(r)
		}
	}
	d.mu.Lock()
	d.rec.SSID, d.rec.Sec, d.rec.Channel, d.rec.Password = ssid, int64(sec), int(f["ch"].num), password
	if ent != nil {
		d.rec.Enterprise = ent
	}
	d.rec.Configured++
	d.mu.Unlock()
	return result(0)
}

// decrypt undoes the client's RSA encryption of a hex field as the firmware
// does (lenient hex, PKCS#1 v1.5); r is the mbedTLS code on failure.
func (d *Device) decrypt(hexText string) (plain []byte, r int) {
	ct := lenientHex(hexText, 256)
	if len(ct) != d.key.Size() {
		return nil, rRSABadInput
	}
	//lint:ignore SA1019 the emulated firmware decrypts PKCS#1 v1.5, as the real one does.
	pt, err := rsa.DecryptPKCS1v15(nil, d.key, ct)
	if err != nil {
		return nil, rRSAInvalidPadding
	}
	return pt, 0
}

func (d *Device) visible(ssid string) bool {
	for _, n := range d.networks {
		if n.SSID != "" && n.SSID == ssid {
			return true
		}
	}
	return false
}

// lenientHex decodes as the firmware's hex_nibble does: either case, and
// any other character counts as 0. An odd trailing digit is dropped.
func lenientHex(s string, max int) []byte {
	nib := func(c byte) byte {
		switch {
		case c >= '0' && c <= '9':
			return c - '0'
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10
		}
		return 0
	}
	out := make([]byte, 0, len(s)/2)
	for i := 0; i+1 < len(s) && len(out) < max; i += 2 {
		out = append(out, nib(s[i])<<4|nib(s[i+1]))
	}
	return out
}

type kind int

const (
	kindString kind = iota
	kindNumber
)

type value struct {
	str string // raw bytes between the quotes: the firmware does not unescape
	num int64
}

// parseFlat parses a request as the firmware's jsmn-based parser accepts it:
// a flat object with only the allowed keys, strings as strings and numbers
// as numbers (null allowed for "ch"). Any other shape fails the request.
func parseFlat(body []byte, allowed map[string]kind) (map[string]value, bool) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, false
	}
	out := map[string]value{}
	for k, v := range raw {
		want, ok := allowed[k]
		if !ok || len(v) == 0 {
			return nil, false
		}
		switch {
		case want == kindString && v[0] == '"':
			out[k] = value{str: string(v[1 : len(v)-1])}
		case want == kindNumber && k == "ch" && string(v) == "null":
			out[k] = value{}
		case want == kindNumber && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				fl, ferr := strconv.ParseFloat(string(v), 64)
				if ferr != nil {
					return nil, false
				}
				n = int64(fl)
			}
			out[k] = value{num: n}
		default:
			return nil, false
		}
	}
	return out, true
}

package softap

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The SoftAP command names (photon-softap.md §3). They are also the HTTP paths.
const (
	cmdVersion     = "version"
	cmdDeviceID    = "device-id"
	cmdScanAP      = "scan-ap"
	cmdPublicKey   = "public-key"
	cmdSet         = "set"
	cmdConfigureAP = "configure-ap"
	cmdConnectAP   = "connect-ap"
)

// PublicKeyLength is the size of the public-key reply's "b" field in bytes:
// the SPKI DER of the RSA-1024 key followed by zero padding.
const PublicKeyLength = 294

// FrameRequest encodes one raw-TCP request: the command name, the body's
// length in UTF-8 bytes, a blank line, then the body. Bare LF only: the
// device does not strip CR. Callers send it in one write.
func FrameRequest(command string, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(command) + 8 + len(body))
	b.WriteString(command)
	b.WriteByte('\n')
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\n\n")
	b.Write(body)
	return b.Bytes()
}

// ParseFrame decodes a raw-TCP request as the device does (name up to LF,
// NUL or 30 characters; decimal length; header lines skipped up to a blank
// line; then exactly length bytes). It returns io.ErrUnexpectedEOF when the
// frame is not complete yet. The emulator and the fuzz tests use it.
func ParseFrame(b []byte) (command string, body []byte, err error) {
	i := 0
	for ; i < len(b) && i < 30; i++ {
		if b[i] == '\n' || b[i] == 0 {
			break
		}
	}
	if i == len(b) {
		return "", nil, io.ErrUnexpectedEOF
	}
	command = string(b[:i])
	if i < len(b) && (b[i] == '\n' || b[i] == 0) {
		i++
	}
	n := 0
	start := i
	for ; i < len(b) && b[i] != '\n'; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return command, nil, fmt.Errorf("length line holds %q, not digits", b[start:i+1])
		}
		if n > 1<<20 {
			return command, nil, errors.New("length too large")
		}
		n = n*10 + int(c-'0')
	}
	if i == len(b) {
		return command, nil, io.ErrUnexpectedEOF
	}
	i++ // the LF ending the length line
	// Discard header lines until an empty one.
	for {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return command, nil, io.ErrUnexpectedEOF
		}
		i += j + 1
		if j == 0 {
			break
		}
	}
	if len(b)-i < n {
		return command, nil, io.ErrUnexpectedEOF
	}
	return command, b[i : i+n], nil
}

// marshalRequest writes request JSON the way the device can read it: no HTML
// escaping (the device never unescapes, so "<" must stay "<"), no trailing
// newline, keys in the order given by the struct.
func marshalRequest(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// checkSSID refuses SSIDs that the device would store wrongly or not at all.
// Go's JSON encoder escapes '"', '\\', control characters, U+2028 and U+2029
// and replaces invalid UTF-8; the device unescapes none of it.
func checkSSID(ssid string) error {
	if len(ssid) == 0 || len(ssid) > 32 {
		return ErrSSIDLength
	}
	if !utf8.ValidString(ssid) {
		return ErrSSIDCharacters
	}
	for _, r := range ssid {
		if r == '"' || r == '\\' || r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ErrSSIDCharacters
		}
	}
	return nil
}

// checkPassword applies the device's passphrase limits for the family so the
// technician hears about a bad password before anything is sent.
func checkPassword(family Security, password string) error {
	switch family {
	case Open:
		if password != "" {
			return ErrPasswordForOpenNetwork
		}
	case WEP:
		if len(password) < 5 || len(password) > 58 {
			return ErrPasswordLength
		}
	case WPA, WPA2:
		if len(password) < 8 || len(password) > 64 {
			return ErrPasswordLength
		}
	case WPAEnterprise, WPA2Enterprise:
		return ErrEnterpriseUnsupported
	default:
		return fmt.Errorf("the Wi-Fi security type is unknown: choose open, wep, wpa or wpa2 in the job profile")
	}
	return nil
}

// resultReply is the {"r":n} reply of set, configure-ap and connect-ap.
type resultReply struct {
	R *int `json:"r"`
}

// parseResult reads a {"r":n} reply; a missing "r" is a protocol error.
func parseResult(command string, b []byte) (int, error) {
	var rep resultReply
	if err := json.Unmarshal(b, &rep); err != nil {
		return 0, &ProtocolError{Command: command, Detail: err.Error()}
	}
	if rep.R == nil {
		return 0, &ProtocolError{Command: command, Detail: `no "r" in the reply`}
	}
	return *rep.R, nil
}

// ParseVersion reads version's {"v":2} reply.
func ParseVersion(b []byte) (int, error) {
	var rep struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return 0, &ProtocolError{Command: cmdVersion, Detail: err.Error()}
	}
	if rep.V == nil {
		return 0, &ProtocolError{Command: cmdVersion, Detail: `no "v" in the reply`}
	}
	return *rep.V, nil
}

// DeviceInfo is device-id's reply: the device ID in the cloud's lower case,
// and whether the device's "claimed" flag is set (which does not say by whom).
type DeviceInfo struct {
	ID      string
	Claimed bool
}

// ParseDeviceID reads device-id's {"id":"<24 hex>","c":"0|1"} reply and
// lower-cases the ID for the cloud API.
func ParseDeviceID(b []byte) (DeviceInfo, error) {
	var rep struct {
		ID *string          `json:"id"`
		C  *json.RawMessage `json:"c"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return DeviceInfo{}, &ProtocolError{Command: cmdDeviceID, Detail: err.Error()}
	}
	if rep.ID == nil {
		return DeviceInfo{}, &ProtocolError{Command: cmdDeviceID, Detail: `no "id" in the reply`}
	}
	id := strings.ToLower(*rep.ID)
	if _, err := hex.DecodeString(id); err != nil || len(id) != 24 {
		return DeviceInfo{}, &ProtocolError{Command: cmdDeviceID, Detail: fmt.Sprintf("device ID %q is not 24 hex digits", *rep.ID)}
	}
	info := DeviceInfo{ID: id}
	if rep.C != nil {
		// "c" is a string on real firmware; accept a number or bool too.
		switch strings.Trim(string(*rep.C), `"`) {
		case "1", "true":
			info.Claimed = true
		case "0", "false", "":
		default:
			return DeviceInfo{}, &ProtocolError{Command: cmdDeviceID, Detail: fmt.Sprintf(`claim flag %s is not "0" or "1"`, *rep.C)}
		}
	}
	return info, nil
}

// ParsePublicKey reads public-key's {"b":"<588 hex>","r":0} reply: hex (any
// case) of the SPKI DER plus zero padding. It insists on RSA-1024 with
// e=65537, the only key a Photon has.
func ParsePublicKey(b []byte) (*rsa.PublicKey, error) {
	var rep struct {
		B *string `json:"b"`
		R *int    `json:"r"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, &ProtocolError{Command: cmdPublicKey, Detail: err.Error()}
	}
	if rep.R != nil && *rep.R != 0 {
		return nil, &ResultError{Command: cmdPublicKey, Code: *rep.R}
	}
	if rep.B == nil {
		return nil, &ProtocolError{Command: cmdPublicKey, Detail: `no "b" in the reply`}
	}
	return parseKeyHex(*rep.B)
}

func parseKeyHex(s string) (*rsa.PublicKey, error) {
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w (key is not hex: %v)", ErrBadPublicKey, err)
	}
	var rv asn1.RawValue
	rest, err := asn1.Unmarshal(raw, &rv)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrBadPublicKey, err)
	}
	for _, c := range rest {
		if c != 0 {
			return nil, fmt.Errorf("%w (non-zero bytes after the key)", ErrBadPublicKey)
		}
	}
	pub, err := x509.ParsePKIXPublicKey(rv.FullBytes)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrBadPublicKey, err)
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w (not an RSA key)", ErrBadPublicKey)
	}
	if rk.N.BitLen() != 1024 || rk.E != 65537 {
		return nil, fmt.Errorf("%w (RSA-%d with e=%d, want RSA-1024 with e=65537)", ErrBadPublicKey, rk.N.BitLen(), rk.E)
	}
	return rk, nil
}

// Network is one Wi-Fi network the Photon saw in scan-ap. Code is the exact
// security value to send back in configure-ap.
type Network struct {
	SSID        string
	RSSI        int // dBm, negative
	Code        SecurityCode
	Channel     int
	MaxDataRate int // kbit/s
}

// Security is the network's family.
func (n Network) Security() Security { return n.Code.Family() }

type scanEntry struct {
	SSID string `json:"ssid"`
	RSSI int    `json:"rssi"`
	Sec  int64  `json:"sec"`
	Ch   int    `json:"ch"`
	MDR  int    `json:"mdr"`
}

func (e scanEntry) network() Network {
	return Network{SSID: e.SSID, RSSI: e.RSSI, Code: SecurityCode(e.Sec), Channel: e.Ch, MaxDataRate: e.MDR}
}

// ParseScan reads scan-ap's {"scans":[...]} reply, one entry per BSSID as the
// device sends it. The firmware copies SSIDs raw without JSON escaping, so
// when the reply is not valid JSON, holds a backslash that strict JSON would
// misread as an escape, or holds invalid UTF-8 that strict JSON would
// replace, ParseScan reads the firmware's fixed layout with the SSID bytes
// taken verbatim.
func ParseScan(b []byte) ([]Network, error) {
	var rep struct {
		Scans *[]scanEntry `json:"scans"`
	}
	strictErr := json.Unmarshal(b, &rep)
	if strictErr == nil && rep.Scans != nil && !bytes.Contains(b, []byte{'\\'}) && utf8.Valid(b) {
		nets := make([]Network, 0, len(*rep.Scans))
		for _, e := range *rep.Scans {
			nets = append(nets, e.network())
		}
		return nets, nil
	}
	nets, err := parseScanRaw(b)
	if err == nil {
		return nets, nil
	}
	if strictErr == nil && rep.Scans != nil {
		nets := make([]Network, 0, len(*rep.Scans))
		for _, e := range *rep.Scans {
			nets = append(nets, e.network())
		}
		return nets, nil
	}
	if strictErr == nil {
		strictErr = errors.New(`no "scans" in the reply`)
	}
	return nil, &ProtocolError{Command: cmdScanAP, Detail: strictErr.Error()}
}

// parseScanRaw reads the firmware's hand-written layout
// {"scans":[{"ssid":"RAW","rssi":N,"sec":N,"ch":N,"mdr":N},...]} taking the
// SSID bytes verbatim up to the `","rssi":` that follows them.
func parseScanRaw(b []byte) ([]Network, error) {
	s := bytes.TrimSpace(b)
	const head = `{"scans":[`
	if !bytes.HasPrefix(s, []byte(head)) {
		return nil, errors.New("reply does not start with " + head)
	}
	s = s[len(head):]
	nets := []Network{}
	if bytes.HasPrefix(s, []byte("]}")) && len(bytes.TrimSpace(s[2:])) == 0 {
		return nets, nil
	}
	for {
		const ssidKey = `{"ssid":"`
		if !bytes.HasPrefix(s, []byte(ssidKey)) {
			return nil, errors.New(`scan entry does not start with {"ssid":"`)
		}
		s = s[len(ssidKey):]
		end := bytes.Index(s, []byte(`","rssi":`))
		if end < 0 {
			return nil, errors.New(`scan entry has no "rssi" after its SSID`)
		}
		ssid := string(s[:end])
		s = s[end+2:] // keep `"rssi":...`
		close := bytes.IndexByte(s, '}')
		if close < 0 {
			return nil, errors.New("scan entry is not closed")
		}
		var e scanEntry
		obj := append([]byte{'{'}, s[:close+1]...)
		if err := json.Unmarshal(obj, &e); err != nil {
			return nil, fmt.Errorf("scan entry for %q: %v", ssid, err)
		}
		e.SSID = ssid
		nets = append(nets, e.network())
		s = s[close+1:]
		switch {
		case bytes.HasPrefix(s, []byte(",")):
			s = s[1:]
		case bytes.HasPrefix(s, []byte("]}")):
			if len(bytes.TrimSpace(s[2:])) != 0 {
				return nil, errors.New("data after the scan list")
			}
			return nets, nil
		default:
			return nil, errors.New("scan entries not separated by commas")
		}
	}
}

// MergeNetworks keeps one entry per SSID, the strongest, as the device lists
// one entry per access point. The result is sorted strongest first, then by
// name, so a UI list is stable.
func MergeNetworks(nets []Network) []Network {
	best := map[string]Network{}
	for _, n := range nets {
		if n.SSID == "" {
			continue
		}
		if old, ok := best[n.SSID]; !ok || n.RSSI > old.RSSI {
			best[n.SSID] = n
		}
	}
	out := make([]Network, 0, len(best))
	for _, n := range best {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RSSI != out[j].RSSI {
			return out[i].RSSI > out[j].RSSI
		}
		return out[i].SSID < out[j].SSID
	})
	return out
}

// FindNetwork returns the scan entry with exactly this SSID.
func FindNetwork(nets []Network, ssid string) (Network, bool) {
	for _, n := range nets {
		if n.SSID == ssid {
			return n, true
		}
	}
	return Network{}, false
}

// scanEntriesWhole reports whether every entry of a scan-ap reply carries
// the fields the device always writes after the SSID.
func scanEntriesWhole(raw json.RawMessage) bool {
	var rep struct {
		Scans []map[string]json.RawMessage `json:"scans"`
	}
	if json.Unmarshal(raw, &rep) != nil {
		return false
	}
	for _, e := range rep.Scans {
		for _, k := range []string{"ssid", "rssi", "sec", "ch"} {
			if _, ok := e[k]; !ok {
				return false
			}
		}
	}
	return true
}

// replyComplete reports whether b holds one whole reply for the command, so
// the reader can stop without waiting for EOF (the first TCP connection may
// never close). A syntactically broken scan-ap reply counts as complete once
// the raw layout parses.
func replyComplete(command string, b []byte) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	err := dec.Decode(&raw)
	if err == nil {
		if command == cmdScanAP {
			// The scan list streams, and an SSID such as `"}]}` can make
			// a prefix of it valid JSON: it is whole only when every entry
			// is. Return the whole buffer: the raw parser may need bytes
			// the strict decoder treated as the end.
			if _, rawErr := parseScanRaw(b); rawErr != nil && !scanEntriesWhole(raw) {
				return nil, false
			}
			return bytes.TrimSpace(b), true
		}
		return raw, true
	}
	if command == cmdScanAP {
		if _, rawErr := parseScanRaw(b); rawErr == nil {
			return bytes.TrimSpace(b), true
		}
	}
	return nil, false
}

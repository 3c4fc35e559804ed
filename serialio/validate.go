package serialio

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Security is a Wi-Fi network's security family, spelled as job profiles and
// the --security flag spell it, so a provisioning.Security or softap.Security
// converts with a plain type conversion.
type Security string

// The families a Photon's 'w' dialogue knows. The enterprise families are
// recognised (a scan may report them) but the station refuses to configure
// them.
const (
	SecurityOpen           Security = "open"
	SecurityWEP            Security = "wep"
	SecurityWPA            Security = "wpa"
	SecurityWPA2           Security = "wpa2"
	SecurityWPAEnterprise  Security = "wpa-enterprise"
	SecurityWPA2Enterprise Security = "wpa2-enterprise"
)

// ParseSecurity reads the headless contract's spellings (open, wep, wpa,
// wpa2; case-insensitive). Enterprise families are not accepted as input.
func ParseSecurity(s string) (Security, error) {
	switch v := Security(strings.ToLower(strings.TrimSpace(s))); v {
	case SecurityOpen, SecurityWEP, SecurityWPA, SecurityWPA2:
		return v, nil
	case "none":
		return SecurityOpen, nil
	}
	return "", invalid("security", "unknown Wi-Fi security; use open, wep, wpa or wpa2")
}

// Digit is the answer to the device's "Security 0=unsecured, 1=WEP, 2=WPA,
// 3=WPA2, ..." prompt (hal/inc/wlan_hal.h WLanSecurityType).
func (s Security) Digit() (byte, bool) {
	switch s {
	case SecurityOpen:
		return '0', true
	case SecurityWEP:
		return '1', true
	case SecurityWPA:
		return '2', true
	case SecurityWPA2:
		return '3', true
	case SecurityWPAEnterprise:
		return '4', true
	case SecurityWPA2Enterprise:
		return '5', true
	}
	return 0, false
}

// SecurityFromDigit is the inverse of Digit, for emulators and transcripts.
func SecurityFromDigit(d byte) (Security, bool) {
	for _, s := range []Security{SecurityOpen, SecurityWEP, SecurityWPA, SecurityWPA2, SecurityWPAEnterprise, SecurityWPA2Enterprise} {
		if x, _ := s.Digit(); x == d {
			return s, true
		}
	}
	return "", false
}

// Enterprise reports whether the family needs 802.1X details.
func (s Security) Enterprise() bool {
	return s == SecurityWPAEnterprise || s == SecurityWPA2Enterprise
}

// NeedsPassword reports whether the device asks for a password for this family.
func (s Security) NeedsPassword() bool {
	return s == SecurityWEP || s == SecurityWPA || s == SecurityWPA2
}

// Cipher is the answer to "Security Cipher 1=AES, 2=TKIP, 3=AES+TKIP: ",
// which the device asks when its scan could not tell (hidden networks, and
// open or WEP networks). The zero value means "let the station choose" (AES,
// as the Particle CLI does).
type Cipher string

// Ciphers a Photon can be told to use.
const (
	CipherAuto    Cipher = ""
	CipherAES     Cipher = "aes"
	CipherTKIP    Cipher = "tkip"
	CipherAESTKIP Cipher = "aes+tkip"
)

// Digit is the device's code for the cipher; CipherAuto answers AES.
func (c Cipher) Digit() (byte, bool) {
	switch c {
	case CipherAuto, CipherAES:
		return '1', true
	case CipherTKIP:
		return '2', true
	case CipherAESTKIP:
		return '3', true
	}
	return 0, false
}

// CipherFromDigit is the inverse of Digit.
func CipherFromDigit(d byte) (Cipher, bool) {
	switch d {
	case '1':
		return CipherAES, true
	case '2':
		return CipherTKIP, true
	case '3':
		return CipherAESTKIP, true
	}
	return "", false
}

// Limits the Photon's firmware enforces (photon-serial.md 'w' and 'C';
// photon-softap.md configure-ap).
const (
	MaxSSIDBytes       = 32
	MinWPAPassword     = 8
	MaxWPAPassword     = 64
	MinWEPKey          = 5
	MaxWEPKey          = 58
	ClaimCodeLength    = 63
	DeviceIDLength     = 24
	maxPasswordOnWire  = 64 // read_line(password, 64)
	maxClaimCodeOnWire = 63 // read_line(claim_code, 63)
)

// ValidationError says which value is wrong and why, in words for a form. It
// never quotes a password or claim code.
type ValidationError struct {
	Field   string // "ssid", "password", "claim code", "security", "device ID"
	Problem string // a sentence for the person filling the form
}

func (e *ValidationError) Error() string { return e.Problem }

// Is makes errors.Is(err, ErrInvalidInput) hold.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

func invalid(field, problem string) error { return &ValidationError{Field: field, Problem: problem} }

// ValidateSSID checks that a Photon can store the network name: 1 to 32 bytes
// of valid text without control characters (a control byte would end or edit
// the device's input line).
func ValidateSSID(ssid string) error {
	switch {
	case ssid == "":
		return invalid("ssid", "Enter the Wi-Fi network name.")
	case len(ssid) > MaxSSIDBytes:
		return invalid("ssid", fmt.Sprintf("The Wi-Fi network name is %d bytes long; a Photon stores at most %d.", len(ssid), MaxSSIDBytes))
	case !utf8.ValidString(ssid):
		return invalid("ssid", "The Wi-Fi network name is not valid text.")
	case strings.ContainsFunc(ssid, unicode.IsControl):
		return invalid("ssid", "The Wi-Fi network name contains a control character a Photon cannot store.")
	}
	return nil
}

// WEPKey is a WEP key in the form a Photon takes it: the firmware
// hex-decodes every WEP key (add_wiced_wifi_credentials), so the 5 or 13
// characters of a text key are sent as their hex digits, and a hex key as
// it is.
func WEPKey(key string) string {
	if len(key) == 5 || len(key) == 13 {
		return hex.EncodeToString([]byte(key))
	}
	return key
}

// ValidatePassword checks a Wi-Fi password for the security family: anything
// for open networks (it is not sent), 8 to 64 characters for WPA/WPA2, for WEP
// 10 or 26 hex digits or 5 or 13 characters (see WEPKey), never a
// control character. Enterprise networks are refused.
func ValidatePassword(sec Security, pw string) error {
	switch sec {
	case SecurityOpen:
		// The device never asks; a leftover password is harmless (and is
		// offered only if the device's scan finds the network secured).
		return nil
	case SecurityWEP:
		// The device hex-decodes every WEP key, so a key is either its
		// hex digits (64- or 128-bit WEP) or the 5 or 13 characters they
		// stand for, which WEPKey turns into hex before sending.
		switch {
		case (len(pw) == 10 || len(pw) == 26) && isHex(pw):
		case len(pw) == 5 || len(pw) == 13:
		default:
			return invalid("password", "A WEP key is 10 or 26 hex digits, or 5 or 13 characters; check the password.")
		}
	case SecurityWPA, SecurityWPA2:
		if len(pw) < MinWPAPassword || len(pw) > MaxWPAPassword {
			return invalid("password", fmt.Sprintf("A WPA or WPA2 password has %d to %d characters; check the password.", MinWPAPassword, MaxWPAPassword))
		}
	case SecurityWPAEnterprise, SecurityWPA2Enterprise:
		return invalid("security", "WPA Enterprise networks are not supported by Photon Station; use a WPA2 network with a password.")
	default:
		return invalid("security", "Unknown Wi-Fi security; use open, wep, wpa or wpa2.")
	}
	if !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl) {
		return invalid("password", "The Wi-Fi password contains a character a Photon cannot store (a control character or invalid text).")
	}
	return nil
}

// ValidateClaimCode checks that a claim code is exactly 63 printable ASCII
// characters, which is all the device stores; anything else it would
// silently truncate or refuse.
func ValidateClaimCode(code string) error {
	if len(code) != ClaimCodeLength {
		return invalid("claim code", fmt.Sprintf("A claim code has exactly %d characters; this one has %d. Request a new claim code.", ClaimCodeLength, len(code)))
	}
	for i := 0; i < len(code); i++ {
		if code[i] <= ' ' || code[i] > '~' {
			return invalid("claim code", "The claim code contains a character that is not printable ASCII. Request a new claim code.")
		}
	}
	return nil
}

// ValidateDeviceID checks a 24-hex-digit device ID (either case) and returns
// it lower-cased, the form the cloud and the USB serial number use.
func ValidateDeviceID(id string) (string, error) {
	if len(id) != DeviceIDLength || !isHex(id) {
		return "", invalid("device ID", "A device ID has 24 hexadecimal digits (0-9, a-f).")
	}
	return strings.ToLower(id), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isHexByte(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// Credentials are what the 'w' dialogue gives a Photon.
type Credentials struct {
	SSID     string
	Security Security // used only when the device cannot see the network
	Cipher   Cipher   // used only when the device asks; CipherAuto answers AES
	Password string   // never logged; scrubbed from transcripts
}

// Validate applies ValidateSSID and ValidatePassword.
func (c Credentials) Validate() error {
	if err := ValidateSSID(c.SSID); err != nil {
		return err
	}
	if _, ok := c.Cipher.Digit(); !ok {
		return invalid("cipher", "Unknown Wi-Fi cipher; use aes, tkip or aes+tkip.")
	}
	if c.Security == SecurityOpen && c.Password != "" {
		// A leftover password is typed only if the device finds the
		// network secured; it must then fit the device's line like any
		// other, or the device truncates it and the echo (which is how it
		// is scrubbed from transcripts) no longer matches.
		if len(c.Password) > maxPasswordOnWire || !utf8.ValidString(c.Password) || strings.ContainsFunc(c.Password, unicode.IsControl) {
			return invalid("password", fmt.Sprintf("The Wi-Fi password cannot be typed into a Photon (more than %d characters, or a control character); check the password or leave it empty for an open network.", maxPasswordOnWire))
		}
	}
	return ValidatePassword(c.Security, c.Password)
}

// String never shows the password, so a Credentials value is safe in a log.
func (c Credentials) String() string {
	return fmt.Sprintf("{SSID:%q Security:%s Cipher:%s Password:[redacted]}", c.SSID, c.Security, c.Cipher)
}

// GoString keeps %#v from printing the password.
func (c Credentials) GoString() string { return "serialio.Credentials" + c.String() }

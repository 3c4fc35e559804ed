package softap

import (
	"fmt"
	"strings"
)

// Security is the family of a Wi-Fi network's protection as a technician
// names it in a job profile or on the command line (--security open|wep|wpa|wpa2).
// The device only cares about the family on firmware 0.7.0 and later, so the
// station works in families and maps them to a SecurityCode for the wire.
type Security string

// The security families a Photon can join. Enterprise families exist so that
// scan results can be shown honestly; configure-ap refuses them.
const (
	Open           Security = "open"
	WEP            Security = "wep"
	WPA            Security = "wpa"
	WPA2           Security = "wpa2"
	WPAEnterprise  Security = "wpa-enterprise"
	WPA2Enterprise Security = "wpa2-enterprise"
	// UnknownSecurity is what the device reports as sec -1, or a code this
	// package does not recognise.
	UnknownSecurity Security = "unknown"
)

// ParseSecurity reads a security family as a technician types it
// (case-insensitive, "wpa2-psk" style suffixes and "none" accepted), so
// profiles and flags share one vocabulary.
func ParseSecurity(s string) (Security, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "open", "none", "":
		return Open, nil
	case "wep":
		return WEP, nil
	case "wpa", "wpa-psk", "wpa_psk":
		return WPA, nil
	case "wpa2", "wpa2-psk", "wpa2_psk":
		return WPA2, nil
	}
	return "", fmt.Errorf("unknown Wi-Fi security %q: use open, wep, wpa or wpa2", s)
}

// Code is the wire value sent in configure-ap's "sec" for a network of this
// family that the device did not report in its scan. WPA and WPA2 use the
// mixed-cipher values (as softap-setup-js's "wpa2" alias does): on 0.7.0 and
// later the device keeps only the family bits anyway.
func (s Security) Code() SecurityCode {
	switch s {
	case Open:
		return SecOpen
	case WEP:
		return SecWEPPSK
	case WPA:
		return SecWPAMixedPSK
	case WPA2:
		return SecWPA2MixedPSK
	case WPAEnterprise:
		return SecWPAMixedEnt
	case WPA2Enterprise:
		return SecWPA2MixedEnt
	}
	return SecUnknown
}

// Cipher is a WPA or WPA2 network's encryption as a job profile names it
// (aes, tkip, aes+tkip; the spelling of provisioning.Cipher and
// serialio.Cipher, so the types convert plainly).
type Cipher string

// The ciphers a job profile can name.
const (
	CipherAES     Cipher = "aes"
	CipherTKIP    Cipher = "tkip"
	CipherAESTKIP Cipher = "aes+tkip"
)

// CodeWith is the wire value for a network of this family whose access point
// uses cipher c, for a network the device did not report in its scan:
// WPA2 with TKIP is WPA2_TKIP_PSK, with AES WPA2_AES_PSK, with both
// WPA2_MIXED_PSK (photon-softap.md §4). Open and WEP networks have no
// cipher bits, and an empty or unknown cipher gives Code. Firmware 0.7.0
// and later keep only the family and learn the cipher from their own scan
// (so they refuse a hidden WPA network); 0.6.x and earlier store the code as
// sent, and join a hidden network only with its exact code.
func (s Security) CodeWith(c Cipher) SecurityCode {
	var bits SecurityCode
	switch c {
	case CipherAES:
		bits = secAES
	case CipherTKIP:
		bits = secTKIP
	case CipherAESTKIP:
		bits = secAES | secTKIP
	default:
		return s.Code()
	}
	switch s {
	case WPA:
		return secWPA | bits
	case WPA2:
		return secWPA2 | bits
	case WPAEnterprise:
		return secEnterprise | secWPA | bits
	case WPA2Enterprise:
		return secEnterprise | secWPA2 | bits
	}
	return s.Code()
}

// SecurityCode is a WICED wiced_security_t value as the device sends it in
// scan-ap and expects it in configure-ap (photon-softap.md §4). Sending back
// exactly the code the device scanned is the most faithful choice.
type SecurityCode int64

// WICED flag bits that make up a SecurityCode.
const (
	secWEP        SecurityCode = 0x1
	secTKIP       SecurityCode = 0x2
	secAES        SecurityCode = 0x4
	secShared     SecurityCode = 0x8000
	secWPA        SecurityCode = 0x00200000
	secWPA2       SecurityCode = 0x00400000
	secEnterprise SecurityCode = 0x02000000
	secWPS        SecurityCode = 0x10000000
	secIBSS       SecurityCode = 0x20000000
)

// The named WICED security values (photon-softap.md §4).
const (
	SecOpen         SecurityCode = 0
	SecWEPPSK       SecurityCode = secWEP
	SecWEPShared    SecurityCode = secWEP | secShared
	SecWPATKIPPSK   SecurityCode = secWPA | secTKIP
	SecWPAAESPSK    SecurityCode = secWPA | secAES
	SecWPAMixedPSK  SecurityCode = secWPA | secTKIP | secAES
	SecWPA2AESPSK   SecurityCode = secWPA2 | secAES
	SecWPA2TKIPPSK  SecurityCode = secWPA2 | secTKIP
	SecWPA2MixedPSK SecurityCode = secWPA2 | secTKIP | secAES
	SecWPATKIPEnt   SecurityCode = secEnterprise | secWPA | secTKIP
	SecWPAAESEnt    SecurityCode = secEnterprise | secWPA | secAES
	SecWPAMixedEnt  SecurityCode = secEnterprise | secWPA | secTKIP | secAES
	SecWPA2TKIPEnt  SecurityCode = secEnterprise | secWPA2 | secTKIP
	SecWPA2AESEnt   SecurityCode = secEnterprise | secWPA2 | secAES
	SecWPA2MixedEnt SecurityCode = secEnterprise | secWPA2 | secTKIP | secAES
	SecIBSSOpen     SecurityCode = secIBSS
	SecWPSOpen      SecurityCode = secWPS
	SecWPSSecure    SecurityCode = secWPS | secAES
	SecUnknown      SecurityCode = -1
)

var securityCodeNames = map[SecurityCode]string{
	SecOpen: "OPEN", SecWEPPSK: "WEP_PSK", SecWEPShared: "WEP_SHARED",
	SecWPATKIPPSK: "WPA_TKIP_PSK", SecWPAAESPSK: "WPA_AES_PSK", SecWPAMixedPSK: "WPA_MIXED_PSK",
	SecWPA2AESPSK: "WPA2_AES_PSK", SecWPA2TKIPPSK: "WPA2_TKIP_PSK", SecWPA2MixedPSK: "WPA2_MIXED_PSK",
	SecWPATKIPEnt: "WPA_TKIP_ENT", SecWPAAESEnt: "WPA_AES_ENT", SecWPAMixedEnt: "WPA_MIXED_ENT",
	SecWPA2TKIPEnt: "WPA2_TKIP_ENT", SecWPA2AESEnt: "WPA2_AES_ENT", SecWPA2MixedEnt: "WPA2_MIXED_ENT",
	SecIBSSOpen: "IBSS_OPEN", SecWPSOpen: "WPS_OPEN", SecWPSSecure: "WPS_SECURE", SecUnknown: "UNKNOWN",
}

// String names the code as WICED does (WPA2_AES_PSK), or gives the number.
func (c SecurityCode) String() string {
	if n, ok := securityCodeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("sec(%d)", int64(c))
}

// Family reduces a wire code to its family, as the firmware's
// toSecurityType does: the cipher bits and WEP-shared are discarded.
func (c SecurityCode) Family() Security {
	switch {
	case c < 0:
		return UnknownSecurity
	case c&secEnterprise != 0 && c&secWPA2 != 0:
		return WPA2Enterprise
	case c&secEnterprise != 0:
		return WPAEnterprise
	case c&secWPA2 != 0:
		return WPA2
	case c&secWPA != 0:
		return WPA
	case c&secWEP != 0:
		return WEP
	case c&^(secWPS|secIBSS) == 0:
		return Open
	}
	return UnknownSecurity
}

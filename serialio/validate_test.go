package serialio_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/photon-station/photon-station/serialio"
)

func TestValidateSSID(t *testing.T) {
	for _, tc := range []struct {
		name, ssid string
		ok         bool
	}{
		{"plain", "Factory-WiFi", true},
		{"32 bytes", strings.Repeat("a", 32), true},
		{"33 bytes", strings.Repeat("a", 33), false},
		{"multi-byte counted in bytes", strings.Repeat("é", 16), true},
		{"multi-byte over 32 bytes", strings.Repeat("é", 17), false},
		{"empty", "", false},
		{"newline would end the line", "ab\ncd", false},
		{"backspace would edit the line", "ab\bcd", false},
		{"DEL", "ab\x7fcd", false},
		{"invalid UTF-8", "ab\xffcd", false},
		{"looks like a prompt", "Password: ", true},
		{"quotes are fine over serial", `my "net"\x`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := serialio.ValidateSSID(tc.ssid)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateSSID(%q) = %v, want ok=%v", tc.ssid, err, tc.ok)
			}
			if err != nil && !errors.Is(err, serialio.ErrInvalidInput) {
				t.Errorf("error %v does not match ErrInvalidInput", err)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		name string
		sec  serialio.Security
		pw   string
		ok   bool
	}{
		{"open without password", serialio.SecurityOpen, "", true},
		{"open with a leftover password", serialio.SecurityOpen, "secret123", true},
		{"wpa2 8", serialio.SecurityWPA2, "12345678", true},
		{"wpa2 7", serialio.SecurityWPA2, "1234567", false},
		{"wpa2 64", serialio.SecurityWPA2, strings.Repeat("f", 64), true},
		{"wpa2 65", serialio.SecurityWPA2, strings.Repeat("f", 65), false},
		{"wpa 8", serialio.SecurityWPA, "abcdefgh", true},
		{"wpa empty", serialio.SecurityWPA, "", false},
		{"wep 10 hex", serialio.SecurityWEP, "0123456789", true},
		{"wep 26 hex", serialio.SecurityWEP, "0123456789abcdef0123456789", true},
		{"wep 4", serialio.SecurityWEP, "abcd", false},
		{"wep 59", serialio.SecurityWEP, strings.Repeat("a", 59), false},
		{"wep 5 characters (text key)", serialio.SecurityWEP, "abcde", true},
		{"wep 13 characters (text key)", serialio.SecurityWEP, "abcdefghijklm", true},
		{"wep 10 characters, not hex", serialio.SecurityWEP, "abcdefghij", false},
		{"wep 8 hex digits", serialio.SecurityWEP, "01234567", false},
		{"control character", serialio.SecurityWPA2, "pass\nword", false},
		{"enterprise refused", serialio.SecurityWPA2Enterprise, "whatever1", false},
		{"unknown security", serialio.Security("wpa3"), "whatever1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := serialio.ValidatePassword(tc.sec, tc.pw)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidatePassword(%s) = %v, want ok=%v", tc.sec, err, tc.ok)
			}
			if err != nil && tc.pw != "" && strings.Contains(err.Error(), tc.pw) {
				t.Errorf("error %q quotes the password", err)
			}
		})
	}
}

func TestValidateClaimCode(t *testing.T) {
	good := strings.Repeat("A", 63)
	for _, tc := range []struct {
		name, code string
		ok         bool
	}{
		{"63", good, true},
		{"62", good[:62], false},
		{"64", good + "A", false},
		{"space", good[:62] + " ", false},
		{"non-ASCII", good[:61] + "é", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := serialio.ValidateClaimCode(tc.code)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateClaimCode = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), tc.code) {
				t.Errorf("error quotes the claim code")
			}
		})
	}
}

func TestParseSecurityAndDigits(t *testing.T) {
	for in, want := range map[string]serialio.Security{"open": "open", "WPA2": "wpa2", " wep ": "wep", "wpa": "wpa", "none": "open"} {
		got, err := serialio.ParseSecurity(in)
		if err != nil || got != want {
			t.Errorf("ParseSecurity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := serialio.ParseSecurity("wpa2-enterprise"); err == nil {
		t.Error("enterprise accepted as input")
	}
	for _, s := range []serialio.Security{serialio.SecurityOpen, serialio.SecurityWEP, serialio.SecurityWPA, serialio.SecurityWPA2, serialio.SecurityWPAEnterprise, serialio.SecurityWPA2Enterprise} {
		d, ok := s.Digit()
		back, ok2 := serialio.SecurityFromDigit(d)
		if !ok || !ok2 || back != s {
			t.Errorf("%s -> %q -> %s", s, d, back)
		}
	}
	for _, c := range []serialio.Cipher{serialio.CipherAES, serialio.CipherTKIP, serialio.CipherAESTKIP} {
		d, _ := c.Digit()
		if back, _ := serialio.CipherFromDigit(d); back != c {
			t.Errorf("%s -> %q -> %s", c, d, back)
		}
	}
	if d, _ := serialio.CipherAuto.Digit(); d != '1' {
		t.Errorf("automatic cipher answers %q, want AES (1)", d)
	}
}

func TestCredentialsNeverPrintPassword(t *testing.T) {
	c := serialio.Credentials{SSID: "net", Security: serialio.SecurityWPA2, Password: "hunter2hunter2"}
	for _, s := range []string{c.String(), c.GoString()} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%q shows the password", s)
		}
	}
}

func TestValidateDeviceID(t *testing.T) {
	got, err := serialio.ValidateDeviceID("3A001D000247343339373536")
	if err != nil || got != "3a001d000247343339373536" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := serialio.ValidateDeviceID("3a001d00024734333937353"); err == nil {
		t.Error("23 digits accepted")
	}
}

func TestWEPKeyIsSentAsHex(t *testing.T) {
	for in, want := range map[string]string{"abcde": "6162636465", "abcdefghijklm": "6162636465666768696a6b6c6d", "0123456789": "0123456789",
		"0123456789abcdef0123456789": "0123456789abcdef0123456789"} {
		if got := serialio.WEPKey(in); got != want {
			t.Errorf("WEPKey(%q) = %q, want %q", in, got, want)
		}
	}
}

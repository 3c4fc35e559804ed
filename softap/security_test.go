package softap

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSecurityCodes checks every value against the decimal column of
// photon-softap.md §4, and the family the firmware reduces it to.
func TestSecurityCodes(t *testing.T) {
	tests := []struct {
		code    SecurityCode
		decimal int64
		name    string
		family  Security
	}{
		{SecOpen, 0, "OPEN", Open},
		{SecWEPPSK, 1, "WEP_PSK", WEP},
		{SecWEPShared, 32769, "WEP_SHARED", WEP},
		{SecWPATKIPPSK, 2097154, "WPA_TKIP_PSK", WPA},
		{SecWPAAESPSK, 2097156, "WPA_AES_PSK", WPA},
		{SecWPAMixedPSK, 2097158, "WPA_MIXED_PSK", WPA},
		{SecWPA2AESPSK, 4194308, "WPA2_AES_PSK", WPA2},
		{SecWPA2TKIPPSK, 4194306, "WPA2_TKIP_PSK", WPA2},
		{SecWPA2MixedPSK, 4194310, "WPA2_MIXED_PSK", WPA2},
		{SecWPATKIPEnt, 35651586, "WPA_TKIP_ENT", WPAEnterprise},
		{SecWPAAESEnt, 35651588, "WPA_AES_ENT", WPAEnterprise},
		{SecWPAMixedEnt, 35651590, "WPA_MIXED_ENT", WPAEnterprise},
		{SecWPA2TKIPEnt, 37748738, "WPA2_TKIP_ENT", WPA2Enterprise},
		{SecWPA2AESEnt, 37748740, "WPA2_AES_ENT", WPA2Enterprise},
		{SecWPA2MixedEnt, 37748742, "WPA2_MIXED_ENT", WPA2Enterprise},
		{SecIBSSOpen, 536870912, "IBSS_OPEN", Open},
		{SecWPSOpen, 268435456, "WPS_OPEN", Open},
		{SecWPSSecure, 268435460, "WPS_SECURE", UnknownSecurity},
		{SecUnknown, -1, "UNKNOWN", UnknownSecurity},
		{SecurityCode(2097165), 2097165, "sec(2097165)", WPA}, // RK's typo still reads as WPA
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := struct {
				Decimal int64
				Name    string
				Family  Security
			}{int64(tt.code), tt.code.String(), tt.code.Family()}
			want := got
			want.Decimal, want.Name, want.Family = tt.decimal, tt.name, tt.family
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSecurity(t *testing.T) {
	tests := []struct {
		in   string
		want Security
		code SecurityCode
		err  bool
	}{
		{"open", Open, SecOpen, false},
		{"", Open, SecOpen, false},
		{"WEP", WEP, SecWEPPSK, false},
		{"wpa", WPA, SecWPAMixedPSK, false},
		{"wpa2", WPA2, SecWPA2MixedPSK, false},
		{" WPA2-PSK ", WPA2, SecWPA2MixedPSK, false},
		{"wpa3", "", SecUnknown, true},
		{"enterprise", "", SecUnknown, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSecurity(tt.in)
			if (err != nil) != tt.err || got != tt.want || got.Code() != tt.code {
				t.Errorf("ParseSecurity(%q) = %q (code %v), %v; want %q (code %v)", tt.in, got, got.Code(), err, tt.want, tt.code)
			}
			if got != "" && got.Code().Family() != got {
				t.Errorf("%q.Code().Family() = %q", got, got.Code().Family())
			}
		})
	}
}

// TestCodeWithCipher maps a profile's family and cipher to the named WICED
// values of photon-softap.md §4.
func TestCodeWithCipher(t *testing.T) {
	tests := []struct {
		sec    Security
		cipher Cipher
		want   SecurityCode
	}{
		{WPA2, CipherAES, SecWPA2AESPSK},
		{WPA2, CipherTKIP, SecWPA2TKIPPSK},
		{WPA2, CipherAESTKIP, SecWPA2MixedPSK},
		{WPA, CipherAES, SecWPAAESPSK},
		{WPA, CipherTKIP, SecWPATKIPPSK},
		{WPA, CipherAESTKIP, SecWPAMixedPSK},
		{WPA2Enterprise, CipherTKIP, SecWPA2TKIPEnt},
		{WPAEnterprise, CipherAES, SecWPAAESEnt},
		{Open, CipherTKIP, SecOpen},
		{WEP, CipherAES, SecWEPPSK},
		{WPA2, "", SecWPA2MixedPSK},
		{WPA, "ccmp", SecWPAMixedPSK},
	}
	for _, tt := range tests {
		if got := tt.sec.CodeWith(tt.cipher); got != tt.want {
			t.Errorf("%s.CodeWith(%q) = %v, want %v", tt.sec, tt.cipher, got, tt.want)
		}
		if got := tt.sec.CodeWith(tt.cipher).Family(); got != tt.sec {
			t.Errorf("%s.CodeWith(%q).Family() = %s", tt.sec, tt.cipher, got)
		}
	}
}

package provisioning

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseCipher(t *testing.T) {
	for in, want := range map[string]Cipher{"aes": CipherAES, " TKIP ": CipherTKIP, "AES+TKIP": CipherAESTKIP, "": "", "ccmp": "", "aes-tkip": ""} {
		got, err := ParseCipher(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("ParseCipher(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestProfileCipherFile: the cipher is kept in the profile file, a file
// written before profiles had one loads as AES, and an unknown cipher is
// refused by name.
func TestProfileCipherFile(t *testing.T) {
	p := goodProfile()
	p.Cipher = CipherAESTKIP
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"cipher":"aes+tkip"`) {
		t.Errorf("file form %s lacks the cipher", b)
	}
	var got Profile
	if err := json.Unmarshal(b, &got); err != nil || got.Cipher != CipherAESTKIP {
		t.Fatalf("read back cipher %q, %v", got.Cipher, err)
	}

	old := strings.Replace(string(b), `"cipher":"aes+tkip",`, "", 1)
	if old == string(b) {
		t.Fatal("could not remove the cipher from the file form")
	}
	if err := json.Unmarshal([]byte(old), &got); err != nil || got.Cipher != CipherAES {
		t.Errorf("a file without a cipher loads as %q, %v; want aes", got.Cipher, err)
	}

	p.Cipher = "ccmp"
	verr, ok := p.Validate().(ValidationError)
	if !ok || verr.Field("cipher") == nil {
		t.Errorf("an unknown cipher validates as %v", p.Validate())
	}
}

package softaptest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"strings"
)

// Enterprise is a WPA Enterprise configuration as the device stores it
// (configure-ap keys eap, oi, ii, crt, key, ek, ca; docs/softap.md,
// "WPA Enterprise"). The firmware supports it from 0.7.0-rc.1 on the
// Photon and P1.
type Enterprise struct {
	EAPType       int    // "eap": 25 PEAP/MSCHAPv2, 13 EAP-TLS
	OuterIdentity string // "oi", optional
	InnerIdentity string // "ii": the PEAP user name
	// ClientCert and CACert are the PEM texts ("crt", "ca") after the
	// firmware's own JSON unescaping.
	ClientCert string
	CACert     string
	// PrivateKey is the EAP-TLS key ("key") decrypted with the AES-128-CBC
	// key and IV sent RSA-encrypted in "ek". The device does not strip the
	// cipher's padding: its bytes stay after the PEM text, as here.
	PrivateKey string
}

// The EAP types the firmware accepts, and the sizes of its certificate and
// key slots (WICED platform_dct_security_t).
const (
	eapTLS          = 13
	eapPEAP         = 25
	certificateSize = 4 * 1024
	privateKeySize  = 2 * 1024
)

// enterprise builds and checks an Enterprise configuration as
// wlan_set_enterprise_credentials does (check_enterprise_credentials in
// device-os hal/src/photon/wlan_hal.cpp): PEAP needs an inner identity and a
// password of 1 to 64 bytes; EAP-TLS needs a client certificate and a
// private key that fit their slots; any other type, or a CA certificate too
// large, is invalid (r=1). A key that cannot be decrypted gives the RSA
// failure code, as pwd does.
func (d *Device) enterprise(f map[string]value, password string) (*Enterprise, int) {
	e := &Enterprise{
		EAPType:       int(f["eap"].num),
		OuterIdentity: f["oi"].str,
		InnerIdentity: f["ii"].str,
		ClientCert:    unescapePEM(f["crt"].str),
		CACert:        unescapePEM(f["ca"].str),
	}
	if k := f["key"].str; k != "" {
		kiv, r := d.decrypt(f["ek"].str)
		if r != 0 {
			return nil, r
		}
		if len(kiv) < 32 {
			return nil, rInvalidEnterprise
		}
		e.PrivateKey = decryptKey(kiv[:16], kiv[16:32], lenientHex(k, privateKeySize))
	}
	valid := false
	switch e.EAPType {
	case eapPEAP:
		valid = len(e.InnerIdentity) > 0 && len(e.InnerIdentity) <= 64 && len(password) > 0 && len(password) <= 64
	case eapTLS:
		valid = e.ClientCert != "" && e.PrivateKey != "" && len(e.ClientCert) <= certificateSize && len(e.PrivateKey) <= privateKeySize
	}
	if !valid || len(e.CACert) > certificateSize {
		return nil, rInvalidEnterprise
	}
	return e, 0
}

// decryptKey runs AES-128-CBC over the whole blocks of ct and keeps the
// text up to the first NUL, padding included, as the firmware does.
func decryptKey(key, iv, ct []byte) string {
	block, err := aes.NewCipher(key)
	if err != nil {
		return ""
	}
	ct = ct[:len(ct)/aes.BlockSize*aes.BlockSize]
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	if i := bytes.IndexByte(pt, 0); i >= 0 {
		pt = pt[:i]
	}
	return string(pt)
}

// unescapePEM undoes the JSON escapes the firmware understands in crt and
// ca: \n \r \t \/ \" \\ \b \f. Others, \uXXXX included, stay as sent.
func unescapePEM(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		r, ok := map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', '/': '/', '"': '"', '\\': '\\', 'b': '\b', 'f': '\f'}[s[i+1]]
		if !ok {
			b.WriteByte(c)
			continue
		}
		b.WriteByte(r)
		i++
	}
	return b.String()
}

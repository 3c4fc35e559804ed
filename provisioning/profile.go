package provisioning

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/photon-station/photon-station/serialio"
)

// Security is the Wi-Fi security family a profile's network uses. For a
// network it can see, the Photon learns the cipher from its own scan.
type Security string

// The Wi-Fi security families the station can provision.
const (
	SecurityOpen Security = "open"
	SecurityWEP  Security = "wep"
	SecurityWPA  Security = "wpa"
	SecurityWPA2 Security = "wpa2"
)

// Securities lists the accepted Security values, for pickers and flags.
var Securities = []Security{SecurityOpen, SecurityWEP, SecurityWPA, SecurityWPA2}

// ParseSecurity accepts the spellings of the headless contract
// (open|wep|wpa|wpa2), case-insensitively.
func ParseSecurity(s string) (Security, error) {
	v := Security(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Securities {
		if v == k {
			return v, nil
		}
	}
	return "", fmt.Errorf("security %q is not one of open, wep, wpa, wpa2", s)
}

// NeedsPassword tells whether the network needs a Wi-Fi password.
func (s Security) NeedsPassword() bool { return s != SecurityOpen }

// Cipher is the encryption a hidden network's access point uses. A Photon
// learns it from its own scan for a network it can see; for a network it
// cannot see (a hidden SSID) it asks, and joins only with the right one.
type Cipher string

// The ciphers a Photon can be told; "" means CipherAES.
const (
	CipherAES     Cipher = "aes"
	CipherTKIP    Cipher = "tkip"
	CipherAESTKIP Cipher = "aes+tkip"
)

// Ciphers lists the accepted Cipher values, for pickers and flags.
var Ciphers = []Cipher{CipherAES, CipherTKIP, CipherAESTKIP}

// ParseCipher accepts aes, tkip and aes+tkip, case-insensitively.
func ParseCipher(s string) (Cipher, error) {
	v := Cipher(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Ciphers {
		if v == k {
			return v, nil
		}
	}
	return "", fmt.Errorf("cipher %q is not one of aes, tkip, aes+tkip", s)
}

// CustomerMode says whether and how a device is claimed to a product
// customer (Particle "customer claiming" with two-legged shadow customers).
type CustomerMode string

// The customer modes of a profile.
const (
	// CustomerNone leaves devices unclaimed in the product.
	CustomerNone CustomerMode = "none"
	// CustomerEmail claims each device to the shadow customer named by
	// Profile.CustomerPattern; "{device_id}" in the pattern is replaced by
	// the device ID, so one pattern can give one customer per device.
	CustomerEmail CustomerMode = "email"
	// CustomerGenerated claims each device to a shadow customer whose
	// identifier is a UUID derived from the product and the device ID, so a
	// retry or a second station finds the same customer again.
	CustomerGenerated CustomerMode = "generated"
)

// Channel is how the station reaches the device in listening mode.
type Channel string

// The device channels.
const (
	ChannelSerial Channel = "serial"
	ChannelSoftAP Channel = "softap"
)

// PostCheckKind says what the optional post-verification check does.
type PostCheckKind string

// The kinds of post-verification check.
const (
	PostCheckFunction PostCheckKind = "function"
	PostCheckVariable PostCheckKind = "variable"
)

// PostCheck is an optional call made once the device is verified online:
// call a cloud function or read a variable, and compare with Expect when it
// is not empty.
type PostCheck struct {
	Kind     PostCheckKind `json:"kind"`
	Name     string        `json:"name"`
	Argument string        `json:"argument,omitempty"` // function argument
	Expect   string        `json:"expect,omitempty"`   // expected return value or variable value, as text
}

// DefaultVerifyTimeout is how long verification waits for the device to
// reach the cloud when a profile does not say.
const DefaultVerifyTimeout = 3 * time.Minute

// Profile is one provisioning job prepared by a supervisor. It holds no
// secret: the client secret and the Wi-Fi password live in Secrets, keyed by
// the profile's Name.
type Profile struct {
	Name            string        `json:"name"`
	Product         string        `json:"product"` // numeric product ID or slug
	ClientID        string        `json:"client_id"`
	SSID            string        `json:"ssid"`
	Security        Security      `json:"security"`
	Cipher          Cipher        `json:"cipher,omitempty"` // used only for a network the Photon cannot see; "" is AES
	Customer        CustomerMode  `json:"customer"`
	CustomerPattern string        `json:"customer_pattern,omitempty"` // CustomerEmail: e-mail, may hold {device_id}; CustomerGenerated: optional e-mail domain
	Channel         Channel       `json:"channel"`
	VerifyTimeout   time.Duration `json:"-"`                      // stored as text, see MarshalJSON
	NamePattern     string        `json:"name_pattern,omitempty"` // optional device name, may hold {device_id} and {last6}
	Notes           string        `json:"notes,omitempty"`
	PostCheck       *PostCheck    `json:"post_check,omitempty"`
}

// profileFile is Profile's on-disk form: durations as Go duration text.
type profileFile struct {
	Version int `json:"version"`
	profileAlias
	VerifyTimeout string `json:"verify_timeout,omitempty"`
}

type profileAlias Profile

// profileFileVersion is written into every profile file so a later station
// can migrate old files instead of guessing.
const profileFileVersion = 1

// MarshalJSON writes the profile in its file form.
func (p Profile) MarshalJSON() ([]byte, error) {
	f := profileFile{Version: profileFileVersion, profileAlias: profileAlias(p)}
	if p.VerifyTimeout > 0 {
		f.VerifyTimeout = p.VerifyTimeout.String()
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads the file form strictly: an unknown field (a typo in
// a hand-edited file) is an error, and a bad duration is reported with the
// field's name.
func (p *Profile) UnmarshalJSON(b []byte) error {
	var f profileFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return err
	}
	*p = Profile(f.profileAlias)
	if p.Cipher == "" {
		p.Cipher = CipherAES // files from before the cipher was asked
	}
	if f.VerifyTimeout != "" {
		d, err := time.ParseDuration(f.VerifyTimeout)
		if err != nil {
			return &FieldError{Field: "verify_timeout", Message: fmt.Sprintf("%q is not a duration such as 3m or 90s", f.VerifyTimeout)}
		}
		p.VerifyTimeout = d
	}
	return nil
}

// EffectiveVerifyTimeout is VerifyTimeout, or DefaultVerifyTimeout when unset.
func (p Profile) EffectiveVerifyTimeout() time.Duration {
	if p.VerifyTimeout > 0 {
		return p.VerifyTimeout
	}
	return DefaultVerifyTimeout
}

// FieldError is one invalid profile field. Field is the JSON name the
// profile file uses, so the profile form can put the message beside it.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every invalid field of a profile.
type ValidationError []*FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Error()
	}
	return "invalid profile: " + strings.Join(parts, "; ")
}

// Field returns the error for one field, or nil.
func (v ValidationError) Field(name string) *FieldError {
	for _, e := range v {
		if e.Field == name {
			return e
		}
	}
	return nil
}

var (
	productSlugRE = regexp.MustCompile(`^(?:[0-9]+|[a-z0-9][a-z0-9-]{0,99})$`)
	clientIDRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{3,40}$`)
	emailRE       = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	profileNameOK = func(s string) bool {
		for _, r := range s {
			if unicode.IsControl(r) || r == '/' || r == '\\' {
				return false
			}
		}
		return true
	}
)

// Validate checks every field and returns a ValidationError naming each bad
// one, or nil.
func (p Profile) Validate() error {
	var errs ValidationError
	add := func(field, msg string) { errs = append(errs, &FieldError{Field: field, Message: msg}) }

	switch {
	case strings.TrimSpace(p.Name) == "":
		add("name", "give the profile a name")
	case len(p.Name) > 100:
		add("name", "keep the name under 100 characters")
	case !profileNameOK(p.Name):
		add("name", "the name may not contain slashes or control characters")
	case len(profileFileBase(p.Name)) > maxProfileFileBase:
		add("name", "the name is too long to be a file name: shorten it (symbols and letters outside A to Z take more room)")
	}
	if err := ValidateProduct(p.Product); err != nil {
		add("product", err.Error())
	}
	if err := ValidateClientID(p.ClientID); err != nil {
		add("client_id", err.Error())
	}
	if err := ValidateSSID(p.SSID, p.Channel); err != nil {
		add("ssid", err.Error())
	}
	if _, err := ParseSecurity(string(p.Security)); err != nil {
		add("security", "choose open, WEP, WPA or WPA2")
	}
	if p.Cipher != "" {
		if _, err := ParseCipher(string(p.Cipher)); err != nil {
			add("cipher", "choose AES, TKIP or AES+TKIP")
		}
	}
	switch p.Customer {
	case CustomerNone, "":
		if p.CustomerPattern != "" {
			add("customer_pattern", "a customer pattern needs a customer mode other than none")
		}
	case CustomerEmail:
		if err := ValidateCustomerEmail(p.CustomerPattern); err != nil {
			add("customer_pattern", err.Error())
		}
	case CustomerGenerated:
		if p.CustomerPattern != "" && !strings.HasPrefix(p.CustomerPattern, "@") {
			add("customer_pattern", "for generated customers give nothing, or an e-mail domain such as @factory.example.com")
		}
	default:
		add("customer", fmt.Sprintf("%q is not one of none, email, generated", p.Customer))
	}
	switch p.Channel {
	case ChannelSerial, ChannelSoftAP:
	default:
		add("channel", "choose USB serial or SoftAP")
	}
	if p.VerifyTimeout < 0 || (p.VerifyTimeout > 0 && p.VerifyTimeout < 10*time.Second) || p.VerifyTimeout > time.Hour {
		add("verify_timeout", "give between 10 seconds and 1 hour (3 minutes is usual)")
	}
	if strings.ContainsFunc(p.NamePattern, unicode.IsControl) || len(p.NamePattern) > 60 {
		add("name_pattern", "keep the device name pattern under 60 characters, without control characters")
	}
	if pc := p.PostCheck; pc != nil {
		switch pc.Kind {
		case PostCheckFunction, PostCheckVariable:
			if pc.Name == "" || len(pc.Name) > 64 {
				add("post_check", "name the function or variable to check (up to 64 characters)")
			}
		default:
			add("post_check", "choose calling a function or reading a variable")
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// ValidateProduct checks a product ID or slug.
func ValidateProduct(s string) error {
	if s == "" {
		return errors.New("give the product ID (a number) or its slug")
	}
	if !productSlugRE.MatchString(s) {
		return fmt.Errorf("%q is not a product ID or slug (digits, or lower-case letters, digits and dashes)", s)
	}
	return nil
}

// ValidateClientID checks the shape of an OAuth client ID.
func ValidateClientID(s string) error {
	if s == "" {
		return errors.New("give the product's OAuth client ID (Two-Legged Auth (Server))")
	}
	if !clientIDRE.MatchString(s) {
		return fmt.Errorf("%q does not look like an OAuth client ID (such as myproduct-1234)", s)
	}
	return nil
}

// ValidateSSID checks that the Photon can store the network name (the
// device's own rules, in serialio.ValidateSSID: 1 to 32 bytes of valid text,
// no control characters) and, over SoftAP, that it holds no quote or
// backslash (the device does not unescape JSON strings).
func ValidateSSID(ssid string, ch Channel) error {
	if err := serialio.ValidateSSID(ssid); err != nil {
		return err
	}
	if ch == ChannelSoftAP && strings.ContainsAny(ssid, `"\`) {
		return errors.New(`a network name with " or \ cannot be sent over SoftAP; use USB serial`)
	}
	return nil
}

// ValidateWiFiPassword checks the password against what the Photon accepts
// for the security family (serialio.ValidatePassword: WPA/WPA2 8 to 64
// characters, WEP 5 to 58, nothing for an open network).
func ValidateWiFiPassword(sec Security, pw string) error {
	return serialio.ValidatePassword(serialio.Security(sec), pw)
}

// ValidateCustomerEmail checks a customer e-mail or pattern.
func ValidateCustomerEmail(s string) error {
	if s == "" {
		return errors.New("give the customer e-mail (it may contain {device_id})")
	}
	probe := strings.ReplaceAll(s, "{device_id}", "0123456789abcdef01234567")
	if !emailRE.MatchString(probe) || len(probe) > 254 {
		return fmt.Errorf("%q is not an e-mail address", s)
	}
	return nil
}

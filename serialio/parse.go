package serialio

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// Identity is what the 'i' command reports. Format A ("Your device id is
// ...") is the usual Photon answer; format B ("Device ID: ...", then optional
// "Serial Number: " and "Device Secret: " lines) comes from Device OS 1.4.1+
// when the OTP area holds data. The device secret is deliberately not kept.
type Identity struct {
	DeviceID     string // 24 lowercase hex digits
	SerialNumber string // format B only, when present
	Format       IdentifyFormat
}

// IdentifyFormat tells which of the two 'i' output formats the device used.
type IdentifyFormat int

// The 'i' output formats (photon-serial.md section 4).
const (
	FormatA IdentifyFormat = iota + 1 // "Your device id is <id>"
	FormatB                           // "Device ID: <id>" plus property lines
)

var (
	identifyRE = regexp.MustCompile(`(?:Your (?:core|device) id is|(Device ID:))[ \t]*([0-9a-fA-F]{24})\r?\n`)
	// identifyLineRE is any complete ID line, whatever its value: one that
	// identifyRE does not take holds something that is not a device ID.
	identifyLineRE = regexp.MustCompile(`(?:Your (?:core|device) id is|Device ID:)[ \t]*([^\r\n]*)\r?\n`)
	deviceIDRE     = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	serialNumRE    = regexp.MustCompile(`Serial Number: ([!-~]{1,32})\r?\n`)
	// Manufacturing firmware sometimes reports a partial MAC (the CLI pads
	// it with a USI OUI); it is taken as reported, 1 to 6 octets.
	macRE     = regexp.MustCompile(`Your (?:device|core) MAC address is\r?\n([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){0,5}):?\r?\n`)
	versionRE = regexp.MustCompile(`system firmware version:[ \t]*([0-9A-Za-z._+-]+)[^\r\n]*\r?\n`)
	claimedRE = regexp.MustCompile(`Device claimed: (yes|no)\r?\n`)
)

// ParseIdentify finds the device ID in the output of 'i', tolerating
// application output around it. It needs the line's terminator, so a partial
// line never yields a truncated ID. end is the offset just past the ID line.
func ParseIdentify(out []byte) (id Identity, end int, ok bool) {
	m := identifyRE.FindSubmatchIndex(out)
	if m == nil {
		return Identity{}, 0, false
	}
	id.DeviceID = strings.ToLower(string(out[m[4]:m[5]]))
	id.Format = FormatA
	end = m[1]
	if m[2] >= 0 {
		id.Format = FormatB
		// Property lines follow the ID line directly; take the serial
		// number if it is among them. The secret is skipped on purpose.
		rest := out[end:]
		for len(rest) > 0 {
			nl := bytes.IndexByte(rest, '\n')
			if nl < 0 {
				break
			}
			line := rest[:nl+1]
			if !propertyLine(line) {
				break
			}
			if sm := serialNumRE.FindSubmatch(line); sm != nil {
				id.SerialNumber = string(sm[1])
			}
			rest = rest[nl+1:]
		}
	}
	return id, end, true
}

// ParseMalformedIdentify finds a complete ID line in the output of 'i' whose
// value is not a device ID (ParseIdentify does not take it) and returns that
// value and the offset just past the line.
func ParseMalformedIdentify(out []byte) (value string, end int, ok bool) {
	m := identifyLineRE.FindSubmatchIndex(out)
	if m == nil {
		return "", 0, false
	}
	if deviceIDRE.Match(out[m[2]:m[3]]) {
		return "", 0, false
	}
	return string(out[m[2]:m[3]]), m[1], true
}

func propertyLine(line []byte) bool {
	for _, p := range []string{"Device Secret: ", "Serial Number: ", "IMEI: ", "ICCID: ", "Cell Radio Version: "} {
		if bytes.HasPrefix(line, []byte(p)) {
			return true
		}
	}
	return false
}

// ParseMAC finds the answer to 'm' and returns the MAC in lowercase.
func ParseMAC(out []byte) (mac string, end int, ok bool) {
	m := macRE.FindSubmatchIndex(out)
	if m == nil {
		return "", 0, false
	}
	return strings.ToLower(string(out[m[2]:m[3]])), m[1], true
}

// ParseFirmwareVersion finds the answer to 'v' ("system firmware version:
// 2.3.1"). A trailing build suffix such as " minimal" is not part of the version.
func ParseFirmwareVersion(out []byte) (version string, end int, ok bool) {
	m := versionRE.FindSubmatchIndex(out)
	if m == nil {
		return "", 0, false
	}
	return string(out[m[2]:m[3]]), m[1], true
}

// ParseClaimed finds the answer to 'c' ("Device claimed: yes").
func ParseClaimed(out []byte) (claimed bool, end int, ok bool) {
	m := claimedRE.FindSubmatchIndex(out)
	if m == nil {
		return false, 0, false
	}
	return string(out[m[2]:m[3]]) == "yes", m[1], true
}

// ModuleInfo is the answer to 's': the platform and the firmware modules in
// flash (system parts, bootloader, user application, factory image).
type ModuleInfo struct {
	Platform int      `json:"p"`
	Modules  []Module `json:"m"`
}

// Module is one firmware module as 's' describes it.
type Module struct {
	MaxSize        int          `json:"s"`
	Location       string       `json:"l"` // m=main, b=backup, f=factory, t=temporary
	ValidityCheck  int          `json:"vc"`
	ValidityResult int          `json:"vv"`
	Hash           string       `json:"u,omitempty"`
	Function       string       `json:"f"` // b=bootloader, s=system, u=user, ...
	Index          string       `json:"n"`
	Version        int          `json:"v"`
	Dependencies   []Dependency `json:"d"`
}

// Dependency is a module another module needs (function, index, version).
type Dependency struct {
	Function string `json:"f"`
	Index    string `json:"n"`
	Version  int    `json:"v"`
}

// Valid reports whether the module passed the checks the device ran on it.
func (m Module) Valid() bool { return m.ValidityCheck == m.ValidityResult }

// SystemModuleVersion returns the highest module version among the system
// parts, a number that identifies the Device OS release (e.g. 3103 for 2.3.1).
func (mi ModuleInfo) SystemModuleVersion() (int, bool) {
	best, ok := 0, false
	for _, m := range mi.Modules {
		if m.Function == "s" && m.Location == "m" {
			if !ok || m.Version > best {
				best, ok = m.Version, true
			}
		}
	}
	return best, ok
}

// ParseModuleInfo finds and decodes the answer to 's': a JSON object that
// starts with {"p": and ends at the first "}\r\n" that closes valid JSON.
// Text before it (application output) is skipped.
func ParseModuleInfo(out []byte) (info ModuleInfo, end int, ok bool, err error) {
	from := 0
	for {
		i := bytes.Index(out[from:], []byte(`{"p":`))
		if i < 0 {
			return ModuleInfo{}, 0, false, nil
		}
		start := from + i
		if cand, e, found := firstValidJSONLine(out[start:]); found {
			var mi ModuleInfo
			if err := json.Unmarshal(cand, &mi); err != nil {
				return ModuleInfo{}, start + e, true, err
			}
			return mi, start + e, true, nil
		}
		// Not (yet) valid from here: perhaps application output that
		// looked like the start; try a later one.
		from = start + 1
	}
}

// firstValidJSONLine finds the shortest prefix of b that ends in "}\r\n" and
// is valid JSON without the line break; e is the offset past the break.
func firstValidJSONLine(b []byte) (cand []byte, e int, ok bool) {
	off := 0
	for {
		i := bytes.Index(b[off:], []byte("}\r\n"))
		if i < 0 {
			return nil, 0, false
		}
		c := b[:off+i+1]
		if json.Valid(c) {
			return c, off + i + 3, true
		}
		off += i + 3
	}
}

// Prompt is a piece of the 'w' and 'C' dialogues the console reacts to.
type Prompt int

// Prompts and closing texts of the listening-mode console (photon-serial.md
// section 4, 'w' and 'C').
const (
	PromptNone              Prompt = iota
	PromptSSID                     // "SSID: "
	PromptSecurity                 // "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2: " (and the enterprise variant)
	PromptCipher                   // "Security Cipher 1=AES, 2=TKIP, 3=AES+TKIP: "
	PromptPassword                 // "Password: "
	PromptEAPType                  // "EAP Type 0=PEAP/MSCHAPv2, 1=EAP-TLS: "
	PromptUsername                 // "Username: "
	PromptClientCert               // "Client certificate in PEM format:\r\n"
	PromptPrivateKey               // "Private key in PEM format:\r\n"
	PromptOuterIdentity            // "Outer identity (optional): "
	PromptRootCA                   // "Root CA in PEM format (optional):\r\n"
	PromptSaving                   // "Thanks! Wait while I save those credentials...\r\n"
	PromptWiFiSaved                // "... <3 you!\r\n" (Particle or Spark)
	PromptWiFiNotSaved             // "Derp. Sorry, we couldn't save the credentials.\r\n"
	PromptEnterpriseError          // "Error while preparing to store enterprise credentials.\r\n"
	PromptClaimCode                // "Enter 63-digit claim code: "
	PromptClaimCodeSet             // "Claim code set to: <code>\r\n"
	PromptClaimCodeRejected        // "Sorry, claim code is not 63 characters long. Claim code unchanged.\r\n"
)

var promptNames = map[Prompt]string{
	PromptNone: "none", PromptSSID: "SSID", PromptSecurity: "security", PromptCipher: "cipher",
	PromptPassword: "password", PromptEAPType: "EAP type", PromptUsername: "username",
	PromptClientCert: "client certificate", PromptPrivateKey: "private key",
	PromptOuterIdentity: "outer identity", PromptRootCA: "root CA", PromptSaving: "saving",
	PromptWiFiSaved: "credentials saved", PromptWiFiNotSaved: "credentials not saved",
	PromptEnterpriseError: "enterprise error", PromptClaimCode: "claim code",
	PromptClaimCodeSet: "claim code set", PromptClaimCodeRejected: "claim code rejected",
}

func (p Prompt) String() string { return promptNames[p] }

// promptTexts are matched literally. Texts that the device ends with a line
// break include it, so a half-received line never counts.
var promptTexts = []struct {
	p    Prompt
	text string
}{
	{PromptSSID, "SSID: "},
	{PromptCipher, "Security Cipher 1=AES, 2=TKIP, 3=AES+TKIP: "},
	{PromptSecurity, "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2: "},
	{PromptSecurity, "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2, 4=WPA Enterprise, 5=WPA2 Enterprise: "},
	{PromptPassword, "Password: "},
	{PromptEAPType, "EAP Type 0=PEAP/MSCHAPv2, 1=EAP-TLS: "},
	{PromptUsername, "Username: "},
	{PromptClientCert, "Client certificate in PEM format:\r\n"},
	{PromptPrivateKey, "Private key in PEM format:\r\n"},
	{PromptOuterIdentity, "Outer identity (optional): "},
	{PromptRootCA, "Root CA in PEM format (optional):\r\n"},
	{PromptSaving, "Thanks! Wait while I save those credentials...\r\n"},
	{PromptSaving, "Thanks! Wait about 7 seconds while I save those credentials...\r\n"},
	{PromptWiFiSaved, "Particle <3 you!\r\n"},
	{PromptWiFiSaved, "Spark <3 you!\r\n"},
	{PromptWiFiNotSaved, "Derp. Sorry, we couldn't save the credentials.\r\n"},
	{PromptEnterpriseError, "Error while preparing to store enterprise credentials.\r\n"},
	{PromptClaimCode, "Enter 63-digit claim code: "},
	{PromptClaimCodeRejected, "Sorry, claim code is not 63 characters long. Claim code unchanged.\r\n"},
}

// claimCodeSetPrefix starts the answer to a stored claim code; the code and a
// line break follow.
const claimCodeSetPrefix = "Claim code set to: "

// MatchPrompt finds the earliest complete prompt or closing text in out and
// returns it with its start and end offsets. Partial prompts (a prompt still
// arriving byte by byte) do not match; nor does text that merely contains a
// shorter prompt inside a longer one (the security prompt is not mistaken for
// the cipher prompt, nor "Password: " inside nothing else).
func MatchPrompt(out []byte) (p Prompt, start, end int, ok bool) {
	best := -1
	for _, pt := range promptTexts {
		i := bytes.Index(out, []byte(pt.text))
		if i < 0 {
			continue
		}
		e := i + len(pt.text)
		// Earliest start wins; at the same start the longer text wins (the
		// enterprise security prompt over the basic one cannot tie, but
		// keep the rule general).
		if best < 0 || i < start || (i == start && e > end) {
			best, p, start, end = i, pt.p, i, e
		}
	}
	if i := bytes.Index(out, []byte(claimCodeSetPrefix)); i >= 0 && (best < 0 || i < start) {
		nl := bytes.IndexByte(out[i:], '\n')
		if nl >= 0 {
			best, p, start, end = i, PromptClaimCodeSet, i, i+nl+1
		} else if best >= 0 && best > i {
			// The claim-code answer is still arriving and comes first:
			// report nothing yet rather than a later prompt.
			return PromptNone, 0, 0, false
		}
	}
	if best < 0 {
		return PromptNone, 0, 0, false
	}
	return p, start, end, true
}

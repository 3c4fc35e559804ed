package serialio_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

var identifyCases = []struct {
	name   string
	in     string
	want   serialio.Identity
	wantOK bool
}{
	{"format A", "Your device id is 3a001d000247343339373536\r\n",
		serialio.Identity{DeviceID: "3a001d000247343339373536", Format: serialio.FormatA}, true},
	{"format A upper-case is lowered", "Your device id is 3A001D000247343339373536\r\n",
		serialio.Identity{DeviceID: "3a001d000247343339373536", Format: serialio.FormatA}, true},
	{"core wording", "Your core id is 53ff6d066667574821362467\r\n",
		serialio.Identity{DeviceID: "53ff6d066667574821362467", Format: serialio.FormatA}, true},
	{"format B with properties", "Device ID: 3a001d000247343339373536\r\nDevice Secret: ABCDEFGHIJKLMNO\r\nSerial Number: PHHAAA012345678\r\n",
		serialio.Identity{DeviceID: "3a001d000247343339373536", SerialNumber: "PHHAAA012345678", Format: serialio.FormatB}, true},
	{"format B bare", "Device ID: 3a001d000247343339373536\r\n",
		serialio.Identity{DeviceID: "3a001d000247343339373536", Format: serialio.FormatB}, true},
	{"application chatter around", "temp=21\r\nYour device id is 3a001d000247343339373536\r\nhello\r\n",
		serialio.Identity{DeviceID: "3a001d000247343339373536", Format: serialio.FormatA}, true},
	{"LF only", "Your device id is 3a001d000247343339373536\n",
		serialio.Identity{DeviceID: "3a001d000247343339373536", Format: serialio.FormatA}, true},
	{"line not finished", "Your device id is 3a001d000247343339373536", serialio.Identity{}, false},
	{"ID cut short", "Your device id is 3a001d00024734333937353\r\n", serialio.Identity{}, false},
	{"ID too long", "Your device id is 3a001d0002473433393735361\r\n", serialio.Identity{}, false},
	{"not hex", "Your device id is 3a001d00024734333937353g\r\n", serialio.Identity{}, false},
	{"chatter only", "temperature=21.5\r\n", serialio.Identity{}, false},
	{"empty", "", serialio.Identity{}, false},
}

func TestParseIdentify(t *testing.T) {
	for _, tc := range identifyCases {
		t.Run(tc.name, func(t *testing.T) {
			got, end, ok := serialio.ParseIdentify([]byte(tc.in))
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if ok && !strings.HasSuffix(tc.in[:end], "\n") {
				t.Errorf("end %d does not follow the ID line in %q", end, tc.in)
			}
		})
	}
}

var lowerID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func FuzzParseIdentify(f *testing.F) {
	for _, tc := range identifyCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		id, end, ok := serialio.ParseIdentify(in)
		if !ok {
			return
		}
		if !lowerID.MatchString(id.DeviceID) {
			t.Fatalf("device ID %q is not 24 lowercase hex digits", id.DeviceID)
		}
		if end <= 0 || end > len(in) || in[end-1] != '\n' {
			t.Fatalf("end %d is not just past a line break in %q", end, in)
		}
		if !bytes.Contains(bytes.ToLower(in[:end]), []byte(id.DeviceID)) {
			t.Fatalf("device ID %q not in the consumed input %q", id.DeviceID, in[:end])
		}
	})
}

var macCases = []struct {
	name, in, want string
	ok             bool
}{
	{"answer", "Your device MAC address is\r\n6c:0b:84:1a:2b:3c\r\n", "6c:0b:84:1a:2b:3c", true},
	{"upper-case lowered", "Your device MAC address is\r\n6C:0B:84:1A:2B:3C\r\n", "6c:0b:84:1a:2b:3c", true},
	{"core wording with chatter", "x=1\r\nYour core MAC address is\r\n44:39:c4:00:11:22\r\n", "44:39:c4:00:11:22", true},
	{"partial MAC taken as reported", "Your device MAC address is\r\n6c:0b:84\r\n", "6c:0b:84", true},
	{"partial MAC with a trailing colon", "Your device MAC address is\r\n6c:0b:\r\n", "6c:0b", true},
	{"line not finished", "Your device MAC address is\r\n6c:0b:84:1a:2b:3c", "", false},
	{"nothing", "hello\r\n", "", false},
}

func TestParseMAC(t *testing.T) {
	for _, tc := range macCases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, ok := serialio.ParseMAC([]byte(tc.in))
			if ok != tc.ok || got != tc.want {
				t.Errorf("ParseMAC = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

var macRE = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2}){0,5}$`)

func FuzzParseMAC(f *testing.F) {
	for _, tc := range macCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		mac, end, ok := serialio.ParseMAC(in)
		if ok && (!macRE.MatchString(mac) || end > len(in)) {
			t.Fatalf("ParseMAC(%q) = %q, end %d", in, mac, end)
		}
	})
}

var versionCases = []struct {
	name, in, want string
	ok             bool
}{
	{"2.3.1", "system firmware version: 2.3.1\n\r\n", "2.3.1", true},
	{"rc", "system firmware version: 1.5.0-rc.1\n\r\n", "1.5.0-rc.1", true},
	{"minimal suffix", "system firmware version: 0.7.0 minimal\n\r\n", "0.7.0", true},
	{"chatter first", "abc\r\nsystem firmware version: 0.4.9\r\n", "0.4.9", true},
	{"unfinished", "system firmware version: 2.3", "", false},
	{"nothing", "\r\n", "", false},
}

func TestParseFirmwareVersion(t *testing.T) {
	for _, tc := range versionCases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, ok := serialio.ParseFirmwareVersion([]byte(tc.in))
			if ok != tc.ok || got != tc.want {
				t.Errorf("ParseFirmwareVersion = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParseFirmwareVersion(f *testing.F) {
	for _, tc := range versionCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, end, ok := serialio.ParseFirmwareVersion(in)
		if ok && (v == "" || strings.ContainsAny(v, " \r\n") || end > len(in)) {
			t.Fatalf("ParseFirmwareVersion(%q) = %q, end %d", in, v, end)
		}
	})
}

var claimedCases = []struct {
	name    string
	in      string
	claimed bool
	ok      bool
}{
	{"yes", "Device claimed: yes\r\n", true, true},
	{"no", "Device claimed: no\r\n", false, true},
	{"unfinished", "Device claimed: ye", false, false},
	{"other", "Device claimed: maybe\r\n", false, false},
}

func TestParseClaimed(t *testing.T) {
	for _, tc := range claimedCases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, ok := serialio.ParseClaimed([]byte(tc.in))
			if ok != tc.ok || got != tc.claimed {
				t.Errorf("ParseClaimed = %v, %v; want %v, %v", got, ok, tc.claimed, tc.ok)
			}
		})
	}
}

func FuzzParseClaimed(f *testing.F) {
	for _, tc := range claimedCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		claimed, end, ok := serialio.ParseClaimed(in)
		if ok && (end > len(in) || !bytes.Contains(in[:end], []byte(map[bool]string{true: "yes", false: "no"}[claimed]))) {
			t.Fatalf("ParseClaimed(%q) = %v, end %d", in, claimed, end)
		}
	})
}

var moduleInfoCases = []struct {
	name       string
	in         string
	ok         bool
	wantErr    bool
	modules    int
	sysVersion int
}{
	{"emulator default", serialtest.DefaultModuleInfo + "\r\n", true, false, 5, 3103},
	{"chatter before", "temp=1\r\n" + serialtest.DefaultModuleInfo + "\r\n", true, false, 5, 3103},
	{"still arriving", serialtest.DefaultModuleInfo[:40], false, false, 0, 0},
	{"look-alike application output first", `{"p": oops}` + "\r\n" + `{"p":6,"m":[{"s":1,"l":"m","vc":0,"vv":0,"f":"s","n":"1","v":7,"d":[]}]}` + "\r\n", true, false, 1, 7},
	{"no modules", `{"p":6,"m":[]}` + "\r\n", true, false, 0, 0},
	{"wrong types", `{"p":"six","m":[]}` + "\r\n", true, true, 0, 0},
	{"nothing", "hello\r\n", false, false, 0, 0},
}

func TestParseModuleInfo(t *testing.T) {
	for _, tc := range moduleInfoCases {
		t.Run(tc.name, func(t *testing.T) {
			mi, end, ok, err := serialio.ParseModuleInfo([]byte(tc.in))
			if ok != tc.ok || (err != nil) != tc.wantErr {
				t.Fatalf("ok=%v err=%v; want ok=%v err=%v", ok, err, tc.ok, tc.wantErr)
			}
			if !ok || err != nil {
				return
			}
			if end != len(tc.in) {
				t.Errorf("end = %d, want %d", end, len(tc.in))
			}
			if len(mi.Modules) != tc.modules {
				t.Errorf("%d modules, want %d", len(mi.Modules), tc.modules)
			}
			if v, _ := mi.SystemModuleVersion(); v != tc.sysVersion {
				t.Errorf("system module version %d, want %d", v, tc.sysVersion)
			}
		})
	}
}

func TestModuleInfoDefaultDecodesFully(t *testing.T) {
	mi, _, _, err := serialio.ParseModuleInfo([]byte(serialtest.DefaultModuleInfo + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := serialio.Module{MaxSize: 131072, Location: "m", ValidityCheck: 30, ValidityResult: 30,
		Hash: "2BA4E71E840F596B812003882AAE7CA6496F1590CA4A049310AF76EAF11C943A", Function: "u", Index: "1", Version: 6,
		Dependencies: []serialio.Dependency{{Function: "s", Index: "2", Version: 3103}}}
	if diff := cmp.Diff(want, mi.Modules[3]); diff != "" {
		t.Errorf("user module (-want +got):\n%s", diff)
	}
	if mi.Platform != 6 || !mi.Modules[3].Valid() || mi.Modules[4].Valid() {
		t.Errorf("platform %d, user valid %v, factory valid %v", mi.Platform, mi.Modules[3].Valid(), mi.Modules[4].Valid())
	}
}

func FuzzParseModuleInfo(f *testing.F) {
	for _, tc := range moduleInfoCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_, end, ok, _ := serialio.ParseModuleInfo(in)
		if ok && (end < 3 || end > len(in) || string(in[end-3:end]) != "}\r\n") {
			t.Fatalf("end %d not after }\\r\\n in %q", end, in)
		}
	})
}

var promptCases = []struct {
	name   string
	in     string
	want   serialio.Prompt
	wantAt int
	ok     bool
}{
	{"SSID", "SSID: ", serialio.PromptSSID, 0, true},
	{"security basic", "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2: ", serialio.PromptSecurity, 0, true},
	{"security enterprise", "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2, 4=WPA Enterprise, 5=WPA2 Enterprise: ", serialio.PromptSecurity, 0, true},
	{"security still arriving", "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2", serialio.PromptNone, 0, false},
	{"cipher", "Security Cipher 1=AES, 2=TKIP, 3=AES+TKIP: ", serialio.PromptCipher, 0, true},
	{"password after chatter", "temp=2\r\nPassword: ", serialio.PromptPassword, 8, true},
	{"password still arriving", "Passwor", serialio.PromptNone, 0, false},
	{"EAP", "EAP Type 0=PEAP/MSCHAPv2, 1=EAP-TLS: ", serialio.PromptEAPType, 0, true},
	{"username", "Username: ", serialio.PromptUsername, 0, true},
	{"client cert", "Client certificate in PEM format:\r\n", serialio.PromptClientCert, 0, true},
	{"saving", "Thanks! Wait while I save those credentials...\r\n\r\n", serialio.PromptSaving, 0, true},
	{"saved Particle", "Awesome. Now we'll connect!\r\n\r\n    Particle <3 you!\r\n\r\n", serialio.PromptWiFiSaved, 35, true},
	{"saved Spark", "    Spark <3 you!\r\n", serialio.PromptWiFiSaved, 4, true},
	{"not saved", "Derp. Sorry, we couldn't save the credentials.\r\n\r\n", serialio.PromptWiFiNotSaved, 0, true},
	{"enterprise error", "Error while preparing to store enterprise credentials.\r\n\r\n", serialio.PromptEnterpriseError, 0, true},
	{"claim code", "Enter 63-digit claim code: ", serialio.PromptClaimCode, 0, true},
	{"claim code set", "Claim code set to: abc\r\n", serialio.PromptClaimCodeSet, 0, true},
	{"claim code set still arriving", "Claim code set to: abc", serialio.PromptNone, 0, false},
	{"claim code rejected", "Sorry, claim code is not 63 characters long. Claim code unchanged.\r\n", serialio.PromptClaimCodeRejected, 0, true},
	{"earliest wins", "Password: SSID: ", serialio.PromptPassword, 0, true},
	{"nothing", "Your device id is\r\n", serialio.PromptNone, 0, false},
}

func TestMatchPrompt(t *testing.T) {
	for _, tc := range promptCases {
		t.Run(tc.name, func(t *testing.T) {
			p, start, end, ok := serialio.MatchPrompt([]byte(tc.in))
			if ok != tc.ok || p != tc.want {
				t.Fatalf("MatchPrompt = %v, %v; want %v, %v", p, ok, tc.want, tc.ok)
			}
			if ok && (start != tc.wantAt || end <= start || end > len(tc.in)) {
				t.Errorf("span [%d,%d), want start %d", start, end, tc.wantAt)
			}
		})
	}
}

func FuzzMatchPrompt(f *testing.F) {
	for _, tc := range promptCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, start, end, ok := serialio.MatchPrompt(in)
		if !ok {
			if p != serialio.PromptNone {
				t.Fatalf("not ok but prompt %v", p)
			}
			return
		}
		if start < 0 || end <= start || end > len(in) {
			t.Fatalf("span [%d,%d) outside %d bytes", start, end, len(in))
		}
		// The match is stable: looking again at the matched text alone
		// finds the same prompt at its start.
		p2, s2, _, ok2 := serialio.MatchPrompt(in[start:end])
		if !ok2 || p2 != p || s2 != 0 {
			t.Fatalf("re-match of %q = %v at %d (%v), want %v at 0", in[start:end], p2, s2, ok2, p)
		}
	})
}

package softap

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var frameTests = []struct {
	name    string
	command string
	body    string
	want    string
}{
	{"no body", "device-id", "", "device-id\n0\n\n"},
	{"ascii", "set", `{"k":"cc","v":"abc"}`, "set\n20\n\n{\"k\":\"cc\",\"v\":\"abc\"}"},
	{"utf8 counts bytes (17 characters, 20 bytes)", "configure-ap", `{"ssid":"Café ☕"}`, "configure-ap\n20\n\n{\"ssid\":\"Café ☕\"}"},
}

func TestFrameRequest(t *testing.T) {
	for _, tt := range frameTests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(FrameRequest(tt.command, []byte(tt.body)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FrameRequest (-want +got):\n%s", diff)
			}
			cmd, body, err := ParseFrame([]byte(got))
			if err != nil || cmd != tt.command || string(body) != tt.body {
				t.Errorf("ParseFrame = %q, %q, %v", cmd, body, err)
			}
		})
	}
}

var parseFrameTests = []struct {
	name    string
	in      string
	command string
	body    string
	err     error // nil, io.ErrUnexpectedEOF, or errAny
}{
	{"complete", "version\n0\n\n", "version", "", nil},
	{"header lines skipped", "set\n3\nX-Foo: 1\nbar\n\nabcdef", "set", "abc", nil},
	{"NUL ends name", "version\x000\n\n", "version", "", nil},
	{"30-char name", strings.Repeat("a", 30) + "0\n\n", strings.Repeat("a", 30), "", nil},
	{"no LF yet", "vers", "", "", io.ErrUnexpectedEOF},
	{"body short", "set\n10\n\nabc", "set", "", io.ErrUnexpectedEOF},
	{"no blank line", "set\n0\n", "set", "", io.ErrUnexpectedEOF},
	{"CR corrupts length", "set\n3\r\n\nabc", "set", "", errAny},
	{"space corrupts length", "set\n 3\n\nabc", "set", "", errAny},
}

var errAny = errors.New("any error")

func TestParseFrame(t *testing.T) {
	for _, tt := range parseFrameTests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, body, err := ParseFrame([]byte(tt.in))
			switch {
			case tt.err == errAny:
				if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("err = %v, want a framing error", err)
				}
				return
			case !errors.Is(err, tt.err) && err != tt.err:
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err == nil && (cmd != tt.command || string(body) != tt.body) {
				t.Errorf("got %q %q, want %q %q", cmd, body, tt.command, tt.body)
			}
		})
	}
}

func FuzzParseFrame(f *testing.F) {
	for _, tt := range parseFrameTests {
		f.Add([]byte(tt.in))
	}
	for _, tt := range frameTests {
		f.Add(FrameRequest(tt.command, []byte(tt.body)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cmd, body, err := ParseFrame(b)
		if err != nil {
			return
		}
		if len(cmd) > 30 {
			t.Fatalf("command %q longer than 30", cmd)
		}
		// A parsed frame re-encodes to a prefix-compatible frame.
		if strings.ContainsAny(cmd, "\n\x00") {
			return
		}
		cmd2, body2, err := ParseFrame(FrameRequest(cmd, body))
		if len(cmd) < 30 && (err != nil || cmd2 != cmd || string(body2) != string(body)) {
			t.Fatalf("round trip of %q %q: %q %q %v", cmd, body, cmd2, body2, err)
		}
	})
}

var scanTests = []struct {
	name string
	in   string
	want []Network
	err  bool
}{
	{"empty", `{"scans":[]}`, []Network{}, false},
	{"firmware sample", `{"scans":[{"ssid":"ssid-name","rssi":-30,"sec":1234,"ch":5,"mdr":54000}]}`,
		[]Network{{SSID: "ssid-name", RSSI: -30, Code: 1234, Channel: 5, MaxDataRate: 54000}}, false},
	{"two", `{"scans":[{"ssid":"A","rssi":-30,"sec":4194308,"ch":6,"mdr":54000},{"ssid":"B","rssi":-70,"sec":0,"ch":1,"mdr":11000}]}`,
		[]Network{{SSID: "A", RSSI: -30, Code: SecWPA2AESPSK, Channel: 6, MaxDataRate: 54000}, {SSID: "B", RSSI: -70, Code: SecOpen, Channel: 1, MaxDataRate: 11000}}, false},
	{"unescaped quote", `{"scans":[{"ssid":"Bob's "Lab"","rssi":-40,"sec":0,"ch":1,"mdr":54000}]}`,
		[]Network{{SSID: `Bob's "Lab"`, RSSI: -40, Code: SecOpen, Channel: 1, MaxDataRate: 54000}}, false},
	{"backslash kept verbatim", `{"scans":[{"ssid":"a\nb","rssi":-40,"sec":0,"ch":1,"mdr":54000}]}`,
		[]Network{{SSID: `a\nb`, RSSI: -40, Code: SecOpen, Channel: 1, MaxDataRate: 54000}}, false},
	{"trailing backslash", `{"scans":[{"ssid":"x\","rssi":-40,"sec":0,"ch":1,"mdr":54000}]}`,
		[]Network{{SSID: `x\`, RSSI: -40, Code: SecOpen, Channel: 1, MaxDataRate: 54000}}, false},
	{"invalid utf-8 kept verbatim", "{\"scans\":[{\"ssid\":\"caf\xe9\",\"rssi\":-40,\"sec\":0,\"ch\":1,\"mdr\":54000}]}",
		[]Network{{SSID: "caf\xe9", RSSI: -40, Code: SecOpen, Channel: 1, MaxDataRate: 54000}}, false},
	{"unknown security", `{"scans":[{"ssid":"U","rssi":-40,"sec":-1,"ch":1,"mdr":54000}]}`,
		[]Network{{SSID: "U", RSSI: -40, Code: SecUnknown, Channel: 1, MaxDataRate: 54000}}, false},
	{"other layout strict JSON", "{ \"scans\": [ {\"rssi\": -40, \"ssid\": \"Z\", \"sec\": 0, \"ch\": 1, \"mdr\": 1} ] }\n",
		[]Network{{SSID: "Z", RSSI: -40, Code: SecOpen, Channel: 1, MaxDataRate: 1}}, false},
	{"no scans", `{"r":0}`, nil, true},
	{"garbage", `{"scans":[{"ssid":"x"`, nil, true},
	{"empty body", ``, nil, true},
}

func TestParseScan(t *testing.T) {
	for _, tt := range scanTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScan([]byte(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseScan (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseScan(f *testing.F) {
	for _, tt := range scanTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		nets, err := ParseScan(b)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a ProtocolError", err)
			}
			return
		}
		merged := MergeNetworks(nets)
		seen := map[string]bool{}
		for i, n := range merged {
			if seen[n.SSID] || n.SSID == "" {
				t.Fatalf("merged list repeats or keeps empty SSID %q", n.SSID)
			}
			seen[n.SSID] = true
			if i > 0 && merged[i-1].RSSI < n.RSSI {
				t.Fatalf("merged list not strongest first")
			}
		}
		// Whatever parses with whole entries must also be recognised as a
		// complete reply, so the reader stops without EOF.
		_, rawErr := parseScanRaw(b)
		if _, ok := replyComplete(cmdScanAP, b); !ok && (rawErr == nil || scanEntriesWhole(bytes.TrimSpace(b))) {
			t.Fatalf("ParseScan accepted %q but replyComplete did not", b)
		}
	})
}

func TestMergeNetworks(t *testing.T) {
	in := []Network{
		{SSID: "A", RSSI: -70, Channel: 1},
		{SSID: "B", RSSI: -50},
		{SSID: "A", RSSI: -40, Channel: 11},
		{SSID: "", RSSI: -10},
		{SSID: "C", RSSI: -50},
		{SSID: "A", RSSI: -90},
	}
	want := []Network{{SSID: "A", RSSI: -40, Channel: 11}, {SSID: "B", RSSI: -50}, {SSID: "C", RSSI: -50}}
	if diff := cmp.Diff(want, MergeNetworks(in)); diff != "" {
		t.Errorf("MergeNetworks (-want +got):\n%s", diff)
	}
}

var deviceIDTests = []struct {
	name string
	in   string
	want DeviceInfo
	err  bool
}{
	{"real reply", `{"id":"3B0021001747353236343033","c":"1"}`, DeviceInfo{ID: "3b0021001747353236343033", Claimed: true}, false},
	{"unclaimed", `{"id":"320020001847333531323135","c":"0"}`, DeviceInfo{ID: "320020001847333531323135"}, false},
	{"numeric flag", `{"id":"320020001847333531323135","c":1}`, DeviceInfo{ID: "320020001847333531323135", Claimed: true}, false},
	{"no flag", `{"id":"320020001847333531323135"}`, DeviceInfo{ID: "320020001847333531323135"}, false},
	{"short id", `{"id":"ABCD","c":"1"}`, DeviceInfo{}, true},
	{"non-hex id", `{"id":"3B002100174735323634303Z","c":"1"}`, DeviceInfo{}, true},
	{"odd flag", `{"id":"320020001847333531323135","c":"yes"}`, DeviceInfo{}, true},
	{"no id", `{"c":"1"}`, DeviceInfo{}, true},
	{"not json", `id=1`, DeviceInfo{}, true},
}

func TestParseDeviceID(t *testing.T) {
	for _, tt := range deviceIDTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDeviceID([]byte(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDeviceID (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseDeviceID(f *testing.F) {
	for _, tt := range deviceIDTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseDeviceID(b)
		if err != nil {
			return
		}
		if len(info.ID) != 24 || strings.ToLower(info.ID) != info.ID {
			t.Fatalf("ID %q is not 24 lower-case characters", info.ID)
		}
		if _, err := hex.DecodeString(info.ID); err != nil {
			t.Fatalf("ID %q is not hex", info.ID)
		}
	})
}

// paddedKeyHex builds a public-key "b" value as the firmware does: SPKI DER
// of a fresh key, zero-padded to 294 bytes.
func paddedKeyHex(t testing.TB, bits int, upper bool) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, PublicKeyLength)
	copy(b, der)
	s := hex.EncodeToString(b)
	if upper {
		s = strings.ToUpper(s)
	}
	return s
}

func TestParsePublicKey(t *testing.T) {
	k1024 := paddedKeyHex(t, 1024, true)
	k2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der2048, _ := x509.MarshalPKIXPublicKey(&k2048.PublicKey)
	tests := []struct {
		name string
		in   string
		want error // nil, ErrBadPublicKey, ErrKeyUnavailable, or errAny for a ProtocolError
	}{
		{"upper-case padded", `{"b":"` + k1024 + `","r":0}`, nil},
		{"lower-case padded", `{"b":"` + strings.ToLower(k1024) + `","r":0}`, nil},
		{"unpadded 162 bytes", `{"b":"` + k1024[:324] + `","r":0}`, nil},
		{"no r", `{"b":"` + k1024 + `"}`, nil},
		{"unavailable", `{"r":1}`, ErrKeyUnavailable},
		{"rsa-2048", `{"b":"` + hex.EncodeToString(der2048) + `","r":0}`, ErrBadPublicKey},
		{"garbage padding", `{"b":"` + k1024[:len(k1024)-2] + `01","r":0}`, ErrBadPublicKey},
		{"not hex", `{"b":"XYZ","r":0}`, ErrBadPublicKey},
		{"truncated", `{"b":"` + k1024[:100] + `","r":0}`, ErrBadPublicKey},
		{"no b", `{"r":0}`, errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParsePublicKey([]byte(tt.in))
			switch tt.want {
			case nil:
				if err != nil {
					t.Fatal(err)
				}
				if key.N.BitLen() != 1024 || key.E != 65537 {
					t.Errorf("key RSA-%d e=%d", key.N.BitLen(), key.E)
				}
			case errAny:
				var pe *ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a ProtocolError", err)
				}
			default:
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
			}
		})
	}
	if !strings.HasPrefix(strings.ToLower(k1024), "30819f300d06092a864886f70d010101050003818d0030818902818100") {
		t.Errorf("generated SPKI does not carry the firmware's fixed 29-byte header: %s", k1024[:58])
	}
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add([]byte(`{"b":"` + paddedKeyHex(f, 1024, true) + `","r":0}`))
	f.Add([]byte(`{"r":1}`))
	f.Add([]byte(`{"b":"30","r":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := ParsePublicKey(b)
		if err == nil && (key.N.BitLen() != 1024 || key.E != 65537) {
			t.Fatalf("accepted RSA-%d e=%d", key.N.BitLen(), key.E)
		}
	})
}

var replyTests = []struct {
	name    string
	command string
	in      string
	v       int  // version, or r
	err     bool // parse error
}{
	{"version", cmdVersion, `{"v":2}`, 2, false},
	{"version stale doc", cmdVersion, `{"v":1}`, 1, false},
	{"version missing", cmdVersion, `{}`, 0, true},
	{"result ok", cmdSet, `{"r":0}`, 0, false},
	{"result -1", cmdSet, `{"r":-1}`, -1, false},
	{"result -2", cmdConfigureAP, `{"r":-2}`, -2, false},
	{"result missing", cmdConnectAP, `{"x":0}`, 0, true},
	{"result string", cmdConnectAP, `{"r":"0"}`, 0, true},
	{"empty", cmdSet, ``, 0, true},
}

func TestParseReplies(t *testing.T) {
	for _, tt := range replyTests {
		t.Run(tt.name, func(t *testing.T) {
			var v int
			var err error
			if tt.command == cmdVersion {
				v, err = ParseVersion([]byte(tt.in))
			} else {
				v, err = parseResult(tt.command, []byte(tt.in))
			}
			if (err != nil) != tt.err || v != tt.v {
				t.Errorf("got %d, %v; want %d, error %v", v, err, tt.v, tt.err)
			}
		})
	}
}

func FuzzParseReplies(f *testing.F) {
	for _, tt := range replyTests {
		f.Add(tt.command, []byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, command string, b []byte) {
		_, _ = ParseVersion(b)
		if _, err := parseResult(command, b); err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a ProtocolError", err)
			}
		}
		// The reader stops at one complete value; what it returns is valid
		// JSON for every command but scan-ap.
		if raw, ok := replyComplete(command, b); ok && command != cmdScanAP && !json.Valid(raw) {
			t.Fatalf("complete reply %q is not valid JSON", raw)
		}
	})
}

func TestReplyComplete(t *testing.T) {
	tests := []struct {
		name, command, in string
		want              bool
	}{
		{"tcp header then json", cmdVersion, "\n\n{\"v\":2}", true},
		{"only header", cmdVersion, "\n\n", false},
		{"partial", cmdDeviceID, "\n\n{\"id\":\"3B00", false},
		{"broken scan complete", cmdScanAP, "\n\n" + `{"scans":[{"ssid":"a"b","rssi":-1,"sec":0,"ch":1,"mdr":1}]}`, true},
		{"broken scan partial", cmdScanAP, "\n\n" + `{"scans":[{"ssid":"a"b","rssi":-1,"sec":0,"ch":1,"mdr":1},`, false},
		// A neighbour's network named `"}]}` cut right after its name: the
		// prefix is valid JSON, but the list goes on.
		{"scan cut after an SSID that closes the JSON", cmdScanAP, "\n\n" + `{"scans":[{"ssid":"` + `"}]}`, false},
		{"that scan whole", cmdScanAP, "\n\n" + `{"scans":[{"ssid":"` + `"}]}` + `","rssi":-50,"sec":0,"ch":6,"mdr":1}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := replyComplete(tt.command, []byte(tt.in)); got != tt.want {
				t.Errorf("replyComplete = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMarshalRequestNoHTMLEscape(t *testing.T) {
	got, err := marshalRequest(configureRequest{SSID: "<A&B>=", Sec: int64(SecWPA2AESPSK), Ch: 6, Pwd: "00ff"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"idx":0,"ssid":"<A&B>=","sec":4194308,"ch":6,"pwd":"00ff"}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("marshalRequest (-want +got):\n%s", diff)
	}
}

func TestCheckSSID(t *testing.T) {
	tests := []struct {
		ssid string
		want error
	}{
		{"Home", nil},
		{strings.Repeat("x", 32), nil},
		{strings.Repeat("é", 16), nil}, // 32 bytes
		{strings.Repeat("é", 17), ErrSSIDLength},
		{"", ErrSSIDLength},
		{`a"b`, ErrSSIDCharacters},
		{`a\b`, ErrSSIDCharacters},
		{"a\x7fb", ErrSSIDCharacters},
		{"a\u2029b", ErrSSIDCharacters},
		{"\xff", ErrSSIDCharacters},
		{"<tag>&=", nil},
	}
	for _, tt := range tests {
		if err := checkSSID(tt.ssid); err != tt.want {
			t.Errorf("checkSSID(%q) = %v, want %v", tt.ssid, err, tt.want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		addr     string
		tcp, web string
	}{
		{"", "192.168.0.1:5609", "192.168.0.1:80"},
		{"192.168.0.1", "192.168.0.1:5609", "192.168.0.1:80"},
		{"127.0.0.1:4000", "127.0.0.1:4000", "127.0.0.1:4000"},
		{"::1", "[::1]:5609", "[::1]:80"},
		{"[::1]", "[::1]:5609", "[::1]:80"},
		{"[::1]:4000", "[::1]:4000", "[::1]:4000"},
		{"photon.local", "photon.local:5609", "photon.local:80"},
	}
	for _, tt := range tests {
		c := &Client{Addr: tt.addr}
		got := [2]string{c.Endpoint(TCP), c.Endpoint(HTTP)}
		if diff := cmp.Diff([2]string{tt.tcp, tt.web}, got); diff != "" {
			t.Errorf("Endpoint(%q) (-want +got):\n%s", tt.addr, diff)
		}
	}
}

func TestResultErrors(t *testing.T) {
	tests := []struct {
		command string
		code    int
		want    error
	}{
		{cmdConfigureAP, -2, ErrNetworkNotFound},
		{cmdConfigureAP, -3, ErrSSIDLength},
		{cmdConfigureAP, -4, ErrPasswordLength},
		{cmdConfigureAP, -16640, ErrPasswordRejected},
		{cmdConfigureAP, 1, ErrEnterpriseUnsupported},
		{cmdSet, -1, ErrClaimCodeRefused},
		{cmdPublicKey, 1, ErrKeyUnavailable},
		{cmdConnectAP, 1, nil},
		{cmdConfigureAP, 7, nil},
	}
	for _, tt := range tests {
		err := &ResultError{Command: tt.command, Code: tt.code}
		if got := errors.Unwrap(err); got != tt.want {
			t.Errorf("%s r=%d unwraps to %v, want %v", tt.command, tt.code, got, tt.want)
		}
		if tt.want != nil && err.Error() != tt.want.Error() {
			t.Errorf("%s r=%d message %q", tt.command, tt.code, err.Error())
		}
		if tt.want == nil && !strings.Contains(err.Error(), tt.command) {
			t.Errorf("generic message %q does not name the command", err.Error())
		}
	}
}

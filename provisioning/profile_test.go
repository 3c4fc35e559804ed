package provisioning

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func goodProfile() Profile {
	return Profile{
		Name: "Line 3 — sensors", Product: "acme-sensor", ClientID: "acme-sensor-4711",
		SSID: "Factory Floor", Security: SecurityWPA2, Cipher: CipherTKIP, Customer: CustomerEmail,
		CustomerPattern: "unit-{device_id}@acme.example", Channel: ChannelSerial,
		VerifyTimeout: 4 * time.Minute, NamePattern: "sensor-{last6}", Notes: "tray B",
		PostCheck: &PostCheck{Kind: PostCheckVariable, Name: "ready", Expect: "true"},
	}
}

func TestProfileValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Profile)
		fields []string // the fields named, in order
	}{
		{"valid", func(p *Profile) {}, nil},
		{"valid numeric product, no customer", func(p *Profile) { p.Product = "12345"; p.Customer = CustomerNone; p.CustomerPattern = "" }, nil},
		{"empty name", func(p *Profile) { p.Name = " " }, []string{"name"}},
		{"slash in name", func(p *Profile) { p.Name = "a/b" }, []string{"name"}},
		{"no product", func(p *Profile) { p.Product = "" }, []string{"product"}},
		{"bad product", func(p *Profile) { p.Product = "Acme Sensor!" }, []string{"product"}},
		{"no client", func(p *Profile) { p.ClientID = "" }, []string{"client_id"}},
		{"bad client", func(p *Profile) { p.ClientID = "a b" }, []string{"client_id"}},
		{"empty SSID", func(p *Profile) { p.SSID = "" }, []string{"ssid"}},
		{"SSID over 32 bytes", func(p *Profile) { p.SSID = strings.Repeat("é", 17) }, []string{"ssid"}},
		{"SSID with a control character", func(p *Profile) { p.SSID = "lab\nnet" }, []string{"ssid"}},
		{"SSID with a quote over SoftAP", func(p *Profile) { p.SSID = `lab"net`; p.Channel = ChannelSoftAP }, []string{"ssid"}},
		{"SSID with a quote over serial is fine", func(p *Profile) { p.SSID = `lab"net` }, nil},
		{"bad security", func(p *Profile) { p.Security = "wpa3" }, []string{"security"}},
		{"bad customer mode", func(p *Profile) { p.Customer = "maybe" }, []string{"customer"}},
		{"customer e-mail missing", func(p *Profile) { p.CustomerPattern = "" }, []string{"customer_pattern"}},
		{"customer e-mail malformed", func(p *Profile) { p.CustomerPattern = "not-an-email" }, []string{"customer_pattern"}},
		{"pattern without customer", func(p *Profile) { p.Customer = CustomerNone }, []string{"customer_pattern"}},
		{"generated with a bad domain", func(p *Profile) { p.Customer = CustomerGenerated; p.CustomerPattern = "acme" }, []string{"customer_pattern"}},
		{"bad channel", func(p *Profile) { p.Channel = "ble" }, []string{"channel"}},
		{"verify timeout too short", func(p *Profile) { p.VerifyTimeout = time.Second }, []string{"verify_timeout"}},
		{"post-check without a name", func(p *Profile) { p.PostCheck.Name = "" }, []string{"post_check"}},
		{"several at once", func(p *Profile) { p.Product = ""; p.SSID = "" }, []string{"product", "ssid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := goodProfile()
			pc := *p.PostCheck
			p.PostCheck = &pc
			tc.change(&p)
			err := p.Validate()
			var got []string
			var ve ValidationError
			if errors.As(err, &ve) {
				for _, fe := range ve {
					got = append(got, fe.Field)
					if !strings.HasPrefix(fe.Error(), fe.Field+": ") || len(fe.Message) < 10 {
						t.Errorf("message %q does not name its field or say what to do", fe.Error())
					}
				}
			} else if err != nil {
				t.Fatalf("error %v is not a ValidationError", err)
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateWiFiPassword(t *testing.T) {
	tests := []struct {
		sec Security
		pw  string
		ok  bool
	}{
		{SecurityOpen, "", true},
		{SecurityWPA2, "1234567", false},
		{SecurityWPA2, "12345678", true},
		{SecurityWPA, strings.Repeat("x", 64), true},
		{SecurityWPA2, strings.Repeat("x", 65), false},
		{SecurityWEP, "1234", false},
		{SecurityWEP, "12345", true},
		{SecurityWPA2, "abc\x00defgh", false},
	}
	for _, tc := range tests {
		t.Run(string(tc.sec)+"/"+tc.pw, func(t *testing.T) {
			err := ValidateWiFiPassword(tc.sec, tc.pw)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && tc.pw != "" && strings.Contains(err.Error(), tc.pw) {
				t.Errorf("the message repeats the password: %v", err)
			}
		})
	}
}

var securityCases = []struct {
	in   string
	want Security
	ok   bool
}{
	{"wpa2", SecurityWPA2, true}, {"WPA2", SecurityWPA2, true}, {" open ", SecurityOpen, true},
	{"wep", SecurityWEP, true}, {"wpa", SecurityWPA, true}, {"wpa3", "", false}, {"", "", false},
}

func TestParseSecurity(t *testing.T) {
	for _, tc := range securityCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSecurity(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseSecurity(%q) = %q, %v", tc.in, got, err)
			}
		})
	}
}

func FuzzParseSecurity(f *testing.F) {
	for _, tc := range securityCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSecurity(s)
		if err == nil {
			found := false
			for _, k := range Securities {
				found = found || k == got
			}
			if !found {
				t.Fatalf("accepted %q as %q", s, got)
			}
		}
	})
}

// FuzzProfileFile feeds arbitrary bytes to the profile file reader: it
// never panics, and whatever it accepts survives a save/load round trip.
func FuzzProfileFile(f *testing.F) {
	good, _ := json.Marshal(goodProfile())
	f.Add(good)
	f.Add([]byte(`{"name":"x","verify_timeout":"forever"}`))
	f.Add([]byte(`{`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		var p Profile
		if json.Unmarshal(b, &p) != nil || p.Validate() != nil {
			return
		}
		s := &ProfileStore{Dir: dir}
		if err := s.Save(p); err != nil {
			t.Fatalf("valid profile not saved: %v", err)
		}
		got, err := s.Load(p.Name)
		if err != nil {
			t.Fatalf("saved profile not loaded: %v", err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

func TestProfileStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	secrets := &MemorySecrets{}
	s, err := NewProfileStore(dir, secrets)
	if err != nil {
		t.Fatal(err)
	}
	if names, err := s.List(); err != nil || len(names) != 0 {
		t.Fatalf("empty store lists %v, %v", names, err)
	}
	p := goodProfile()
	if err := s.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(p.Name)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	secrets.Set(ctx, p.Name, SecretClientSecret, clientSecret)
	secrets.Set(ctx, p.Name, SecretWiFiPassword, wifiPassword)

	dup, err := s.Duplicate(ctx, p.Name, "Line 4")
	if err != nil || dup.Name != "Line 4" {
		t.Fatalf("duplicate: %+v, %v", dup, err)
	}
	if v, _ := secrets.Get(ctx, "Line 4", SecretWiFiPassword); v != wifiPassword {
		t.Error("duplicate did not copy the Wi-Fi password")
	}
	if _, err := s.Duplicate(ctx, p.Name, "Line 4"); !errors.Is(err, ErrProfileExists) {
		t.Errorf("duplicate onto an existing name: %v", err)
	}
	names, _ := s.List()
	if diff := cmp.Diff([]string{"Line 3 — sensors", "Line 4"}, names); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if err := s.Delete(ctx, "Line 4"); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Get(ctx, "Line 4", SecretClientSecret); !errors.Is(err, ErrSecretNotFound) {
		t.Error("delete left the client secret in the keyring")
	}
	if _, err := s.Load("Line 4"); !errors.Is(err, ErrProfileNotFound) {
		t.Errorf("load after delete: %v", err)
	}
	// The profile file holds no secret.
	b, _ := os.ReadFile(s.path(p.Name))
	if v, ok := containsAny(string(b), []string{clientSecret, wifiPassword}); ok {
		t.Errorf("profile file holds %q", v)
	}
}

// A damaged profile is reported (naming the file) and never replaced
// silently: Load leaves it alone, Save keeps it aside.
func TestProfileStoreCorruptFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		field   string // the field the error names, if any
	}{
		{"not JSON", "{\"name\": \"Broken\", \"product\": ", ""},
		{"unknown field", `{"version":1,"name":"Broken","product":"acme","client_id":"acme-1","ssid":"net","security":"wpa2","customer":"none","channel":"serial","colour":"red"}`, "colour"},
		{"invalid field", `{"version":1,"name":"Broken","product":"acme","client_id":"acme-1","ssid":"","security":"wpa2","customer":"none","channel":"serial"}`, "ssid"},
		{"bad duration", `{"name":"Broken","verify_timeout":"forever"}`, "verify_timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := &ProfileStore{Dir: dir}
			path := filepath.Join(dir, profileFileName("Broken"))
			os.WriteFile(path, []byte(tc.content), 0o600)
			_, err := s.Load("Broken")
			var ce *CorruptProfileError
			if !errors.As(err, &ce) {
				t.Fatalf("load: %v, want a CorruptProfileError", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
				t.Errorf("message %q does not name the file", err)
			}
			if tc.field != "" && !strings.Contains(err.Error(), tc.field) {
				t.Errorf("message %q does not name the field %s", err, tc.field)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.content {
				t.Fatal("load changed the damaged file")
			}
			p := goodProfile()
			p.Name = "Broken"
			if err := s.Save(p); err != nil {
				t.Fatal(err)
			}
			kept, _ := filepath.Glob(path + ".damaged-*")
			if len(kept) != 1 {
				t.Fatalf("damaged file not kept aside: %v", kept)
			}
			if b, _ := os.ReadFile(kept[0]); string(b) != tc.content {
				t.Error("the kept file differs from the damaged one")
			}
		})
	}
}

package lang

import (
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// messages reads one translation file as key → text (the "other" form for
// the keys go-i18n reserves).
func messages(t *testing.T, tag string) map[string]string {
	t.Helper()
	data, err := files.ReadFile(path.Join("translation", tag+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s.json: %v", tag, err)
	}
	out := map[string]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
		case map[string]any:
			s, _ := v["other"].(string)
			out[k] = s
		default:
			t.Errorf("%s.json: %q has a value of type %T", tag, k, v)
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

func placeholders(s string) []string {
	p := placeholder.FindAllString(s, -1)
	slices.Sort(p)
	return p
}

// TestEveryLanguageIsComplete checks each shipped file has every English
// key, no other, a non-empty text, and the same placeholders.
func TestEveryLanguageIsComplete(t *testing.T) {
	en := messages(t, "en")
	if len(en) < 100 {
		t.Fatalf("en.json has %d keys; the screens use several hundred", len(en))
	}
	names, err := files.ReadDir("translation")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(shipped) {
		t.Errorf("%d translation files, %d shipped languages: every file is a menu entry and the other way round", len(names), len(shipped))
	}
	for _, l := range shipped[1:] {
		t.Run(l.Tag, func(t *testing.T) {
			tr := messages(t, l.Tag)
			for k, v := range en {
				got, ok := tr[k]
				switch {
				case !ok:
					t.Errorf("missing %q", k)
				case strings.TrimSpace(got) == "":
					t.Errorf("empty %q", k)
				case !slices.Equal(placeholders(v), placeholders(got)):
					t.Errorf("%q: placeholders %v, English has %v", k, placeholders(got), placeholders(v))
				}
			}
			for k := range tr {
				if _, ok := en[k]; !ok {
					t.Errorf("%q is not an English key", k)
				}
			}
		})
	}
}

// TestMatch follows the desktop's preferences to the closest shipped
// language, and falls back to English.
func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		prefs []string
		want  string
	}{
		{[]string{"de-AT"}, "de"},
		{[]string{"de_DE.UTF-8"}, "de"},
		{[]string{"pt_BR"}, "pt-BR"},
		{[]string{"pt-PT"}, "pt-BR"},
		{[]string{"zh-CN"}, "zh-Hans"},
		{[]string{"vi-VN"}, "vi"},
		{[]string{"es-MX"}, "es"},
		{[]string{"fr-CA"}, "fr"},
		{[]string{"ja-JP"}, "en"},
		{[]string{"ja-JP", "fr"}, "fr"},
		{[]string{"C"}, "en"},
		{[]string{"C.UTF-8"}, "en"},
		{nil, "en"},
		{[]string{"not a tag!"}, "en"},
	} {
		if got := Match(tc.prefs).Tag; got != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.prefs, got, tc.want)
		}
	}
}

// TestUseTranslates checks L answers in the chosen language, fills the
// placeholders there, and falls back to English for a key it lacks.
func TestUseTranslates(t *testing.T) {
	t.Cleanup(func() { Use(nil) })
	de := messages(t, "de")
	if got := Use([]string{"de"}); got.Tag != "de" || Current().Tag != "de" {
		t.Fatalf("Use(de) = %v, Current = %v", got, Current())
	}
	if got, want := L("Start bench"), de["Start bench"]; got != want || got == "Start bench" {
		t.Errorf("L(Start bench) = %q, want the German %q", got, want)
	}
	const withName = "The job profile {{.Name}} has no client secret in the keychain. A supervisor enters it on the Profiles screen."
	got := L(withName, map[string]any{"Name": "Line 3"})
	if !strings.Contains(got, "Line 3") || strings.Contains(got, "{{") || got == strings.ReplaceAll(withName, "{{.Name}}", "Line 3") {
		t.Errorf("German with a placeholder = %q", got)
	}
	if got := L("not a key {{.N}}", map[string]any{"N": 7}); got != "not a key 7" {
		t.Errorf("unknown key = %q, want the English filled in", got)
	}
	Use([]string{"en"})
	if got := L("Start bench"); got != "Start bench" {
		t.Errorf("English L(Start bench) = %q", got)
	}
}

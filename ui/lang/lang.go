// Package lang puts the station's words into the technician's language.
// Every string a screen or the station's own messages show goes through L,
// with its English text as the key; the translations are the JSON files
// under translation/, one per language tag (de.json, pt-BR.json, …), in the
// format of go-i18n. A key without a translation shows in English.
//
// The language is chosen once at start-up with Use: the one saved in the
// app's preferences, else the desktop's (the headless commands choose
// English unless LANGUAGE asks for another, so scripts can parse them).
package lang

import (
	"embed"
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"sync/atomic"
	"text/template"

	"github.com/jeandeaual/go-locale"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed translation/*.json
var files embed.FS

// Language is one shipped language: its tag (the file name) and its name
// in its own words, as the language menu shows it.
type Language struct {
	Tag  string
	Name string
}

// shipped lists the languages in the order the menu shows them; English,
// the language of the keys, comes first and is the fallback.
var shipped = []Language{
	{"en", "English"},
	{"de", "Deutsch"},
	{"es", "Español"},
	{"fr", "Français"},
	{"pt-BR", "Português (Brasil)"},
	{"vi", "Tiếng Việt"},
	{"zh-Hans", "简体中文"},
}

// Languages returns the shipped languages, English first.
func Languages() []Language { return append([]Language(nil), shipped...) }

type active struct {
	lang      Language
	localizer *i18n.Localizer
}

var (
	bundle  = loadBundle()
	current atomic.Pointer[active]
)

func init() { Use(nil) }

func loadBundle() *i18n.Bundle {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	names, err := fs.Glob(files, "translation/*.json")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			panic(err)
		}
		if _, err := b.ParseMessageFileBytes(data, path.Base(name)); err != nil {
			panic("lang: " + name + ": " + err.Error()) // the translation tests catch this first
		}
	}
	return b
}

// Match returns the shipped language closest to the preferences given, in
// order (tags such as "de-AT", "pt_BR.UTF-8", "zh-CN"); English when none is
// close.
func Match(prefs []string) Language {
	var tags []language.Tag
	for _, p := range prefs {
		p, _, _ = strings.Cut(p, ".") // de_DE.UTF-8
		p, _, _ = strings.Cut(p, "@")
		if t, err := language.Parse(strings.ReplaceAll(p, "_", "-")); err == nil && p != "C" && p != "POSIX" {
			tags = append(tags, t)
		}
	}
	supported := make([]language.Tag, len(shipped))
	for i, l := range shipped {
		supported[i] = language.MustParse(l.Tag)
	}
	_, i, conf := language.NewMatcher(supported).Match(tags...)
	if conf == language.No {
		return shipped[0]
	}
	return shipped[i]
}

// Use makes the language closest to prefs the one L answers in, and
// returns it. Call it before the first screen or message is made: strings
// already shown keep their language.
func Use(prefs []string) Language {
	l := Match(prefs)
	current.Store(&active{lang: l, localizer: i18n.NewLocalizer(bundle, l.Tag)})
	return l
}

// Current is the language L answers in.
func Current() Language { return current.Load().lang }

// L returns the translation of the English text key, filled in from data
// (a map or struct for the {{.Name}} placeholders) when given.
func L(key string, data ...any) string { return X(key, key, data...) }

// fill executes the English text as a template when it has no translation
// go-i18n could use.
func fill(key string, data any) string {
	t, err := template.New("").Parse(key)
	if err != nil {
		return key
	}
	var b strings.Builder
	if t.Execute(&b, data) != nil {
		return key
	}
	return b.String()
}

// X returns the translation of key, a name rather than English text, or
// fallback (filled in from data) when the language has none.
func X(key, fallback string, data ...any) string {
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	s, err := current.Load().localizer.Localize(&i18n.LocalizeConfig{
		DefaultMessage: &i18n.Message{ID: key, Other: fallback},
		TemplateData:   d,
	})
	if err != nil || s == "" {
		return fill(fallback, d)
	}
	return s
}

// DesktopPreferences are the languages the desktop asks for, most wanted
// first (LANGUAGE, LC_ALL, LC_MESSAGES and LANG on Linux; the user's
// languages on Windows and macOS).
func DesktopPreferences() []string {
	prefs, err := locale.GetLocales()
	if err != nil {
		return nil
	}
	return prefs
}

package main

import (
	"io"
	"testing"

	"github.com/photon-station/photon-station/ui/lang"
)

// TestHeadlessSpeaksEnglishUnlessLanguageAsks: a German desktop locale
// leaves the headless commands in English (scripts parse them); LANGUAGE
// chooses another language on purpose.
func TestHeadlessSpeaksEnglishUnlessLanguageAsks(t *testing.T) {
	var seen string
	register(command{name: "probe-language", run: func([]string, io.Writer, io.Writer) int {
		seen = lang.Current().Tag
		return 0
	}})
	t.Cleanup(func() { delete(commands, "probe-language"); lang.Use(nil) })

	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "de_DE.UTF-8")
	t.Setenv("LANG", "de_DE.UTF-8")
	run([]string{"probe-language"}, io.Discard, io.Discard)
	if seen != "en" {
		t.Errorf("with a German locale and no LANGUAGE the command ran in %q, want en", seen)
	}
	t.Setenv("LANGUAGE", "de:en")
	run([]string{"probe-language"}, io.Discard, io.Discard)
	if seen != "de" {
		t.Errorf("with LANGUAGE=de:en the command ran in %q, want de", seen)
	}
}

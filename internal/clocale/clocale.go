// Package clocale makes a "C.UTF-8" (or "POSIX.<charset>") locale read as
// English before Fyne's lang package looks at it. Fyne cannot parse "C" as
// a language and logs three lines of "Fyne error" on stderr at start-up,
// which breaks the headless commands' promise of a one-line error for
// factory scripts (Debian containers, cron and systemd often run with
// LANG=C.UTF-8). The plain "C" and "POSIX" locales and an empty one already
// read as English.
//
// It builds everywhere; on Windows and macOS, where the locale does not
// come from these variables, it changes nothing that matters.
//
// Import it for its side effect from package main. Go initialises packages
// in import-path order among those whose imports are ready; this package
// imports only the standard library, so it runs before fyne.io/fyne/v2/lang,
// which waits for golang.org/x/text.
package clocale

import (
	"os"
	"strings"
)

func init() { apply(os.Getenv, os.Setenv) }

// apply sets LANGUAGE=en when the locale the environment gives is the C or
// POSIX locale with a charset, and LANGUAGE is not set.
func apply(getenv func(string) string, setenv func(string, string) error) {
	if getenv("LANGUAGE") != "" {
		return
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(k)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX.") {
			setenv("LANGUAGE", "en")
		}
		return
	}
}

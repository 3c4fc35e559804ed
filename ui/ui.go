// Package ui holds Photon Station's Fyne screens: the bench view, the
// one-device wizard, the profile editor, the journal view and the serial
// monitor, and the main window that navigates between them.
//
// ui renders provisioning.Event values and turns the user's taps into
// intents (start the bench, stop it, retry a slot, save a profile, run the
// wizard). It holds no protocol logic: everything that talks to a device or
// to the cloud arrives through the small interfaces in Deps, which the real
// engine types satisfy and tests fake.
//
// Threading: widget callbacks run on the UI goroutine. Every goroutine ui
// starts itself (the event bridges, the serial monitor reader, the clock)
// touches widgets only through the dispatcher, which is fyne.DoAndWait in the
// app and a test-owned queue in tests.
package ui

import (
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fynelang "fyne.io/fyne/v2/lang"

	"github.com/photon-station/photon-station/ui/lang"
)

var alignFyne sync.Once

// SetupTranslations asks Fyne for its own words (the file dialogs, a
// dialog's Yes and No) in the language the station's screens use, chosen
// by lang.Use before the first screen is made. Fyne takes the language
// from the environment only on Linux and the BSDs; on Windows and macOS its
// own words follow the desktop. NewMainWindow calls it; it is safe to call
// more than once.
func SetupTranslations() {
	alignFyne.Do(func() {
		if err := os.Setenv("LANGUAGE", lang.Current().Tag); err != nil {
			return
		}
		// Adding a (empty) translation is what makes Fyne read the
		// environment's languages again.
		if err := fynelang.AddTranslationsForLocale([]byte("{}"), fyne.Locale("en")); err != nil {
			fyne.LogError("choosing Fyne's language", err)
		}
	})
}

// dispatcher runs fn on the UI goroutine and returns when it has run. The
// app uses fyne.DoAndWait; tests swap in a queue their own goroutine drains,
// so the race detector sees every widget write happen on one goroutine.
type dispatcher func(fn func())

func fyneDispatch(fn func()) { fyne.DoAndWait(fn) }

// clock tells the time; tests inject a fixed one so tiles and counters
// render the same every run.
type clock func() time.Time

// tickerFunc starts a ticker and returns its channel and its stop; tests
// pass one whose channel they drive.
type tickerFunc func(d time.Duration) (<-chan time.Time, func())

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

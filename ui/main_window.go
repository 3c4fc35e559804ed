package ui

import (
	"context"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// Deps is everything the screens need from the rest of the station. Every
// field may be nil: the screen that needs it then says what is missing
// instead of failing, so a partial wiring (or a test) still opens.
type Deps struct {
	// Station runs the bench; Events is its stream of events for every
	// slot, consumed until it closes or the window closes.
	Station BenchControl
	Events  <-chan provisioning.Event

	// Profiles and Secrets back the profile screens and the pickers.
	Profiles ProfileLibrary
	Secrets  provisioning.Secrets
	// TestConnection runs the cloud pre-flight for the profile editor.
	TestConnection ConnectionTester
	// Account is the supervisor's Particle sign-in; nil hides it.
	Account SupervisorAccount

	// OneDevice, PhotonAP and Ports back the one-device wizard.
	OneDevice OneDeviceRunner
	PhotonAP  PhotonAP
	Ports     PortFinder

	// Journal backs the journal view.
	Journal JournalSource

	// Console opens a port's raw output for the serial monitor.
	Console ConsoleOpener

	// Fleet is the fleet database, set in the Station settings; nil
	// leaves it out of the settings, the bench and the journal.
	Fleet FleetLink

	// DeviceTools builds the Device tools section. Nil shows a placeholder
	// tab; the seam is for the engineer who writes those tabs.
	DeviceTools func(w fyne.Window) fyne.CanvasObject

	// Profile is the profile the bench shows first; empty means the one
	// the bench last started (or the only one).
	Profile string

	// Dispatch runs the engine goroutines' UI work on the UI goroutine and
	// waits for it; nil means fyne.DoAndWait. Fyne's test driver runs such
	// work on the calling goroutine, so whole-window tests pass a queue that
	// their own goroutine drains.
	Dispatch func(fn func())

	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Title is the window title; empty means "Photon Station".
	Title string
}

// MainView is the station's window content: a tab per screen.
type MainView struct {
	Window   fyne.Window
	Bench    *Bench
	Wizard   *Wizard
	Profiles *ProfilesView
	Journal  *JournalView
	Monitor  *SerialMonitor
	Tabs     *container.AppTabs

	cancel context.CancelFunc
	// tools is the Device tools section; when it has a Close (as
	// *devicetools.Tools does) the window's close ends its event stream and
	// its calls in flight, and a CancelRunning is what Escape does there.
	tools fyne.CanvasObject

	// metadata, journal and openURL back the Help menu: the version and
	// build, and the journal's folder opened in the file manager.
	metadata fyne.AppMetadata
	journal  JournalSource
	openURL  func(*url.URL) error

	// fleet, lock and do back the Station settings and the bench's
	// fleet line.
	fleet     FleetLink
	lock      *supervisorLock
	do        dispatcher
	fleetPost *fleetStatusPost
}

// Preference keys the station keeps in the Fyne app's preferences.
const (
	PrefEditingLocked = "profiles.editing_locked"
	PrefThemeVariant  = "ui.theme" // "", "light" or "dark"
	// PrefBenchProfile is the profile the bench last started, chosen again
	// at the next start of the app.
	PrefBenchProfile = "bench.profile"
	// PrefLanguage is the language tag chosen in the View menu; empty
	// follows the desktop. It takes effect at the next start (UseLanguage).
	PrefLanguage = "ui.language"
)

// UseLanguage makes the screens speak the language saved in a's
// preferences, or the desktop's when none is saved. Call it before the
// station makes its first message or screen.
func UseLanguage(a fyne.App) lang.Language {
	if tag := a.Preferences().String(PrefLanguage); tag != "" {
		return lang.Use([]string{tag})
	}
	return lang.Use(lang.DesktopPreferences())
}

// NewMainWindow creates the station's main window on app a with the
// station theme and translations, and starts the event bridges. The bridges
// stop when the window closes. Show it with ShowAndRun.
func NewMainWindow(a fyne.App, deps Deps) fyne.Window {
	SetupTranslations()
	applyThemePreference(a)
	applyTextSize(a)
	title := deps.Title
	if title == "" {
		title = lang.L("Photon Station")
	}
	w := a.NewWindow(title)
	Build(w, deps)
	w.Resize(fyne.NewSize(1200, 800))
	return w
}

func applyThemePreference(a fyne.App) {
	th := NewTheme()
	switch a.Preferences().String(PrefThemeVariant) {
	case "light":
		v := theme.VariantLight
		th.Forced = &v
	case "dark":
		v := theme.VariantDark
		th.Forced = &v
	}
	a.Settings().SetTheme(th)
}

// Build puts the station's screens into w and starts the bridges that feed
// them; they stop when w closes. Call on the UI goroutine.
func Build(w fyne.Window, deps Deps) *MainView {
	if deps.Dispatch != nil {
		return build(w, deps, deps.Dispatch, realTicker)
	}
	return build(w, deps, fyneDispatch, realTicker)
}

func build(w fyne.Window, deps Deps, do dispatcher, newTicker tickerFunc) *MainView {
	SetupTranslations()
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	a := fyne.CurrentApp()
	ctx, cancel := context.WithCancel(context.Background())
	v := &MainView{Window: w, cancel: cancel, metadata: a.Metadata(), journal: deps.Journal, openURL: a.OpenURL}
	lock := &supervisorLock{prefs: a.Preferences(), now: now}
	locked := lock.locked
	v.fleet, v.lock, v.do = deps.Fleet, lock, do

	initial := deps.Profile
	if initial == "" {
		initial = a.Preferences().String(PrefBenchProfile)
	}
	v.Bench = newBench(ctx, deps.Station, deps.Profiles, locked, now, do, initial, func(name string) {
		a.Preferences().SetString(PrefBenchProfile, name)
	})
	v.Bench.secrets = deps.Secrets
	v.Bench.checkSecrets()
	v.Wizard = newWizard(ctx, deps.OneDevice, deps.PhotonAP, deps.Ports, deps.Profiles, now, do)
	v.Wizard.preferProfile(initial)
	v.Profiles = newProfilesView(ctx, w, deps.Profiles, deps.Secrets, deps.TestConnection, deps.Account, lock, do)
	v.Profiles.newTicker = newTicker
	v.Profiles.onLock = func() {
		v.Bench.refreshTop()
		// The device tools forget what the supervisor's account showed.
		if t, ok := v.tools.(interface{ AccountChanged() }); ok {
			t.AccountChanged()
		}
	}
	v.Profiles.onChange = func() {
		v.Bench.refreshProfiles()
		v.Bench.checkSecrets() // a secret may have been stored
		v.Wizard.refreshProfiles()
	}
	v.Journal = newJournalView(w, deps.Journal, now)
	v.Journal.do = do
	v.Monitor = newSerialMonitor(ctx, deps.Console, deps.Ports, do, newTicker)
	v.Wizard.portPick.bench = v.Bench.portUse
	v.Monitor.portPick.bench = v.Bench.portUse

	var tools fyne.CanvasObject
	if deps.DeviceTools != nil {
		tools = deps.DeviceTools(w)
	} else {
		msg := widget.NewLabel(lang.L("Device tools are not available in this build."))
		msg.Alignment = fyne.TextAlignCenter
		tools = container.NewCenter(msg)
	}
	v.tools = tools

	v.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("Bench"), theme.GridIcon(), v.Bench.Content()),
		container.NewTabItemWithIcon(lang.L("One device"), theme.NavigateNextIcon(), v.Wizard.Content()),
		container.NewTabItemWithIcon(lang.L("Profiles"), theme.DocumentIcon(), v.Profiles.Content()),
		container.NewTabItemWithIcon(lang.L("Journal"), theme.HistoryIcon(), v.Journal.Content()),
		container.NewTabItemWithIcon(lang.L("Serial monitor"), theme.ComputerIcon(), v.Monitor.Content()),
		container.NewTabItemWithIcon(lang.L("Device tools"), theme.SettingsIcon(), tools),
	)
	v.Tabs.OnSelected = func(t *container.TabItem) {
		switch t.Content {
		case v.Bench.Content():
			v.Bench.checkSecrets() // the keychain may have come back
		case v.Journal.Content():
			v.Journal.Reload()
		case v.Profiles.Content():
			v.Profiles.reloadList()
			v.Profiles.probeKeychain() // the keychain may have come back
			if v.Profiles.accountCard != nil {
				v.Profiles.accountCard.refresh() // the keychain may have come back
			}
		}
	}
	w.SetContent(v.Tabs)
	w.SetMainMenu(v.menu(a))
	w.Canvas().SetOnTypedKey(v.TypedKey)
	w.SetOnClosed(v.Close)
	w.SetCloseIntercept(v.RequestClose)
	v.Bench.window = w

	v.useFleet()
	if deps.Events != nil {
		ticks, stop := newTicker(time.Second)
		go func() {
			defer stop()
			v.Bench.Run(ctx, deps.Events, ticks)
		}()
	}
	return v
}

// menu is the window's menu: the theme choice (light, dark or the
// desktop's) is kept in the app's preferences.
func (v *MainView) menu(a fyne.App) *fyne.MainMenu {
	pick := func(value string) func() {
		return func() {
			a.Preferences().SetString(PrefThemeVariant, value)
			applyThemePreference(a)
			v.refreshAfterTheme()
		}
	}
	// Quit asks first when Photons are being set up, as closing does.
	quit := fyne.NewMenuItem(lang.L("Quit"), v.RequestClose)
	quit.IsQuit = true
	view := fyne.NewMenu(lang.L("View"),
		fyne.NewMenuItem(lang.L("Light theme"), pick("light")),
		fyne.NewMenuItem(lang.L("Dark theme"), pick("dark")),
		fyne.NewMenuItem(lang.L("Follow the desktop"), pick("")),
		fyne.NewMenuItemSeparator(),
		v.languageMenu(a),
		v.textSizeMenu(a),
		fyne.NewMenuItemSeparator(),
		quit,
	)
	station := fyne.NewMenu(lang.L("Station"),
		fyne.NewMenuItem(lang.L("Station settings…"), func() { v.showStationSettings() }))
	return fyne.NewMainMenu(view, station, v.helpMenu())
}

// useFleet applies the saved station settings: the sender restarts with
// the fleet address, the journal keeps its months, and the bench and the
// journal view show or leave out the fleet database.
func (v *MainView) useFleet() {
	if v.fleet == nil {
		return
	}
	prefs := fyne.CurrentApp().Preferences()
	address := prefs.String(PrefFleetURL)
	configured := address != ""
	v.Bench.showFleet(configured, FleetStatus{State: FleetConnecting})
	v.Journal.setFleet(v.fleet, configured)
	// A new post for each start: a late status of the sender before
	// never shows.
	post := &fleetStatusPost{do: v.do}
	post.show = func(st FleetStatus) {
		if v.fleetPost == post {
			v.Bench.showFleet(configured, st)
		}
	}
	v.fleetPost = post
	v.fleet.Use(address, prefs.Int(PrefJournalKeepMonths), post.post)
}

// refreshAfterTheme redraws what paints its own colours and sizes.
func (v *MainView) refreshAfterTheme() {
	v.Bench.refreshTop()
	for _, t := range v.Bench.tiles {
		t.Refresh()
	}
	v.Bench.waiting.Refresh()
}

// languageMenu offers the shipped languages, each in its own words, and
// the desktop's. The choice is saved and takes effect at the next start:
// screens already made, and a bench at work, keep their words.
func (v *MainView) languageMenu(a fyne.App) *fyne.MenuItem {
	item := fyne.NewMenuItem(lang.L("Language"), nil)
	var entries []*fyne.MenuItem
	mark := func() {
		saved := a.Preferences().String(PrefLanguage)
		for i, e := range entries {
			e.Checked = (i == 0 && saved == "") || (i > 0 && lang.Languages()[i-1].Tag == saved)
		}
	}
	choose := func(tag, name string) func() {
		return func() {
			a.Preferences().SetString(PrefLanguage, tag)
			mark()
			if tag == "" {
				name = lang.Match(lang.DesktopPreferences()).Name
			}
			dialog.ShowInformation(lang.L("Language"),
				lang.L("Photon Station will use {{.Language}} from its next start.", map[string]any{"Language": name}), v.Window)
		}
	}
	entries = append(entries, fyne.NewMenuItem(lang.L("Desktop language"), choose("", "")))
	for _, l := range lang.Languages() {
		entries = append(entries, fyne.NewMenuItem(l.Name, choose(l.Tag, l.Name)))
	}
	mark()
	item.ChildMenu = fyne.NewMenu("", entries...)
	return item
}

// TypedKey sends Enter and Escape to the screen in front: Enter starts or
// retries, Escape cancels.
func (v *MainView) TypedKey(ev *fyne.KeyEvent) {
	switch v.Tabs.SelectedIndex() {
	case 0:
		v.Bench.TypedKey(ev)
	case 1:
		v.Wizard.TypedKey(ev)
	case 4:
		v.Monitor.TypedKey(ev)
	case 5:
		if c, ok := v.tools.(interface{ CancelRunning() }); ok && ev.Name == fyne.KeyEscape {
			c.CancelRunning()
		}
	}
}

// Close stops the bridges and cancels what the screens started.
func (v *MainView) Close() {
	v.Profiles.dropMadeClientNow() // a new profile left unsaved keeps no client
	v.cancel()
	v.Monitor.Close()
	if c, ok := v.tools.(interface{ Close() }); ok {
		c.Close()
	}
}

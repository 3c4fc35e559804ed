package ui

import (
	"fmt"
	"os"
	"strconv"

	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/ui/lang"
)

// PrefTextSize is the text size chosen in View › Text size, as a Fyne
// scale ("1.5"); empty leaves the scale to the desktop and FYNE_SCALE.
const PrefTextSize = "ui.text_size"

// textSize is one size View › Text size offers: a Fyne scale and its
// name, which the menu shows with the percent.
type textSize struct {
	scale float64
	word  func() string // translated when the menu is made
}

// textSizes are the sizes View › Text size offers.
var textSizes = []textSize{
	{1, func() string { return lang.L("Normal") }},
	{1.25, func() string { return lang.L("Large") }},
	{1.5, func() string { return lang.L("Larger") }},
	{1.75, func() string { return lang.L("Very large") }},
	{2, func() string { return lang.L("Largest") }},
}

// label is the menu's words for s: "Large (125 %)".
func (s textSize) label() string {
	return lang.L("{{.Size}} ({{.Percent}} %)", map[string]any{"Size": s.word(), "Percent": fmt.Sprintf("%.0f", s.scale*100)})
}

// scaleEnv is the variable Fyne's desktop driver multiplies the desktop's
// scale by; it reads it when a window is made and whenever the app's
// settings change (a new theme). userScaleEnv is what the environment held
// at start, restored when the technician goes back to the desktop's size.
const scaleEnv = "FYNE_SCALE"

var userScaleEnv, userScaleSet = os.LookupEnv(scaleEnv)

// applyTextSize hands the saved text size to Fyne. Call it before the
// window is made (the driver reads the scale then) and after a choice,
// followed by a settings change so open windows take it.
func applyTextSize(a fyne.App) {
	saved := a.Preferences().String(PrefTextSize)
	if f, err := strconv.ParseFloat(saved, 32); err == nil && f > 0 {
		_ = os.Setenv(scaleEnv, saved)
		return
	}
	if userScaleSet {
		_ = os.Setenv(scaleEnv, userScaleEnv)
	} else {
		_ = os.Unsetenv(scaleEnv)
	}
}

// textSizeMenu offers the text sizes; the choice is saved and applied at
// once (re-applying the theme makes the driver read the scale again).
func (v *MainView) textSizeMenu(a fyne.App) *fyne.MenuItem {
	item := fyne.NewMenuItem(lang.L("Text size"), nil)
	var entries []*fyne.MenuItem
	values := []string{""}
	for _, s := range textSizes {
		values = append(values, strconv.FormatFloat(s.scale, 'f', -1, 64))
	}
	mark := func() {
		saved := a.Preferences().String(PrefTextSize)
		for i, e := range entries {
			e.Checked = values[i] == saved
		}
	}
	for i, value := range values {
		label := lang.L("Desktop's size")
		if value != "" {
			label = textSizes[i-1].label()
		}
		entries = append(entries, fyne.NewMenuItem(label, func() {
			a.Preferences().SetString(PrefTextSize, value)
			mark()
			applyTextSize(a)
			applyThemePreference(a)
			v.refreshAfterTheme()
		}))
	}
	mark()
	item.ChildMenu = fyne.NewMenu("", entries...)
	return item
}

package ui

import (
	"reflect"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/ui/lang"
)

// formEntry is a profile field that knows when the supervisor has left
// it: its problem is shown from then on, not while nothing is typed yet.
type formEntry struct {
	widget.Entry
	left   bool
	onLeft func()
}

func newFormEntry(password bool) *formEntry {
	e := &formEntry{}
	if password { // masked, with no eye to reveal it: a secret is never shown
		e.Password = true
		e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	}
	e.ExtendBaseWidget(e)
	return e
}

// AsEntry is the entry inside, for code that looks for entries on a
// screen (the main package's window tests).
func (e *formEntry) AsEntry() *widget.Entry { return &e.Entry }

// FocusLost marks the field left and lets the form show its problem.
func (e *formEntry) FocusLost() {
	e.Entry.FocusLost()
	e.left = true
	if e.onLeft != nil {
		e.onLeft()
	}
}

// unsaved tells whether the form holds edits that are not saved: a field
// differs from the profile as opened, or a secret is typed.
func (v *ProfilesView) unsaved() bool {
	if v.isLocked() {
		return false
	}
	return !reflect.DeepEqual(v.Profile(), v.shown) || v.clientSecret.typed() != "" || v.wifiPassword.typed() != ""
}

// leaveEdits runs then (opening another profile, or a new one) at once
// when the form holds no unsaved edits; otherwise it asks first, and
// keeps the edits unless the supervisor discards them.
func (v *ProfilesView) leaveEdits(then func()) {
	if !v.unsaved() {
		v.dropMadeClient() // a new profile left (locked meanwhile) keeps no client
		then()
		return
	}
	v.reselectCurrent()
	name := v.Profile().Name
	msg := lang.L("The changes to {{.Name}} are not saved. Discard them?", map[string]any{"Name": name})
	if v.current == "" {
		msg = lang.L("The new profile is not saved. Discard it?")
	}
	label := widget.NewLabel(msg)
	label.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("Unsaved changes"), lang.L("Discard changes"), lang.L("Keep editing"), label, func(discard bool) {
		if discard {
			v.dropMadeClient()
			then()
			v.reselectCurrent()
		}
	}, v.win)
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	d.Show()
}

// clientReady tells whether Create client may run: for a saved profile
// always; for a new one only once everything but the client is filled in,
// since the profile is then saved with the new client at once (a client
// is never left behind for a profile that was never saved).
func (v *ProfilesView) clientReady() bool {
	if v.current != "" {
		return true
	}
	for _, p := range v.problems() {
		if p.field != v.clientID && p.field != v.clientSecret.entry {
			return false
		}
	}
	return true
}

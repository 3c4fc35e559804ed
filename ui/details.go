package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// detailsExpander is the folded "Details for support" under a message in
// a technician's words: the raw cause (a Go error, an HTTP status, a
// variable name) is for a supervisor or support, and shows only when
// opened. Hidden while there is nothing to show.
type detailsExpander struct {
	acc  *widget.Accordion // what goes on screen
	text *widget.Label
}

func newDetailsExpander() *detailsExpander {
	d := &detailsExpander{text: widget.NewLabel("")}
	d.text.Wrapping = fyne.TextWrapWord
	d.text.Selectable = true
	d.acc = widget.NewAccordion(widget.NewAccordionItem(lang.L("Details for support"), d.text))
	d.acc.Hide()
	return d
}

// set shows details folded away, or hides the expander for "".
func (d *detailsExpander) set(details string) {
	d.text.SetText(details)
	d.acc.CloseAll()
	if details == "" {
		d.acc.Hide()
	} else {
		d.acc.Show()
	}
}

// causeText is err's text for the details, "" for nil.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// messageWithDetails stacks a message and its details expander.
func messageWithDetails(msg fyne.CanvasObject, d *detailsExpander) *fyne.Container {
	return container.NewVBox(msg, d.acc)
}

// showProblem shows msg, in a technician's words, in a dialog on win, with
// err's raw text behind Details for support.
func showProblem(win fyne.Window, msg string, err error) {
	label := widget.NewLabel(msg)
	label.Wrapping = fyne.TextWrapWord
	more := newDetailsExpander()
	more.set(causeText(err))
	d := dialog.NewCustom(lang.L("Not done"), lang.L("Close"), messageWithDetails(label, more), win)
	d.Resize(fyne.NewSize(480, d.MinSize().Height))
	d.Show()
}

// engineWords is the engine's own sentence and action when err carries
// them (a provisioning.StepError: English, made for a technician), or
// fallback.
func engineWords(err error, fallback string) string {
	var se *provisioning.StepError
	if errors.As(err, &se) && se.Message != "" {
		return strings.TrimSpace(se.Message + " " + se.Action)
	}
	if noKeychain(err) {
		return lang.L("This computer has no keychain for the profiles' secrets: see the note on the Profiles screen for how to get one.")
	}
	return fallback
}

// profilesUnreadable says the profile list could not be read.
func profilesUnreadable() string {
	return lang.L("The profiles could not be read. Check that the profiles folder exists and this user may open it, then restart Photon Station; if it keeps happening, give the details to a supervisor.")
}

// profileUnreadable says one profile could not be read.
func profileUnreadable(name string) string {
	return lang.L("The profile {{.Name}} could not be read: its file may have been changed by hand. Ask a supervisor to open it on the Profiles screen, or choose another profile.", map[string]any{"Name": name})
}

// portsUnlisted says the USB ports could not be listed.
func portsUnlisted() string {
	return lang.L("The USB ports could not be listed. Unplug the USB hub, plug it in again and wait a few seconds; if it keeps happening, give the details to a supervisor.")
}

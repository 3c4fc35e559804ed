package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// maxKeepMonths bounds the journal's retention setting (50 years).
const maxKeepMonths = 600

// fleetCallTimeout bounds a settings call to the keychain or the database.
const fleetCallTimeout = 30 * time.Second

// StationSettings is the supervisor's Station settings dialog: the fleet
// database (its address, and its password in the keychain) and how long
// the journal keeps attempts. It can be changed only while the station is
// unlocked.
type StationSettings struct {
	view     *MainView
	dlg      dialog.Dialog
	address  *widget.Entry
	password *secretField
	keep     *widget.Entry
	message  *widget.Label
	test     *widget.Button
	save     *widget.Button
	// checked counts the keychain look-ups, so only the latest one's
	// answer is shown.
	checked int
}

// showStationSettings opens the Station settings dialog.
func (v *MainView) showStationSettings() *StationSettings {
	prefs := fyne.CurrentApp().Preferences()
	s := &StationSettings{view: v}
	s.address = widget.NewEntry()
	s.address.SetPlaceHolder("postgres://bench@db.factory.lan:5432/fleet")
	s.address.SetText(prefs.String(PrefFleetURL))
	s.address.OnChanged = func(string) { s.lookUpPassword() }
	s.password = newSecretField(provisioning.SecretFleetPassword, lang.L("Password of the database user"))
	s.keep = widget.NewEntry()
	s.keep.SetPlaceHolder(lang.L("Empty: keep everything"))
	if n := prefs.Int(PrefJournalKeepMonths); n > 0 {
		s.keep.SetText(strconv.Itoa(n))
	}
	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.test = widget.NewButtonWithIcon(lang.L("Test connection"), theme.ConfirmIcon(), s.testConnection)
	s.save = widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), s.saveSettings)
	s.save.Importance = widget.HighImportance

	fleetHint := widget.NewLabel(lang.L("Every bench sends its attempts to one PostgreSQL database, where a supervisor sees all of them. Leave the address empty to keep the journal on this computer only."))
	fleetHint.Wrapping = fyne.TextWrapWord
	keepHint := widget.NewLabel(lang.L("Older finished attempts are deleted from this station's journal once a day. Attempts the fleet database has not received yet are always kept."))
	keepHint.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Fleet database"), s.address),
		widget.NewFormItem(lang.L("Password"), s.password.box),
		widget.NewFormItem("", container.NewHBox(s.test)),
		widget.NewFormItem(lang.L("Keep attempts for (months)"), s.keep),
	)
	body := container.NewVBox(fleetHint, form, keepHint, s.message)
	locked := v.lock != nil && v.lock.locked()
	if locked {
		note := widget.NewLabel(lang.L("Editing is locked. Unlock editing on the Profiles screen to change the station settings."))
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		body.Objects = append([]fyne.CanvasObject{container.NewBorder(nil, nil, widget.NewIcon(lockIcon), nil, note)}, body.Objects...)
		for _, w := range []fyne.Disableable{s.address, s.password.entry, s.password.replace, s.keep, s.test, s.save} {
			w.Disable()
		}
	}
	closeBtn := widget.NewButton(lang.L("Close"), func() { s.dlg.Hide() })
	buttons := container.NewHBox(closeBtn)
	if !locked {
		buttons.Add(s.save)
	}
	s.dlg = dialog.NewCustomWithoutButtons(lang.L("Station settings"),
		container.NewBorder(nil, container.NewCenter(buttons), nil, nil, body), v.Window)
	s.dlg.Resize(fyne.NewSize(640, s.dlg.MinSize().Height))
	s.dlg.Show()
	s.lookUpPassword()
	return s
}

// lookUpPassword shows whether the keychain holds the typed address's
// password.
func (s *StationSettings) lookUpPassword() {
	s.checked++
	seq, addr := s.checked, strings.TrimSpace(s.address.Text)
	link := s.view.fleet
	if link == nil || addr == "" || link.Check(addr) != nil {
		s.showStored(false)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), fleetCallTimeout)
		defer cancel()
		has, err := link.PasswordStored(ctx, addr)
		s.view.do(func() {
			if seq != s.checked {
				return // the address changed meanwhile
			}
			s.showStored(has && err == nil)
		})
	}()
}

// showStored switches the password field to "Stored in the keychain" or
// back to its entry; a password being typed stays while nothing is
// stored.
func (s *StationSettings) showStored(has bool) {
	if has != s.password.has {
		s.password.setStored(has)
	}
}

// settings reads the form: the address and the months to keep.
func (s *StationSettings) settings() (address string, months int, err error) {
	address = strings.TrimSpace(s.address.Text)
	if address != "" {
		if s.view.fleet == nil {
			return "", 0, errors.New(lang.L("This build has no fleet database support."))
		}
		if err := s.view.fleet.Check(address); err != nil {
			return "", 0, err
		}
	}
	if t := strings.TrimSpace(s.keep.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > maxKeepMonths {
			return "", 0, errors.New(lang.L("Keep attempts for: a whole number of months from 1 to {{.Max}}, or empty to keep everything", map[string]any{"Max": maxKeepMonths}))
		}
		months = n
	}
	return address, months, nil
}

func (s *StationSettings) say(msg string, problem bool) {
	s.message.Importance = widget.MediumImportance
	if problem {
		s.message.Importance = widget.DangerImportance
	}
	s.message.SetText(msg)
}

// testConnection connects with the typed address and password (or the
// stored one) and says what happened.
func (s *StationSettings) testConnection() {
	address, _, err := s.settings()
	if err == nil && address == "" {
		err = errors.New(lang.L("Type the fleet database's address first."))
	}
	if err != nil {
		s.say(err.Error(), true)
		return
	}
	pw := s.password.typed()
	s.test.Disable()
	s.say(lang.L("Connecting to the fleet database…"), false)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), fleetCallTimeout)
		defer cancel()
		err := s.view.fleet.Test(ctx, address, pw)
		s.view.do(func() {
			s.test.Enable()
			if err != nil {
				s.say(lang.L("The fleet database did not answer as it should: {{.Reason}}", map[string]any{"Reason": err.Error()}), true)
				return
			}
			s.say(lang.L("Connected: the fleet database accepts this station's records."), false)
		})
	}()
}

// saveSettings keeps a typed password in the keychain, then the address
// and retention in the preferences, and restarts the sender with them.
func (s *StationSettings) saveSettings() {
	if s.view.lock != nil && s.view.lock.locked() {
		s.say(lang.L("Editing is locked. Unlock editing on the Profiles screen to change the station settings."), true)
		return
	}
	address, months, err := s.settings()
	if err != nil {
		s.say(err.Error(), true)
		return
	}
	pw := s.password.typed()
	s.save.Disable()
	s.say(lang.L("Saving…"), false)
	go func() {
		var err error
		if pw != "" && address != "" {
			ctx, cancel := context.WithTimeout(context.Background(), fleetCallTimeout)
			err = s.view.fleet.StorePassword(ctx, address, pw)
			cancel()
		}
		s.view.do(func() {
			s.save.Enable()
			if err != nil {
				s.say(lang.L("The password was not stored in the keychain, so nothing was saved: {{.Reason}}", map[string]any{"Reason": err.Error()}), true)
				return
			}
			if pw != "" {
				s.password.setStored(true)
			}
			prefs := fyne.CurrentApp().Preferences()
			prefs.SetString(PrefFleetURL, address)
			prefs.SetInt(PrefJournalKeepMonths, months)
			s.view.useFleet()
			s.dlg.Hide()
		})
	}()
}

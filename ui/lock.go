package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// PrefLockPIN holds the salted hash of the supervisor's lock PIN
// (provisioning.HashPIN) while editing is locked. The hash lives in the
// app's preferences, not the keychain, so the lock works on a computer
// without one; the PIN itself is never stored.
const PrefLockPIN = "profiles.lock_pin_hash"

// MinPINDigits is the shortest lock PIN a supervisor may choose.
const MinPINDigits = 4

// EditingLocked tells whether a supervisor has locked the station: the
// profiles cannot change and the supervisor's account is not used.
func EditingLocked() bool {
	a := fyne.CurrentApp()
	return a != nil && a.Preferences().Bool(PrefEditingLocked)
}

// supervisorLock is the station's lock, kept in the app's preferences.
type supervisorLock struct {
	prefs fyne.Preferences
}

func (l supervisorLock) locked() bool { return l.prefs.Bool(PrefEditingLocked) }

// hasPIN tells whether unlocking asks for a PIN (a lock made by an older
// version has none).
func (l supervisorLock) hasPIN() bool { return l.prefs.String(PrefLockPIN) != "" }

// lock stores pin's hash and locks.
func (l supervisorLock) lock(pin string) error {
	h, err := provisioning.HashPIN(pin)
	if err != nil {
		return err
	}
	l.prefs.SetString(PrefLockPIN, h)
	l.prefs.SetBool(PrefEditingLocked, true)
	return nil
}

// unlock opens the lock when pin is right, and forgets the hash.
func (l supervisorLock) unlock(pin string) bool {
	if h := l.prefs.String(PrefLockPIN); h != "" {
		if ok, _ := provisioning.CheckPIN(h, pin); !ok {
			return false
		}
	}
	l.prefs.RemoveValue(PrefLockPIN)
	l.prefs.SetBool(PrefEditingLocked, false)
	return true
}

// validPIN checks a new PIN: digits only, at least MinPINDigits.
func validPIN(s string) error {
	if len(s) < MinPINDigits || strings.Trim(s, "0123456789") != "" {
		return errors.New(lang.L("PIN: at least {{.Count}} digits, and digits only", map[string]any{"Count": MinPINDigits}))
	}
	return nil
}

// askLockPIN asks for a new PIN, twice, and locks with it.
func (v *ProfilesView) askLockPIN() {
	pin, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	pin.Validator = validPIN
	again.Validator = func(s string) error {
		if s != pin.Text {
			return errors.New(lang.L("The two PINs are not the same"))
		}
		return nil
	}
	pin.OnChanged = func(string) { again.Validate() }
	hint := widget.NewLabel(lang.L("Choose a PIN of at least {{.Count}} digits. Unlocking asks for it; nobody can read it back.", map[string]any{"Count": MinPINDigits}))
	hint.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm(lang.L("Lock editing"), lang.L("Lock"), lang.L("Cancel"), []*widget.FormItem{
		widget.NewFormItem("", hint),
		widget.NewFormItem(lang.L("PIN"), pin),
		widget.NewFormItem(lang.L("PIN again"), again),
	}, func(ok bool) {
		if !ok {
			return
		}
		chosen := pin.Text
		pin.SetText("")
		again.SetText("")
		v.lockBtn.Disable()
		go func() { // a slow hash, by design: off the UI goroutine
			err := v.lock.lock(chosen)
			v.do(func() {
				v.lockBtn.Enable()
				if err != nil {
					v.setMessage(lang.L("Editing was not locked: this computer could not make a random salt."), true)
					return
				}
				v.lockChanged()
			})
		}()
	}, v.win)
	pin.OnSubmitted = func(string) { v.win.Canvas().Focus(again) }
	again.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(440, d.MinSize().Height))
	d.Show()
	v.win.Canvas().Focus(pin)
}

// askUnlockPIN asks for the PIN; a wrong one says so and the dialog stays.
func (v *ProfilesView) askUnlockPIN() {
	if !v.lock.hasPIN() {
		dialog.ShowConfirm(lang.L("Unlock editing"), lang.L("Allow changes to the job profiles on this station?"), func(ok bool) {
			if ok && v.lock.unlock("") {
				v.lockChanged()
			}
		}, v.win)
		return
	}
	pin := widget.NewPasswordEntry()
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	var unlockBtn *widget.Button
	tryPIN := func() {
		typed := pin.Text
		pin.SetText("")
		unlockBtn.Disable()
		problem.SetText(lang.L("Checking…"))
		go func() {
			ok := v.lock.unlock(typed)
			v.do(func() {
				unlockBtn.Enable()
				if !ok {
					problem.SetText(lang.L("That PIN is not right. Type it again, or ask the supervisor who locked the station."))
					v.win.Canvas().Focus(pin)
					return
				}
				d.Hide()
				v.lockChanged()
			})
		}()
	}
	unlockBtn = widget.NewButtonWithIcon(lang.L("Unlock"), theme.ConfirmIcon(), tryPIN)
	unlockBtn.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), func() { d.Hide() })
	pin.OnSubmitted = func(string) { tryPIN() }
	hint := widget.NewLabel(lang.L("Type the supervisor's PIN to allow changes to the job profiles and the use of the supervisor's account."))
	hint.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(hint, pin, problem, container.NewCenter(container.NewHBox(cancel, unlockBtn)))
	d = dialog.NewCustomWithoutButtons(lang.L("Unlock editing"), body, v.win)
	d.Resize(fyne.NewSize(460, body.MinSize().Height+80))
	d.Show()
	v.win.Canvas().Focus(pin)
}

// toggleLock is the Lock/Unlock editing button.
func (v *ProfilesView) toggleLock() {
	if v.lock == nil {
		return
	}
	if v.isLocked() {
		v.askUnlockPIN()
		return
	}
	v.askLockPIN()
}

// lockChanged shows the new lock state here, on the account card and
// wherever else the station shows it.
func (v *ProfilesView) lockChanged() {
	v.refreshLock()
	if v.accountCard != nil {
		v.accountCard.show(v.accountCard.last, v.accountCard.lastErr)
	}
	if v.onLock != nil {
		v.onLock()
	}
}

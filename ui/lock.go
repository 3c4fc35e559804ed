package ui

import (
	"errors"
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

// PrefLockPIN holds the salted hash of the supervisor's lock PIN
// (provisioning.HashPIN) while editing is locked. The hash lives in the
// app's preferences, not the keychain, so the lock works on a computer
// without one; the PIN itself is never stored.
const PrefLockPIN = "profiles.lock_pin_hash"

// PrefLockWrong counts the wrong PINs in a row since the lock was made or
// last opened; PrefLockWaitUntil is when the next try may be made after
// too many (RFC 3339, this computer's clock). Both survive a restart, so
// quitting does not reset the wait.
const (
	PrefLockWrong     = "profiles.lock_pin_wrong"
	PrefLockWaitUntil = "profiles.lock_pin_wait_until"
)

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
	now   func() time.Time
}

func (l supervisorLock) locked() bool { return l.prefs.Bool(PrefEditingLocked) }

// hasPIN tells whether unlocking asks for a PIN (a lock made by an older
// version has none).
func (l supervisorLock) hasPIN() bool { return l.prefs.String(PrefLockPIN) != "" }

// lock stores pin's hash and locks (a lock an older version left without
// a PIN gets one this way too).
func (l supervisorLock) lock(pin string) error {
	h, err := provisioning.HashPIN(pin)
	if err != nil {
		return err
	}
	l.forgetWrong()
	l.prefs.SetString(PrefLockPIN, h)
	l.prefs.SetBool(PrefEditingLocked, true)
	return nil
}

// waitLeft is how long the next try must wait after too many wrong PINs.
// A computer clock set back cannot make it longer than the wait itself.
func (l supervisorLock) waitLeft() time.Duration {
	until, err := time.Parse(time.RFC3339Nano, l.prefs.String(PrefLockWaitUntil))
	if err != nil {
		return 0
	}
	left := until.Sub(l.now())
	return max(0, min(left, provisioning.PINWait(l.prefs.Int(PrefLockWrong))))
}

func (l supervisorLock) forgetWrong() {
	l.prefs.RemoveValue(PrefLockWrong)
	l.prefs.RemoveValue(PrefLockWaitUntil)
}

// unlock opens the lock when pin is right, and forgets the hash. A wrong
// PIN, or a try during the wait after too many, leaves it locked and says
// how long the next try must wait (0: at once). A lock without a PIN
// hash does not open here: it is given a PIN first.
func (l supervisorLock) unlock(pin string) (ok bool, wait time.Duration) {
	if w := l.waitLeft(); w > 0 {
		return false, w
	}
	h := l.prefs.String(PrefLockPIN)
	if h == "" {
		return false, 0
	}
	if right, _ := provisioning.CheckPIN(h, pin); !right {
		wrong := l.prefs.Int(PrefLockWrong) + 1
		l.prefs.SetInt(PrefLockWrong, wrong)
		wait := provisioning.PINWait(wrong)
		if wait > 0 {
			l.prefs.SetString(PrefLockWaitUntil, l.now().Add(wait).Format(time.RFC3339Nano))
		}
		return false, wait
	}
	l.forgetWrong()
	l.prefs.RemoveValue(PrefLockPIN)
	l.prefs.SetBool(PrefEditingLocked, false)
	return true, 0
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
	v.askNewPIN(lang.L("Lock editing"), lang.L("Lock"),
		lang.L("Choose a PIN of at least {{.Count}} digits. Unlocking asks for it; nobody can read it back.", map[string]any{"Count": MinPINDigits}), nil)
}

// askPINForOldLock gives a lock left by an older version, which kept no
// PIN, a PIN: the station stays locked, and unlocking asks for it.
func (v *ProfilesView) askPINForOldLock() {
	v.askNewPIN(lang.L("Set a supervisor PIN"), lang.L("Set PIN"),
		lang.L("This station was locked by an older version of Photon Station, which kept no PIN. A supervisor chooses a PIN of at least {{.Count}} digits now: the station stays locked, and Unlock editing asks for this PIN.", map[string]any{"Count": MinPINDigits}),
		func() {
			v.setMessage(lang.L("The lock now has a PIN. Press Unlock editing and type it to allow changes."), false)
		})
}

// askNewPIN asks for a new PIN, twice, and locks with it; then done, if
// any, runs on the UI goroutine.
func (v *ProfilesView) askNewPIN(title, confirm, explain string, done func()) {
	pin, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	pin.Validator = validPIN
	again.Validator = func(s string) error {
		if s != pin.Text {
			return errors.New(lang.L("The two PINs are not the same"))
		}
		return nil
	}
	pin.OnChanged = func(string) { again.Validate() }
	hint := widget.NewLabel(explain)
	hint.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm(title, confirm, lang.L("Cancel"), []*widget.FormItem{
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
				if done != nil {
					done()
				}
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
		v.askPINForOldLock()
		return
	}
	pin := widget.NewPasswordEntry()
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	var unlockBtn *widget.Button
	var count pinCountdown
	tryPIN := func() {
		if unlockBtn.Disabled() {
			return
		}
		typed := pin.Text
		pin.SetText("")
		unlockBtn.Disable()
		problem.SetText(lang.L("Checking…"))
		go func() {
			ok, wait := v.lock.unlock(typed)
			v.do(func() {
				switch {
				case ok:
					d.Hide()
					v.lockChanged()
				case wait > 0:
					count.start(v, wait, pin, unlockBtn, problem)
				default:
					unlockBtn.Enable()
					problem.SetText(lang.L("That PIN is not right. Type it again, or ask the supervisor who locked the station."))
					v.win.Canvas().Focus(pin)
				}
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
	d.SetOnClosed(count.stop)
	d.Resize(fyne.NewSize(460, body.MinSize().Height+80))
	d.Show()
	v.win.Canvas().Focus(pin)
	if wait := v.lock.waitLeft(); wait > 0 {
		count.start(v, wait, pin, unlockBtn, problem) // a wait from before a restart
	}
}

// pinCountdown holds the unlock dialog's PIN entry while the wait after
// too many wrong PINs runs, saying every second how long is left.
type pinCountdown struct {
	done chan struct{} // closed when the countdown ends; nil when none runs
}

// start disables the entry and its button and counts wait down; at the
// end they come back. UI goroutine only.
func (c *pinCountdown) start(v *ProfilesView, wait time.Duration, pin *widget.Entry, btn *widget.Button, problem *widget.Label) {
	pin.Disable()
	btn.Disable()
	problem.SetText(pinWaitWords(wait))
	if c.done != nil {
		return
	}
	done := make(chan struct{})
	c.done = done
	ticks, stopTicks := v.newTicker(time.Second)
	go func() {
		defer stopTicks()
		for {
			select {
			case <-done:
				return
			case <-v.parent.Done():
				return
			case <-ticks:
				v.do(func() {
					if c.done != done {
						return
					}
					if left := v.lock.waitLeft(); left > 0 {
						problem.SetText(pinWaitWords(left))
						return
					}
					c.stop()
					pin.Enable()
					btn.Enable()
					problem.SetText(lang.L("You can type the PIN again."))
					v.win.Canvas().Focus(pin)
				})
			}
		}
	}()
}

// stop ends the countdown (the dialog closed, or the wait is over).
func (c *pinCountdown) stop() {
	if c.done != nil {
		close(c.done)
		c.done = nil
	}
}

// pinWaitWords says how long is left, whole seconds rounded up.
func pinWaitWords(left time.Duration) string {
	return lang.L("Too many wrong PINs. Try again in {{.Wait}}, or ask the supervisor who locked the station.",
		map[string]any{"Wait": formatElapsed((left + time.Second - 1).Truncate(time.Second))})
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

package ui

import (
	"context"
	"errors"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// secretSourcer says where a profile's secret comes from without reading
// it onto the screen (provisioning.KeychainSecrets).
type secretSourcer interface {
	Source(ctx context.Context, profile string, kind provisioning.SecretKind) (provisioning.SecretSource, error)
}

// keychainProber tells whether the keychain answers at all.
type keychainProber interface {
	Probe(ctx context.Context) error
}

// noKeychain reports whether err says this computer has no keychain.
func noKeychain(err error) bool { return errors.Is(err, provisioning.ErrKeyringUnavailable) }

// noKeychainHow says, for this computer's system, what is missing and how
// to get it.
func noKeychainHow() string {
	switch runtime.GOOS {
	case "windows":
		return lang.L("Windows Credential Manager did not answer. Sign in to Windows with your own account (not a guest one), then start Photon Station again.")
	case "darwin":
		return lang.L("The macOS Keychain did not answer. Open Keychain Access, unlock the login keychain, then start Photon Station again.")
	}
	return lang.L("This computer has no Secret Service, the keychain of Linux desktops, or it is locked. Install one (GNOME Keyring, or KeePassXC with its Secret Service turned on), unlock it, then start Photon Station again.")
}

// noKeychainStill says what works without a keychain.
func noKeychainStill() string {
	return lang.L("Until then, profiles can be read and saved without their secrets, and the journal and serial monitor work. The bench and One device cannot run a profile, because its client secret and Wi-Fi password cannot be kept.")
}

// keychainNotice is the Profiles screen's plain note when there is no
// keychain: what is missing, how to get it, what still works, and the
// raw cause behind Details.
type keychainNotice struct {
	box  *fyne.Container
	more *detailsExpander
}

func newKeychainNotice() *keychainNotice {
	n := &keychainNotice{more: newDetailsExpander()}
	how := widget.NewLabel(noKeychainHow())
	how.Wrapping = fyne.TextWrapWord
	how.Importance = widget.WarningImportance
	still := widget.NewLabel(noKeychainStill())
	still.Wrapping = fyne.TextWrapWord
	card := widget.NewCard(lang.L("No keychain on this computer"), "",
		container.NewVBox(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, how), still, n.more.acc))
	n.box = container.NewVBox(card)
	n.box.Hide()
	return n
}

// show shows the note with err's raw cause, or hides it for nil.
func (n *keychainNotice) show(err error) {
	if err == nil {
		n.box.Hide()
		return
	}
	// The environment path is for an administrator, so it stays here.
	n.more.set(keyringCause(err) + "\n\n" + lang.L("An administrator can instead start Photon Station with {{.ClientSecret}} and {{.WiFiPassword}} set in its environment: they then stand in for the secrets of every profile.",
		map[string]any{"ClientSecret": provisioning.EnvClientSecret, "WiFiPassword": provisioning.EnvWiFiPassword}))
	n.box.Show()
}

// probeKeychain asks the keychain whether it answers and shows the note.
func (v *ProfilesView) probeKeychain() {
	p, ok := v.secrets.(keychainProber)
	if !ok {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(v.parent, 10*time.Second)
		defer cancel()
		err := p.Probe(ctx)
		if err != nil && !noKeychain(err) {
			err = nil // refused or timed out once: the profile's own check says so
		}
		v.do(func() { v.keychain.show(err) })
	}()
}

// secretSource asks where the secret of kind comes from.
func (v *ProfilesView) secretSource(ctx context.Context, name string, kind provisioning.SecretKind) (provisioning.SecretSource, error) {
	if s, ok := v.secrets.(secretSourcer); ok {
		return s.Source(ctx, name, kind)
	}
	_, err := v.secrets.Get(ctx, name, kind)
	switch {
	case err == nil:
		return provisioning.SourceKeychain, nil
	case errors.Is(err, provisioning.ErrSecretNotFound):
		return provisioning.SourceNone, nil
	}
	return provisioning.SourceNone, err
}

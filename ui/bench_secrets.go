package ui

import (
	"context"
	"errors"
	"time"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// checkSecrets asks, off the UI goroutine, whether the chosen profile's
// secrets can be had; until they can, the bench does not offer Start and
// its waiting tile says why.
func (b *Bench) checkSecrets() {
	if b.secrets == nil || !b.hasProf {
		return
	}
	p := b.profile
	go func() {
		ctx, cancel := context.WithTimeout(b.intents, 15*time.Second)
		defer cancel()
		_, err := provisioning.ResolveCredentials(ctx, b.secrets, p)
		if errors.Is(err, context.Canceled) {
			return // the window closed
		}
		why := secretsProblem(p.Name, err)
		b.do(func() {
			if b.profile.Name != p.Name {
				return
			}
			b.noSecrets = why
			b.refreshTop()
		})
	}()
}

// secretsProblem is why the bench cannot run the profile name, in a
// technician's words; "" when err is nil.
func secretsProblem(name string, err error) string {
	var missing *provisioning.MissingSecretError
	switch {
	case err == nil:
		return ""
	case noKeychain(err):
		return lang.L("The bench cannot run {{.Name}}: this computer has no keychain for its secrets. A supervisor sets one up (see the Profiles screen).", map[string]any{"Name": name})
	case errors.As(err, &missing) && missing.Kind == provisioning.SecretWiFiPassword:
		return lang.L("The bench cannot run {{.Name}}: its Wi-Fi password is not stored. A supervisor enters it on the Profiles screen.", map[string]any{"Name": name})
	case errors.As(err, &missing):
		return lang.L("The bench cannot run {{.Name}}: its client secret is not stored. A supervisor enters it on the Profiles screen.", map[string]any{"Name": name})
	case errors.As(err, new(*provisioning.FieldError)):
		return lang.L("The bench cannot run {{.Name}}: its stored Wi-Fi password does not suit the network's security. A supervisor enters it again on the Profiles screen.", map[string]any{"Name": name})
	}
	return lang.L("The bench cannot run {{.Name}}: its secrets could not be read. Ask a supervisor to open it on the Profiles screen.", map[string]any{"Name": name})
}

package fleet

import (
	"context"
	"errors"

	"github.com/photon-station/photon-station/provisioning"
)

// KeyringPassword is the PasswordLookup of a station: the password stored
// in s (the OS keyring) under the database's Target, as
// provisioning.SecretFleetPassword. None stored is "" and no error.
func KeyringPassword(s provisioning.Secrets) PasswordLookup {
	return func(ctx context.Context, target string) (string, error) {
		pw, err := s.Get(ctx, target, provisioning.SecretFleetPassword)
		if errors.Is(err, provisioning.ErrSecretNotFound) {
			return "", nil
		}
		return pw, err
	}
}

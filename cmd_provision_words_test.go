package main

import "testing"

// TestHeadlessWrongWiFiWords: the engine sends a bench technician to a
// supervisor; the headless command's user sets WIFI_PASSWORD and runs the
// command again, so that is what its output says.
func TestHeadlessWrongWiFiWords(t *testing.T) {
	engine := `Ask a supervisor to check the Wi-Fi password of profile "` + headlessProfileName + `", then press Retry.`
	want := "Check the Wi-Fi password (WIFI_PASSWORD), then run the command again."
	if got := headlessWords.Replace(engine); got != want {
		t.Errorf("headless says %q, want %q", got, want)
	}
}

// TestHeadlessBadCredentialsWords: the bench sends a technician to the
// profile and the keychain; a script's user is told the flag and the
// environment variable that gave the client ID and secret.
func TestHeadlessBadCredentialsWords(t *testing.T) {
	engine := "Check the client ID (acme-line-3) in the profile and store the client secret again, then press Retry."
	want := "Check the client ID (acme-line-3) given with --client-id and PARTICLE_CLIENT_SECRET, then run the command again."
	if got := headlessWords.Replace(engine); got != want {
		t.Errorf("headless says %q, want %q", got, want)
	}
}

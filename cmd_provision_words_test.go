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

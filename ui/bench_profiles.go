package ui

import "github.com/photon-station/photon-station/provisioning"

// benchRunnable keeps the profiles the bench can run: it provisions over
// USB, so a SoftAP profile belongs to the one-device wizard. A profile that
// cannot be read stays, so choosing it says why.
func benchRunnable(lib ProfileLibrary, names []string) []string {
	var out []string
	for _, n := range names {
		if p, err := lib.Load(n); err == nil && p.Channel == provisioning.ChannelSoftAP {
			continue
		}
		out = append(out, n)
	}
	return out
}

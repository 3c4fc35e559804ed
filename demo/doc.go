// Package demo builds the simulated world behind `photon-station -demo`: a
// fake Particle Cloud (cloudtest) with a ready product, OAuth client, user,
// customers and devices; a bench of emulated Photons (serialtest) connected
// through in-process pipes, so it runs the same on Linux, macOS and Windows;
// a SoftAP Photon (softaptest) on loopback; a demo job profile with its
// secrets in memory; the journal; and a provisioning.Station wired to all of
// it.
//
// The bench is scripted so a newcomer sees the whole flow, success and
// failure, in about a minute: two good Photons pass, one runs its
// application instead of listening mode (Retry works once the technician
// "holds SETUP"), and one is given a Wi-Fi password its network refuses, so
// verification fails and says so. Options.Ports (`-demo-ports`, up to 16)
// makes a bigger bench, a full hub, with those failures in every group of
// eight ports. With Options.Tray the demo also unplugs
// passed Photons and plugs fresh ones into the same ports, so the bench keeps
// flowing like a factory tray.
//
// The package imports no Fyne: the GUI's main wires World's parts into the
// ui package, and tests drive the Station headlessly.
package demo

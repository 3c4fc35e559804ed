package main

import (
	"flag"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// appID is the Fyne application ID; it also names the preferences folder.
const appID = "io.github.photon-station"

// runGUI opens the desktop app. With -demo it runs on simulated devices and
// a simulated cloud.
func runGUI(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("photon-station", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "run on simulated Photons and a simulated Particle Cloud")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	a := app.NewWithID(appID)
	w := a.NewWindow("Photon Station")
	title := "Photon Station"
	if *demo {
		title += " (demo)"
	}
	w.SetContent(widget.NewLabel(title))
	w.Resize(fyne.NewSize(1100, 720))
	w.ShowAndRun()
	fmt.Fprintln(stdout)
	return 0
}

package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/photon-station/photon-station/demo"
	"github.com/photon-station/photon-station/ui"
)

//go:embed assets/icon.png
var iconPNG []byte

// appID is the Fyne application ID; it also names the preferences folder.
const appID = "io.github.photon-station"

// runGUI opens the desktop app. With -demo it runs on simulated devices and
// a simulated cloud.
func runGUI(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("photon-station", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: photon-station [-demo]")
		fmt.Fprintln(stderr, "       photon-station COMMAND ... (identify, provision, ports, journal; COMMAND -h for help)")
		fs.PrintDefaults()
	}
	demoMode := fs.Bool("demo", false, "run on simulated Photons and a simulated Particle Cloud")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *station
	var err error
	if *demoMode {
		var dir string
		if dir, err = demoDir(); err == nil {
			s, err = demoStation(ctx, dir, demo.Options{Tray: 6})
		}
	} else {
		s, err = realStation()
	}
	if err != nil {
		fmt.Fprintln(stderr, "photon-station: "+err.Error())
		return 1
	}
	defer s.shutdown(ctx) // runs before cancel: the bench gets its time to stop

	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", iconPNG))
	w := ui.NewMainWindow(a, s.deps())
	w.ShowAndRun()
	return 0
}

// demoDir is where -demo keeps its profiles and journal.
func demoDir() (string, error) { return demo.DefaultDir() }

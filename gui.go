package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/photon-station/photon-station/demo"
	"github.com/photon-station/photon-station/internal/instance"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui"
)

//go:embed assets/icon.png
var iconPNG []byte

// appID is the Fyne application ID; it also names the preferences folder.
const appID = "io.github.photon-station"

// mainUsage is what photon-station --help prints.
const mainUsage = `usage: photon-station [-demo]          open the desktop app (-demo: simulated Photons and cloud;
                                       -demo-ports 16: a full hub of simulated Photons)
       photon-station identify --port PATH [--json]
       photon-station provision [--port PATH] --product ID --client-id ID --ssid SSID
           --security open|wep|wpa|wpa2 [--customer EMAIL] [--via serial|softap]
           [--softap-addr HOST:PORT] [--api-url URL] [--timeout DURATION] [--json]
       photon-station ports [--json]
       photon-station journal export --csv FILE | journal show --device ID
Secrets come only from the environment (PARTICLE_CLIENT_SECRET, WIFI_PASSWORD) or the keyring.
Each command takes --help.
`

// runGUI opens the desktop app. With -demo it runs on simulated devices and
// a simulated cloud.
func runGUI(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("photon-station", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SetOutput(io.Discard)
	demoMode := fs.Bool("demo", false, "run on simulated Photons and a simulated Particle Cloud")
	demoPorts := fs.Int("demo-ports", demo.DefaultPorts, "with -demo: how many USB ports the simulated bench has (1 to 16)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, mainUsage)
			return 0
		}
		fmt.Fprintf(stderr, "photon-station: %v (see photon-station --help)\n", err)
		return 2
	}
	if *demoPorts < 1 || *demoPorts > demo.MaxPorts {
		fmt.Fprintf(stderr, "photon-station: -demo-ports takes 1 to %d (see photon-station --help)\n", demo.MaxPorts)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "photon-station: unknown command %q (see photon-station --help)\n", fs.Arg(0))
		return 2
	}
	// One app per folder: a second start shows the running window and
	// ends. The demo keeps its own folder, so a demo may run beside the
	// real station (it has no real ports).
	dir, err := demoDir()
	if !*demoMode {
		dir, err = provisioning.DefaultConfigDir()
	}
	if err != nil {
		fmt.Fprintln(stderr, "photon-station: "+err.Error())
		return 1
	}
	one, err := instance.Acquire(dir)
	var running *instance.Running
	if errors.As(err, &running) {
		fmt.Fprintln(stdout, running.Error())
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "photon-station: "+err.Error())
		return 1
	}
	defer one.Close()

	a := app.NewWithID(appID)
	ui.UseLanguage(a) // before the station words its first message
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *station
	if *demoMode {
		s, err = demoStation(ctx, dir, demo.Options{Tray: 6, Ports: *demoPorts})
	} else {
		s, err = realStation()
	}
	if err != nil {
		fmt.Fprintln(stderr, "photon-station: "+err.Error())
		return 1
	}
	defer s.shutdown(ctx) // runs before cancel: the bench gets its time to stop

	a.SetIcon(fyne.NewStaticResource("icon.png", iconPNG))
	w := ui.NewMainWindow(a, s.deps())
	one.OnShow(func() { fyne.Do(func() { w.Show(); w.RequestFocus() }) })
	w.ShowAndRun()
	one.StopAnswering() // the window is gone; the lock stays until the bench has stopped
	return 0
}

// demoDir is where -demo keeps its profiles and journal.
func demoDir() (string, error) { return demo.DefaultDir() }

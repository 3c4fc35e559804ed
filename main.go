// Command photon-station provisions Particle Photon devices: a Fyne desktop
// app for the bench, and headless commands for factory scripts.
//
// main only parses the command line and wires packages together; the work
// lives in provisioning, serialio, softap, cloud and ui.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	_ "github.com/photon-station/photon-station/internal/clocale" // before Fyne reads the locale
	"github.com/photon-station/photon-station/ui/lang"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one headless sub-command of the fixed contract in product.md.
type command struct {
	name  string
	usage string
	run   func(args []string, stdout, stderr io.Writer) int
}

// commands lists the headless sub-commands. Each lives in its own cmd_*.go
// file and registers itself from an init function.
var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// run dispatches to a headless command, or opens the GUI when the first
// argument is a flag or absent. It returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "help" {
		fmt.Fprint(stdout, mainUsage)
		return 0
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		c, ok := commands[args[0]]
		if !ok {
			fmt.Fprintf(stderr, "photon-station: unknown command %q (try: %s)\n", args[0], commandNames())
			return 2
		}
		// Scripts parse what the commands print: English, unless
		// LANGUAGE asks for another language.
		if l := os.Getenv("LANGUAGE"); l != "" {
			lang.Use(strings.Split(l, ":"))
		}
		return c.run(args[1:], stdout, stderr)
	}
	return runGUI(args, stdout, stderr)
}

func commandNames() string {
	s := ""
	for _, n := range []string{"identify", "provision", "ports", "journal"} {
		if _, ok := commands[n]; ok {
			if s != "" {
				s += ", "
			}
			s += n
		}
	}
	return s
}

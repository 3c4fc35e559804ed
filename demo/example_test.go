package demo_test

import (
	"context"
	"fmt"
	"log"

	"github.com/photon-station/photon-station/demo"
	"github.com/photon-station/photon-station/provisioning"
)

// How `photon-station -demo` wires the world: the bench's Station, its
// events, the journal and the Device tools' clients come from the World.
func Example() {
	ctx := context.Background()
	dir, err := demo.DefaultDir()
	if err != nil {
		log.Fatal(err)
	}
	w, err := demo.Start(ctx, dir, demo.Options{Tray: 6})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()

	events, stop := w.Station.Subscribe()
	defer stop()
	if err := w.Station.Start(ctx); err != nil { // the bench's Start button
		log.Fatal(err)
	}
	for ev := range events {
		if ev.Kind == provisioning.EventResult {
			fmt.Println(ev.Slot, ev.Outcome, ev.Message)
		}
	}
}

package usbports_test

import (
	"context"
	"fmt"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/serialio/usbports"
)

// A bench on this machine's USB ports: load the profile, resolve its
// secrets (environment first, then the OS keyring), open the journal, and
// run one pipeline per Photon that List finds.
func ExampleList() {
	ctx := context.Background()
	secrets := provisioning.EnvSecrets{Store: provisioning.Keyring{}}
	store, _ := provisioning.NewProfileStore("", secrets)
	prof, err := store.Load("Line 3")
	if err != nil {
		fmt.Println(err) // a damaged file names itself and the field
		return
	}
	creds, err := provisioning.ResolveCredentials(ctx, secrets, prof)
	if err != nil {
		fmt.Println(err) // says which secret and how to provide it
		return
	}
	journal, err := provisioning.OpenDefaultJournal()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer journal.Close()

	station, _ := provisioning.New(provisioning.Config{
		Pipeline: &provisioning.Pipeline{
			Profile:     prof,
			Credentials: creds,
			Cloud:       provisioning.NewCloudAPI(&cloud.Client{}),
			Journal:     journal,
			Station:     "bench-1",
			Operator:    "kim",
		},
		Ports: provisioning.SerialPorts{Enumerate: usbports.List},
		Open:  provisioning.SerialOpener(),
	})
	events, stop := station.Subscribe()
	defer stop()
	station.Start(ctx)
	defer station.Stop()
	for e := range events {
		fmt.Println(e.Slot, e.Step, e.Kind, e.Message)
	}
}

package provisioning_test

import (
	"context"
	"fmt"

	"github.com/photon-station/photon-station/provisioning"
)

// One device, as the wizard and the headless command run it.
func ExamplePipeline_RunDevice() {
	ctx := context.Background()
	p := &provisioning.Pipeline{ /* Profile, Credentials, Cloud, Journal as above */ }
	res := p.RunDevice(ctx, provisioning.Device{
		Slot: "/dev/ttyACM0", Port: "/dev/ttyACM0",
		Open: func(ctx context.Context) (provisioning.DeviceChannel, error) {
			return provisioning.OpenSerial(ctx, "/dev/ttyACM0")
		},
	}, func(e provisioning.Event) { fmt.Println(e.Step, e.Kind, e.Message) })
	if res.Outcome != provisioning.OutcomePass {
		fmt.Println(res.Message, res.Action)
	}
}

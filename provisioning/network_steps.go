package provisioning

import (
	"context"
	"fmt"
)

// enterNetwork puts the computer on the Photon's access point before a
// device step of step s, within the join budget (not the step's timeout),
// and checks that the same Photon answers there. Without a network it does
// nothing.
func (a *attempt) enterNetwork(ctx context.Context, s Step) error {
	n := a.dev.Network
	if n == nil {
		return nil
	}
	what := "the Photon's network"
	if ssid := n.SSID(); ssid != "" {
		what = ssid
	}
	a.emit(Event{Step: s, Kind: EventProgress, Message: fmt.Sprintf("Joining %s.", what)})
	jctx, cancel := context.WithTimeout(ctx, a.p.Timeouts.Join)
	defer cancel()
	return n.Enter(jctx)
}

// leaveNetwork puts the computer back on its own network, within the leave
// budget, before the cloud is asked anything again.
func (a *attempt) leaveNetwork(ctx context.Context) error {
	n := a.dev.Network
	if n == nil {
		return nil
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.p.Timeouts.Leave)
	defer cancel()
	return n.Leave(lctx)
}

// Command realclients serves the project's emulators, cloud/cloudtest and
// softap/softaptest, on loopback for Particle's own JavaScript clients
// (particle-api-js and @particle/softap-setup), which scripts/realclients
// runs against them so that a reply a real client refuses or misreads
// fails CI.
//
// It seeds a product, the product's two-legged OAuth client and one Photon
// per SoftAP transport (raw TCP and HTTP), each known to the cloud but in no
// product yet and emulated in listening mode by its own softaptest.Device.
// When an emulated Photon is told connect-ap with the right Wi-Fi password,
// it comes online in the cloud and presents the claim code it was given.
//
// It writes one JSON line describing all that (the Setup type) to stdout,
// then answers requests on stdin, one per line, each with one JSON line:
//
//	state <device-id>    what that Photon was given (the State type)
//	online <device-id>   the same, once the Photon came online or after 10 s
//
// It exits when stdin closes.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// onlineWait bounds the "online" request.
const onlineWait = 10 * time.Second

func main() {
	b, err := newBench()
	if err != nil {
		fmt.Fprintln(os.Stderr, "realclients:", err)
		os.Exit(1)
	}
	defer b.close()
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	if err := out.Encode(b.setup); err != nil {
		fmt.Fprintln(os.Stderr, "realclients:", err)
		os.Exit(1)
	}
	if err := b.serve(os.Stdin, out); err != nil {
		fmt.Fprintln(os.Stderr, "realclients:", err)
		os.Exit(1)
	}
}

// serve answers requests from in until it closes.
func (b *bench) serve(in io.Reader, out *json.Encoder) error {
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		verb, id, _ := strings.Cut(strings.TrimSpace(lines.Text()), " ")
		p := b.photon(id)
		if p == nil {
			if err := out.Encode(map[string]string{"error": fmt.Sprintf("no Photon %q", id)}); err != nil {
				return err
			}
			continue
		}
		switch verb {
		case "online":
			select {
			case <-p.cameOnline:
			case <-time.After(onlineWait):
			}
		case "state":
		default:
			if err := out.Encode(map[string]string{"error": fmt.Sprintf("unknown request %q", verb)}); err != nil {
				return err
			}
			continue
		}
		if err := out.Encode(p.state()); err != nil {
			return err
		}
	}
	return lines.Err()
}

// splitAddr splits a loopback host:port.
func splitAddr(addr string) (host, port string) {
	host, port, _ = net.SplitHostPort(addr)
	return host, port
}

package provisioning

import (
	"context"
	"testing"

	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// The one-device path (the wizard) on a real pseudo-terminal: a Photon
// that passed and is still plugged in, running its application, is named
// by its USB serial number and recognised from the journal: already
// provisioned, nothing written, no FAIL record.
func TestOneDevicePassedPhotonStillPluggedIn(t *testing.T) {
	e := newE2E(t, Profile{SSID: wifiSSID, Security: SecurityWPA2, Channel: ChannelSerial, Customer: CustomerEmail, CustomerPattern: customerMail})
	id := e.cloud.AddDevice(cloudtest.Device{ID: "3a001d000247343339373536"})
	ph := serialtest.New(serialtest.Config{DeviceID: id, Password: wifiPassword, OnOnline: e.online,
		Networks: map[string]serialio.Security{wifiSSID: serialio.SecurityWPA2}})
	t.Cleanup(func() { ph.Close() })
	path, err := ph.PTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	// The USB listing names the Photon, as Device OS 0.6.0+ does.
	usb := PortWatcherFunc(func(context.Context) ([]Port, error) { return []Port{{Path: path, DeviceID: id}}, nil })
	e.check(e.run(SerialDevice(t.Context(), usb, path, serialTimeouts)), id, customerMail)
	written := ph.Received()

	// Later (a new session of the wizard): the Photon runs its application,
	// and the cloud has not heard from it lately.
	e.cloud.SetOnline(id, false)
	res := e.run(SerialDevice(t.Context(), usb, path, serialTimeouts))
	if res.Outcome != OutcomeProvisioned || res.Claimable {
		t.Fatalf("second run: %s at %s: %s (claimable %v)", res.Outcome, res.FailedStep, res.Message, res.Claimable)
	}
	if got := ph.Received(); got != written {
		t.Errorf("the device got %+v after it passed, had %+v", got, written)
	}
	recs := e.pipeline.Journal.ByDevice(id)
	if last := recs[len(recs)-1]; last.Outcome != OutcomeProvisioned {
		t.Errorf("the journal's latest word is %s", last.Outcome)
	}
	for _, r := range recs {
		if r.Outcome == OutcomeFail {
			t.Errorf("a FAIL record: %s", r.Message)
		}
	}
	// Unnamed (no USB serial number), the same Photon is asked for listening
	// mode as before.
	res = e.run(SerialDevice(t.Context(), nil, path, serialTimeouts))
	if res.Outcome != OutcomeFail || res.FailedStep != StepIdentify {
		t.Errorf("unnamed: %s at %s: %s", res.Outcome, res.FailedStep, res.Message)
	}
}

package main

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/softap"
)

// fakeJoiner stands for the laptop's Wi-Fi: joins by itself through nmcli,
// or (WaitJoined) notices the technician joined by hand.
type fakeJoiner struct{ joins []string }

func (f *fakeJoiner) Find(context.Context) ([]softap.PhotonAP, error) {
	return []softap.PhotonAP{{SSID: "Photon-7QXK"}}, nil
}

func (f *fakeJoiner) Join(_ context.Context, ssid string) (*softap.Link, error) {
	f.joins = append(f.joins, ssid)
	return &softap.Link{SSID: ssid, Method: softap.JoinNetworkManager}, nil
}

func (f *fakeJoiner) WaitJoined(context.Context) (*softap.Link, error) {
	return &softap.Link{SSID: "Photon-7QXK", Method: softap.JoinManual}, nil
}

func openSoftAP(t *testing.T, a *photonAP) *provisioning.SoftAPChannel {
	t.Helper()
	dev := a.device()
	if !dev.OneNetwork || dev.Slot != "softap" {
		t.Errorf("device = %+v, want the softap slot on one network", dev)
	}
	ch, err := dev.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ch.(*provisioning.SoftAPChannel)
}

// TestWizardSoftAPAfterAutomaticJoin: when the station joined the Photon's
// access point itself, the device goes back to the laptop's network for the
// cloud steps and rejoins the same Photon for each device step.
func TestWizardSoftAPAfterAutomaticJoin(t *testing.T) {
	j := &fakeJoiner{}
	a := &photonAP{j: j}
	ssid, err := a.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Join(context.Background(), ssid); err != nil {
		t.Fatal(err)
	}
	ch := openSoftAP(t, a)
	if ch.Join == nil {
		t.Fatal("the channel does not rejoin the Photon for the device steps")
	}
	if _, err := ch.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Photon-7QXK", "Photon-7QXK"}, j.joins); diff != "" {
		t.Errorf("joins (-want +got):\n%s", diff)
	}
	if a.take() != nil {
		t.Error("the wizard's link was not handed over to the device")
	}
}

// TestWizardSoftAPAfterManualJoin: a technician who joined by hand stays on
// the Photon's network; the channel dials from that link and never switches.
func TestWizardSoftAPAfterManualJoin(t *testing.T) {
	j := &fakeJoiner{}
	a := &photonAP{j: j}
	if _, err := a.WaitJoined(context.Background()); err != nil {
		t.Fatal(err)
	}
	ch := openSoftAP(t, a)
	if ch.Join != nil {
		t.Error("the channel would switch networks the station cannot switch")
	}
	if ch.Client.Dialer == nil {
		t.Error("the channel does not dial from the technician's link")
	}
	if len(j.joins) != 0 {
		t.Errorf("joined %v", j.joins)
	}
}

package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/photon-station/photon-station/provisioning"
)

// hubPorts are three Photons on a hub, as serialio.Detect reports them.
var hubPorts = PortFinderFunc(func(ctx context.Context) ([]provisioning.Port, error) {
	return []provisioning.Port{
		{Path: "/dev/ttyACM0", DeviceID: "3c0021000447363339a1b2c3", Location: "1-1.1"},
		{Path: "/dev/ttyACM1", DeviceID: "3c0021000447363339d4e5f6", Location: "1-1.2"},
		{Path: "/dev/ttyACM2", DeviceID: "3c0021000447363339778899", Location: "1-1.5"},
	}, nil
})

// The wizard and the serial monitor name each Photon by its ID's tail and
// hub port, and leave out the one the running bench works on.
func TestPortPickersShowPhotonsAndSkipTheBenchs(t *testing.T) {
	s := newTestStation(t, func(d *Deps) { d.Ports = hubPorts })
	st := s.view.Bench.control.(*fakeStation)
	test.Tap(s.view.Bench.startStop)
	expectCall(t, s.q, st, "start "+lineProfile.Name)
	s.q.until(t, "bench running", func() bool { return s.view.Bench.running })
	s.view.Bench.Apply(ev(1, "ttyACM1", provisioning.StepIdentify, provisioning.EventStarted, ""))

	want := []string{
		"A1B2C3 · hub port 1 · /dev/ttyACM0",
		"778899 · hub port 5 · /dev/ttyACM2",
	}
	for _, tc := range []struct {
		name string
		tab  int
		pick *portPicker
		find func()
		said func() string
	}{
		{"wizard", 1, s.view.Wizard.portPick, s.view.Wizard.findPorts, func() string { return s.view.Wizard.action.Text }},
		{"serial monitor", 4, s.view.Monitor.portPick, s.view.Monitor.findPorts, func() string { return s.view.Monitor.status.Text }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.view.Tabs.SelectIndex(tc.tab)
			tc.find()
			s.q.until(t, "ports listed", func() bool { return len(tc.pick.sel.Options) > 0 })
			if !slices.Equal(tc.pick.sel.Options, want) {
				t.Errorf("choices %q, want %q", tc.pick.sel.Options, want)
			}
			if got := tc.pick.Selected(); got != "/dev/ttyACM0" {
				t.Errorf("chosen %q, want /dev/ttyACM0", got)
			}
			if tc.pick.last6.Text != "A1B2C3" || !tc.pick.last6.Visible() {
				t.Errorf("the large ID beside the picker reads %q, want A1B2C3", tc.pick.last6.Text)
			}
			if said := tc.said(); !strings.Contains(said, "working on (1)") {
				t.Errorf("the screen says %q; want it to say one Photon on the bench is not listed", said)
			}
			name := "ports-" + strings.ReplaceAll(tc.name, " ", "-")
			shoot(t, name+"-1280x800", s.win.Canvas())
			s.win.Resize(fyne.NewSize(1920, 1080))
			shoot(t, name+"-1920x1080", s.win.Canvas())
			s.win.Resize(fyne.NewSize(1280, 800))
		})
	}

	// Stopped, the bench lets go of its Photons: they are offered with how
	// their attempt ended.
	s.view.Bench.Apply(ev(5, "ttyACM1", provisioning.StepVerify, provisioning.EventResult, ""))
	test.Tap(s.view.Bench.startStop)
	expectCall(t, s.q, st, "stop")
	s.q.until(t, "bench stopped", func() bool { return !s.view.Bench.running })
	p := s.view.Monitor.portPick
	s.view.Monitor.findPorts()
	s.q.until(t, "ports listed", func() bool { return len(p.sel.Options) == 3 })
	if got := p.sel.Options[1]; !strings.HasPrefix(got, "D4E5F6 · hub port 2 · /dev/ttyACM1 · ") {
		t.Errorf("the bench's Photon is offered as %q", got)
	}
}

// The bench offers only the profiles it can run: a SoftAP profile is for
// the one-device wizard.
func TestBenchPickerLeavesOutSoftAPProfiles(t *testing.T) {
	softap := lineProfile
	softap.Name, softap.Channel = "Field installs (Wi-Fi)", provisioning.ChannelSoftAP
	s := newTestStation(t, func(d *Deps) { d.Profiles.Save(softap) })
	if got := s.view.Bench.profileSelect.Options; !slices.Equal(got, []string{lineProfile.Name}) {
		t.Errorf("bench profiles %q, want only %q", got, lineProfile.Name)
	}
	if got := s.view.Wizard.profileSelect.Options; !slices.Contains(got, softap.Name) {
		t.Errorf("wizard profiles %q: the SoftAP profile is missing", got)
	}
}

// With SoftAP profiles only, the bench says why it offers none.
func TestBenchWithOnlySoftAPProfiles(t *testing.T) {
	softap := lineProfile
	softap.Channel = provisioning.ChannelSoftAP
	s := newTestStation(t, func(d *Deps) { d.Profiles = newFakeLibrary(softap) })
	b := s.view.Bench
	if len(b.profileSelect.Options) != 0 || b.hasProf {
		t.Errorf("the bench offers %q (chosen %v)", b.profileSelect.Options, b.hasProf)
	}
	if got := b.waiting.waitingHint; !strings.Contains(got, "USB profiles only") {
		t.Errorf("the waiting tile says %q", got)
	}
}

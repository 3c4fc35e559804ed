package ui

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photon-station/photon-station/provisioning"
)

func TestSlotApply(t *testing.T) {
	const id = "3c0021000447363339343137"
	at := func(s int) time.Time { return shiftStart.Add(time.Duration(s) * time.Second) }
	e := func(s int, step provisioning.Step, kind provisioning.EventKind, msg, action string) provisioning.Event {
		return provisioning.Event{Time: at(s), Slot: "ttyACM0", Port: "/dev/ttyACM0", Step: step, Kind: kind, Message: msg, Action: action, Progress: -1}
	}
	result := func(s int, o provisioning.Outcome, msg string) provisioning.Event {
		ev := e(s, "", provisioning.EventResult, msg, "")
		ev.Outcome = o
		return ev
	}
	withID := func(ev provisioning.Event) provisioning.Event { ev.DeviceID = id; return ev }
	type view struct {
		Phase    Phase
		DeviceID string
		Chips    [chipCount]ChipState
		Message  string
		Action   string
		Outcome  provisioning.Outcome // returned by the last Apply
	}
	P, A, D, S, F := ChipPending, ChipActive, ChipDone, ChipSkipped, ChipFailed
	for _, tc := range []struct {
		name   string
		events []provisioning.Event
		want   view
	}{
		{"detect shows the device", []provisioning.Event{withID(e(0, provisioning.StepDetect, provisioning.EventStarted, "Photon found", ""))},
			view{PhaseWorking, id, [6]ChipState{A, P, P, P, P, P}, "Photon found", "", ""}},
		{"cloud and device steps fold into chips", []provisioning.Event{
			withID(e(0, provisioning.StepIdentify, provisioning.EventDone, "ok", "")),
			e(1, provisioning.StepPreflight, provisioning.EventDone, "", ""),
			e(2, provisioning.StepImport, provisioning.EventStarted, "Adding to the product", ""),
			e(3, provisioning.StepCustomer, provisioning.EventSkipped, "No customer in this profile", ""),
		}, view{PhaseWorking, id, [6]ChipState{D, A, S, P, P, P}, "No customer in this profile", "", ""}},
		{"pass", []provisioning.Event{
			withID(e(0, provisioning.StepIdentify, provisioning.EventDone, "", "")),
			e(5, provisioning.StepVerify, provisioning.EventStarted, "Waiting for the cloud", ""),
			result(40, provisioning.OutcomePass, "Online in the product"),
		}, view{PhasePass, id, [6]ChipState{D, P, P, P, P, D}, "Online in the product", "", provisioning.OutcomePass}},
		{"a failed step keeps its reason through a wordless result", []provisioning.Event{
			e(0, provisioning.StepIdentify, provisioning.EventStarted, "", ""),
			e(3, provisioning.StepIdentify, provisioning.EventFailed, "Not in listening mode", "Hold SETUP until it blinks dark blue"),
			result(3, provisioning.OutcomeFail, ""),
		}, view{PhaseFail, "", [6]ChipState{F, P, P, P, P, P}, "Not in listening mode", "Hold SETUP until it blinks dark blue", provisioning.OutcomeFail}},
		{"late news from a parallel step keeps the verdict", []provisioning.Event{
			e(0, provisioning.StepWiFi, provisioning.EventFailed, "Wrong password", "Check the profile"),
			e(1, provisioning.StepImport, provisioning.EventDone, "Added", ""),
		}, view{PhaseFail, "", [6]ChipState{P, D, P, P, F, P}, "Wrong password", "Check the profile", ""}},
		{"a cloud step stopped by a device failure is not shown failed", []provisioning.Event{
			e(0, provisioning.StepIdentify, provisioning.EventStarted, "", ""),
			e(0, provisioning.StepPreflight, provisioning.EventStarted, "", ""),
			e(5, provisioning.StepIdentify, provisioning.EventFailed, "Not in listening mode", "Hold SETUP"),
			e(5, provisioning.StepPreflight, provisioning.EventSkipped, "Not finished.", ""),
			result(5, provisioning.OutcomeFail, ""),
		}, view{PhaseFail, "", [6]ChipState{F, S, P, P, P, P}, "Not in listening mode", "Hold SETUP", provisioning.OutcomeFail}},
		{"a step still running at a failed result without a skip is stopped", []provisioning.Event{
			e(0, provisioning.StepIdentify, provisioning.EventStarted, "", ""),
			e(0, provisioning.StepPreflight, provisioning.EventStarted, "", ""),
			e(5, provisioning.StepIdentify, provisioning.EventFailed, "Not in listening mode", "Hold SETUP"),
			result(5, provisioning.OutcomeFail, ""),
		}, view{PhaseFail, "", [6]ChipState{F, S, P, P, P, P}, "Not in listening mode", "Hold SETUP", provisioning.OutcomeFail}},
		{"a wordless failed result fails the running step", []provisioning.Event{
			e(0, provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials", ""),
			result(5, provisioning.OutcomeFail, "The device was unplugged"),
		}, view{PhaseFail, "", [6]ChipState{P, P, P, P, F, P}, "The device was unplugged", "", provisioning.OutcomeFail}},
		{"retry starts a clean attempt with the same device", []provisioning.Event{
			withID(e(0, provisioning.StepWiFi, provisioning.EventFailed, "Wrong password", "Check the profile")),
			e(9, provisioning.StepIdentify, provisioning.EventStarted, "Checking listening mode", ""),
		}, view{PhaseWorking, id, [6]ChipState{A, P, P, P, P, P}, "Checking listening mode", "", ""}},
		{"the next device after a pass", []provisioning.Event{
			withID(result(0, provisioning.OutcomePass, "Online")),
			e(9, provisioning.StepDetect, provisioning.EventStarted, "Photon found", ""),
		}, view{PhaseWorking, "", [6]ChipState{A, P, P, P, P, P}, "Photon found", "", ""}},
		{"unplugging empties the slot", []provisioning.Event{
			withID(e(0, provisioning.StepWiFi, provisioning.EventStarted, "Sending Wi-Fi credentials", "")),
			e(1, "", provisioning.EventDetached, "", ""),
		}, view{PhaseWaiting, "", [6]ChipState{}, "", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Slot
			var out provisioning.Outcome
			for _, ev := range tc.events {
				out = s.Apply(ev)
			}
			got := view{s.Phase, s.DeviceID, s.Chips, s.Message, s.Action, out}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if s.Name != "ttyACM0" || s.Port != "/dev/ttyACM0" {
				t.Errorf("slot name/port = %q/%q", s.Name, s.Port)
			}
		})
	}
}

func TestNaturalLess(t *testing.T) {
	got := []string{"ttyACM10", "COM3", "ttyACM2", "softap", "ttyACM1", "COM11"}
	for i := 1; i < len(got); i++ {
		for j := i; j > 0 && naturalLess(got[j], got[j-1]); j-- {
			got[j], got[j-1] = got[j-1], got[j]
		}
	}
	want := []string{"COM3", "COM11", "softap", "ttyACM1", "ttyACM2", "ttyACM10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTileGridColumns(t *testing.T) {
	g := &tileGrid{minTile: fyneSize(380, 330)}
	for _, tc := range []struct {
		width float32
		n     int
		want  int
	}{
		{1280, 1, 1}, {1280, 2, 2}, {1280, 3, 3}, {1280, 4, 2}, {1280, 5, 3}, {1280, 16, 3},
		{1920, 16, 4}, {700, 4, 1}, {800, 4, 2},
	} {
		if got := g.cols(tc.width, tc.n); got != tc.want {
			t.Errorf("cols(%v, %d) = %d, want %d", tc.width, tc.n, got, tc.want)
		}
	}
}

func TestSlotTitleSaysWhereOnTheHub(t *testing.T) {
	SetupTranslations()
	var s Slot
	s.Apply(provisioning.Event{Slot: "/dev/ttyACM2", Port: "/dev/ttyACM2", Location: "1-1.3", Step: provisioning.StepDetect, Kind: provisioning.EventStarted})
	if got := slotTitle(s); got != "/dev/ttyACM2 · hub port 3" {
		t.Errorf("title %q", got)
	}
	// The position stays through the unplug and the next attempt.
	s.Apply(provisioning.Event{Slot: "/dev/ttyACM2", Kind: provisioning.EventDetached})
	s.Apply(provisioning.Event{Slot: "/dev/ttyACM2", Step: provisioning.StepDetect, Kind: provisioning.EventStarted})
	if s.Location != "1-1.3" {
		t.Errorf("location lost: %+v", s)
	}
	for loc, want := range map[string]string{"2-4": "/dev/ttyACM2 · computer USB port 4", "1-1.4.2": "/dev/ttyACM2 · hub port 4.2", "": "/dev/ttyACM2", "bogus": "/dev/ttyACM2"} {
		if got := slotTitle(Slot{Name: "/dev/ttyACM2", Port: "/dev/ttyACM2", Location: loc}); got != want {
			t.Errorf("location %q: title %q, want %q", loc, got, want)
		}
	}
}

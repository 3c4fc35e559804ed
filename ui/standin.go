package ui

import (
	"time"

	"github.com/photon-station/photon-station/provisioning"
)

// standIn is what the grid measures instead of the tiles: a tile at its
// tallest in each phase that has long words (a failure with its action, a
// step under way with its LED colours), so the columns and rows depend on
// the window and the number of tiles, never on what the tiles say now.
type standIn struct {
	tiles [3]*Tile
}

func newStandIn() *standIn {
	s := &standIn{}
	for i, slot := range []Slot{longFailure, longStep, longRetry} {
		s.tiles[i] = NewTile(slot.Name, nil, nil)
		s.tiles[i].Display(slot, time.Time{})
	}
	return s
}

// longFailure is a slot with the engine's longest usual sentences: the
// wrong Wi-Fi password.
var longFailure = Slot{Name: "ttyACM10", Port: "/dev/ttyACM10", Location: "1-1.4.4", DeviceID: "3a00509849f202473433000b",
	Phase: PhaseFail, Chips: [chipCount]ChipState{ChipDone, ChipDone, ChipSkipped, ChipDone, ChipFailed},
	Message: `Photon 3a00509849f202473433000b could not join "Factory-Floor" and went back to listening mode: the Wi-Fi password is most likely wrong.`,
	Action:  `Ask a supervisor to check the Wi-Fi password of profile "Line 3 thermostats", then press Retry.`}

// longStep is a slot at work with the engine's longest usual step words.
var longStep = Slot{Name: "ttyACM10", Port: "/dev/ttyACM10", Location: "1-1.4.4", DeviceID: "3a00509849f202473433000b",
	Phase: PhaseWorking, Step: provisioning.StepVerify, Chips: [chipCount]ChipState{ChipDone, ChipDone, ChipSkipped, ChipDone, ChipDone, ChipActive},
	Message:   "Waiting for the Photon to reach the cloud (blinking green, then cyan). It can take a minute on a busy network.",
	Remaining: 40 * time.Second}

// longRetry is a step under way that failed once and is tried again, with
// the reason and the action. Only a dense tile cuts its words to the
// failure's lines; the other stand-ins decide for roomier tiles.
var longRetry = func() Slot {
	s := longStep
	s.Message, s.Action = longFailure.Message, longFailure.Action
	return s
}()

// like draws the stand-ins as compact, dense and grown as t.
func (s *standIn) like(t *Tile) {
	for _, st := range s.tiles {
		st.SetCompact(t.compact)
		st.SetDense(t.dense)
		st.SetGrow(t.grow)
		st.SetReasonLines(t.reasonLines)
	}
}

// SetGrow grows the stand-ins' words.
func (s *standIn) SetGrow(g float32) {
	for _, st := range s.tiles {
		st.SetGrow(g)
	}
}

// SetReasonLines gives the stand-ins' reasons n lines.
func (s *standIn) SetReasonLines(n int) {
	for _, st := range s.tiles {
		st.SetReasonLines(n)
	}
}

// dense tells whether the stand-ins are drawn dense.
func (s *standIn) dense() bool { return s.tiles[0].dense }

// measured is the stand-ins that bound the tiles as they are drawn now.
func (s *standIn) measured() []*Tile {
	if s.dense() {
		return s.tiles[:]
	}
	return s.tiles[:2]
}

// heightFor is the tallest stand-in's height at width w.
func (s *standIn) heightFor(w float32) float32 {
	var h float32
	for _, st := range s.measured() {
		h = max(h, st.heightFor(w))
	}
	return h
}

// widthFor is the widest stand-in's need at width w.
func (s *standIn) widthFor(w float32) float32 {
	var m float32
	for _, st := range s.measured() {
		m = max(m, st.widthFor(w))
	}
	return m
}

package ui

import (
	"testing"

	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/provisioning"
)

// TestBenchTilesGrowOnALargeScreen: on a 1920x1080 screen four tiles use
// most of the height, with a verdict word and device ID far larger than
// on a laptop; a new message later changes no tile's size.
func TestBenchTilesGrowOnALargeScreen(t *testing.T) {
	b, w := benchScene(t, scenePhases[:4], fyne.NewSize(1920, 1080))
	tile := NewTile("ttyACM9", nil, nil)
	tile.SetCompact(true)
	ungrown := tile.badge.TextSize // what a tile draws without room to grow
	got := b.Tile("ttyACM2")
	if got.badge.TextSize < 1.5*ungrown {
		t.Errorf("FAIL is %.0f px at 1920x1080, want at least half as large again as %.0f px", got.badge.TextSize, ungrown)
	}
	if got.idTail.TextSize < 1.5*tile.idTail.TextSize {
		t.Errorf("the device ID's tail is %.0f px at 1920x1080, want at least half as large again as %.0f px", got.idTail.TextSize, tile.idTail.TextSize)
	}
	if got, view := b.grid.Size().Height, b.scroll.Size().Height; got < 0.55*view {
		t.Errorf("the tiles use %.0f of %.0f px of height, want more than half", got, view)
	}
	d := fyne.CurrentApp().Driver()
	type place struct {
		at   fyne.Position
		size fyne.Size
	}
	places := func() []place {
		w.Content().Refresh()
		var out []place
		for _, n := range b.order {
			out = append(out, place{d.AbsolutePositionForObject(b.Tile(n)), b.Tile(n).Size()})
		}
		return out
	}
	before := places()
	b.Apply(ev(60, "ttyACM3", provisioning.StepVerify, provisioning.EventProgress,
		"Still waiting for the device to reach the cloud: it has been blinking green for a while, which usually means the Wi-Fi is far away or busy"))
	for i, p := range places() {
		if p != before[i] {
			t.Errorf("%s moved from %v to %v when a message changed", b.order[i], before[i], p)
		}
	}
}

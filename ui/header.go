package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// topBar lays out the bench's top bar: the profile on the left, the shift
// counters and Start on the right. When the window is too narrow for both
// side by side (a laptop, a long translation, a larger text size) the
// profile takes a line of its own above the counters, instead of the two
// being drawn over each other or the window growing.
type topBar struct {
	// width is the window's width, set by the bench's layout before it
	// asks the header's height: a narrow window makes the bar taller.
	width float32
}

func (*topBar) sides(objs []fyne.CanvasObject) (left, right fyne.Size) {
	return objs[0].MinSize(), objs[1].MinSize()
}

// twoLines tells whether the bar needs two lines at width.
func (b *topBar) twoLines(objs []fyne.CanvasObject, width float32) bool {
	l, r := b.sides(objs)
	return l.Width+theme.Padding()+r.Width > width
}

// height is the bar's height at width.
func (b *topBar) height(objs []fyne.CanvasObject, width float32) float32 {
	l, r := b.sides(objs)
	if b.twoLines(objs, width) {
		return l.Height + theme.Padding() + r.Height
	}
	return max(l.Height, r.Height)
}

// Layout expects the profile box and the counters with Start.
func (b *topBar) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	left, right := objs[0], objs[1]
	l, r := b.sides(objs)
	if b.twoLines(objs, size.Width) {
		left.Move(fyne.NewPos(0, 0))
		left.Resize(fyne.NewSize(size.Width, l.Height))
		right.Move(fyne.NewPos(max(0, size.Width-r.Width), l.Height+theme.Padding()))
		right.Resize(fyne.NewSize(min(r.Width, size.Width), r.Height))
		return
	}
	left.Move(fyne.NewPos(0, 0))
	left.Resize(fyne.NewSize(size.Width-r.Width-theme.Padding(), size.Height))
	right.Move(fyne.NewPos(size.Width-r.Width, 0))
	right.Resize(fyne.NewSize(r.Width, size.Height))
}

// MinSize is as wide as the wider side, and as tall as the bar is at the
// window's width.
func (b *topBar) MinSize(objs []fyne.CanvasObject) fyne.Size {
	l, r := b.sides(objs)
	if b.width > 0 {
		return fyne.NewSize(max(l.Width, r.Width), b.height(objs, b.width))
	}
	return fyne.NewSize(max(l.Width, r.Width), max(l.Height, r.Height))
}

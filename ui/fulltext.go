package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fullText shows a label that may end in "…" for lack of room, and its
// whole text in a small pop-up when tapped (Fyne has no tooltips). A label
// that fits shows nothing more.
type fullText struct {
	widget.BaseWidget
	label *widget.Label
	popUp *widget.PopUp
}

func newFullText(l *widget.Label) *fullText {
	f := &fullText{label: l}
	f.ExtendBaseWidget(f)
	return f
}

// CreateRenderer draws the label itself.
func (f *fullText) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(f.label) }

// MinSize is the label's: a truncated label is as narrow as "…".
func (f *fullText) MinSize() fyne.Size { return f.label.MinSize() }

// truncated tells whether the label's text is wider than its room.
func (f *fullText) truncated() bool {
	if f.label.Text == "" {
		return false
	}
	size := theme.Size(f.label.SizeName)
	if f.label.SizeName == "" {
		size = theme.TextSize()
	}
	need := fyne.MeasureText(f.label.Text, size, f.label.TextStyle).Width + 2*theme.InnerPadding()
	return need > f.Size().Width+0.5
}

// Tapped shows the whole text under the label when it is cut short.
func (f *fullText) Tapped(*fyne.PointEvent) {
	c := fyne.CurrentApp().Driver().CanvasForObject(f)
	if c == nil || !f.truncated() {
		return
	}
	f.popUp = popUpWhole(c, f, f.label.Text, f.label.TextStyle, f.label.SizeName)
}

// popUpWhole shows text whole in a pop-up under the object from, as wide
// as the text or as canvas c allows, wrapped.
func popUpWhole(c fyne.Canvas, from fyne.CanvasObject, text string, style fyne.TextStyle, size fyne.ThemeSizeName) *widget.PopUp {
	whole := widget.NewLabel(text)
	whole.TextStyle = style
	whole.SizeName = size
	whole.Wrapping = fyne.TextWrapWord
	// As wide as the text, or as the window allows, then as tall as the
	// wrapped lines at that width.
	room := c.Size().Width - 4*theme.Padding()
	width := min(room, fyne.MeasureText(text, theme.TextSize(), style).Width+2*theme.InnerPadding()+1)
	whole.Resize(fyne.NewSize(width, whole.MinSize().Height))
	p := widget.NewPopUp(container.NewGridWrap(fyne.NewSize(width, whole.MinSize().Height), whole), c)
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(from).AddXY(0, from.Size().Height)
	p.ShowAtPosition(fyne.NewPos(max(0, min(at.X, c.Size().Width-width-theme.Padding())), at.Y))
	return p
}

// Cursor is the pointing hand while the text is cut short.
func (f *fullText) Cursor() desktop.Cursor {
	if f.truncated() {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Sizes of a largeButton: its text is a little larger than a tile's
// sentences, with a big icon and generous padding.
const (
	largeButtonIcon    = 28
	largeButtonPadding = 14
)

// largeButton is a button for the few controls a technician hits from a
// distance (Start/Stop, Retry, the wizard's steps): Fyne's button with
// larger text, drawn in the app's one theme. It keeps widget.Button's
// behaviour and fields (Text, Icon, Importance, OnTapped, Enable/Disable,
// SetText/SetIcon); only the drawing is its own. A theme override per
// button would load a font cache per button instead.
type largeButton struct {
	widget.Button
	hovered, focused bool
}

func newLargeButton(label string, icon fyne.Resource, tapped func()) *largeButton {
	b := &largeButton{Button: widget.Button{Text: label, Icon: icon, OnTapped: tapped}}
	b.ExtendBaseWidget(b)
	return b
}

// AsButton is the button's state and behaviour as a plain widget.Button
// (Text, Tapped), for code that walks a screen looking for buttons.
func (b *largeButton) AsButton() *widget.Button { return &b.Button }

// MinSize is the drawn size, not the plain button's.
func (b *largeButton) MinSize() fyne.Size { return b.BaseWidget.MinSize() }

// MouseIn highlights the button under the pointer.
func (b *largeButton) MouseIn(*desktop.MouseEvent) { b.hovered = true; b.Refresh() }

// MouseOut ends the highlight.
func (b *largeButton) MouseOut() { b.hovered = false; b.Refresh() }

// FocusGained shows the keyboard focus.
func (b *largeButton) FocusGained() { b.focused = true; b.Refresh() }

// FocusLost ends the focus mark.
func (b *largeButton) FocusLost() { b.focused = false; b.Refresh() }

// Cursor is the pointing hand.
func (b *largeButton) Cursor() desktop.Cursor { return desktop.PointerCursor }

// CreateRenderer draws the button with large text.
func (b *largeButton) CreateRenderer() fyne.WidgetRenderer {
	r := &largeButtonRenderer{b: b, bg: canvas.NewRectangle(color.Transparent),
		icon: canvas.NewImageFromResource(nil), text: canvas.NewText("", color.Black)}
	r.icon.FillMode = canvas.ImageFillContain
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.Refresh()
	return r
}

type largeButtonRenderer struct {
	b    *largeButton
	bg   *canvas.Rectangle
	icon *canvas.Image
	text *canvas.Text
}

func (r *largeButtonRenderer) Destroy() {}

func (r *largeButtonRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.icon, r.text}
}

// content is the width of the icon and text together, and their height.
func (r *largeButtonRenderer) content() fyne.Size {
	text := fyne.Size{}
	if r.text.Text != "" {
		text = r.text.MinSize()
	}
	if r.b.Icon == nil {
		return text
	}
	w := text.Width + largeButtonIcon
	if r.text.Text != "" {
		w += theme.Padding()
	}
	return fyne.NewSize(w, fyne.Max(text.Height, largeButtonIcon))
}

func (r *largeButtonRenderer) MinSize() fyne.Size {
	return r.content().AddWidthHeight(2*largeButtonPadding, 2*largeButtonPadding)
}

func (r *largeButtonRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	c := r.content()
	x := (size.Width - c.Width) / 2
	t := r.text.MinSize()
	r.text.Resize(t)
	r.icon.Resize(fyne.NewSquareSize(largeButtonIcon))
	iconY := (size.Height - largeButtonIcon) / 2
	switch {
	case r.b.Icon == nil:
	case r.b.IconPlacement == widget.ButtonIconTrailingText:
		r.icon.Move(fyne.NewPos(x+c.Width-largeButtonIcon, iconY))
	default:
		r.icon.Move(fyne.NewPos(x, iconY))
		x += largeButtonIcon + theme.Padding()
	}
	r.text.Move(fyne.NewPos(x, (size.Height-t.Height)/2))
}

// Refresh follows the button's text, icon, importance, state and theme,
// as widget.Button colours them.
func (r *largeButtonRenderer) Refresh() {
	b := r.b
	fg, bg, blend := theme.ColorNameForeground, fyne.ThemeColorName(""), fyne.ThemeColorName("")
	switch {
	case b.Disabled():
		fg = theme.ColorNameDisabled
		if b.Importance != widget.LowImportance {
			bg = theme.ColorNameDisabledButton
		}
	case b.focused:
		blend = theme.ColorNameFocus
	case b.hovered:
		blend = theme.ColorNameHover
	}
	if bg == "" {
		switch b.Importance {
		case widget.DangerImportance:
			fg, bg = theme.ColorNameForegroundOnError, theme.ColorNameError
		case widget.HighImportance:
			fg, bg = theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary
		case widget.SuccessImportance:
			fg, bg = theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess
		case widget.WarningImportance:
			fg, bg = theme.ColorNameForegroundOnWarning, theme.ColorNameWarning
		case widget.LowImportance:
			if blend != "" {
				bg = theme.ColorNameButton
			}
		default:
			bg = theme.ColorNameButton
		}
	}
	fill := color.Color(color.Transparent)
	if bg != "" {
		fill = theme.Color(bg)
	}
	if blend != "" {
		fill = over(fill, theme.Color(blend))
	}
	r.bg.FillColor = fill
	r.bg.CornerRadius = theme.Size(theme.SizeNameButtonRadius)
	r.text.Text = b.Text
	r.text.TextSize = theme.Size(SizeNameTileText) + 2
	r.text.Color = theme.Color(fg)
	r.icon.Resource = nil
	if b.Icon != nil {
		icon := b.Icon
		if b.Disabled() {
			icon = theme.NewDisabledResource(icon)
		} else if th, ok := icon.(fyne.ThemedResource); ok && fg != theme.ColorNameForeground && th.ThemeColorName() != fg {
			icon = theme.NewColoredResource(icon, fg)
		}
		r.icon.Resource = icon
	}
	r.Layout(b.Size())
	r.bg.Refresh()
	r.icon.Refresh()
	r.text.Refresh()
}

// over blends the translucent colour top over bottom (premultiplied).
func over(bottom, top color.Color) color.Color {
	br, bgr, bb, ba := bottom.RGBA()
	tr, tg, tb, ta := top.RGBA()
	mix := func(b, t uint32) uint8 { return uint8((t + b*(0xffff-ta)/0xffff) >> 8) }
	return color.RGBA{R: mix(br, tr), G: mix(bgr, tg), B: mix(bb, tb), A: uint8((ta + ba*(0xffff-ta)/0xffff) >> 8)}
}

package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Sizes the station adds to Fyne's theme. Bench tiles are read from a metre
// away, so their text is two to four times the body size.
const (
	SizeNameTileText fyne.ThemeSizeName = "photonTileText"
	// SizeNameTileTextGrown is a tile's sentences when the tiles grow
	// with a large window.
	SizeNameTileTextGrown fyne.ThemeSizeName = "photonTileTextGrown"
	// SizeNameTileTextGreat is a tile's sentences when one to three tiles
	// have a large window to themselves.
	SizeNameTileTextGreat fyne.ThemeSizeName = "photonTileTextGreat"
	SizeNameTileLarge     fyne.ThemeSizeName = "photonTileLarge"
	SizeNameTileHuge      fyne.ThemeSizeName = "photonTileHuge"
	SizeNameCounter       fyne.ThemeSizeName = "photonCounter"
)

// Colours the station adds: tile backgrounds tinted by phase. Text on them
// keeps the theme's foreground, so contrast holds in light and dark.
const (
	ColorNameTileWaiting fyne.ThemeColorName = "photonTileWaiting"
	ColorNameTileWorking fyne.ThemeColorName = "photonTileWorking"
	ColorNameTilePass    fyne.ThemeColorName = "photonTilePass"
	ColorNameTileFail    fyne.ThemeColorName = "photonTileFail"
	// ColorNameTileProvisioned is a calm tint for a Photon that was done
	// already: nothing is wrong, nothing to fix.
	ColorNameTileProvisioned fyne.ThemeColorName = "photonTileProvisioned"
)

// StationTheme is Fyne's default theme plus the bench's large text sizes and
// phase tints. Forced pins the variant (light or dark) when the supervisor
// chose one; otherwise the desktop's choice wins.
type StationTheme struct {
	Forced *fyne.ThemeVariant
}

var _ fyne.Theme = (*StationTheme)(nil)

// NewTheme returns the station theme following the desktop's light or dark
// choice.
func NewTheme() *StationTheme { return &StationTheme{} }

// Color returns the theme's colours, adding the tile tints.
func (t *StationTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.Forced != nil {
		v = *t.Forced
	}
	dark := v == theme.VariantDark
	switch n {
	case ColorNameTileWaiting:
		if dark {
			return color.NRGBA{R: 0x3a, G: 0x3a, B: 0x3e, A: 0xff}
		}
		return color.NRGBA{R: 0xe6, G: 0xe6, B: 0xe8, A: 0xff}
	case ColorNameTileWorking:
		if dark {
			return color.NRGBA{R: 0x1d, G: 0x33, B: 0x4d, A: 0xff}
		}
		return color.NRGBA{R: 0xdc, G: 0xea, B: 0xfb, A: 0xff}
	case ColorNameTilePass:
		if dark {
			return color.NRGBA{R: 0x1b, G: 0x4d, B: 0x2a, A: 0xff}
		}
		return color.NRGBA{R: 0xcd, G: 0xf0, B: 0xd5, A: 0xff}
	case ColorNameTileFail:
		if dark {
			return color.NRGBA{R: 0x5c, G: 0x1e, B: 0x1e, A: 0xff}
		}
		return color.NRGBA{R: 0xfb, G: 0xd5, B: 0xd5, A: 0xff}
	case ColorNameTileProvisioned:
		if dark {
			return color.NRGBA{R: 0x1f, G: 0x40, B: 0x48, A: 0xff}
		}
		return color.NRGBA{R: 0xd8, G: 0xee, B: 0xf0, A: 0xff}
	case theme.ColorNameSuccess:
		if !dark {
			// Fyne's green is too pale for a white background at a metre.
			return color.NRGBA{R: 0x1e, G: 0x7e, B: 0x34, A: 0xff}
		}
	case theme.ColorNameError:
		if !dark {
			return color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
		}
	}
	return theme.DefaultTheme().Color(n, v)
}

// Font returns the default fonts.
func (t *StationTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon returns the default icons.
func (t *StationTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size returns the default sizes plus the bench's large text.
func (t *StationTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case SizeNameTileText:
		return 18
	case SizeNameTileTextGrown:
		return 26
	case SizeNameTileTextGreat:
		return 34
	case SizeNameTileLarge:
		return 28
	case SizeNameTileHuge:
		return 40
	case SizeNameCounter:
		return 30
	case theme.SizeNameCaptionText:
		// Captions are read from a metre away: no smaller than body text.
		return max(14, theme.DefaultTheme().Size(n))
	}
	return theme.DefaultTheme().Size(n)
}

// ThemeVariantLight and ThemeVariantDark are addressable copies for
// StationTheme.Forced.
var (
	ThemeVariantLight = theme.VariantLight
	ThemeVariantDark  = theme.VariantDark
)

// tightLabel shows a label with its inner padding cut to tightPadding, so
// a tile spends its height on words. It draws in the app's one theme: a
// theme override per label would load a font cache per label.
type tightLabel struct {
	widget.BaseWidget
	label *widget.Label
}

// tightPadding is the padding around a tight label's text.
const tightPadding = 2

func tight(l *widget.Label) *tightLabel {
	t := &tightLabel{label: l}
	t.ExtendBaseWidget(t)
	return t
}

// Visible follows the label: a hidden label takes no room.
func (t *tightLabel) Visible() bool { return t.label.Visible() }

// CreateRenderer lays the label out with its padding cut.
func (t *tightLabel) CreateRenderer() fyne.WidgetRenderer { return &tightRenderer{t.label} }

type tightRenderer struct{ label *widget.Label }

// cut is how much of the label's inner padding goes, on each side.
func (r *tightRenderer) cut() float32 { return max(0, theme.InnerPadding()-tightPadding) }

func (r *tightRenderer) Layout(size fyne.Size) {
	d := r.cut()
	r.label.Move(fyne.NewPos(-d, -d))
	r.label.Resize(size.AddWidthHeight(2*d, 2*d))
}

func (r *tightRenderer) MinSize() fyne.Size {
	d := r.cut()
	m := r.label.MinSize()
	return fyne.NewSize(max(0, m.Width-2*d), max(0, m.Height-2*d))
}

func (r *tightRenderer) Refresh()                     { r.label.Refresh() }
func (r *tightRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.label} }
func (r *tightRenderer) Destroy()                     {}

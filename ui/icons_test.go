package ui

import (
	"image"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TestIconsShowOnTheDarkTheme: each icon drawn for the station stands out
// from the dark theme's background, as from the light one's (the Wi-Fi
// icon was black strokes on near-black).
func TestIconsShowOnTheDarkTheme(t *testing.T) {
	icons := map[string]fyne.Resource{"lock": lockIcon, "Wi-Fi": wifiIcon}
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(&StationTheme{Forced: &v})
		bg := theme.Color(theme.ColorNameBackground)
		for name, res := range icons {
			w := test.NewTempWindow(t, container.NewGridWrap(fyne.NewSquareSize(48), widget.NewIcon(res)))
			w.SetPadded(false)
			w.Resize(fyne.NewSquareSize(48))
			img := w.Canvas().Capture()
			if got := contrasting(img, bg); got < 0.15 {
				t.Errorf("%s icon on variant %d: %.0f %% of its pixels stand out from the background, want at least 15 %%", name, v, got*100)
			}
		}
	}
}

// contrasting is the share of img's pixels with a contrast ratio of at
// least 3:1 against bg (the WCAG minimum for graphics).
func contrasting(img image.Image, bg color.Color) float64 {
	lb := luminance(bg)
	var n, all int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			all++
			l := luminance(img.At(x, y))
			hi, lo := max(l, lb), min(l, lb)
			if (hi+0.05)/(lo+0.05) >= 3 {
				n++
			}
		}
	}
	return float64(n) / float64(all)
}

// luminance is the relative luminance of c, 0 for black to 1 for white.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/ui/lang"
)

// lockIcon marks a profile whose editing is locked. Drawn for this project,
// in filled shapes only: a themed resource recolours fills, not strokes,
// so a stroked line would stay black on the dark theme's background.
var lockIcon = theme.NewThemedResource(fyne.NewStaticResource("lock.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">`+
		`<path d="M5.9 10V7A6.1 6.1 0 0 1 18.1 7V10H15.9V7A3.9 3.9 0 0 0 8.1 7V10Z" fill="#000"/>`+
		`<rect x="4" y="10" width="16" height="11" rx="2" fill="#000"/></svg>`)))

// wifiIcon marks the Wi-Fi network name. Drawn for this project: three
// filled arcs over a dot (filled, as lockIcon, to follow the theme).
var wifiIcon = theme.NewThemedResource(fyne.NewStaticResource("wifi.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">`+
		`<path d="M0.545 8.545A16.2 16.2 0 0 1 23.455 8.545L21.758 10.242A13.8 13.8 0 0 0 2.242 10.242Z" fill="#000"/>`+
		`<path d="M4.08 12.08A11.2 11.2 0 0 1 19.92 12.08L18.223 13.777A8.8 8.8 0 0 0 5.777 13.777Z" fill="#000"/>`+
		`<path d="M7.616 15.616A6.2 6.2 0 0 1 16.384 15.616L14.687 17.313A3.8 3.8 0 0 0 9.313 17.313Z" fill="#000"/>`+
		`<circle cx="12" cy="20" r="1.9" fill="#000"/></svg>`)))

// LED is a state of the Photon's RGB LED, as the technician sees it.
type LED int

// The LED states the screens refer to.
const (
	LEDListening     LED = iota // blinking dark blue
	LEDJoiningWiFi              // blinking green
	LEDReachingCloud            // blinking cyan
	LEDConnected                // breathing cyan
	LEDUpdating                 // magenta
	LEDError                    // red flashes or orange
	LEDWiFiOff                  // breathing white
)

// ledColor is the swatch colour for an LED state.
func ledColor(l LED) color.Color {
	switch l {
	case LEDListening:
		return color.NRGBA{R: 0x1a, G: 0x3c, B: 0xd6, A: 0xff}
	case LEDJoiningWiFi:
		return color.NRGBA{R: 0x1e, G: 0xb8, B: 0x3a, A: 0xff}
	case LEDReachingCloud, LEDConnected:
		return color.NRGBA{R: 0x00, G: 0xc8, B: 0xd8, A: 0xff}
	case LEDUpdating:
		return color.NRGBA{R: 0xd0, G: 0x1f, B: 0xc8, A: 0xff}
	case LEDError:
		return color.NRGBA{R: 0xe5, G: 0x3a, B: 0x1e, A: 0xff}
	}
	return color.NRGBA{R: 0xf2, G: 0xf2, B: 0xf2, A: 0xff}
}

// ledWords says an LED state in words; the swatch never stands alone.
func ledWords(l LED) string {
	switch l {
	case LEDListening:
		return lang.L("Blinking dark blue: ready for setup")
	case LEDJoiningWiFi:
		return lang.L("Blinking green: joining Wi-Fi")
	case LEDReachingCloud:
		return lang.L("Blinking cyan: reaching the cloud")
	case LEDConnected:
		return lang.L("Breathing cyan: connected")
	case LEDUpdating:
		return lang.L("Magenta: updating, wait")
	case LEDError:
		return lang.L("Red or orange: an error")
	}
	return lang.L("Breathing white: Wi-Fi off")
}

// ledSwatch is a round dot in the LED's colour with a thin outline, so
// white and cyan show on a light background.
func ledSwatch(l LED, size float32) fyne.CanvasObject {
	c := canvas.NewCircle(ledColor(l))
	c.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	c.StrokeWidth = 1
	return container.NewGridWrap(fyne.NewSquareSize(size), c)
}

// ledHint is a swatch beside its words.
func ledHint(l LED) fyne.CanvasObject { return ledRow(l, widget.NewLabel(ledWords(l))) }

// ledRow is a swatch beside words.
func ledRow(l LED, words fyne.CanvasObject) fyne.CanvasObject {
	return container.NewHBox(container.NewCenter(ledSwatch(l, theme.TextSize())), words)
}

// ledLegend is the bench's footer: what each LED colour means, flowing in
// one line on a wide screen and two on a laptop, with little padding so
// the tiles keep the height.
func ledLegend() *fyne.Container {
	items := []fyne.CanvasObject{}
	for _, l := range []LED{LEDListening, LEDJoiningWiFi, LEDReachingCloud, LEDConnected, LEDUpdating, LEDError} {
		items = append(items, ledRow(l, tight(widget.NewLabel(ledWords(l)))))
	}
	return container.New(&flowRow{}, items...)
}

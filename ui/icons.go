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

// lockIcon marks a profile whose editing is locked. Drawn for this project.
var lockIcon = theme.NewThemedResource(fyne.NewStaticResource("lock.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">`+
		`<path d="M7 10V7a5 5 0 0 1 10 0v3" fill="none" stroke="#000" stroke-width="2.2"/>`+
		`<rect x="4" y="10" width="16" height="11" rx="2" fill="#000"/></svg>`)))

// wifiIcon marks the Wi-Fi network name. Drawn for this project.
var wifiIcon = theme.NewThemedResource(fyne.NewStaticResource("wifi.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">`+
		`<path d="M2 9a15 15 0 0 1 20 0M5 12.5a10 10 0 0 1 14 0M8 16a5 5 0 0 1 8 0" fill="none" stroke="#000" stroke-width="2.2" stroke-linecap="round"/>`+
		`<circle cx="12" cy="19.5" r="1.8" fill="#000"/></svg>`)))

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

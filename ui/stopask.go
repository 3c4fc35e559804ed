package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/ui/lang"
)

// askStop stops the bench, first asking when Photons are being set up:
// stopping leaves them half done, so the technician confirms with a
// button named for the stop; keeping them working is the default.
func (b *Bench) askStop() {
	n := b.InProgress()
	if n == 0 || b.window == nil {
		b.stop()
		return
	}
	askBeforeStopping(b.window, lang.L("Stop the bench?"), inProgressWords(n), lang.L("Stop bench"), func() {
		if b.running && !b.busy {
			b.stop()
		}
	})
}

// inProgressWords says how many Photons are being set up and what a stop
// does to them.
func inProgressWords(n int) string {
	if n == 1 {
		return lang.L("1 Photon is being set up. Stopping leaves it where it is: plug it in again or press Retry to finish.")
	}
	return lang.L("{{.Count}} Photons are being set up. Stopping leaves them where they are: plug each in again or press Retry to finish.",
		map[string]any{"Count": n})
}

// askBeforeStopping shows the question on w: "Keep working" (the default,
// taken by Escape or closing the dialog) and a red button named stop that
// calls onStop.
func askBeforeStopping(w fyne.Window, title, message, stop string, onStop func()) {
	text := widget.NewLabel(message)
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomWithoutButtons(title, text, w)
	keep := widget.NewButtonWithIcon(lang.L("Keep working"), theme.MediaPlayIcon(), d.Hide)
	keep.Importance = widget.HighImportance
	stopBtn := widget.NewButtonWithIcon(stop, theme.MediaStopIcon(), func() {
		d.Hide()
		onStop()
	})
	stopBtn.Importance = widget.DangerImportance
	d.SetButtons([]fyne.CanvasObject{stopBtn, keep})
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// RequestClose closes the window, first asking when the bench has Photons
// being set up (closing stops them): the close button and View › Quit.
func (v *MainView) RequestClose() {
	n := v.Bench.InProgress()
	if n == 0 || !v.Bench.running {
		v.Window.Close()
		return
	}
	askBeforeStopping(v.Window, lang.L("Quit Photon Station?"),
		inProgressWords(n), lang.L("Stop them and quit"), v.Window.Close)
}

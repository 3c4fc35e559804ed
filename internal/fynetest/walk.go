// Package fynetest holds what the screen tests of several packages share
// when they look through a Fyne object tree.
package fynetest

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Objects returns o and everything under it, in drawing order, through the
// renderers Fyne itself uses. It replaces test.LaidOutObjects, which builds
// a second renderer for every widget it meets: since Fyne 2.8 a Label makes
// its text holder in CreateRenderer, so that second renderer leaves the
// label updating a holder nobody draws, and the screen stops showing
// SetText.
func Objects(o fyne.CanvasObject) []fyne.CanvasObject {
	if o == nil {
		return nil
	}
	out := []fyne.CanvasObject{o}
	switch c := o.(type) {
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(c).Objects() {
			out = append(out, Objects(child)...)
		}
	case *fyne.Container:
		for _, child := range c.Objects {
			out = append(out, Objects(child)...)
		}
	}
	return out
}

package devicetools_test

import (
	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/devicetools"
)

// The main window builds the tools for its Device tools tab, and calls
// Close from its own close handler, which ends the live event stream and
// any call still running.
func ExampleNew() {
	var closers []func()
	deviceTools := func(w fyne.Window, user, product *cloud.Client, productID string) fyne.CanvasObject {
		tools := devicetools.New(w, devicetools.StaticSource{User: user, ProductClient: product, ProductID: productID})
		closers = append(closers, tools.Close)
		return tools
	}
	_ = deviceTools
}

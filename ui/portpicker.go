package ui

import (
	"context"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// PortFinder lists the USB serial ports that hold a Photon, with the
// device ID and USB position when the OS tells them.
type PortFinder interface {
	Photons(ctx context.Context) ([]provisioning.Port, error)
}

// benchPorts says what the bench is doing with a port: words for the
// technician, and held when the running bench has the port (another screen
// must not open it). Called on the UI goroutine.
type benchPorts func(path string) (words string, held bool)

// portPicker chooses a port holding a Photon. Each choice names the Photon
// by the last six characters of its device ID (shown large beside the
// picker, as on a tile), its hub port and what the bench is doing with it;
// the ports the running bench holds are not offered.
type portPicker struct {
	finder  PortFinder
	bench   benchPorts
	do      dispatcher
	parent  context.Context
	changed func()

	byLabel map[string]provisioning.Port
	sel     *widget.Select
	last6   *canvas.Text
	content fyne.CanvasObject
}

// portsFound is the outcome of one look for Photons: how many are offered
// and how many the bench holds (left out).
type portsFound struct {
	offered, held int
	err           error
}

func newPortPicker(ctx context.Context, finder PortFinder, bench benchPorts, do dispatcher, placeholder string, changed func()) *portPicker {
	p := &portPicker{finder: finder, bench: bench, do: do, parent: ctx, changed: changed, byLabel: map[string]provisioning.Port{}}
	p.sel = widget.NewSelect(nil, func(string) {
		p.showLast6()
		if p.changed != nil {
			p.changed()
		}
	})
	p.sel.PlaceHolder = placeholder
	p.last6 = canvas.NewText("", theme.Color(theme.ColorNamePrimary))
	p.last6.TextSize = theme.Size(SizeNameTileText)
	p.last6.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	// The ID's box keeps its width with or without an ID, so the picker
	// does not move when a port is chosen: an invisible ID holds the room.
	room := canvas.NewText("000000", color.Transparent)
	room.TextSize, room.TextStyle = p.last6.TextSize, p.last6.TextStyle
	box := container.NewPadded(container.NewStack(room, p.last6))
	p.content = container.NewBorder(nil, nil, box, nil, p.sel)
	return p
}

// Selected is the path of the chosen port, or "".
func (p *portPicker) Selected() string { return p.byLabel[p.sel.Selected].Path }

// find lists the ports again in the background and calls done on the UI
// goroutine with what it found.
func (p *portPicker) find(done func(portsFound)) {
	if p.finder == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(p.parent, 10*time.Second)
		defer cancel()
		ports, err := p.finder.Photons(ctx)
		p.do(func() {
			if err != nil {
				done(portsFound{err: err})
				return
			}
			done(p.setPorts(ports))
		})
	}()
}

// setPorts offers ports, leaving out those the bench holds, and keeps the
// chosen port when it is still there. Call on the UI goroutine.
func (p *portPicker) setPorts(ports []provisioning.Port) portsFound {
	var found portsFound
	chosen := p.Selected()
	p.byLabel = map[string]provisioning.Port{}
	var labels []string
	keep := ""
	for _, port := range ports {
		words, held := "", false
		if p.bench != nil {
			words, held = p.bench(port.Path)
		}
		if held {
			found.held++
			continue
		}
		l := portLabel(port, words)
		p.byLabel[l] = port
		labels = append(labels, l)
		if port.Path == chosen {
			keep = l
		}
	}
	found.offered = len(labels)
	p.sel.SetOptions(labels)
	switch {
	case keep != "":
		p.sel.SetSelected(keep)
	case len(labels) > 0:
		p.sel.SetSelected(labels[0])
	default:
		p.sel.ClearSelected()
	}
	p.showLast6()
	return found
}

func (p *portPicker) showLast6() {
	_, tail := ShortID(p.byLabel[p.sel.Selected].DeviceID)
	p.last6.Text = strings.ToUpper(tail)
	p.last6.Refresh()
}

// portLabel is one choice: "C3D4E5 · hub port 3 · /dev/ttyACM0 · words".
func portLabel(port provisioning.Port, words string) string {
	var parts []string
	if _, tail := ShortID(port.DeviceID); tail != "" {
		parts = append(parts, strings.ToUpper(tail))
	}
	if place := placeWords(port.Location); place != "" {
		parts = append(parts, place)
	}
	parts = append(parts, port.Path)
	if words != "" {
		parts = append(parts, words)
	}
	return strings.Join(parts, " · ")
}

// heldWords tells that some Photons are on the running bench and so not
// offered, or "" when none are.
func (f portsFound) heldWords() string {
	if f.held == 0 {
		return ""
	}
	return lang.L("Not listed here: the Photons the running bench is working on ({{.Count}}). Stop the bench to use them.", map[string]any{"Count": f.held})
}

func (p *portPicker) Enable()  { p.sel.Enable() }
func (p *portPicker) Disable() { p.sel.Disable() }

// portUse is the bench's benchPorts: while it runs, it holds every port it
// has a tile for; stopped, it tells how that port's last attempt ended.
func (b *Bench) portUse(path string) (words string, held bool) {
	for _, s := range b.slots {
		if s.Port != path && s.Name != path {
			continue
		}
		if b.running {
			return "", true
		}
		switch s.Phase {
		case PhasePass:
			return lang.L("passed on the bench"), false
		case PhaseFail:
			return lang.L("failed on the bench"), false
		case PhaseProvisioned:
			return lang.L("already provisioned"), false
		}
		return "", false
	}
	return "", false
}

// heldNow tells whether the bench holds the chosen port now (it may have
// started since the ports were listed).
func (p *portPicker) heldNow() bool {
	if p.bench == nil || p.Selected() == "" {
		return false
	}
	_, held := p.bench(p.Selected())
	return held
}

// benchHoldsWords refuses a port the bench took after it was listed.
func benchHoldsWords() string {
	return lang.L("The bench is working with this Photon now. Stop the bench, or press Look for Photons and choose another port.")
}

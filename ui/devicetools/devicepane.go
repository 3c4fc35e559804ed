package devicetools

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// devicePane is the detail pane of the selected device: what the cloud
// knows about it, and the actions of the tutorial, each with its result
// shown right under it.
type devicePane struct {
	t       *Tools
	product bool // reach the device through the product routes
	dev     cloud.Device
	has     bool

	// onChanged is told the device after a rename or new notes, so the
	// list can show them.
	onChanged func(cloud.Device)

	placeholder *widget.Label
	body        *fyne.Container
	content     fyne.CanvasObject

	name      *widget.Label
	status    *widget.Label
	statusIco *widget.Icon
	info      *widget.Form
	load      *outcome

	renameEntry *widget.Entry
	renameBtn   *widget.Button
	renameOut   *outcome

	notesEntry *widget.Entry
	notesBtn   *widget.Button
	notesOut   *outcome

	pingBtn *widget.Button
	pingOut *outcome

	varName *widget.SelectEntry
	varBtn  *widget.Button
	varOut  *outcome
	// varOptions are the variable names the device declares.
	varOptions []string

	fnName *widget.SelectEntry
	fnArg  *widget.Entry
	fnBtn  *widget.Button
	fnOut  *outcome

	vitalsBtn *widget.Button

	// claim is the claiming section, on the product tab only.
	claim *claiming

	infoValues map[string]*widget.Label
}

var infoRows = []string{"Device ID", "Last heard", "Platform", "Device OS", "Product firmware", "Groups", "Owner"}

func newDevicePane(t *Tools, product bool) *devicePane {
	p := &devicePane{t: t, product: product, infoValues: map[string]*widget.Label{}}
	p.placeholder = widget.NewLabel(lang.L("Select a device in the list to see its details and act on it."))
	p.placeholder.Wrapping = fyne.TextWrapWord
	p.placeholder.Alignment = fyne.TextAlignCenter

	p.name = widget.NewLabel("")
	p.name.TextStyle = fyne.TextStyle{Bold: true}
	p.name.SizeName = theme.SizeNameSubHeadingText
	p.name.Truncation = fyne.TextTruncateEllipsis
	p.statusIco = widget.NewIcon(nil)
	p.status = widget.NewLabel("")
	p.status.TextStyle = fyne.TextStyle{Bold: true}
	p.info = widget.NewForm()
	for _, r := range infoRows {
		if !product && (r == "Product firmware" || r == "Groups") {
			continue
		}
		v := widget.NewLabel("")
		v.Selectable = r == "Device ID"
		v.Truncation = fyne.TextTruncateEllipsis
		p.infoValues[r] = v
		p.info.Append(lang.L(r), v)
	}
	p.load = newOutcome()

	p.pingBtn = widget.NewButtonWithIcon(lang.L("Ping"), theme.ViewRefreshIcon(), p.ping)
	p.pingOut = newReservedOutcome()
	p.vitalsBtn = widget.NewButtonWithIcon(lang.L("Vitals"), theme.InfoIcon(), func() {
		if p.has {
			t.vitals.showDevice(p.dev.ID, p.product)
		}
	})

	p.renameEntry = widget.NewEntry()
	p.renameEntry.SetPlaceHolder(lang.L("New name"))
	p.renameEntry.OnSubmitted = func(string) { p.rename() }
	p.renameBtn = widget.NewButtonWithIcon(lang.L("Rename"), theme.DocumentCreateIcon(), p.rename)
	p.renameOut = newReservedOutcome()

	p.notesEntry = widget.NewMultiLineEntry()
	p.notesEntry.SetPlaceHolder(lang.L("Notes about this device"))
	p.notesEntry.SetMinRowsVisible(2)
	p.notesEntry.Wrapping = fyne.TextWrapWord
	p.notesBtn = widget.NewButtonWithIcon(lang.L("Save notes"), theme.DocumentSaveIcon(), p.saveNotes)
	p.notesOut = newReservedOutcome()

	p.varName = widget.NewSelectEntry(nil)
	p.varName.SetPlaceHolder(lang.L("Variable name"))
	p.varName.OnSubmitted = func(string) { p.readVariable() }
	p.varBtn = widget.NewButtonWithIcon(lang.L("Read"), theme.DownloadIcon(), p.readVariable)
	p.varOut = newReservedOutcome()

	p.fnName = widget.NewSelectEntry(nil)
	p.fnName.SetPlaceHolder(lang.L("Function name"))
	p.fnArg = widget.NewEntry()
	p.fnArg.SetPlaceHolder(lang.L("Argument (may be empty)"))
	p.fnArg.OnSubmitted = func(string) { p.callFunction() }
	p.fnBtn = widget.NewButtonWithIcon(lang.L("Call"), theme.MediaPlayIcon(), p.callFunction)
	p.fnOut = newReservedOutcome()

	row := func(entry fyne.CanvasObject, btn *widget.Button) fyne.CanvasObject {
		return container.NewBorder(nil, nil, nil, btn, entry)
	}
	section := func(title string, objs ...fyne.CanvasObject) fyne.CanvasObject {
		h := widget.NewLabel(title)
		h.TextStyle = fyne.TextStyle{Bold: true}
		return container.NewVBox(append([]fyne.CanvasObject{widget.NewSeparator(), h}, objs...)...)
	}
	header := container.NewBorder(nil, nil, nil,
		container.NewHBox(container.NewCenter(p.statusIco), container.NewCenter(p.status), p.pingBtn, p.vitalsBtn), p.name)
	objs := []fyne.CanvasObject{header, p.pingOut, p.load, p.info}
	if product {
		// Right under who owns it: the tutorial's claiming controls.
		p.claim = newClaiming(p)
		objs = append(objs, section(lang.L("Claiming"), p.claim.box))
	}
	p.body = container.NewVBox(append(objs,
		section(lang.L("Read a variable"), row(p.varName, p.varBtn), p.varOut),
		section(lang.L("Call a function"), p.fnName, row(p.fnArg, p.fnBtn), p.fnOut),
		section(lang.L("Rename"), row(p.renameEntry, p.renameBtn), p.renameOut),
		section(lang.L("Notes"), p.notesEntry, container.NewHBox(p.notesBtn), p.notesOut),
	)...)
	p.body.Hide()
	p.content = container.NewStack(container.NewPadded(container.NewVBox(layoutSpacer(), p.placeholder)),
		container.NewVScroll(container.NewPadded(p.body)))
	return p
}

func (p *devicePane) client(ctx context.Context) (*cloud.Client, error) {
	if p.product {
		return p.t.src.ProductCloud(ctx)
	}
	return p.t.src.UserCloud(ctx)
}

func (p *devicePane) refOf() cloud.DeviceRef {
	if p.product {
		return cloud.ProductDevice(p.t.src.Product(), p.dev.ID)
	}
	return cloud.UserDevice(p.dev.ID)
}

// show fills the pane with d as the list knows it, then asks the cloud
// for the full record (variables and functions come only from there).
// hide shows the placeholder again, dropping answers still coming.
func (p *devicePane) hide() {
	p.has = false
	p.body.Hide()
	p.placeholder.Show()
	for _, o := range []*outcome{p.pingOut, p.renameOut, p.notesOut, p.varOut, p.fnOut, p.load} {
		o.forget()
	}
}

func (p *devicePane) show(d cloud.Device) {
	same := p.has && p.dev.ID == d.ID
	p.dev, p.has = d, true
	p.placeholder.Hide()
	p.body.Show()
	p.fill()
	if !same {
		// Answers still coming for the device shown before are dropped:
		// they must not land on this one.
		for _, o := range []*outcome{p.pingOut, p.renameOut, p.notesOut, p.varOut, p.fnOut, p.load} {
			o.forget()
		}
		p.renameEntry.SetText(d.Name)
		p.notesEntry.SetText(d.Notes)
		p.varName.SetText("")
		p.fnName.SetText("")
		p.fnArg.SetText("")
		if p.claim != nil {
			p.claim.forget()
		}
	}
	id := d.ID
	ref := p.refOf() // read here: the worker must not touch p
	run(p.t, p.load, lang.L("Reading the device's details…"), p.t.cfg.timeout, nil,
		func(ctx context.Context) (cloud.Device, error) {
			c, err := p.client(ctx)
			if err != nil {
				return cloud.Device{}, err
			}
			return c.GetDevice(ctx, ref)
		},
		func(full cloud.Device) {
			if !p.has || p.dev.ID != id {
				return // another device was selected meanwhile
			}
			if full.ID == "" {
				full.ID = id
			}
			p.dev = full
			p.fill()
			if p.notesEntry.Text == "" {
				p.notesEntry.SetText(full.Notes)
			}
		})
}

// fill shows p.dev.
func (p *devicePane) fill() {
	d := p.dev
	name := d.Name
	if name == "" {
		name = lang.L("(no name)")
	}
	p.name.SetText(name)
	p.status.SetText(onlineText(d.Online))
	if d.Online {
		p.statusIco.SetResource(theme.NewSuccessThemedResource(theme.RadioButtonCheckedIcon()))
	} else {
		p.statusIco.SetResource(theme.NewDisabledResource(theme.RadioButtonIcon()))
	}
	set := func(k, v string) {
		if l := p.infoValues[k]; l != nil {
			if v == "" {
				v = "–"
			}
			l.SetText(v)
		}
	}
	set("Device ID", d.ID)
	set("Last heard", lastHeard(p.t, d))
	set("Platform", platformName(d.PlatformID))
	set("Device OS", d.SystemFirmwareVersion)
	if d.FirmwareVersion > 0 {
		set("Product firmware", lang.L("version {{.V}}", map[string]any{"V": d.FirmwareVersion}))
	} else {
		set("Product firmware", "")
	}
	set("Groups", strings.Join(d.Groups, ", "))
	set("Owner", d.Owner)

	vars := make([]string, 0, len(d.Variables))
	for k := range d.Variables {
		vars = append(vars, k)
	}
	slices.Sort(vars)
	p.varOptions = vars
	p.varName.SetOptions(vars)
	fns := append([]string(nil), d.Functions...)
	slices.Sort(fns)
	p.fnName.SetOptions(fns)
	p.body.Refresh() // the header's widths change with the texts
}

func lastHeard(t *Tools, d cloud.Device) string {
	if d.LastHeard.IsZero() {
		return lang.L("never")
	}
	return ago(t.cfg.now(), d.LastHeard) + " (" + stamp(d.LastHeard) + ")"
}

// platformName names the platforms a Photon station meets.
func platformName(id int) string {
	switch id {
	case 0:
		return ""
	case 6:
		return "Photon"
	case 8:
		return "P1"
	case 10:
		return "Electron"
	case 12:
		return "Argon"
	case 13:
		return "Boron"
	default:
		return lang.L("platform {{.ID}}", map[string]any{"ID": id})
	}
}

func (p *devicePane) ping() {
	if !p.has {
		return
	}
	ref := p.refOf() // read here: the worker must not touch p
	run(p.t, p.pingOut, lang.L("Pinging the device (this can take 30 seconds when it is offline)…"), p.t.cfg.timeout,
		[]fyne.Disableable{p.pingBtn},
		func(ctx context.Context) (bool, error) {
			c, err := p.client(ctx)
			if err != nil {
				return false, err
			}
			return c.Ping(ctx, ref)
		},
		func(online bool) {
			p.dev.Online = online
			p.fill()
			if online {
				p.pingOut.succeed(lang.L("The device answered: it is online."))
			} else {
				p.pingOut.info(lang.L("The device did not answer: it is offline. Check that it is powered and breathing cyan."))
			}
			if p.onChanged != nil {
				p.onChanged(p.dev)
			}
		})
}

func (p *devicePane) rename() {
	if !p.has {
		return
	}
	name := strings.TrimSpace(p.renameEntry.Text)
	if name == "" {
		p.renameOut.problem(lang.L("Type the new name first."), "")
		return
	}
	ref := p.refOf() // read here: the worker must not touch p
	run(p.t, p.renameOut, lang.L("Renaming…"), p.t.cfg.timeout, []fyne.Disableable{p.renameBtn},
		func(ctx context.Context) (cloud.DeviceUpdate, error) {
			c, err := p.client(ctx)
			if err != nil {
				return cloud.DeviceUpdate{}, err
			}
			return c.RenameDevice(ctx, ref, name)
		},
		func(u cloud.DeviceUpdate) {
			if u.Name != "" {
				name = u.Name
			}
			p.dev.Name = name
			p.fill()
			p.renameOut.succeed(lang.L("Renamed to {{.Name}}.", map[string]any{"Name": name}))
			if p.onChanged != nil {
				p.onChanged(p.dev)
			}
		})
}

func (p *devicePane) saveNotes() {
	if !p.has {
		return
	}
	notes := p.notesEntry.Text
	ref := p.refOf() // read here: the worker must not touch p
	run(p.t, p.notesOut, lang.L("Saving the notes…"), p.t.cfg.timeout, []fyne.Disableable{p.notesBtn},
		func(ctx context.Context) (cloud.DeviceUpdate, error) {
			c, err := p.client(ctx)
			if err != nil {
				return cloud.DeviceUpdate{}, err
			}
			return c.SetNotes(ctx, ref, notes)
		},
		func(cloud.DeviceUpdate) {
			p.dev.Notes = notes
			p.notesOut.succeed(lang.L("Notes saved."))
			if p.onChanged != nil {
				p.onChanged(p.dev)
			}
		})
}

func (p *devicePane) readVariable() {
	if !p.has {
		return
	}
	name := strings.TrimSpace(p.varName.Text)
	if name == "" {
		p.varOut.problem(lang.L("Choose or type a variable name first."), "")
		return
	}
	ref := p.refOf() // read here: the worker must not touch p
	run(p.t, p.varOut, lang.L("Asking the device for {{.Name}}…", map[string]any{"Name": name}), p.t.cfg.timeout,
		[]fyne.Disableable{p.varBtn},
		func(ctx context.Context) (cloud.Variable, error) {
			c, err := p.client(ctx)
			if err != nil {
				return cloud.Variable{}, err
			}
			return c.GetVariable(ctx, ref, name)
		},
		func(v cloud.Variable) {
			p.varOut.succeed(lang.L("{{.Name}} = {{.Value}}", map[string]any{"Name": name, "Value": v.Text()}))
		})
}

func (p *devicePane) callFunction() {
	if !p.has {
		return
	}
	name := strings.TrimSpace(p.fnName.Text)
	if name == "" {
		p.fnOut.problem(lang.L("Choose or type a function name first."), "")
		return
	}
	arg := p.fnArg.Text
	ref := p.refOf() // read here: the worker must not touch p
	run(p.t, p.fnOut, lang.L("Calling {{.Name}} on the device…", map[string]any{"Name": name}), p.t.cfg.timeout,
		[]fyne.Disableable{p.fnBtn},
		func(ctx context.Context) (cloud.FunctionResult, error) {
			c, err := p.client(ctx)
			if err != nil {
				return cloud.FunctionResult{}, err
			}
			return c.CallFunction(ctx, ref, name, arg)
		},
		func(r cloud.FunctionResult) {
			p.fnOut.succeed(lang.L("{{.Name}} returned {{.Value}}.", map[string]any{"Name": name, "Value": r.ReturnValue}))
		})
}

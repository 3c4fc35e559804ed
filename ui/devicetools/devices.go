package devicetools

import (
	"cmp"
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// deviceColumns are the columns of both device lists.
func deviceColumns(t *Tools) []column[cloud.Device] {
	return []column[cloud.Device]{
		{title: lang.L("Name"), width: 120, differing: true, text: func(d cloud.Device) string { return d.Name },
			cmp: func(a, b cloud.Device) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }},
		{title: lang.L("Device ID"), width: 215, text: func(d cloud.Device) string { return d.ID },
			cmp: func(a, b cloud.Device) int { return cmp.Compare(a.ID, b.ID) }},
		{title: lang.L("Status"), width: 75, text: func(d cloud.Device) string { return onlineText(d.Online) },
			cmp: func(a, b cloud.Device) int { return boolCmp(a.Online, b.Online) }},
		{title: lang.L("Last heard"), width: 105, text: func(d cloud.Device) string { return ago(t.cfg.now(), d.LastHeard) },
			cmp: func(a, b cloud.Device) int { return a.LastHeard.Compare(b.LastHeard) }},
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

// devicesTab lists the devices of the signed-in user (or customer), which
// arrive whole and are sorted and paged here.
type devicesTab struct {
	t          *Tools
	all        []cloud.Device
	list       *dataTable[cloud.Device]
	pager      *pager
	refreshBtn *widget.Button
	out        *outcome
	pane       *devicePane
	content    fyne.CanvasObject
}

func newDevicesTab(t *Tools) *devicesTab {
	d := &devicesTab{t: t}
	d.list = newDataTable(deviceColumns(t), lang.L("No devices yet. Press Refresh to ask the Particle Cloud."))
	d.list.onSort = func(int, bool) { d.show() }
	d.pager = newPager(25)
	d.pager.onChange = func(page, _ int) { d.pager.page = page; d.show() } // paged here: it cannot fail
	d.pane = newDevicePane(t, false)
	d.list.onSelect = d.pane.show
	d.pane.onChanged = func(dev cloud.Device) {
		for i := range d.all {
			if d.all[i].ID == dev.ID {
				d.all[i] = dev
			}
		}
		d.show()
	}
	d.refreshBtn = widget.NewButtonWithIcon(lang.L("Refresh"), theme.ViewRefreshIcon(), d.refresh)
	d.refreshBtn.Importance = widget.HighImportance
	d.out = newOutcome()
	intro := widget.NewLabel(lang.L("Devices claimed by the signed-in account."))
	top := container.NewVBox(container.NewBorder(nil, nil, nil, d.refreshBtn, intro), d.out)
	left := container.NewBorder(top, d.pager.content, nil, nil, d.list.stack)
	split := container.NewHSplit(left, d.pane.content)
	split.Offset = 0.55
	d.content = split
	return d
}

// show shows the current page of the sorted list, keeping the selection's
// device in the pane.
func (d *devicesTab) show() {
	d.list.setRows(pageOf(d.pager, sortedBy(d.list, d.all)))
}

func (d *devicesTab) refresh() {
	run(d.t, d.out, lang.L("Asking the Particle Cloud for the devices…"), d.t.cfg.timeout, []fyne.Disableable{d.refreshBtn},
		func(ctx context.Context) ([]cloud.Device, error) {
			c, err := d.t.src.UserCloud(ctx)
			if err != nil {
				return nil, err
			}
			return c.ListDevices(ctx)
		},
		func(devs []cloud.Device) {
			d.all = devs
			d.show()
			online := 0
			for _, x := range devs {
				if x.Online {
					online++
				}
			}
			d.out.info(lang.L("{{.N}} devices, {{.Online}} online. Select one to see it and act on it.",
				map[string]any{"N": len(devs), "Online": online}))
		})
}

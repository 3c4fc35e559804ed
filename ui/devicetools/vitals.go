package devicetools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// vital is one reading of a vitals record, flattened: "device.network.signal.rssi".
type vital struct{ Key, Value string }

// vitalNames are the readings a technician asks about, in words. Others
// are shown by their path in the payload.
var vitalNames = map[string]string{
	"device.network.signal.rssi":            "Wi-Fi signal strength (RSSI, dBm)",
	"device.network.signal.strength":        "Wi-Fi signal strength (%)",
	"device.network.signal.quality":         "Wi-Fi signal quality (%)",
	"device.network.signal.snr":             "Wi-Fi signal to noise (dB)",
	"device.network.connection.status":      "Network connection",
	"device.network.connection.disconnects": "Network disconnects",
	"device.power.battery.charge":           "Battery charge (%)",
	"device.power.battery.state":            "Battery state",
	"device.power.source":                   "Power source",
	"device.system.uptime":                  "Device uptime (s)",
	"device.system.memory.used":             "Memory used (bytes)",
	"device.system.memory.total":            "Memory total (bytes)",
	"device.cloud.connection.status":        "Cloud connection",
	"device.cloud.disconnects":              "Cloud disconnects",
	"service.cloud.uptime":                  "Cloud session uptime (s)",
	"service.cloud.publish.sent":            "Events published",
}

// vitalLabel names a reading for the technician.
func vitalLabel(key string) string {
	if n, ok := vitalNames[key]; ok {
		return lang.X("devicetools.vital."+key, n)
	}
	return key
}

// vitalsTab reads a device's last vitals and exports its vitals history
// to a CSV file.
type vitalsTab struct {
	t *Tools

	device   *widget.Entry
	route    *widget.RadioGroup
	readBtn  *widget.Button
	readOut  *outcome
	list     *dataTable[vital]
	from, to *widget.Entry
	csvBtn   *widget.Button
	csvOut   *outcome

	content fyne.CanvasObject
}

func (v *vitalsTab) routeProduct() string { return lang.L("Through the product") }
func (v *vitalsTab) routeUser() string    { return lang.L("Through my account") }

func newVitalsTab(t *Tools) *vitalsTab {
	v := &vitalsTab{t: t}
	v.device = widget.NewEntry()
	v.device.SetPlaceHolder(lang.L("24-character device ID"))
	v.device.OnSubmitted = func(string) { v.readLast() }
	v.route = widget.NewRadioGroup([]string{v.routeProduct(), v.routeUser()}, nil)
	v.route.Horizontal = true
	v.route.Required = true
	v.route.Selected = v.routeProduct()
	v.readBtn = widget.NewButtonWithIcon(lang.L("Read last vitals"), theme.DownloadIcon(), v.readLast)
	v.readBtn.Importance = widget.HighImportance
	v.readOut = newOutcome()
	v.list = newDataTable([]column[vital]{
		{title: lang.L("Reading"), width: 360, text: func(x vital) string { return vitalLabel(x.Key) },
			cmp: func(a, b vital) int { return strings.Compare(vitalLabel(a.Key), vitalLabel(b.Key)) }},
		{title: lang.L("Value"), width: 260, text: func(x vital) string { return x.Value }},
	}, lang.L("Type a device ID and press Read last vitals."))
	v.list.sortCol = 0

	v.from = widget.NewEntry()
	v.from.SetPlaceHolder("YYYY-MM-DD")
	v.to = widget.NewEntry()
	v.to.SetPlaceHolder("YYYY-MM-DD")
	v.csvBtn = widget.NewButtonWithIcon(lang.L("Export history to CSV…"), theme.DocumentSaveIcon(), v.exportCSV)
	v.csvOut = newOutcome()

	form := widget.NewForm(
		widget.NewFormItem(lang.L("Device ID"), v.device),
		widget.NewFormItem(lang.L("Ask"), v.route),
	)
	hint := widget.NewLabel(lang.L("Leave the dates empty for everything the cloud keeps (about a month)."))
	hint.SizeName = theme.SizeNameCaptionText
	hist := container.NewVBox(
		widget.NewSeparator(),
		boldLabel(lang.L("Vitals history")),
		container.NewGridWithColumns(3, labelled(lang.L("From"), v.from), labelled(lang.L("To"), v.to),
			container.NewVBox(layoutSpacer(), v.csvBtn)),
		hint, v.csvOut)
	top := container.NewVBox(form, container.NewHBox(v.readBtn), v.readOut)
	v.content = container.NewBorder(top, hist, nil, nil, v.list.stack)
	return v
}

func boldLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

// showDevice opens the tab on a device and reads its last vitals.
func (v *vitalsTab) showDevice(id string, product bool) {
	v.device.SetText(id)
	if product {
		v.route.SetSelected(v.routeProduct())
	} else {
		v.route.SetSelected(v.routeUser())
	}
	v.t.ShowTab(TabVitals)
	v.readLast()
}

// target is the device and the client family to ask, or false with the
// problem shown in out.
func (v *vitalsTab) target(out *outcome) (cloud.DeviceRef, func(context.Context) (*cloud.Client, error), bool) {
	id, err := cloud.NormalizeDeviceID(strings.TrimSpace(v.device.Text))
	if err != nil {
		out.problem(lang.L("Type the device's 24-character ID (0–9 and a–f) first."), "")
		return cloud.DeviceRef{}, nil, false
	}
	if v.route.Selected == v.routeUser() {
		return cloud.UserDevice(id), v.t.src.UserCloud, true
	}
	if v.t.noProduct(out) {
		return cloud.DeviceRef{}, nil, false
	}
	return cloud.ProductDevice(v.t.src.Product(), id), v.t.src.ProductCloud, true
}

func (v *vitalsTab) readLast() {
	ref, get, ok := v.target(v.readOut)
	if !ok {
		return
	}
	run(v.t, v.readOut, lang.L("Asking the Particle Cloud for the last vitals…"), v.t.cfg.timeout,
		[]fyne.Disableable{v.readBtn},
		func(ctx context.Context) (cloud.Vitals, error) {
			c, err := get(ctx)
			if err != nil {
				return cloud.Vitals{}, err
			}
			x, err := c.LastVitals(ctx, ref)
			if noVitalsYet(err) {
				return cloud.Vitals{}, nil
			}
			return x, err
		},
		func(x cloud.Vitals) {
			rows := flattenVitals(x.Payload)
			v.list.setRows(rows)
			if len(rows) == 0 {
				v.readOut.info(lang.L("No vitals yet. A Photon sends its vitals a while after it comes online: read them again later."))
				return
			}
			v.readOut.succeed(lang.L("Vitals sent {{.When}} ({{.At}}).",
				map[string]any{"When": ago(v.t.cfg.now(), x.UpdatedAt), "At": stamp(x.UpdatedAt)}))
		})
}

// noVitalsYet tells the cloud's answer for a device that has sent no
// vitals (404 "No diagnostics found for this device") from a device or
// product the cloud does not know, which is also a 404.
func noVitalsYet(err error) bool {
	var ce *cloud.Error
	return errors.As(err, &ce) && ce.StatusCode == http.StatusNotFound &&
		strings.Contains(strings.ToLower(ce.ServerMessage), "no diagnostics")
}

// flattenVitals lists the readings of a vitals payload by their dotted
// path, sorted. A payload that is not a JSON object gives no readings.
func flattenVitals(payload json.RawMessage) []vital {
	var root any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if dec.Decode(&root) != nil {
		return nil
	}
	if _, ok := root.(map[string]any); !ok {
		return nil
	}
	var out []vital
	var walk func(prefix string, x any)
	walk = func(prefix string, x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, v := range t {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, v)
			}
		case []any:
			for i, v := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i), v)
			}
		case nil:
			out = append(out, vital{prefix, "–"})
		default:
			out = append(out, vital{prefix, fmt.Sprint(t)})
		}
	}
	walk("", root)
	slices.SortFunc(out, func(a, b vital) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// parseDay reads a YYYY-MM-DD date as local midnight; "" is the zero time.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, time.Local)
	return t, err == nil
}

// exportCSV reads the vitals history as CSV, asks where to save it, and
// writes it there.
func (v *vitalsTab) exportCSV() {
	ref, get, ok := v.target(v.csvOut)
	if !ok {
		return
	}
	start, ok1 := parseDay(v.from.Text)
	end, ok2 := parseDay(v.to.Text)
	if !ok1 || !ok2 {
		v.csvOut.problem(lang.L("Write the dates as year-month-day, such as 2026-11-01, or leave them empty."), "")
		return
	}
	if !end.IsZero() {
		end = end.AddDate(0, 0, 1) // the whole last day
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		v.csvOut.problem(lang.L("The From date must be before the To date."), "")
		return
	}
	run(v.t, v.csvOut, lang.L("Reading the vitals history…"), v.t.cfg.timeout, []fyne.Disableable{v.csvBtn},
		func(ctx context.Context) ([]byte, error) {
			c, err := get(ctx)
			if err != nil {
				return nil, err
			}
			return c.VitalsHistoryCSV(ctx, ref, start, end)
		},
		func(csv []byte) {
			name := "vitals-" + ref.Device + ".csv"
			v.t.cfg.saveFile(v.t.win, name, func(w io.WriteCloser, chosen string, err error) {
				if err != nil {
					v.csvOut.problem(lang.L("The file could not be created. Choose another folder."), err.Error())
					return
				}
				if w == nil {
					v.csvOut.info(lang.L("Not saved."))
					return
				}
				v.write(w, chosen, csv)
			})
		})
}

// write saves csv to w on a worker goroutine and closes w.
func (v *vitalsTab) write(w io.WriteCloser, name string, csv []byte) {
	run(v.t, v.csvOut, lang.L("Saving {{.File}}…", map[string]any{"File": name}), v.t.cfg.timeout,
		[]fyne.Disableable{v.csvBtn},
		func(context.Context) (int, error) {
			_, err := w.Write(csv)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return 0, &localProblem{lang.L("The file could not be written. Check there is room on the disk, or choose another folder."), err}
			}
			return max(bytes.Count(csv, []byte("\n"))-1, 0), nil
		},
		func(records int) {
			v.csvOut.succeed(lang.L("Saved {{.N}} vitals records to {{.File}}.", map[string]any{"N": records, "File": name}))
		})
}

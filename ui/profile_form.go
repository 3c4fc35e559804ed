package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// formRow is one labelled field of the profile form, with an optional
// hint line under the field.
type formRow struct {
	label string
	field fyne.CanvasObject
	hint  string
}

// labelColumn is the label width shared by every section of the profile
// form, so the fields of all sections start at one line.
type labelColumn struct {
	labels []fyne.CanvasObject
	// fields pairs each label with its field when the field can be
	// disabled: the label greys with it.
	fields map[*widget.Label]fyne.Disableable
}

// greyDisabled greys the label of every disabled field.
func (c *labelColumn) greyDisabled() {
	for l, f := range c.fields {
		want := widget.MediumImportance
		if f.Disabled() {
			want = widget.LowImportance
		}
		if l.Importance != want {
			l.Importance = want
			l.Refresh()
		}
	}
}

func (c *labelColumn) width() float32 {
	var w float32
	for _, l := range c.labels {
		w = max(w, l.MinSize().Width)
	}
	return w
}

// alignedForm lays out label and field pairs in two columns, the label
// column as wide as the widest label of the whole form.
type alignedForm struct{ column *labelColumn }

func (a alignedForm) rows(objs []fyne.CanvasObject, each func(label, field fyne.CanvasObject, h float32)) {
	for i := 0; i+1 < len(objs); i += 2 {
		label, field := objs[i], objs[i+1]
		if !field.Visible() {
			continue
		}
		each(label, field, max(label.MinSize().Height, field.MinSize().Height))
	}
}

func (a alignedForm) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw, pad := a.column.width(), theme.Padding()
	y := float32(0)
	a.rows(objs, func(label, field fyne.CanvasObject, h float32) {
		label.Move(fyne.NewPos(0, y))
		label.Resize(fyne.NewSize(lw, label.MinSize().Height))
		field.Move(fyne.NewPos(lw+pad, y))
		field.Resize(fyne.NewSize(max(size.Width-lw-pad, 0), h))
		y += h + pad
	})
}

func (a alignedForm) MinSize(objs []fyne.CanvasObject) fyne.Size {
	lw, pad := a.column.width(), theme.Padding()
	var w, h float32
	n := 0
	a.rows(objs, func(_, field fyne.CanvasObject, rh float32) {
		w = max(w, lw+pad+field.MinSize().Width)
		h += rh
		n++
	})
	if n > 1 {
		h += float32(n-1) * pad
	}
	return fyne.NewSize(w, h)
}

// section is one card of the profile form; its labels join column.
func (c *labelColumn) section(title string, rows ...formRow) fyne.CanvasObject {
	var objs []fyne.CanvasObject
	for _, r := range rows {
		label := widget.NewLabelWithStyle(r.label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		c.labels = append(c.labels, label)
		if d, ok := r.field.(fyne.Disableable); ok {
			if c.fields == nil {
				c.fields = map[*widget.Label]fyne.Disableable{}
			}
			c.fields[label] = d
		}
		field := r.field
		if r.hint != "" {
			hint := widget.NewLabelWithStyle(r.hint, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
			hint.Wrapping = fyne.TextWrapWord
			field = container.NewVBox(field, hint)
		}
		objs = append(objs, label, field)
	}
	return widget.NewCard(title, "", container.New(alignedForm{column: c}, objs...))
}

// refreshMoot disables the fields the form's choices make moot: the Wi-Fi
// password of an open network, the customer e-mail without a customer,
// the check's name without a check and its argument unless a function is
// called. refreshLock enables everything first.
func (v *ProfilesView) refreshMoot() {
	if v.save == nil || v.isLocked() {
		return // still building, or everything is disabled anyway
	}
	setEnabled(v.wifiPassword.entry, v.securityValue() != provisioning.SecurityOpen)
	setEnabled(v.wifiPassword.replace, v.securityValue() != provisioning.SecurityOpen)
	setEnabled(v.customerPattern, v.customerValue() != provisioning.CustomerNone)
	kind := unpick(checkWords(), checkVals, v.checkKind.Selected)
	setEnabled(v.checkName, kind != "")
	setEnabled(v.checkExpect, kind != "")
	setEnabled(v.checkArg, kind == provisioning.PostCheckFunction)
	v.column.greyDisabled()
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// timeoutText writes a verification time limit the way a supervisor types
// it: whole minutes as "3m", anything else in seconds ("90s"), never
// "1m30s".
func timeoutText(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	default:
		return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10) + "s"
	}
}

// confirmDelete asks before deleting the open profile; Cancel is the
// default, the red button deletes.
func (v *ProfilesView) confirmDelete() {
	if v.current == "" || v.store == nil {
		return
	}
	name := v.current
	text := widget.NewLabel(lang.L("Delete the profile {{.Name}} and its secrets in the keychain? This cannot be undone.", map[string]any{"Name": name}))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomWithoutButtons(lang.L("Delete profile"), text, v.win)
	cancel := widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), d.Hide)
	cancel.Importance = widget.HighImportance
	del := widget.NewButtonWithIcon(lang.L("Delete profile"), theme.DeleteIcon(), func() {
		d.Hide()
		v.Delete(name)
	})
	del.Importance = widget.DangerImportance
	d.SetButtons([]fyne.CanvasObject{del, cancel})
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

// linesRoom keeps room for a few lines of wrapped text under or beside
// controls, so they do not move when a message appears, grows to a second
// line or goes.
type linesRoom struct{ lines int }

// withRoom wraps o in a linesRoom of n lines.
func withRoom(o fyne.CanvasObject, n int) *fyne.Container {
	return container.New(linesRoom{lines: n}, o)
}

func (r linesRoom) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (r linesRoom) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	text := strings.TrimSuffix(strings.Repeat("Hg\n", r.lines), "\n")
	return fyne.NewSize(m.Width, max(m.Height, widget.NewLabel(text).MinSize().Height))
}

package ui

import (
	"fmt"
	"image/color"
	"path"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/ui/lang"
)

// chipLabel is the word on each chip, short enough for six in a row.
func chipLabel(c Chip) string {
	switch c {
	case ChipIdentify:
		return lang.L("identify")
	case ChipCloud:
		return lang.L("cloud")
	case ChipCustomer:
		return lang.L("customer")
	case ChipClaim:
		return lang.L("claim")
	case ChipWiFi:
		return lang.L("Wi-Fi")
	case ChipVerify:
		return lang.L("verify")
	}
	return ""
}

// stepChip is the tile's current step of the pipeline: its words, an icon
// for its state, and a fill. The icon carries the state for colour-blind
// eyes.
type stepChip struct {
	bg    *canvas.Rectangle
	icon  *widget.Icon
	label *canvas.Text
	box   *fyne.Container
}

func newStepChip() *stepChip {
	ch := &stepChip{
		bg:    canvas.NewRectangle(theme.Color(theme.ColorNameBackground)),
		icon:  widget.NewIcon(nil),
		label: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
	}
	ch.bg.CornerRadius = 6
	ch.bg.StrokeWidth = 1
	ch.label.TextSize = theme.TextSize()
	// Thin padding: a chip is a word and an icon, not a button.
	ch.box = container.NewStack(ch.bg, container.New(layout.NewCustomPaddedLayout(2, 2, 4, 4), container.NewHBox(ch.icon, ch.label)))
	return ch
}

func (ch *stepChip) set(s ChipState) {
	fg := theme.Color(theme.ColorNameForeground)
	ch.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	ch.label.TextStyle = fyne.TextStyle{}
	switch s {
	case ChipPending:
		ch.bg.FillColor = theme.Color(theme.ColorNameBackground)
		ch.icon.SetResource(theme.NewDisabledResource(theme.RadioButtonIcon()))
		fg = theme.Color(theme.ColorNameDisabled)
	case ChipActive:
		ch.bg.FillColor = theme.Color(theme.ColorNamePrimary)
		ch.bg.StrokeColor = theme.Color(theme.ColorNamePrimary)
		ch.icon.SetResource(theme.NewColoredResource(theme.MediaPlayIcon(), theme.ColorNameForegroundOnPrimary))
		fg = theme.Color(theme.ColorNameForegroundOnPrimary)
		ch.label.TextStyle = fyne.TextStyle{Bold: true}
	case ChipDone:
		ch.bg.FillColor = theme.Color(theme.ColorNameBackground)
		ch.icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	case ChipSkipped:
		ch.bg.FillColor = theme.Color(theme.ColorNameBackground)
		ch.icon.SetResource(theme.NewDisabledResource(theme.ContentRemoveIcon()))
		fg = theme.Color(theme.ColorNameDisabled)
	case ChipFailed:
		ch.bg.FillColor = theme.Color(theme.ColorNameError)
		ch.bg.StrokeColor = theme.Color(theme.ColorNameError)
		ch.icon.SetResource(theme.NewColoredResource(theme.CancelIcon(), theme.ColorNameForegroundOnError))
		fg = theme.Color(theme.ColorNameForegroundOnError)
		ch.label.TextStyle = fyne.TextStyle{Bold: true}
	}
	ch.label.Color = fg
	ch.bg.Refresh()
	ch.label.Refresh()
}

// currentChip is the one step a tile shows for s, in the state to draw
// it: the failed step, the step under way, or the one the attempt was
// stopped at; ok is false when there is none to show.
func currentChip(s Slot) (c Chip, state ChipState, ok bool) {
	for i, st := range s.Chips {
		if st == ChipFailed {
			return Chip(i), ChipFailed, true
		}
	}
	now, known := chipOf(s.Step)
	switch s.Phase {
	case PhaseWorking:
		if known && s.Chips[now] == ChipActive {
			return now, ChipActive, true
		}
		for i, st := range s.Chips {
			if st == ChipActive {
				return Chip(i), ChipActive, true
			}
		}
		if known {
			return now, ChipActive, true
		}
	case PhaseStopped:
		if known {
			return now, ChipSkipped, true
		}
	}
	return 0, 0, false
}

// capitalized starts a chip's word with a capital, as the first word of a
// line.
func capitalized(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// showStep puts the current step (or the verdict over all steps) and the
// skipped steps on the tile's step line.
func (t *Tile) showStep(s Slot) {
	t.step.label.Text, t.skipped.Text = "", ""
	if s.Phase == PhaseWaiting || s.Phase == PhaseProvisioned {
		return
	}
	c, state, ok := currentChip(s)
	var skipped []string
	for i, st := range s.Chips {
		if st == ChipSkipped && (!ok || Chip(i) != c) {
			skipped = append(skipped, chipLabel(Chip(i)))
		}
	}
	if len(skipped) > 0 {
		t.skipped.Text = capitalized(lang.L("{{.Steps}} skipped", map[string]any{"Steps": strings.Join(skipped, ", ")}))
	}
	t.skipped.Color = theme.Color(theme.ColorNameForeground)
	switch {
	case s.Phase == PhasePass:
		t.step.label.Text = lang.L("All steps done")
		t.step.set(ChipDone)
		return
	case !ok:
		return
	case state == ChipFailed:
		t.step.label.Text = capitalized(lang.L("{{.Step}} failed", map[string]any{"Step": chipLabel(c)}))
	case state == ChipSkipped:
		t.step.label.Text = lang.L("Stopped at {{.Step}}", map[string]any{"Step": chipLabel(c)})
	default:
		t.step.label.Text = lang.L("Step {{.N}} of {{.Total}}: {{.Step}}", map[string]any{"N": int(c) + 1, "Total": int(chipCount), "Step": chipLabel(c)})
	}
	t.step.set(state)
	if state == ChipSkipped {
		// The step a stop cut short is the tile's news, not a faint aside.
		t.step.label.Color = theme.Color(theme.ColorNameForeground)
		t.step.label.Refresh()
	}
}

// stepLine puts the skipped steps beside the current step when the tile is
// wide enough, and under it otherwise.
type stepLine struct {
	width float32
}

func (r *stepLine) beside(width float32, step, skipped fyne.CanvasObject) bool {
	return !shown(skipped) || width >= step.MinSize().Width+theme.Padding()*2+skipped.MinSize().Width
}

// Layout expects the step chip, then the skipped steps.
func (r *stepLine) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	r.width = size.Width
	step, skipped := objs[0], objs[1]
	sm, km := step.MinSize(), skipped.MinSize()
	step.Move(fyne.NewPos(0, 0))
	step.Resize(fyne.NewSize(min(sm.Width, size.Width), sm.Height))
	if r.beside(size.Width, step, skipped) {
		skipped.Move(fyne.NewPos(sm.Width+theme.Padding()*2, (sm.Height-km.Height)/2))
	} else {
		skipped.Move(fyne.NewPos(0, sm.Height+theme.Padding()))
	}
	skipped.Resize(km)
}

func (r *stepLine) MinSize(objs []fyne.CanvasObject) fyne.Size {
	step, skipped := objs[0], objs[1]
	sm, km := step.MinSize(), skipped.MinSize()
	if !shown(skipped) {
		return sm
	}
	if r.width > 0 && r.beside(r.width, step, skipped) {
		return fyne.NewSize(sm.Width, max(sm.Height, km.Height))
	}
	return fyne.NewSize(max(sm.Width, km.Width), sm.Height+theme.Padding()+km.Height)
}

// column stacks a tile's parts top to bottom, each at its natural height
// for the column's width. It gives each part the width before asking its
// height, so wrapped sentences and chip rows measure the lines they will
// really take.
type column struct{}

func (column) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	var y float32
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if o.Size().Width != size.Width {
			o.Resize(fyne.NewSize(size.Width, o.Size().Height))
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + pad
	}
}

func (column) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		w, h = max(w, m.Width), h+m.Height
		n++
	}
	if n > 1 {
		h += theme.Padding() * float32(n-1)
	}
	return fyne.NewSize(w, h)
}

// headerRow puts the verdict badge to the right of the slot name and
// device ID, or above them when the tile is too narrow for both side by
// side. A dense tile puts the badge on the name's line and the device ID
// under both, always: its header is as tall whatever the words.
type headerRow struct {
	width float32
	// nameLine is the dense form.
	nameLine bool
}

// ident is the size of the name over the device ID.
func ident(name, id fyne.Size) fyne.Size {
	return fyne.NewSize(max(name.Width, id.Width), name.Height+theme.Padding()+id.Height)
}

func (h *headerRow) beside(width float32, im, bm fyne.Size) bool {
	return width >= im.Width+theme.Padding()+bm.Width
}

// Layout expects the name, the device ID, then the badge.
func (h *headerRow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	h.width = size.Width
	name, id, badge := objs[0], objs[1], objs[2]
	nm, dm, bm := name.MinSize(), id.MinSize(), badge.MinSize()
	pad := theme.Padding()
	place := func(o fyne.CanvasObject, x, y, w, ht float32) {
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSize(w, ht))
	}
	switch {
	case !shown(badge):
		place(name, 0, 0, size.Width, nm.Height)
		place(id, 0, nm.Height+pad, size.Width, dm.Height)
	case h.nameLine:
		line := max(nm.Height, bm.Height)
		place(name, 0, (line-nm.Height)/2, size.Width-bm.Width-pad, nm.Height)
		place(badge, size.Width-bm.Width, 0, bm.Width, bm.Height)
		place(id, 0, line, size.Width, dm.Height)
	case h.beside(size.Width, ident(nm, dm), bm):
		place(name, 0, 0, size.Width-bm.Width-pad, nm.Height)
		place(id, 0, nm.Height+pad, size.Width-bm.Width-pad, dm.Height)
		place(badge, size.Width-bm.Width, 0, bm.Width, bm.Height)
	default:
		place(badge, 0, 0, bm.Width, bm.Height)
		place(name, 0, bm.Height, size.Width, nm.Height)
		place(id, 0, bm.Height+nm.Height+pad, size.Width, dm.Height)
	}
}

// MinSize is as narrow as the stacked form; its height is the form the
// last width chose.
func (h *headerRow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	name, id, badge := objs[0], objs[1], objs[2]
	nm, dm, bm := name.MinSize(), id.MinSize(), badge.MinSize()
	im := ident(nm, dm)
	switch {
	case !shown(badge):
		return im
	case h.nameLine:
		return fyne.NewSize(max(nm.Width+theme.Padding()+bm.Width, dm.Width), max(nm.Height, bm.Height)+dm.Height)
	case h.width > 0 && h.beside(h.width, im, bm):
		return fyne.NewSize(max(im.Width, bm.Width), max(im.Height, bm.Height))
	}
	return fyne.NewSize(max(im.Width, bm.Width), im.Height+bm.Height)
}

// actionRow puts the Retry button beside the action sentence when the tile
// is wide enough, saving a line, and under it otherwise.
type actionRow struct {
	width float32
}

// besideMin is the room the sentence needs beside the button.
const besideMin = 220

func (a *actionRow) beside(width float32, retry fyne.CanvasObject) bool {
	return shown(retry) && width-retry.MinSize().Width-theme.Padding() >= besideMin
}

// shown tells whether o takes room.
func shown(o fyne.CanvasObject) bool {
	return o.Visible() && !o.MinSize().IsZero()
}

// Layout expects the action sentence, then the Retry button.
func (a *actionRow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	a.width = size.Width
	action, retry := objs[0], objs[1]
	pad := theme.Padding()
	rm := retry.MinSize()
	if a.beside(size.Width, retry) {
		aw := size.Width - rm.Width - pad
		if action.Size().Width != aw {
			action.Resize(fyne.NewSize(aw, action.Size().Height))
		}
		ah := action.MinSize().Height
		h := max(ah, rm.Height)
		action.Move(fyne.NewPos(0, (h-ah)/2))
		action.Resize(fyne.NewSize(aw, ah))
		retry.Move(fyne.NewPos(aw+pad, (h-rm.Height)/2))
		retry.Resize(rm)
		return
	}
	if action.Size().Width != size.Width {
		action.Resize(fyne.NewSize(size.Width, action.Size().Height))
	}
	var y float32
	if shown(action) {
		ah := action.MinSize().Height
		action.Move(fyne.NewPos(0, 0))
		action.Resize(fyne.NewSize(size.Width, ah))
		y = ah + pad
	}
	retry.Move(fyne.NewPos(0, y))
	retry.Resize(rm)
}

func (a *actionRow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	action, retry := objs[0], objs[1]
	am, rm := action.MinSize(), retry.MinSize()
	if !shown(action) {
		am = fyne.Size{}
	}
	if !shown(retry) {
		return am
	}
	w := max(am.Width, rm.Width) // the stacked form is the narrowest
	if a.width > 0 && a.beside(a.width, retry) {
		return fyne.NewSize(w, max(am.Height, rm.Height))
	}
	h := rm.Height
	if shown(action) {
		h += am.Height + theme.Padding()
	}
	return fyne.NewSize(w, h)
}

// thinBar is the progress of the current step: a slim bar, because the
// words and the seconds beside it carry the news, not the bar's bulk.
type thinBar struct {
	track, fill *canvas.Rectangle
	value       float64
	box         *fyne.Container
}

func newThinBar() *thinBar {
	b := &thinBar{track: canvas.NewRectangle(theme.Color(theme.ColorNameInputBorder)), fill: canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))}
	b.track.CornerRadius, b.fill.CornerRadius = 4, 4
	b.box = container.New(b, b.track, b.fill)
	return b
}

// thinBarHeight is the bar's thickness.
const thinBarHeight = 10

func (b *thinBar) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	y := (size.Height - thinBarHeight) / 2
	b.track.Move(fyne.NewPos(0, y))
	b.track.Resize(fyne.NewSize(size.Width, thinBarHeight))
	b.fill.Move(fyne.NewPos(0, y))
	b.fill.Resize(fyne.NewSize(size.Width*float32(b.value), thinBarHeight))
}

func (b *thinBar) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(40, thinBarHeight) }

// SetValue shows progress from 0 to 1.
func (b *thinBar) SetValue(v float64) {
	b.value = max(0, min(1, v))
	b.track.FillColor = theme.Color(theme.ColorNameInputBorder)
	b.fill.FillColor = theme.Color(theme.ColorNamePrimary)
	b.box.Refresh()
}

// Tile shows one bench slot. It is driven only from the UI goroutine:
// the bench bridge calls Display through the dispatcher.
type Tile struct {
	widget.BaseWidget

	slot    Slot
	shownAt time.Time
	onRetry func(slot string)
	onClaim func(slot string)

	bg          *canvas.Rectangle
	name        *canvas.Text
	idHead      *canvas.Text
	idTail      *canvas.Text
	phaseImg    *canvas.Image
	phase       *canvas.Text
	step        *stepChip    // the one step under way (or that failed)
	skipped     *canvas.Text // the steps this attempt skipped
	progress    *thinBar
	elapsed     *canvas.Text
	message     *widget.Label
	action      *widget.Label
	retry       *largeButton
	claim       *largeButton // claim an already-provisioned Photon through the cloud
	chipRow     *fyne.Container
	progressRow *fyne.Container
	verdict     *fyne.Container
	badgeImg    *canvas.Image
	badge       *canvas.Text
	badgeBox    *fyne.Container
	// compact puts the verdict in a badge beside the slot name, for
	// benches with many slots.
	compact bool
	// dense also leaves out the step line (the sentence says the step),
	// so a full 16-port hub fits a desktop screen without scrolling.
	dense bool
	// wholeMessage and wholeAction are the sentences before a dense tile
	// cuts them to reasonLines and clampedLines; cut tells whether it did.
	wholeMessage, wholeAction string
	cut                       bool
	messageTap                *tapArea // shows the sentences whole
	reasonLines               int      // the lines a dense tile gives its reason
	header                    *headerRow
	// waitingHint is the sentence an empty slot shows; the bench changes it
	// while it is stopped.
	waitingHint string
	content     *fyne.Container
	tints       tints // the colours Display last drew in
	// grow scales the tile's words (1 to maxGrow) when the window has room
	// for bigger tiles; the grid sets it.
	grow    float32
	heights map[float32]float32 // heightFor's answers for what is shown now
}

// NewTile makes an empty (waiting) tile for a slot. onRetry and onClaim
// are called on the UI goroutine when the technician taps Retry, or Claim
// on an already-provisioned Photon.
func NewTile(name string, onRetry, onClaim func(slot string)) *Tile {
	t := &Tile{onRetry: onRetry, onClaim: onClaim, grow: 1, reasonLines: clampedLines}
	t.ExtendBaseWidget(t)
	t.bg = canvas.NewRectangle(theme.Color(ColorNameTileWaiting))
	t.bg.CornerRadius = 10
	t.bg.StrokeWidth = 3
	fg := theme.Color(theme.ColorNameForeground)
	t.name = canvas.NewText("", fg)
	t.name.TextSize = theme.Size(SizeNameTileText)
	t.name.TextStyle = fyne.TextStyle{Bold: true}
	t.idHead = canvas.NewText("", fg)
	t.idHead.TextSize = theme.TextSize()
	t.idHead.TextStyle = fyne.TextStyle{Monospace: true}
	t.idTail = canvas.NewText("", fg)
	t.idTail.TextSize = theme.Size(SizeNameTileLarge) + 4
	t.idTail.TextStyle = fyne.TextStyle{Monospace: true, Bold: true}
	t.phaseImg = canvas.NewImageFromResource(theme.RadioButtonIcon())
	t.phaseImg.FillMode = canvas.ImageFillContain
	t.phaseImg.SetMinSize(fyne.NewSquareSize(theme.Size(SizeNameTileHuge) * 1.6))
	t.phase = canvas.NewText("", fg)
	t.phase.TextSize = theme.Size(SizeNameTileHuge)
	t.phase.TextStyle = fyne.TextStyle{Bold: true}
	t.step = newStepChip()
	t.skipped = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	t.skipped.TextSize = theme.TextSize()
	t.skipped.TextStyle = fyne.TextStyle{Italic: true}
	t.progress = newThinBar()
	t.elapsed = canvas.NewText("", fg)
	t.elapsed.TextSize = theme.Size(SizeNameTileText)
	t.message = widget.NewLabel("")
	t.message.Wrapping = fyne.TextWrapWord
	t.message.SizeName = SizeNameTileText
	t.action = widget.NewLabel("")
	t.action.Wrapping = fyne.TextWrapWord
	t.action.SizeName = SizeNameTileText
	t.action.TextStyle = fyne.TextStyle{Bold: true}
	t.retry = newLargeButton(lang.L("Retry"), theme.ViewRefreshIcon(), func() {
		if t.onRetry != nil {
			t.onRetry(t.slot.Name)
		}
	})
	t.retry.Importance = widget.HighImportance
	t.retry.Hide()
	t.claim = newLargeButton(lang.L("Claim to customer"), theme.AccountIcon(), func() {
		if t.onClaim != nil {
			t.onClaim(t.slot.Name)
		}
	})
	t.claim.Importance = widget.HighImportance
	t.claim.Hide()

	t.badgeImg = canvas.NewImageFromResource(theme.RadioButtonIcon())
	t.badgeImg.FillMode = canvas.ImageFillContain
	t.badgeImg.SetMinSize(fyne.NewSquareSize(theme.Size(SizeNameTileLarge) + 4))
	t.badge = canvas.NewText("", fg)
	t.badge.TextSize = theme.Size(SizeNameTileLarge) + 4
	t.badge.TextStyle = fyne.TextStyle{Bold: true}
	t.badgeBox = container.NewHBox(t.badgeImg, container.NewCenter(t.badge))
	t.header = &headerRow{}
	header := container.New(t.header, t.name, container.NewHBox(t.idHead, t.idTail), t.badgeBox)
	t.verdict = container.NewHBox(t.phaseImg, container.NewCenter(t.phase))
	t.chipRow = container.New(&stepLine{}, t.step.box, t.skipped)
	t.progressRow = container.NewBorder(nil, nil, nil, t.elapsed, t.progress.box)
	t.messageTap = newTapArea(tight(t.message), t.showWhole)
	words := container.New(column{},
		t.messageTap,
		container.New(&actionRow{}, tight(t.action), container.NewStack(t.retry, t.claim)),
	)
	body := container.New(column{},
		header,
		t.chipRow,
		t.progressRow,
		t.verdict,
		words,
	)
	t.content = container.NewStack(t.bg, container.New(layout.NewCustomPaddedLayout(8, tilePadding, tilePadding, tilePadding), body))
	t.sizeWords()
	t.Display(Slot{Name: name}, time.Time{})
	return t
}

// maxGrow is the most a tile's words grow on a large screen.
const maxGrow = 3

// SetGrow scales the tile's words by g (1 to maxGrow).
func (t *Tile) SetGrow(g float32) {
	g = max(1, min(maxGrow, g))
	if g == t.grow {
		return
	}
	t.grow = g
	t.sizeWords()
	t.Display(t.slot, t.shownAt)
}

// sizeWords sets the words' sizes for the tile's grow.
func (t *Tile) sizeWords() {
	g := t.grow
	t.name.TextSize = theme.Size(SizeNameTileText) * g
	t.idHead.TextSize = theme.TextSize() * min(g, 1.5)
	t.idTail.TextSize = (theme.Size(SizeNameTileLarge) + 4) * g
	t.elapsed.TextSize = theme.Size(SizeNameTileText) * g
	t.step.label.TextSize = theme.TextSize() * min(g, 1.8)
	t.skipped.TextSize = theme.TextSize() * min(g, 1.8)
	sentences := SizeNameTileText
	switch {
	case g >= 2.2:
		sentences = SizeNameTileTextGreat
	case g >= 1.4:
		sentences = SizeNameTileTextGrown
	}
	t.message.SizeName, t.action.SizeName = sentences, sentences
	t.phase.TextSize = theme.Size(SizeNameTileHuge) * g
	t.phaseImg.SetMinSize(fyne.NewSquareSize(theme.Size(SizeNameTileHuge) * 1.6 * g))
	t.badge.TextSize = (theme.Size(SizeNameTileLarge) + 4) * g
	t.badgeImg.SetMinSize(fyne.NewSquareSize((theme.Size(SizeNameTileLarge) + 4) * g))
}

// fitWords shrinks the grown verdict word (never below its size at grow
// 1) until it fits a tile of width w beside its icon.
func (t *Tile) fitWords(w float32) {
	if w <= 0 || t.grow == 1 {
		return
	}
	room := w - 2*10 - theme.Padding() // the tile's inner padding, the gap after the icon
	fit := func(text *canvas.Text, img *canvas.Image, base float32, imgPer float32) {
		for size := base * t.grow; size > base; size -= 2 {
			if fyne.MeasureText(text.Text, size, text.TextStyle).Width+size*imgPer <= room {
				text.TextSize = size
				img.SetMinSize(fyne.NewSquareSize(size * imgPer))
				return
			}
		}
		text.TextSize = base
		img.SetMinSize(fyne.NewSquareSize(base * imgPer))
	}
	fit(t.phase, t.phaseImg, theme.Size(SizeNameTileHuge), 1.6)
	fit(t.badge, t.badgeImg, theme.Size(SizeNameTileLarge)+4, 1)
}

// Resize fits the grown verdict word to the new width.
func (t *Tile) Resize(s fyne.Size) {
	if s.Width != t.Size().Width {
		if t.grow > 1 {
			t.sizeWords()
			t.fitWords(s.Width)
		}
		t.showWords(s.Width)
	}
	t.BaseWidget.Resize(s)
}

// clampedLines is how many lines a dense tile gives each sentence: the
// reason and the action each fit two lines, so a full hub fits a desktop
// screen; tapping the reason shows both whole. When even that does not
// fit the window, the grid gives a reason followed by an action one line
// (SetReasonLines): the action says what to do.
const clampedLines = 2

// tilePadding is the room between a tile's border and its words, each side.
const tilePadding = 10

// showWords puts the sentences on the tile for width w, cut to
// clampedLines each when the tile is dense.
func (t *Tile) showWords(w float32) {
	message, action := t.wholeMessage, t.wholeAction
	t.cut = false
	if t.dense && w > 0 {
		inner := w - 2*tilePadding - 2*tightPadding - 1
		var cut bool
		lines, actionLines := t.reasonLines, clampedLines
		switch {
		case action == "":
			lines = clampedLines // no action under it: a step's words keep their LED colours
		case t.slot.Phase == PhaseWorking:
			actionLines = 1 // the progress line takes the other
		}
		message, cut = clampLines(message, theme.Size(t.message.SizeName), t.message.TextStyle, inner, lines)
		t.cut = cut
		room := inner
		if rm := t.retry.MinSize().Width + theme.Padding(); t.retry.Visible() && w-2*tilePadding-rm >= besideMin {
			room -= rm
		}
		action, cut = clampLines(action, theme.Size(t.action.SizeName), t.action.TextStyle, room, actionLines)
		t.cut = t.cut || cut
	}
	t.message.SetText(message)
	t.action.SetText(action)
}

// showWhole shows the tile's sentences whole when a dense tile cut them.
func (t *Tile) showWhole() {
	c := fyne.CurrentApp().Driver().CanvasForObject(t)
	if c == nil || !t.cut {
		return
	}
	popUpWhole(c, t.message, strings.TrimSpace(t.wholeMessage+"\n\n"+t.wholeAction), fyne.TextStyle{}, t.message.SizeName)
}

// CreateRenderer builds the tile's renderer.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.content)
}

// Refresh redraws the tile. After a theme change it draws the slot again
// in the new colours; otherwise the tile is already up to date (Display
// redraws what changed), and it only asks the canvas to repaint, because
// measuring every sentence again on each refresh of the grid is what makes
// a full hub slow.
func (t *Tile) Refresh() {
	if currentTints() != t.tints {
		t.Display(t.slot, t.shownAt)
		t.BaseWidget.Refresh()
		return
	}
	canvas.Refresh(t)
}

// tints are the theme colours a tile was drawn in, to notice a theme change.
type tints [3]color.Color

func currentTints() tints {
	return tints{theme.Color(theme.ColorNameForeground), theme.Color(ColorNameTilePass), theme.Color(theme.ColorNamePrimary)}
}

// Slot returns what the tile shows.
func (t *Tile) Slot() Slot { return t.slot }

// look paints a phase: the tile's fill, and the phase word with its icon
// and colour (Display sets the border).
func (t *Tile) look(fill fyne.ThemeColorName, icon fyne.Resource, word string, wordColor color.Color) {
	t.bg.FillColor = theme.Color(fill)
	t.phaseImg.Resource = icon
	t.phase.Text, t.phase.Color = word, wordColor
}

// Display draws slot s; now is used for the elapsed seconds. Call it on the UI
// goroutine.
func (t *Tile) Display(s Slot, now time.Time) {
	t.slot, t.shownAt = s, now
	t.tints = currentTints()
	clear(t.heights)
	fg := theme.Color(theme.ColorNameForeground)
	t.name.Color, t.idHead.Color, t.idTail.Color, t.elapsed.Color = fg, fg, fg, fg
	t.name.Text = slotTitle(s)
	if t.dense && path.Base(s.Port) == s.Name {
		// "ttyACM3 · /dev/ttyACM3" says the same twice: a dense tile
		// keeps its room for the verdict.
		t.name.Text = slotTitle(Slot{Name: s.Name, Location: s.Location})
	}
	head, tail := ShortID(s.DeviceID)
	if s.DeviceID == "" {
		head, tail = lang.L("No device yet"), ""
		t.idHead.TextStyle = fyne.TextStyle{Italic: true}
	} else {
		t.idHead.TextStyle = fyne.TextStyle{Monospace: true}
	}
	t.idHead.Text, t.idTail.Text = head, tail
	t.showStep(s)
	border := theme.Color(theme.ColorNameInputBorder)
	message, action := s.Message, s.Action
	t.retry.Hide()
	t.claim.Hide()
	switch s.Phase {
	case PhaseWaiting:
		t.look(ColorNameTileWaiting, theme.NewThemedResource(theme.MediaPauseIcon()), lang.L("WAITING"), fg)
		if message == "" {
			message = t.waitingHint
		}
		if message == "" {
			message = lang.L("Plug in a Photon that is blinking dark blue")
		}
	case PhaseWorking:
		border = theme.Color(theme.ColorNamePrimary)
		t.look(ColorNameTileWorking, theme.NewPrimaryThemedResource(theme.MediaPlayIcon()), lang.L("WORKING"), fg)
	case PhasePass:
		border = theme.Color(theme.ColorNameSuccess)
		t.look(ColorNameTilePass, theme.NewSuccessThemedResource(theme.ConfirmIcon()), lang.L("PASS"), border)
		if message == "" {
			message = lang.L("Verified in the cloud")
		}
		action = lang.L("Unplug and plug in the next one")
	case PhaseFail:
		border = theme.Color(theme.ColorNameError)
		t.look(ColorNameTileFail, theme.NewErrorThemedResource(theme.CancelIcon()), lang.L("FAIL"), border)
		if message == "" {
			message = lang.L("The attempt failed")
		}
		if action == "" {
			action = lang.L("Check the device and tap Retry")
		}
		t.retry.Show()
	case PhaseStopped:
		// Grey, not red: nothing is wrong with the Photon.
		border = theme.Color(theme.ColorNameDisabled)
		t.look(ColorNameTileWaiting, theme.NewThemedResource(theme.MediaStopIcon()), lang.L("STOPPED"), fg)
		if message == "" {
			message = lang.L("Stopped: plug it in again or press Retry.")
		}
		t.retry.Show()
	case PhaseProvisioned:
		border = theme.Color(theme.ColorNamePrimary)
		t.look(ColorNameTileProvisioned, theme.NewPrimaryThemedResource(theme.InfoIcon()), lang.L("ALREADY PROVISIONED"), fg)
		if message == "" {
			message = lang.L("This Photon was set up before")
		}
		action = lang.L("Unplug it")
		if s.Claimable {
			action = lang.L("Claim it to the job's customer, or unplug it")
			t.claim.Show()
		}
	}
	t.bg.StrokeColor = border
	t.badgeImg.Resource = t.phaseImg.Resource
	t.badge.Text, t.badge.Color = t.phase.Text, t.phase.Color
	if t.grow > 1 {
		t.sizeWords()
		t.fitWords(t.Size().Width)
	}
	setVisible(t.badgeBox, t.compact)
	setVisible(t.verdict, !t.compact)
	t.badgeImg.Refresh()
	t.phaseImg.Refresh()
	if s.Phase == PhaseWorking && s.Progress < 0 {
		t.progress.SetValue(0)
	} else {
		t.progress.SetValue(max(0, min(1, s.Progress)))
	}
	// The bar and the seconds are for the step under way; a finished tile
	// says its verdict and spends no line on them.
	setVisible(t.progressRow, s.Phase == PhaseWorking)
	setVisible(t.chipRow, t.step.label.Text != "" && !t.dense)
	if s.Phase != PhaseWaiting {
		t.elapsed.Text = elapsedText(s, now)
	}
	t.wholeMessage, t.wholeAction = message, action
	t.showWords(t.Size().Width)
	if action == "" {
		t.action.Hide()
	} else {
		t.action.Show()
	}
	t.content.Refresh()
}

// ShowTime redraws only what moves with the clock on a tile at work: its
// seconds. The rest of the tile changes on its own events (Display).
func (t *Tile) ShowTime(now time.Time) {
	if t.slot.Phase != PhaseWorking {
		return
	}
	if text := elapsedText(t.slot, now); text != t.elapsed.Text {
		t.elapsed.Text = text
		t.progressRow.Refresh() // the seconds may need more room beside the bar
	}
}

// elapsedText is the seconds a slot has been at its attempt, and the time
// left of a step that has a limit.
func elapsedText(s Slot, now time.Time) string {
	text := formatElapsed(s.Elapsed(now))
	if s.Phase == PhaseWorking && s.Remaining > 0 {
		if left := s.Remaining - now.Sub(s.RemainingAt); left > 0 {
			text = lang.L("{{.Elapsed}} · {{.Left}} left", map[string]any{"Elapsed": text, "Left": formatElapsed(left)})
		}
	}
	return text
}

// heightFor is how tall the tile needs to be at width w: its sentences
// wrap, so it is laid out at that width and then measured.
// The answers are kept until the tile shows something else, because the
// grid asks for a few widths on every layout and wrapping sentences is the
// costly part of drawing a bench.
func (t *Tile) heightFor(w float32) float32 {
	if h, ok := t.heights[w]; ok {
		return h
	}
	h := t.MinSize().Height
	if was := t.Size(); was.Width != w {
		// Measure at w, then put the tile back: the grid asks during
		// MinSize too, which must not move anything.
		t.Resize(fyne.NewSize(w, was.Height))
		h = t.MinSize().Height
		t.Resize(was)
	}
	if t.heights == nil {
		t.heights = map[float32]float32{}
	}
	t.heights[w] = h
	return h
}

// widthFor is how wide the tile needs to be at width w, once its grown
// words are fitted to w.
func (t *Tile) widthFor(w float32) float32 {
	was := t.Size()
	if was.Width == w {
		return t.MinSize().Width
	}
	t.Resize(fyne.NewSize(w, was.Height))
	m := t.MinSize().Width
	t.Resize(was)
	return m
}

// SetCompact switches between the big verdict row and the badge.
func (t *Tile) SetCompact(compact bool) {
	if t.compact != compact {
		t.compact = compact
		t.Display(t.slot, t.shownAt)
	}
}

// SetReasonLines gives a dense tile's reason n lines (1 or clampedLines).
func (t *Tile) SetReasonLines(n int) {
	if t.reasonLines != n {
		t.reasonLines = n
		t.Display(t.slot, t.shownAt)
	}
}

// SetDense leaves the step line out (or brings it back).
func (t *Tile) SetDense(dense bool) {
	if t.dense != dense {
		t.dense = dense
		t.header.nameLine = dense
		t.Display(t.slot, t.shownAt)
	}
}

// slotTitle is the name a technician finds on the hub: the slot, the port
// when it differs, and the USB position when the OS tells it.
func slotTitle(s Slot) string {
	title := s.Name
	if s.Port != "" && s.Port != s.Name {
		title = fmt.Sprintf("%s · %s", s.Name, s.Port)
	}
	if place := placeWords(s.Location); place != "" {
		title += " · " + place
	}
	return title
}

// placeWords says where a USB position is: "hub port 3", or the
// computer's own port when no hub is in between.
func placeWords(location string) string {
	computer, hub, ok := serialio.HubPort(location)
	switch {
	case !ok:
		return ""
	case hub != "":
		return lang.L("hub port {{.Port}}", map[string]any{"Port": hub})
	default:
		return lang.L("computer USB port {{.Port}}", map[string]any{"Port": computer})
	}
}

// formatElapsed prints seconds, and minutes once there are more than 90.
func formatElapsed(d time.Duration) string {
	sec := int(d.Round(time.Second) / time.Second)
	if sec < 90 {
		return lang.L("{{.Seconds}} s", map[string]any{"Seconds": sec})
	}
	return lang.L("{{.Minutes}} min {{.Seconds}} s", map[string]any{"Minutes": sec / 60, "Seconds": fmt.Sprintf("%02d", sec%60)})
}

package ui

import (
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// narrowestTile is the narrowest a tile may get when the grid adds columns
// to fit a short window: the chips still read in two rows of three and a
// sentence still has a few words a line.
const narrowestTile = 270

// tileGrid lays out 1 to 16 tiles in slot order. It starts from as many
// columns as the width allows at minTile.Width each; when the rows, each
// as tall as its tallest tile's content, do not fit the visible height, it
// tries more (narrower) columns, because a tile below the fold is a device
// nobody looks at. Only when even the narrowest tiles do not fit does the
// bench scroll. Rows never stretch beyond their content: an empty band in a
// tile reads as something missing.
type tileGrid struct {
	// minTile is the width a tile would like; its height is no longer used
	// (tiles are as tall as their content).
	minTile fyne.Size
	// viewport is the size of the visible area the grid scrolls in, set by
	// benchLayout before each layout of the grid.
	viewport fyne.Size
	// held is the tallest each row has been at heldFor: a row keeps its
	// height when a tile's message gets shorter or its progress line goes,
	// so the tiles below and the buttons do not move under the pointer.
	// A new viewport, column count or number of tiles starts afresh (the
	// tiles' words may have been cut to fewer lines for it).
	held    []float32
	heldFor [4]float32
	// grow is how much the tiles' words grow to use a large window,
	// chosen for growFor (the viewport's size and the tile count) only:
	// a new message never changes it, so nothing resizes under the
	// pointer.
	grow    float32
	growFor [3]float32
	// growCols is the column count grow was chosen for.
	growCols int
	// probe stands in for a tile at its tallest.
	probe *standIn
}

// growable is a tile whose words can grow.
type growable interface {
	SetGrow(float32)
	// widthFor is how wide the tile needs to be when given width w.
	widthFor(w float32) float32
}

// widthsFit tells whether every tile's words fit a tile w wide.
func widthsFit(objs []fyne.CanvasObject, w float32) bool {
	for _, o := range objs {
		if t, ok := o.(growable); ok && t.widthFor(w) > w {
			return false
		}
	}
	return true
}

// growSteps are the grows tried, largest first.
var growSteps = []float32{maxGrow, 2.5, 2.2, 1.8, 1.6, 1.4, 1.2, 1}

// pickGrow chooses the largest grow at which a tile with a long failure
// (the tallest a tile usually gets) in every place still fits the
// viewport in the columns the width suggests, and leaves the tiles at it.
// It measures that stand-in, not the tiles, so a bench of waiting tiles
// does not grow past what its failures will need.
func (g *tileGrid) pickGrow(objs []fyne.CanvasObject, width, height float32) {
	key := [3]float32{g.viewport.Width, g.viewport.Height, float32(len(objs))}
	if key == g.growFor {
		return
	}
	g.growFor = key
	set := func(f float32) {
		for _, o := range objs {
			if t, ok := o.(growable); ok {
				t.SetGrow(f)
			}
		}
	}
	g.grow = 1
	probe := g.probeLike(objs)
	if height <= 0 || probe == nil {
		set(1)
		return
	}
	// Fewer, wider columns may let the words grow more: the most growth
	// wins, and the widest columns among equals.
	bestCols, best := g.cols(width, len(objs)), float32(1)
	for cols := bestCols; cols >= 1; cols-- {
		if cols != balanced(cols, len(objs)) {
			continue
		}
		rows := (len(objs) + cols - 1) / cols
		w := tileWidth(width, cols)
		for _, f := range growSteps {
			if f <= best {
				break
			}
			probe.SetGrow(f)
			if float32(rows)*probe.heightFor(w)+theme.Padding()*float32(rows-1) <= height && probe.widthFor(w) <= w {
				bestCols, best = cols, f
				break
			}
		}
	}
	probe.SetGrow(1)
	set(best)
	if best > 1 && !widthsFit(objs, tileWidth(width, bestCols)) {
		set(1)
		best = 1
	}
	g.grow, g.growCols = best, bestCols
	probe.SetGrow(best)
	g.pickReasonLines(objs, probe, width, height)
}

// pickReasonLines gives dense tiles' reasons two lines when a full bench
// of failures fits the viewport so, and one line when only that fits.
func (g *tileGrid) pickReasonLines(objs []fyne.CanvasObject, probe *standIn, width, height float32) {
	lines := clampedLines
	probe.SetReasonLines(lines)
	if probe.dense() && !g.fits(len(objs), probe, width, height) {
		lines = 1
	}
	for _, o := range objs {
		if t, ok := o.(*Tile); ok {
			t.SetReasonLines(lines)
		}
	}
}

// fits tells whether n tiles as tall as probe fit width by height in any
// column count the grid would choose.
func (g *tileGrid) fits(n int, probe *standIn, width, height float32) bool {
	most := g.colsFor(width, n, min(narrowestTile, g.minTile.Width))
	for c := g.cols(width, n); c <= most; c++ {
		w := tileWidth(width, c)
		if c != balanced(c, n) || probe.widthFor(w) > w {
			continue
		}
		rows := (n + c - 1) / c
		if float32(rows)*probe.heightFor(w)+theme.Padding()*float32(rows-1) <= height {
			return true
		}
	}
	return false
}

// probeLike is the grid's stand-in, drawn as compact, dense and grown as
// the first of objs; nil when objs are not tiles.
func (g *tileGrid) probeLike(objs []fyne.CanvasObject) *standIn {
	first, ok := objs[0].(*Tile)
	if !ok {
		return nil
	}
	if g.probe == nil {
		g.probe = newStandIn()
	}
	g.probe.like(first)
	return g.probe
}

// heldKey is what the held row heights are kept for.
func (g *tileGrid) heldKey(width float32, cols, n int) [4]float32 {
	return [4]float32{width, g.viewport.Height, float32(cols), float32(n)}
}

// steady raises rows to the heights they had before at the same viewport,
// columns and tile count, and remembers the result.
func (g *tileGrid) steady(width float32, cols, n int, rows []float32) []float32 {
	key := g.heldKey(width, cols, n)
	if key != g.heldFor || len(g.held) != len(rows) {
		g.heldFor, g.held = key, make([]float32, len(rows))
	}
	for i := range rows {
		rows[i] = max(rows[i], g.held[i])
		g.held[i] = rows[i]
	}
	return rows
}

// cols is the column count the width alone suggests, balanced so 5 tiles
// in 3 columns read as 3+2 rather than 4+1.
func (g *tileGrid) cols(width float32, n int) int {
	return g.colsFor(width, n, g.minTile.Width)
}

func (g *tileGrid) colsFor(width float32, n int, tileWidth float32) int {
	if n <= 1 {
		return 1
	}
	pad := theme.Padding()
	c := int((width + pad) / (tileWidth + pad))
	return balanced(max(1, min(c, n)), n)
}

// balanced keeps the row count of c columns but spreads the tiles evenly.
func balanced(c, n int) int {
	rows := int(math.Ceil(float64(n) / float64(c)))
	return int(math.Ceil(float64(n) / float64(rows)))
}

// plan picks the column count and each row's height for the tiles in a
// width, fitting the height when any column count can. For tiles it plans
// with the grid's stand-in at its tallest in every place, so the columns
// and the rows depend on the window and the number of tiles only: a
// message that appears or grows moves no tile.
func (g *tileGrid) plan(objs []fyne.CanvasObject, width, height float32) (cols int, rows []float32) {
	n := len(objs)
	preferred := g.cols(width, n)
	if g.grow > 1 {
		preferred = g.growCols // the columns the words grew for
	}
	probe := g.probeLike(objs)
	if height <= 0 {
		return preferred, g.rowHeights(objs, width, preferred, probe)
	}
	most := g.colsFor(width, n, min(narrowestTile, g.minTile.Width))
	for c := preferred; c <= most; c++ {
		if c != balanced(c, n) {
			continue // the same rows as a smaller count, only narrower
		}
		if c > preferred && tooNarrow(objs, probe, tileWidth(width, c)) {
			break
		}
		rows = g.rowHeights(objs, width, c, probe)
		if total(rows) <= height {
			return c, rows
		}
	}
	// Nothing fits: keep the widest tiles and let the bench scroll.
	return preferred, g.rowHeights(objs, width, preferred, probe)
}

// tooNarrow tells whether tiles w wide are narrower than their content:
// the stand-in's when there is one, else the widest of objs.
func tooNarrow(objs []fyne.CanvasObject, probe *standIn, w float32) bool {
	if probe != nil {
		return probe.widthFor(w) > w
	}
	for _, o := range objs {
		if o.MinSize().Width > w {
			return true
		}
	}
	return false
}

// tileWidth is the width of one of cols columns.
func tileWidth(width float32, cols int) float32 {
	return (width - theme.Padding()*float32(cols-1)) / float32(cols)
}

// rowHeights is the height of each row of cols columns: the stand-in's
// height at that width when there is one, else the tallest tile's.
func (g *tileGrid) rowHeights(objs []fyne.CanvasObject, width float32, cols int, probe *standIn) []float32 {
	w := tileWidth(width, cols)
	rows := make([]float32, (len(objs)+cols-1)/cols)
	if probe != nil {
		h := probe.heightFor(w)
		for i := range rows {
			rows[i] = h
		}
		return rows
	}
	return roomFor(objs, w, cols, rows)
}

// roomFor raises rows to the tiles' own heights at width w, for a tile
// whose words are longer than the stand-in's.
func roomFor(objs []fyne.CanvasObject, w float32, cols int, rows []float32) []float32 {
	for i, o := range objs {
		rows[i/cols] = max(rows[i/cols], heightAt(o, w))
	}
	return rows
}

// heightAt is how tall o needs to be at width w. Tiles wrap their
// sentences, so they are asked at that width.
func heightAt(o fyne.CanvasObject, w float32) float32 {
	if f, ok := o.(interface{ heightFor(float32) float32 }); ok {
		return f.heightFor(w)
	}
	return o.MinSize().Height
}

// total is the height of rows with the padding between them.
func total(rows []float32) float32 {
	var sum float32
	for _, h := range rows {
		sum += h
	}
	if len(rows) > 1 {
		sum += theme.Padding() * float32(len(rows)-1)
	}
	return sum
}

// Layout places the tiles row by row, each row as tall as its content.
func (g *tileGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	height := g.viewport.Height
	if height <= 0 {
		height = size.Height
	}
	width := size.Width - 2*strokeInset
	g.pickGrow(objs, width, height-2*strokeInset)
	cols, rows := g.plan(objs, width, height-2*strokeInset)
	w := tileWidth(width, cols)
	rows = g.steady(width, cols, len(objs), roomFor(objs, w, cols, rows))
	pad := theme.Padding()
	y := float32(strokeInset)
	for i, o := range objs {
		c, r := i%cols, i/cols
		if c == 0 && r > 0 {
			y += rows[r-1] + pad
		}
		o.Move(fyne.NewPos(strokeInset+float32(c)*(w+pad), y))
		o.Resize(fyne.NewSize(w, rows[r]))
	}
}

// MinSize is the height of the chosen rows: no more than the viewport when
// the tiles fit, so the bench only scrolls when they cannot.
func (g *tileGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) == 0 {
		return fyne.NewSize(0, 0)
	}
	width := g.viewport.Width
	if width <= 0 {
		return fyne.NewSize(g.minTile.Width, g.minTile.Height)
	}
	cols, rows := g.plan(objs, width-2*strokeInset, g.viewport.Height-2*strokeInset)
	if key := g.heldKey(width-2*strokeInset, cols, len(objs)); key == g.heldFor && len(g.held) == len(rows) {
		for i := range rows {
			rows[i] = max(rows[i], g.held[i])
		}
	}
	return fyne.NewSize(min(width, narrowestTile), total(rows)+2*strokeInset)
}

// strokeInset keeps the tiles' borders clear of the scroll's clip.
const strokeInset = 2

// benchLayout stacks the bench: the top bar at its natural height, the LED
// legend at the bottom in as many lines as the width needs, and the tiles'
// scroll in between. It tells the grid how much of the scroll is visible,
// so the grid can choose columns that fit.
type benchLayout struct {
	grid   *tileGrid
	legend *flowRow
	// bar is the top bar inside the header: it takes a second line in a
	// narrow window, so it is told the width before the header is measured.
	bar *topBar
}

// Layout expects the top bar, the scroll and the legend container.
func (l benchLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	top, scroll, legend := objs[0], objs[1], objs[2].(*fyne.Container)
	pad := theme.Padding()
	if l.bar != nil {
		l.bar.width = size.Width
	}
	topH := top.MinSize().Height
	legendH := l.legend.lines(legend.Objects, size.Width, false)
	top.Move(fyne.NewPos(0, 0))
	top.Resize(fyne.NewSize(size.Width, topH))
	view := fyne.NewSize(size.Width, max(0, size.Height-topH-legendH-2*pad))
	l.grid.viewport = view
	scroll.Move(fyne.NewPos(0, topH+pad))
	scroll.Resize(view)
	legend.Move(fyne.NewPos(0, size.Height-legendH))
	legend.Resize(fyne.NewSize(size.Width, legendH))
}

// MinSize leaves room for the top bar, the legend and one short row.
func (l benchLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	top, legend := objs[0].MinSize(), objs[2].(*fyne.Container)
	w := max(top.Width, narrowestTile)
	return fyne.NewSize(w, top.Height+l.legend.lines(legend.Objects, w, false)+2*theme.Padding()+120)
}

// flowRow lays objects out left to right at their natural size, wrapping
// to a new line when the width runs out: the LED legend takes one line on
// a wide screen and two on a laptop.
type flowRow struct {
	width float32
}

func (f *flowRow) lines(objs []fyne.CanvasObject, width float32, place bool) float32 {
	pad := theme.Padding() * 4
	var x, y, lineH float32
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		if x > 0 && x+m.Width > width {
			x, y, lineH = 0, y+lineH+theme.Padding(), 0
		}
		if place {
			o.Move(fyne.NewPos(x, y))
			o.Resize(m)
		}
		x += m.Width + pad
		lineH = max(lineH, m.Height)
	}
	return y + lineH
}

func (f *flowRow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	f.width = size.Width
	f.lines(objs, size.Width, true)
}

func (f *flowRow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var widest float32
	for _, o := range objs {
		widest = max(widest, o.MinSize().Width)
	}
	width := f.width
	if width <= 0 {
		width = widest
	}
	return fyne.NewSize(widest, f.lines(objs, max(width, widest), false))
}

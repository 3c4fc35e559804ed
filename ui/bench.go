package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// BenchControl is what the bench asks of the engine's station: the
// technician's intents. Start begins provisioning every Photon plugged in
// with the named profile and returns at once; the bench then runs until
// Stop or until ctx (which lives as long as the window) ends, and progress
// comes back as events. Stop, Retry and Claim get a context bounded to
// 30 s. Claim claims an already-provisioned Photon that the engine marked
// claimable to the job's customer through the cloud. The bench calls them
// from its own goroutine, never from the UI goroutine. StationBench adapts
// *provisioning.Station.
type BenchControl interface {
	Start(ctx context.Context, profile string) error
	Stop(ctx context.Context) error
	Retry(ctx context.Context, slot string) error
	Claim(ctx context.Context, slot string) error
}

// Bench is the home screen while a profile runs: the top bar with the
// profile, the Start/Stop button and the shift counters, and one tile per
// slot. Its state is owned by the UI goroutine; Run is the bridge that
// brings engine events onto it.
type Bench struct {
	control  BenchControl
	profiles ProfileLibrary
	now      clock
	do       dispatcher
	intents  context.Context      // parent of the intents' contexts; cancelled with the window
	initial  string               // the profile to choose first, when it exists
	started  func(profile string) // told which profile the bench started

	slots   map[string]*Slot
	tiles   map[string]*Tile
	order   []string
	waiting *Tile // the hint tile shown while no slot is known

	running bool
	busy    bool               // an intent is on its way to the engine
	tally   provisioning.Tally // the shift's counters and running time
	// claimOnStart holds the slots whose Claim was pressed while the bench
	// was stopped: each is claimed when the started bench finds its Photon
	// claimable again.
	claimOnStart map[string]bool
	window       fyne.Window // for the questions the bench asks
	profile      provisioning.Profile
	hasProf      bool
	// noProfiles: the library holds no profile at all (the waiting tile
	// then points to the Profiles screen).
	noProfiles bool
	// onlySoftAP: every profile is a SoftAP one, which the bench cannot run.
	onlySoftAP bool
	locked     func() bool
	// secrets are asked whether the chosen profile's secrets can be had;
	// noSecrets says why not ("" when they can): Start is then not offered.
	secrets   provisioning.Secrets
	noSecrets string

	profileSelect    *widget.Select
	profileRow       *fyne.Container
	profileSelectBox *fyne.Container // the picker's fixed-width box, hidden with it
	lockIcon         *widget.Icon
	profileName      *canvas.Text
	product          *widget.Label
	network          *widget.Label
	startStop        *largeButton
	banner           *widget.Label
	bannerMore       *detailsExpander // the banner's raw cause, folded away
	attention        *widget.Label
	attentionRow     *fyne.Container
	attentionTap     *tapArea
	fleet            *fleetLine
	networkIcon      *widget.Icon
	scroll           *container.Scroll
	header           *fyne.Container // the top bar, the banner and the attention line
	passed           *counterBox
	failed           *counterBox
	rate             *counterBox
	clockBox         *counterBox
	grid             *fyne.Container
	gridLayout       *tileGrid
	content          fyne.CanvasObject

	// haltedEarly: the station stopped the bench by itself before the
	// answer to Start came, which must not make it look running again.
	haltedEarly bool
}

// compactAbove is the number of slots beyond which tiles turn compact.
const compactAbove = 2

// denseAbove is the number of slots beyond which tiles leave out their step
// chips, so a full hub of 16 fits a desktop screen.
const denseAbove = 8

// ProfileLibrary is the part of provisioning.ProfileStore the screens use.
type ProfileLibrary interface {
	List() ([]string, error)
	Load(name string) (provisioning.Profile, error)
	Save(p provisioning.Profile) error
	Delete(ctx context.Context, name string) error
	Duplicate(ctx context.Context, from, to string) (provisioning.Profile, error)
}

// counterBox is one shift counter: a big number over a caption, with an
// icon so it does not rely on colour.
type counterBox struct {
	value *canvas.Text
	row   *fyne.Container // the icon and the value
	box   fyne.CanvasObject
}

func newCounterBox(icon fyne.Resource, caption string) *counterBox {
	c := &counterBox{value: canvas.NewText("0", theme.Color(theme.ColorNameForeground))}
	c.value.TextSize = theme.Size(SizeNameCounter)
	c.value.TextStyle = fyne.TextStyle{Bold: true}
	c.value.Alignment = fyne.TextAlignCenter
	label := widget.NewLabel(caption)
	label.Alignment = fyne.TextAlignCenter
	label.SizeName = theme.SizeNameCaptionText
	ic := widget.NewIcon(icon)
	c.row = container.NewHBox(layout.NewSpacer(), ic, c.value, layout.NewSpacer())
	c.box = container.NewVBox(c.row, label)
	return c
}

// set shows s, redrawing only when the number or the theme changed: every
// redraw repaints the window.
func (c *counterBox) set(s string) {
	fg := theme.Color(theme.ColorNameForeground)
	if c.value.Text == s && c.value.Color == fg {
		return
	}
	wider := utf8.RuneCountInString(s) != utf8.RuneCountInString(c.value.Text)
	c.value.Text = s
	c.value.Color = fg
	c.value.Refresh()
	if wider {
		// "—" became "400": the icon beside it makes room.
		c.row.Refresh()
	}
}

// newBench builds the bench view. Call on the UI goroutine.
func newBench(ctx context.Context, control BenchControl, profiles ProfileLibrary, locked func() bool, now clock, do dispatcher,
	initial string, started func(profile string)) *Bench {
	b := &Bench{
		control: control, profiles: profiles, now: now, do: do, intents: ctx, locked: locked,
		initial: initial, started: started,
		slots: map[string]*Slot{}, tiles: map[string]*Tile{}, claimOnStart: map[string]bool{},
	}
	b.profileSelect = widget.NewSelect(nil, b.chooseProfile)
	b.profileSelect.PlaceHolder = lang.L("Choose a profile")
	b.lockIcon = widget.NewIcon(lockIcon)
	b.profileName = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	b.profileName.TextSize = theme.Size(SizeNameTileText)
	b.profileName.TextStyle = fyne.TextStyle{Bold: true}
	b.product = widget.NewLabel("")
	b.network = widget.NewLabel("")
	b.startStop = newLargeButton(lang.L("Start bench"), theme.MediaPlayIcon(), b.toggle)
	b.startStop.Importance = widget.HighImportance
	b.banner = widget.NewLabel("")
	b.banner.Wrapping = fyne.TextWrapWord
	b.banner.Importance = widget.DangerImportance
	b.banner.Hide()
	b.bannerMore = newDetailsExpander()
	b.attention = widget.NewLabel("")
	b.attention.Importance = widget.DangerImportance
	b.attention.TextStyle = fyne.TextStyle{Bold: true}
	b.attention.SizeName = SizeNameTileText
	b.attentionRow = container.NewHBox(widget.NewIcon(theme.NewErrorThemedResource(theme.CancelIcon())), b.attention)
	b.attentionRow.Hide()
	b.attentionTap = newTapArea(b.attentionRow, b.showNextFailed)
	b.attentionTap.Hide()
	b.fleet = newFleetLine()
	b.passed = newCounterBox(theme.NewSuccessThemedResource(theme.ConfirmIcon()), lang.L("passed"))
	b.failed = newCounterBox(theme.NewErrorThemedResource(theme.CancelIcon()), lang.L("failed"))
	b.rate = newCounterBox(theme.HistoryIcon(), lang.L("devices per hour"))
	b.clockBox = newCounterBox(theme.MediaPlayIcon(), lang.L("time running"))

	b.waiting = NewTile(lang.L("Any USB port"), nil, nil)
	b.gridLayout = &tileGrid{minTile: fyne.NewSize(380, 0)}
	b.grid = container.New(b.gridLayout, b.waiting)

	bigStart := container.New(layout.NewCustomPaddedLayout(4, 4, 0, 0),
		container.NewGridWrap(fyne.NewSize(startStopWidth(), 72), b.startStop))
	b.profileSelectBox = container.NewGridWrap(fyne.NewSize(300, b.profileSelect.MinSize().Height), b.profileSelect)
	b.profileRow = container.NewHBox(b.lockIcon, b.profileName, b.profileSelectBox)
	b.networkIcon = widget.NewIcon(wifiIcon)
	// Two lines beside the counters: the profile, then product and Wi-Fi
	// sharing a line, so the top bar is no taller than the Start button.
	// The product and network names take the room the counters leave and
	// end in "…" only when a window is too narrow for them.
	b.product.Truncation = fyne.TextTruncateEllipsis
	b.network.Truncation = fyne.TextTruncateEllipsis
	profileBox := container.NewVBox(
		b.profileRow,
		container.NewGridWithColumns(2,
			container.NewBorder(nil, nil, widget.NewIcon(theme.StorageIcon()), nil, newFullText(b.product)),
			container.NewBorder(nil, nil, b.networkIcon, nil, newFullText(b.network))),
	)
	counter := func(c *counterBox) fyne.CanvasObject {
		return container.New(layout.NewCustomPaddedLayout(0, 0, 10, 10), c.box)
	}
	counters := container.NewHBox(counter(b.passed), counter(b.failed), counter(b.rate), counter(b.clockBox))
	bar := &topBar{}
	top := container.New(bar, profileBox, container.NewHBox(counters, bigStart))
	legend := ledLegend()
	b.header = container.NewVBox(top, b.fleet.box, b.banner, b.bannerMore.acc, b.attentionTap, widget.NewSeparator())
	b.scroll = container.NewVScroll(b.grid)
	b.content = container.New(benchLayout{grid: b.gridLayout, legend: legend.Layout.(*flowRow), bar: bar},
		b.header,
		b.scroll,
		legend,
	)
	b.refreshProfiles()
	b.refreshTop()
	return b
}

// Content is the bench's canvas object.
func (b *Bench) Content() fyne.CanvasObject { return b.content }

// refreshProfiles reloads the profile picker.
func (b *Bench) refreshProfiles() {
	if b.profiles == nil {
		return
	}
	names, err := b.profiles.List()
	if err != nil {
		b.showProblem(profilesUnreadable(), err)
		return
	}
	all := len(names)
	names = benchRunnable(b.profiles, names)
	b.profileSelect.SetOptions(names)
	if b.hasProf && !b.running && !slices.Contains(names, b.profile.Name) {
		b.hasProf = false // changed to SoftAP, or deleted
		b.profileSelect.ClearSelected()
	}
	if none := len(names) == 0; none != b.noProfiles || b.onlySoftAP != (none && all > 0) {
		b.noProfiles, b.onlySoftAP = none, none && all > 0
		b.refreshTop()
	}
	if b.hasProf {
		return
	}
	for _, n := range names {
		if n == b.initial {
			b.profileSelect.SetSelected(n)
			return
		}
	}
	if len(names) == 1 {
		b.profileSelect.SetSelected(names[0])
	}
}

func (b *Bench) chooseProfile(name string) {
	if b.profiles == nil || name == "" {
		return
	}
	p, err := b.profiles.Load(name)
	if err != nil {
		b.showProblem(profileUnreadable(name), err)
		b.hasProf = false
		b.refreshTop()
		return
	}
	b.profile, b.hasProf = p, true
	b.hideBanner()
	b.refreshTop()
	b.checkSecrets()
}

// SetProfile shows p in the top bar as the profile the bench will run.
func (b *Bench) SetProfile(p provisioning.Profile) {
	b.profile, b.hasProf = p, true
	b.refreshTop()
}

func (b *Bench) showBanner(msg string) {
	b.bannerMore.set("")
	b.banner.SetText(msg)
	b.banner.Show()
	b.layoutAll()
}

// showProblem shows a failure in the banner in a technician's words, with
// err's raw text behind Details for support.
func (b *Bench) showProblem(msg string, err error) {
	b.banner.SetText(msg)
	b.banner.Show()
	b.bannerMore.set(causeText(err))
	b.layoutAll()
}

func (b *Bench) hideBanner() {
	if b.banner.Visible() {
		b.banner.Hide()
		b.bannerMore.set("")
		b.layoutAll()
	}
}

// layoutAll lays the bench out again after the header changed height (a
// banner or the attention line came or went): the tiles get what is left.
func (b *Bench) layoutAll() {
	if b.content == nil {
		return
	}
	b.header.Refresh()
	c := b.content.(*fyne.Container)
	c.Layout.Layout(c.Objects, c.Size())
	b.layoutTiles()
}

// layoutTiles places the tiles again after one was added or changed its
// height. It refreshes only the grid's layout and the scroll, not every
// tile: a tile redraws itself when its slot changes.
func (b *Bench) layoutTiles() {
	b.gridLayout.Layout(b.grid.Objects, b.grid.Size())
	b.scroll.Refresh()
	canvas.Refresh(b.grid)
}

// refreshTop redraws the top bar and the counters.
func (b *Bench) refreshTop() {
	if b.hasProf {
		b.profileName.Text = b.profile.Name
		b.product.SetText(lang.L("Product {{.Product}}", map[string]any{"Product": b.profile.Product}))
		b.network.SetText(lang.L("Wi-Fi {{.SSID}}", map[string]any{"SSID": b.profile.SSID}))
	} else {
		b.profileName.Text = ""
		b.product.SetText(lang.L("No profile chosen"))
		b.network.SetText("")
	}
	setVisible(b.networkIcon, b.hasProf)
	setVisible(b.network, b.hasProf)
	if b.locked != nil && b.locked() {
		b.lockIcon.Show()
	} else {
		b.lockIcon.Hide()
	}
	setVisible(b.profileSelectBox, !b.running)
	if b.running {
		b.profileSelect.Hide()
		b.profileName.Show()
		b.startStop.SetText(lang.L("Stop bench"))
		b.startStop.SetIcon(theme.MediaStopIcon())
		b.startStop.Importance = widget.DangerImportance
	} else {
		b.profileSelect.Show()
		b.profileName.Hide()
		b.startStop.SetText(lang.L("Start bench"))
		b.startStop.SetIcon(theme.MediaPlayIcon())
		b.startStop.Importance = widget.HighImportance
	}
	if b.busy || (!b.running && (!b.hasProf || b.control == nil || b.noSecrets != "")) {
		b.startStop.Disable()
	} else {
		b.startStop.Enable()
	}
	b.startStop.Refresh()
	b.profileName.Color = theme.Color(theme.ColorNameForeground)
	b.profileName.Refresh()
	if b.profileRow != nil {
		b.profileRow.Refresh()
	}
	b.refreshCounters()
	// The waiting tile says the one next thing to do.
	var hint string
	switch {
	case b.running:
		hint = lang.L("Plug in a Photon that is blinking dark blue")
	case b.hasProf && b.noSecrets != "":
		hint = b.noSecrets
	case b.hasProf:
		hint = lang.L("Press Start bench, then plug in a Photon that is blinking dark blue")
	case b.onlySoftAP:
		hint = lang.L("The bench runs USB profiles only: a supervisor sets a profile's device channel to USB serial on the Profiles screen")
	case b.noProfiles:
		hint = lang.L("There is no job profile yet: a supervisor creates one on the Profiles screen")
	default:
		hint = lang.L("Choose a profile, press Start bench, then plug in a Photon that is blinking dark blue")
	}
	if hint != b.waiting.waitingHint {
		b.waiting.waitingHint = hint
		b.waiting.Display(b.waiting.slot, b.now())
	}
}

func (b *Bench) currentCounters() provisioning.Counters { return b.tally.Counters(b.now()) }

// setRunning records that the bench runs, or stopped, from now on: the
// time running and the rate over it count from it.
func (b *Bench) setRunning(running bool) {
	b.running = running
	b.tally.Running(b.now(), running)
	b.refreshAttention()
}

// InProgress is how many Photons are being set up now.
func (b *Bench) InProgress() int {
	n := 0
	for _, s := range b.slots {
		if s.Phase == PhaseWorking {
			n++
		}
	}
	return n
}

func (b *Bench) refreshCounters() {
	c := b.currentCounters()
	b.passed.set(strconv.Itoa(c.Passed))
	b.failed.set(strconv.Itoa(c.Failed))
	if c.PerHour < 0 {
		b.rate.set("—")
	} else {
		b.rate.set(strconv.Itoa(int(c.PerHour + 0.5)))
	}
	b.clockBox.set(formatRunning(c.Running))
	b.refreshAttention()
}

// refreshAttention names the failed slots in the top bar, so a failure in
// a tile scrolled out of sight is still seen.
func (b *Bench) refreshAttention() {
	var failed []string
	for _, n := range b.order {
		if sl := b.slots[n]; sl.Phase == PhaseFail {
			name := n
			if place := placeWords(sl.Location); place != "" {
				name += " (" + place + ")"
			}
			failed = append(failed, name)
		}
	}
	text := ""
	if len(failed) > 0 {
		text = lang.L("Needs attention: {{.Slots}}", map[string]any{"Slots": strings.Join(failed, ", ")})
	}
	// While the bench runs the line keeps its place, empty, so the first
	// failure moves no tile.
	shown := text != "" || b.running
	if text == b.attention.Text && b.attentionTap.Visible() == shown {
		return
	}
	b.attention.SetText(text)
	setVisible(b.attentionRow.Objects[0], text != "")
	setVisible(b.attentionRow, shown)
	setVisible(b.attentionTap, shown)
	b.layoutAll()
}

// showNextFailed scrolls the tiles to the first failed slot that is not
// wholly in view: tapping the "Needs attention" line brings the tile that
// needs the technician on screen when the bench had to scroll. Tapping
// again moves on to the next one out of view.
func (b *Bench) showNextFailed() {
	view := b.scroll.Size()
	off := b.scroll.Offset
	for _, n := range b.order {
		if b.slots[n].Phase != PhaseFail {
			continue
		}
		tl := b.tiles[n]
		top, bottom := tl.Position().Y, tl.Position().Y+tl.Size().Height
		if top >= off.Y && bottom <= off.Y+view.Height {
			continue
		}
		limit := max(0, b.grid.Size().Height-view.Height)
		b.scroll.ScrollToOffset(fyne.NewPos(0, min(top, limit)))
		return
	}
}

// Counters returns the shift counters as the top bar shows them.
func (b *Bench) Counters() provisioning.Counters { return b.currentCounters() }

// formatRunning prints h:mm. A shift is counted in minutes; a clock that
// changed every second would repaint the whole window every second (about
// 3 % of a core with software rendering) while nothing else moves.
func formatRunning(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%d:%02d", m/60, m%60)
}

// toggle is the Start/Stop button (and Enter when stopped).
func (b *Bench) toggle() {
	if b.busy || b.control == nil {
		return
	}
	if b.running {
		b.askStop()
		return
	}
	b.start()
}

// start starts the bench with the chosen profile.
func (b *Bench) start() {
	if !b.hasProf {
		b.showBanner(lang.L("Choose a profile first, then press Start bench."))
		return
	}
	if b.noSecrets != "" {
		return // the waiting tile says why
	}
	name := b.profile.Name
	b.busy = true
	b.haltedEarly = false
	b.refreshTop()
	go func() {
		err := b.control.Start(b.intents, name)
		b.do(func() {
			b.busy = false
			if err != nil {
				b.refreshTop() // Start bench is offered again
				b.showProblem(engineWords(err, lang.L("The bench did not start. Check that the USB hub is plugged in, then press Start bench again; if it keeps happening, give the details to a supervisor.")), err)
			} else {
				if !b.haltedEarly {
					b.hideBanner()
					b.setRunning(true)
				}
				if b.started != nil {
					b.started(name)
				}
			}
			if err != nil {
				clear(b.claimOnStart)
			}
			b.refreshTop()
		})
	}()
}

func (b *Bench) stop() {
	b.busy = true
	b.refreshTop()
	go func() {
		ctx, cancel := context.WithTimeout(b.intents, 30*time.Second)
		defer cancel()
		err := b.control.Stop(ctx)
		b.do(func() {
			b.busy = false
			b.setRunning(false)
			if err != nil {
				b.showProblem(lang.L("The bench did not stop cleanly. Unplug the Photons that were in progress and plug them in again after the next Start bench; if it keeps happening, give the details to a supervisor."), err)
			}
			b.refreshTop()
		})
	}()
}

// halted shows that the station stopped the bench by itself, and why: one
// banner for the whole bench. Without a journal nothing runs until the
// technician has fixed the disk and pressed Start bench again.
func (b *Bench) halted(ev provisioning.Event) {
	if b.running {
		b.setRunning(false)
	}
	if b.busy {
		b.haltedEarly = true // before Start's own answer came
	}
	msg := lang.L("The bench stopped: {{.Reason}}", map[string]any{"Reason": ev.Message})
	if ev.JournalFailed {
		msg = lang.L("The station cannot write its journal: check that the disk is not full and that the journal folder can be written to, then press Start bench. Provisioning is paused.")
	}
	b.showBanner(msg)
	b.refreshTop()
}

// retry asks the engine to run a failed or stopped slot again. With the
// bench stopped it starts the bench, which starts that Photon (and every
// other one waiting), as the stopped tile's "press Retry" promises.
func (b *Bench) retry(slot string) {
	if b.control == nil || b.busy {
		return
	}
	if !b.running {
		b.toggle()
		return
	}
	if t := b.tiles[slot]; t != nil {
		t.retry.Disable()
	}
	go func() {
		ctx, cancel := context.WithTimeout(b.intents, 30*time.Second)
		defer cancel()
		err := b.control.Retry(ctx, slot)
		b.do(func() {
			if t := b.tiles[slot]; t != nil {
				t.retry.Enable()
			}
			if err != nil {
				b.showProblem(engineWords(err, lang.L("{{.Slot}} could not be retried. Unplug the Photon and plug it in again; if it keeps happening, give the details to a supervisor.", map[string]any{"Slot": slot})), err)
			}
		})
	}()
}

// claim asks the engine to claim an already-provisioned Photon to the job's
// customer through the cloud. The station claims only while the bench
// runs: on a stopped bench Claim starts the bench, whose first look at the
// Photon finds it already provisioned again, and claims it then (Apply).
func (b *Bench) claim(slot string) {
	if b.control == nil || b.busy {
		return
	}
	if !b.running {
		b.claimOnStart[slot] = true
		b.toggle()
		return
	}
	if t := b.tiles[slot]; t != nil {
		t.claim.Disable()
	}
	go func() {
		ctx, cancel := context.WithTimeout(b.intents, 30*time.Second)
		defer cancel()
		err := b.control.Claim(ctx, slot)
		b.do(func() {
			if t := b.tiles[slot]; t != nil {
				t.claim.Enable()
			}
			if err != nil {
				b.showProblem(engineWords(err, lang.L("{{.Slot}} could not be claimed. Check this computer's network connection and press Claim to customer again; if it keeps happening, give the details to a supervisor.", map[string]any{"Slot": slot})), err)
			}
		})
	}()
}

// RetryFailed retries every failed or stopped slot (Enter while the bench
// runs).
func (b *Bench) RetryFailed() {
	for _, name := range b.order {
		if p := b.slots[name].Phase; p == PhaseFail || p == PhaseStopped {
			b.retry(name)
		}
	}
}

// TypedKey handles the bench's keyboard: Enter starts the bench or
// retries the failed slots; Escape stops the bench.
func (b *Bench) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if b.running {
			b.RetryFailed()
		} else {
			b.toggle()
		}
	case fyne.KeyEscape:
		if b.running {
			b.toggle()
		}
	}
}

// Apply shows one engine event. Call on the UI goroutine (Run does).
func (b *Bench) Apply(ev provisioning.Event) {
	if ev.Kind == provisioning.EventHalted {
		b.halted(ev)
		return
	}
	if ev.Slot == "" {
		return
	}
	s, ok := b.slots[ev.Slot]
	if !ok {
		s = &Slot{Name: ev.Slot}
		b.slots[ev.Slot] = s
		b.tiles[ev.Slot] = NewTile(ev.Slot, b.retry, b.claim)
		b.order = append(b.order, ev.Slot)
		sort.Slice(b.order, func(i, j int) bool { return naturalLess(b.order[i], b.order[j]) })
		b.relayout()
	}
	if outcome := s.Apply(ev); outcome != provisioning.OutcomePending {
		b.tally.Result(ev)
	}
	if ev.Kind == provisioning.EventDetached {
		b.tally.Detached(ev.Slot)
		delete(b.claimOnStart, ev.Slot)
	}
	if ev.Kind == provisioning.EventResult && b.claimOnStart[ev.Slot] {
		delete(b.claimOnStart, ev.Slot)
		if b.running && ev.Outcome == provisioning.OutcomeProvisioned && ev.Claimable {
			defer b.claim(ev.Slot) // once the tile shows the result
		}
	}
	if !b.running && ev.Step == provisioning.StepDetect && ev.Kind == provisioning.EventStarted {
		// The station notices plugging while stopped; nothing runs yet.
		s.Phase = PhaseWaiting
		s.Chips = [chipCount]ChipState{}
		s.Message = lang.L("Photon connected. Press Start bench to set it up.")
	}
	tl := b.tiles[ev.Slot]
	before := tl.MinSize().Height
	tl.Display(*s, b.now())
	if tl.MinSize().Height != before {
		b.layoutTiles()
	}
	b.refreshCounters()
}

func (b *Bench) relayout() {
	objs := make([]fyne.CanvasObject, 0, len(b.order))
	for _, n := range b.order {
		objs = append(objs, b.tiles[n])
	}
	if len(objs) == 0 {
		objs = append(objs, b.waiting)
	}
	// Past compactAbove slots the tiles get compact so a full hub fits on
	// screen.
	compact := len(b.order) > compactAbove
	dense := len(b.order) > denseAbove
	for _, n := range b.order {
		b.tiles[n].SetCompact(compact)
		b.tiles[n].SetDense(dense)
	}
	if compact {
		b.gridLayout.minTile = fyne.NewSize(340, 0)
	} else {
		b.gridLayout.minTile = fyne.NewSize(380, 0)
	}
	b.grid.Objects = objs
	b.layoutTiles()
}

// Tick redraws what moves with the clock: a working tile's seconds, and
// once a minute time running and devices per hour (events update them at
// once). Every redraw repaints the window, so an idle bench redraws rarely.
func (b *Bench) Tick() {
	now := b.now()
	for _, n := range b.order {
		b.tiles[n].ShowTime(now)
	}
	if formatRunning(b.currentCounters().Running) != b.clockBox.value.Text {
		b.refreshCounters()
	}
}

// Tile returns the tile of a slot, or nil.
func (b *Bench) Tile(slot string) *Tile { return b.tiles[slot] }

// Run is the bench's bridge: it brings events and clock ticks onto the UI
// goroutine until ctx ends or events closes. Run it in its own goroutine.
// Events that have queued up go over in one hand-over: each waits its turn
// beside a repaint, so one at a time a full hub's events fall behind.
func (b *Bench) Run(ctx context.Context, events <-chan provisioning.Event, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			batch, open := queued(events, ev)
			b.do(func() {
				for _, e := range batch {
					b.Apply(e)
				}
			})
			if !open {
				return
			}
		case <-ticks:
			b.do(b.Tick)
		}
	}
}

// maxHandOver bounds the events applied in one turn of the UI goroutine.
const maxHandOver = 256

// queued is first and the events already waiting behind it (up to
// maxHandOver); open is false when events has closed.
func queued(events <-chan provisioning.Event, first provisioning.Event) (batch []provisioning.Event, open bool) {
	batch = append(batch, first)
	for len(batch) < maxHandOver {
		select {
		case ev, ok := <-events:
			if !ok {
				return batch, false
			}
			batch = append(batch, ev)
		default:
			return batch, true
		}
	}
	return batch, true
}

// naturalLess orders slot names so "ttyACM2" comes before "ttyACM10".
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingDigits(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		return s
	}
	return s[:i]
}

// tapArea makes a row of the top bar tappable, with a pointer cursor so a
// mouse user sees it is.
type tapArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
}

func newTapArea(content fyne.CanvasObject, onTap func()) *tapArea {
	a := &tapArea{content: content, onTap: onTap}
	a.ExtendBaseWidget(a)
	return a
}

// CreateRenderer shows the content as it is.
func (a *tapArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(a.content) }

// Tapped runs the action.
func (a *tapArea) Tapped(*fyne.PointEvent) {
	if a.onTap != nil {
		a.onTap()
	}
}

// Cursor is the pointing hand.
func (a *tapArea) Cursor() desktop.Cursor { return desktop.PointerCursor }

// startStopWidth is the width of the bench's Start/Stop button: wide enough
// for the longer of its two labels in the current language, so the button
// never changes size (or clips) when the bench starts or stops.
func startStopWidth() float32 {
	style := fyne.TextStyle{Bold: true}
	text := theme.Size(SizeNameTileText) + 2
	widest := float32(0)
	for _, label := range []string{lang.L("Start bench"), lang.L("Stop bench")} {
		if w := fyne.MeasureText(label, text, style).Width; w > widest {
			widest = w
		}
	}
	w := widest + largeButtonIcon + 2*largeButtonPadding + 2*theme.Padding()
	if w < 240 {
		return 240
	}
	return w
}

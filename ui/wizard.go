package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// OneDeviceRequest is what the wizard asks the engine to provision.
type OneDeviceRequest struct {
	Profile string
	Channel provisioning.Channel
	Port    string // serial port; empty with SoftAP
	// ClaimDeviceID, when set, asks to claim this already-provisioned
	// Photon to the job's customer through the cloud instead (the engine
	// offered it: Event.Claimable); nothing is opened on the device.
	ClaimDeviceID string
}

// OneDeviceRunner provisions a single device and reports each step through
// emit (from any goroutine). It returns when the attempt has ended, after
// emitting the EventResult; an error means the attempt could not begin.
type OneDeviceRunner interface {
	ProvisionOne(ctx context.Context, req OneDeviceRequest, emit func(provisioning.Event)) error
}

// PhotonAP gets the laptop onto a Photon's own access point for SoftAP
// (provisioning.DeviceNetwork does the work, and the next attempt uses the
// access point joined here). Find names the Photon network in range; it
// fails where the station cannot look for networks itself. Join joins
// it; failing is normal where the station cannot switch networks, and the
// wizard then asks the person to join by hand and calls WaitJoined, which
// returns once the laptop is on a Photon's network (with its name when
// known) or ctx ends.
type PhotonAP interface {
	Find(ctx context.Context) (ssid string, err error)
	Join(ctx context.Context, ssid string) error
	WaitJoined(ctx context.Context) (ssid string, err error)
	// Leave puts the computer back on its own network when the station
	// moved it onto a Photon's and no attempt will use that link (the
	// person went back or cancelled, or the attempt could not start). It
	// does nothing when the person joined by hand or nothing was joined.
	Leave(ctx context.Context) error
}

// wizardPage is one page of the wizard. The pipeline pages reuse the
// bench's chips, so the wizard and the tiles speak of the same six steps.
type wizardPage int

const (
	pageConnect wizardPage = iota
	pageListening
	pageJoinAP
	pageIdentify
	pageCloud
	pageCustomer
	pageClaim
	pageWiFi
	pageVerify
	pageFinish
	pageCount
)

func pageOfChip(c Chip) wizardPage { return pageIdentify + wizardPage(c) }

func (p wizardPage) title() string {
	switch p {
	case pageConnect:
		return lang.L("Connect")
	case pageListening:
		return lang.L("Listening mode")
	case pageJoinAP:
		return lang.L("Join Photon Wi-Fi")
	case pageIdentify:
		return lang.L("Identify")
	case pageCloud:
		return lang.L("Add to product")
	case pageCustomer:
		return lang.L("Customer")
	case pageClaim:
		return lang.L("Claim code")
	case pageWiFi:
		return lang.L("Wi-Fi")
	case pageVerify:
		return lang.L("Verify")
	}
	return lang.L("Finish")
}

// explain is the page's text in the words of the tutorial, and the LED
// the person should see meanwhile.
func (p wizardPage) explain(softAP bool) (string, []LED) {
	switch p {
	case pageConnect:
		return lang.L("This wizard sets up one Photon, step by step. Choose the job profile, then how the Photon is connected: with a USB cable (best), or over its own Wi-Fi network when there is no cable."), nil
	case pageListening:
		// The button below reads Next before the join page and Start when
		// the setup starts from here (refreshButtons).
		if softAP {
			return lang.L("Put the Photon in listening mode: hold its SETUP button for about 3 seconds until the LED blinks dark blue, then let go. Press Next when it is blinking dark blue."), []LED{LEDListening}
		}
		return lang.L("Put the Photon in listening mode: hold its SETUP button for about 3 seconds until the LED blinks dark blue, then let go. Press Start when it is blinking dark blue."), []LED{LEDListening}
	case pageJoinAP:
		return lang.L("In listening mode the Photon makes its own Wi-Fi network called Photon- and four letters. The computer has to join that network so the station can talk to the Photon."), []LED{LEDListening}
	case pageIdentify:
		if softAP {
			return lang.L("The station asks the Photon over its Wi-Fi network for its device ID."), []LED{LEDListening}
		}
		return lang.L("The station asks the Photon over USB for its device ID, Wi-Fi MAC address and firmware version, and checks it is in listening mode."), []LED{LEDListening}
	case pageCloud:
		return lang.L("The station signs in to the Particle Cloud with the product's OAuth client and adds the device ID to the product, so the product owns it."), []LED{LEDListening}
	case pageCustomer:
		return lang.L("The station creates or finds the customer this Photon will belong to. A shadow customer has no password; it exists so the device can be claimed to it."), []LED{LEDListening}
	case pageClaim:
		return lang.L("The cloud issues a claim code for the customer and the station gives it to the Photon. When the Photon first connects, the cloud uses the code to claim it for the customer."), []LED{LEDListening}
	case pageWiFi:
		return lang.L("The station gives the Photon the Wi-Fi network name and password. The Photon then leaves listening mode and joins the network."), []LED{LEDJoiningWiFi}
	case pageVerify:
		return lang.L("The station waits until the Particle Cloud reports the Photon online in the product. It never says done before the cloud has confirmed it."), []LED{LEDJoiningWiFi, LEDReachingCloud, LEDConnected}
	}
	return "", nil
}

// Wizard is the one-device wizard for field installers and first-time
// users. Its state belongs to the UI goroutine; engine events reach it
// through the dispatcher.
type Wizard struct {
	runner   OneDeviceRunner
	ap       PhotonAP
	ports    PortFinder
	profiles ProfileLibrary
	initial  string // the profile to choose first, when it exists
	now      clock
	do       dispatcher
	parent   context.Context

	page     wizardPage
	done     [pageCount]ChipState
	softAP   bool
	apSSID   string
	apJoined bool
	apManual bool // the person joined the Photon's network by hand
	run      int  // counts runs, so a late event from a cancelled run is ignored
	cancel   context.CancelFunc
	running  bool
	// cancelled: the person pressed Cancel during the attempt; its result
	// is not shown as a failure.
	cancelled bool
	// joinCancel stops the search for (or wait on) the Photon's network.
	joinCancel context.CancelFunc
	outcome    provisioning.Outcome
	slot       Slot
	logLines   []string

	stepList   *fyne.Container
	stepRows   [pageCount]*stepRow
	title      *canvas.Text
	body       *widget.Label
	leds       *fyne.Container
	status     *widget.Label
	statusMore *detailsExpander // the status's raw cause, folded away
	action     *widget.Label
	verdict    *fyne.Container
	verdictImg *canvas.Image
	verdictTxt *canvas.Text
	progress   *widget.ProgressBar
	pageExtra  *fyne.Container
	right      *fyne.Container
	buttons    *fyne.Container
	deviceHead *canvas.Text
	deviceTail *canvas.Text
	deviceRow  *fyne.Container

	profileSelect *widget.Select
	channel       *widget.RadioGroup
	portPick      *portPicker
	connectForm   fyne.CanvasObject
	apBox         fyne.CanvasObject
	apName        *canvas.Text
	apStatus      *widget.Label

	back, next, cancelBtn *largeButton
	log                   *widget.List
	content               fyne.CanvasObject
}

type stepRow struct {
	icon  *widget.Icon
	label *widget.Label
	box   fyne.CanvasObject
}

// newWizard builds the wizard. Call on the UI goroutine.
func newWizard(ctx context.Context, runner OneDeviceRunner, ap PhotonAP, ports PortFinder, profiles ProfileLibrary, now clock, do dispatcher) *Wizard {
	w := &Wizard{runner: runner, ap: ap, ports: ports, profiles: profiles, now: now, do: do, parent: ctx}
	rows := []fyne.CanvasObject{}
	for p := pageConnect; p < pageCount; p++ {
		r := &stepRow{icon: widget.NewIcon(theme.RadioButtonIcon()), label: widget.NewLabel(p.title())}
		r.label.SizeName = SizeNameTileText
		r.box = container.NewHBox(r.icon, r.label)
		w.stepRows[p] = r
		rows = append(rows, r.box)
	}
	w.stepList = container.NewVBox(rows...)

	w.title = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	w.title.TextSize = theme.Size(SizeNameTileLarge)
	w.title.TextStyle = fyne.TextStyle{Bold: true}
	w.body = widget.NewLabel("")
	w.body.Wrapping = fyne.TextWrapWord
	w.body.SizeName = SizeNameTileText
	w.leds = container.NewVBox()
	w.status = widget.NewLabel("")
	w.status.Wrapping = fyne.TextWrapWord
	w.status.SizeName = SizeNameTileText
	w.statusMore = newDetailsExpander()
	w.action = widget.NewLabel("")
	w.action.Wrapping = fyne.TextWrapWord
	w.action.SizeName = SizeNameTileText
	w.action.TextStyle = fyne.TextStyle{Bold: true}
	w.verdictImg = canvas.NewImageFromResource(theme.ConfirmIcon())
	w.verdictImg.FillMode = canvas.ImageFillContain
	w.verdictImg.SetMinSize(fyne.NewSquareSize(theme.Size(SizeNameTileHuge) * 1.6))
	w.verdictTxt = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	w.verdictTxt.TextSize = theme.Size(SizeNameTileHuge)
	w.verdictTxt.TextStyle = fyne.TextStyle{Bold: true}
	w.verdict = container.NewHBox(w.verdictImg, container.NewCenter(w.verdictTxt))
	w.progress = widget.NewProgressBar()
	w.progress.TextFormatter = func() string { return "" }

	w.profileSelect = widget.NewSelect(nil, w.chooseProfile)
	w.profileSelect.PlaceHolder = lang.L("Choose a profile")
	w.channel = widget.NewRadioGroup([]string{lang.L("USB cable"), lang.L("Wi-Fi (SoftAP)")}, func(string) { w.refreshConnect() })
	w.channel.Required = true
	w.portPick = newPortPicker(ctx, w.ports, nil, w.do, lang.L("Choose the USB port"), func() {
		if w.next != nil {
			w.refreshButtons()
		}
	})
	w.channel.SetSelected(lang.L("USB cable"))
	findPorts := widget.NewButtonWithIcon(lang.L("Look for Photons"), theme.SearchIcon(), w.findPorts)
	w.connectForm = widget.NewForm(
		widget.NewFormItem(lang.L("Profile"), w.profileSelect),
		widget.NewFormItem(lang.L("Connection"), w.channel),
		widget.NewFormItem(lang.L("USB port"), container.NewBorder(nil, nil, nil, findPorts, w.portPick.content)),
	)
	w.apName = canvas.NewText("", theme.Color(theme.ColorNamePrimary))
	w.apName.TextSize = theme.Size(SizeNameTileHuge)
	w.apName.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	w.apStatus = widget.NewLabel("")
	w.apStatus.Wrapping = fyne.TextWrapWord
	w.apStatus.SizeName = SizeNameTileText
	w.apBox = container.NewVBox(w.apName, w.apStatus)
	w.pageExtra = container.NewVBox()

	w.back = newLargeButton(lang.L("Back"), theme.NavigateBackIcon(), w.Back)
	w.next = newLargeButton(lang.L("Next"), theme.NavigateNextIcon(), w.Next)
	w.next.Importance = widget.HighImportance
	w.next.IconPlacement = widget.ButtonIconTrailingText
	w.cancelBtn = newLargeButton(lang.L("Cancel"), theme.CancelIcon(), w.Cancel)

	w.log = widget.NewList(
		func() int { return len(w.logLines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle = fyne.TextStyle{Monospace: true}
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(w.logLines[i]) })
	logItem := widget.NewAccordionItem(lang.L("Live log"), container.New(&minHeight{h: 150}, w.log))
	logAcc := widget.NewAccordion(logItem)

	w.deviceHead = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	w.deviceHead.TextStyle = fyne.TextStyle{Monospace: true}
	w.deviceHead.TextSize = theme.Size(SizeNameTileText)
	w.deviceTail = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	w.deviceTail.TextStyle = fyne.TextStyle{Monospace: true, Bold: true}
	w.deviceTail.TextSize = theme.Size(SizeNameTileLarge)
	w.deviceRow = container.NewHBox(widget.NewLabel(lang.L("Device")), container.NewCenter(w.deviceHead), w.deviceTail)
	w.right = container.NewVBox(w.title, w.deviceRow, w.body, w.leds, w.pageExtra, w.progress, w.verdict, w.status, w.statusMore.acc, w.action)
	w.buttons = container.NewHBox(w.cancelBtn, layout.NewSpacer(), w.back, w.next)
	left := container.NewBorder(nil, nil, nil, widget.NewSeparator(), container.NewPadded(w.stepList))
	w.content = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), logAcc, w.buttons), left, nil,
		container.NewVScroll(container.NewPadded(w.right)))
	w.refreshProfiles()
	w.refreshConnect()
	w.show(pageConnect)
	return w
}

// Content is the wizard's canvas object.
func (w *Wizard) Content() fyne.CanvasObject { return w.content }

func (w *Wizard) refreshProfiles() {
	if w.profiles == nil {
		return
	}
	names, err := w.profiles.List()
	if err != nil {
		w.setProblem(profilesUnreadable(), "", err)
		return
	}
	w.profileSelect.SetOptions(names)
	if w.profileSelect.Selected != "" {
		return
	}
	for _, n := range names {
		if n == w.initial {
			w.profileSelect.SetSelected(n)
			return
		}
	}
	if len(names) == 1 {
		w.profileSelect.SetSelected(names[0])
	}
}

// preferProfile chooses name (when it exists and nothing is chosen yet):
// the wizard starts on the profile the bench shows.
func (w *Wizard) preferProfile(name string) {
	w.initial = name
	w.refreshProfiles()
}

// chooseProfile takes the profile's device channel as the suggested
// connection; the person can still change it.
func (w *Wizard) chooseProfile(name string) {
	if w.profiles != nil && name != "" {
		if p, err := w.profiles.Load(name); err == nil && w.channel != nil {
			if p.Channel == provisioning.ChannelSoftAP {
				w.channel.SetSelected(lang.L("Wi-Fi (SoftAP)"))
			} else {
				w.channel.SetSelected(lang.L("USB cable"))
			}
		}
	}
	if w.next != nil {
		w.refreshButtons()
	}
}

func (w *Wizard) findPorts() {
	if w.ports == nil {
		return
	}
	w.portPick.find(func(f portsFound) {
		switch {
		case f.err != nil:
			w.setProblem(portsUnlisted(), "", f.err)
		case f.offered == 0:
			w.setStatus(lang.L("No Photon found on USB. Check the cable (some cables only charge) and press Look for Photons again."), f.heldWords())
		default:
			w.setStatus("", f.heldWords())
		}
	})
}

func (w *Wizard) refreshConnect() {
	if w.next == nil {
		return // still building
	}
	w.softAP = w.channel.Selected == lang.L("Wi-Fi (SoftAP)")
	if w.softAP {
		w.portPick.Disable()
	} else {
		w.portPick.Enable()
	}
	w.refreshButtons()
}

// pages lists the pages this run visits: the SoftAP page only over Wi-Fi.
func (w *Wizard) visits(p wizardPage) bool { return p != pageJoinAP || w.softAP }

// setProblem is setStatus for a failure: err's raw text goes behind
// Details for support.
func (w *Wizard) setProblem(status, action string, err error) {
	w.setStatus(status, action)
	w.statusMore.set(causeText(err))
}

func (w *Wizard) setStatus(status, action string) {
	w.statusMore.set("")
	w.status.SetText(status)
	setVisible(w.status, status != "")
	w.action.SetText(action)
	setVisible(w.action, action != "")
	if w.right != nil {
		w.right.Refresh()
	}
}

// show draws page p.
func (w *Wizard) show(p wizardPage) {
	w.page = p
	w.title.Text = p.title()
	w.title.Refresh()
	text, leds := p.explain(w.softAP)
	if p == pageFinish {
		text = w.finishText()
	}
	w.body.SetText(text)
	w.leds.Objects = nil
	if len(leds) > 0 {
		w.leds.Add(widget.NewLabelWithStyle(lang.L("What the LED should do:"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, l := range leds {
			w.leds.Add(ledHint(l))
		}
	}
	w.leds.Refresh()
	w.pageExtra.Objects = nil
	switch p {
	case pageConnect:
		w.pageExtra.Add(w.connectForm)
	case pageJoinAP:
		w.pageExtra.Add(w.apBox)
	}
	w.pageExtra.Refresh()
	pipeline := p >= pageIdentify && p <= pageVerify
	// After a failure the bar would read as done (the engine's result
	// fills it): the step marks show where it stopped.
	failed := w.ended() && !w.running
	setVisible(w.progress, pipeline && !failed)
	w.showVerdict()
	for q := pageConnect; q < pageCount; q++ {
		r := w.stepRows[q]
		if w.visits(q) {
			r.box.Show()
		} else {
			r.box.Hide()
		}
		r.label.TextStyle = fyne.TextStyle{Bold: q == p}
		switch {
		case w.done[q] == ChipFailed:
			r.icon.SetResource(theme.NewErrorThemedResource(theme.CancelIcon()))
		case w.done[q] == ChipDone:
			r.icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		case w.done[q] == ChipSkipped:
			r.icon.SetResource(theme.NewDisabledResource(theme.ContentRemoveIcon()))
		case q == p:
			r.icon.SetResource(theme.NewPrimaryThemedResource(theme.MediaPlayIcon()))
		default:
			r.icon.SetResource(theme.NewDisabledResource(theme.RadioButtonIcon()))
		}
		r.label.Refresh()
	}
	head, tail := ShortID(w.slot.DeviceID)
	w.deviceHead.Text, w.deviceTail.Text = head, tail
	setVisible(w.deviceRow, w.slot.DeviceID != "")
	w.deviceHead.Refresh()
	w.deviceTail.Refresh()
	w.stepList.Refresh()
	w.right.Refresh()
	if w.content != nil {
		w.content.Refresh()
	}
	w.refreshButtons()
}

// ended reports whether the last attempt ended without its work done: it
// failed or was stopped (Retry is then the way on).
func (w *Wizard) ended() bool {
	return w.outcome == provisioning.OutcomeFail || w.outcome == provisioning.OutcomeStopped
}

func (w *Wizard) showVerdict() {
	show := w.page == pageFinish || (w.ended() && !w.running)
	show = show && w.outcome != provisioning.OutcomePending
	setVisible(w.verdict, show)
	if !show {
		return
	}
	switch w.outcome {
	case provisioning.OutcomePass:
		w.verdictImg.Resource = theme.NewSuccessThemedResource(theme.ConfirmIcon())
		w.verdictTxt.Text = lang.L("PASS")
		w.verdictTxt.Color = theme.Color(theme.ColorNameSuccess)
	case provisioning.OutcomeFail:
		w.verdictImg.Resource = theme.NewErrorThemedResource(theme.CancelIcon())
		w.verdictTxt.Text = lang.L("FAIL")
		w.verdictTxt.Color = theme.Color(theme.ColorNameError)
	case provisioning.OutcomeStopped:
		// Grey, not red, as on the bench: nothing is wrong with the Photon.
		w.verdictImg.Resource = theme.NewThemedResource(theme.MediaStopIcon())
		w.verdictTxt.Text = lang.L("STOPPED")
		w.verdictTxt.Color = theme.Color(theme.ColorNameForeground)
	case provisioning.OutcomeProvisioned:
		w.verdictImg.Resource = theme.NewPrimaryThemedResource(theme.InfoIcon())
		w.verdictTxt.Text = lang.L("ALREADY PROVISIONED")
		w.verdictTxt.Color = theme.Color(theme.ColorNameForeground)
	}
	w.verdictImg.Refresh()
	w.verdictTxt.Refresh()
}

func (w *Wizard) finishText() string {
	var b strings.Builder
	switch w.outcome {
	case provisioning.OutcomePass:
		b.WriteString(lang.L("The Photon is online in the product and its LED is breathing cyan. It is ready."))
	case provisioning.OutcomeFail:
		b.WriteString(lang.L("The Photon was not set up. The reason and what to do are below; press Retry when you are ready."))
	case provisioning.OutcomeStopped:
		b.WriteString(lang.L("The setup was stopped before the Photon was finished. Nothing is wrong with it: the next attempt goes on from where this one stopped."))
	case provisioning.OutcomeProvisioned:
		b.WriteString(lang.L("This Photon was set up before and is not in listening mode, so nothing was written to it."))
		if w.slot.Claimable {
			b.WriteString(" ")
			b.WriteString(lang.L("The cloud shows it online (breathing cyan) in the product, but not owned by the job's customer: Claim to customer claims it through the cloud, without listening mode."))
		}
	default:
		b.WriteString(lang.L("The setup was cancelled. Nothing is half-done: running it again is safe."))
	}
	if r := w.returnReminder(); r != "" {
		b.WriteString("\n\n")
		b.WriteString(r)
	}
	return b.String()
}

// returnReminder tells the person who joined the Photon's network by hand
// to go back to their own; "" when the station manages the networks.
func (w *Wizard) returnReminder() string {
	if !w.softAP || !w.apManual {
		return ""
	}
	ssid := w.apSSID
	if ssid == "" {
		ssid = lang.L("the Photon's network")
	}
	return lang.L("Now return this computer to your usual Wi-Fi network: it is still on {{.SSID}}.", map[string]any{"SSID": ssid})
}

func (w *Wizard) refreshButtons() {
	w.back.Enable()
	w.next.Enable()
	w.cancelBtn.Enable()
	w.next.SetText(lang.L("Next"))
	// After a PASS there is nothing to go back to or cancel: the one
	// action is the next Photon.
	passed := !w.running && w.page == pageFinish && w.outcome == provisioning.OutcomePass
	setVisible(w.back, !passed)
	setVisible(w.cancelBtn, !passed)
	switch {
	case w.running:
		w.back.Disable()
		w.next.Disable()
	case w.page == pageConnect:
		w.back.Disable()
		if w.profileSelect.Selected == "" || (!w.softAP && w.portPick.Selected() == "") || w.runner == nil {
			w.next.Disable()
		}
	case w.page == pageJoinAP:
		// Next starts the setup from here.
		w.next.SetText(lang.L("Start"))
		if !w.apJoined {
			w.next.Disable()
		}
	case w.page == pageListening && !w.softAP:
		w.next.SetText(lang.L("Start"))
	case w.page == pageFinish || w.ended():
		switch {
		case w.outcome == provisioning.OutcomeProvisioned && w.slot.Claimable:
			w.next.SetText(lang.L("Claim to customer"))
		case w.outcome == provisioning.OutcomePass || w.outcome == provisioning.OutcomeProvisioned:
			w.next.SetText(lang.L("Set up another"))
		default:
			// The engine's actions say "press Retry".
			w.next.SetText(lang.L("Retry"))
		}
	}
	w.back.Refresh()
	w.next.Refresh()
	if w.buttons != nil {
		w.buttons.Refresh()
	}
}

// Next goes forward: it is the wizard's one obvious action on each page.
func (w *Wizard) Next() {
	if w.running || w.next.Disabled() {
		return
	}
	switch {
	case w.page == pageConnect:
		w.show(pageListening)
	case w.page == pageListening && w.softAP:
		w.show(pageJoinAP)
		w.joinAP()
	case w.page == pageListening || w.page == pageJoinAP:
		w.startRun()
	case w.outcome == provisioning.OutcomeProvisioned && w.slot.Claimable:
		w.claimOnline()
	case w.outcome == provisioning.OutcomePass:
		w.reset()
		w.show(pageListening)
	default: // after a failure or a cancel: try again from listening mode
		w.reset()
		w.show(pageListening)
	}
}

// Back goes to the previous page the person can act on.
func (w *Wizard) Back() {
	if w.running {
		return
	}
	switch w.page {
	case pageConnect:
	case pageListening:
		w.show(pageConnect)
	case pageJoinAP:
		w.stopJoin()
		w.leaveAP()
		w.show(pageListening)
	default:
		w.reset()
		w.show(pageListening)
	}
}

// Cancel stops a running attempt, or goes back to the start.
func (w *Wizard) Cancel() {
	if w.running && w.cancel != nil {
		if !w.cancelled {
			w.cancelled = true
			w.cancel()
			w.appendLog(lang.L("Cancelling…"))
			w.giveUpAfter(w.run, cancelGrace)
		}
		return
	}
	w.stopJoin()
	w.leaveAP()
	w.reset()
	w.show(pageConnect)
}

// cancelGrace is how long a cancelled attempt has to wind down before the
// wizard stops waiting for it.
const cancelGrace = 15 * time.Second

// giveUpAfter frees the wizard if the cancelled attempt run has not ended
// within d: its late answer is then ignored.
func (w *Wizard) giveUpAfter(run int, d time.Duration) {
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-w.parent.Done():
			return
		}
		w.do(func() {
			if run != w.run || !w.running {
				return
			}
			w.run++
			w.running = false
			w.outcome = provisioning.OutcomePending
			w.appendLog(lang.L("The attempt did not stop within {{.Seconds}} seconds; the wizard no longer waits for it.", map[string]any{"Seconds": int(d / time.Second)}))
			w.leaveAP()
			w.show(pageFinish)
		})
	}()
}

// stopJoin ends a search for, or wait on, the Photon's network.
func (w *Wizard) stopJoin() {
	if w.joinCancel != nil {
		w.joinCancel()
		w.joinCancel = nil
	}
}

// leaveAP returns the computer to its own network if the station moved it
// onto the Photon's and nothing will use that link.
func (w *Wizard) leaveAP() {
	if w.ap == nil || !w.softAP {
		return
	}
	ap := w.ap
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(w.parent), time.Minute)
		defer cancel()
		if err := ap.Leave(ctx); err != nil {
			w.do(func() {
				msg := lang.L("This computer could not return to the usual Wi-Fi network. Choose it in the computer's Wi-Fi menu.")
				w.appendLog(msg + " (" + err.Error() + ")")
				w.setProblem(msg, "", err)
			})
		}
	}()
}

func (w *Wizard) reset() {
	w.stopJoin()
	w.run++
	w.done = [pageCount]ChipState{}
	w.outcome = provisioning.OutcomePending
	w.slot = Slot{}
	w.apJoined = false
	w.setStatus("", "")
}

// joinAP finds the Photon's network and joins it, or asks the person to
// and waits until they have.
func (w *Wizard) joinAP() {
	w.stopJoin()
	w.run++ // a search still finishing belongs to an earlier visit
	run := w.run
	w.apName.Text = ""
	w.apName.Refresh()
	w.apManual = false
	w.apJoined = false
	w.apSSID = ""
	if w.ap == nil {
		w.askManualJoin("")
		w.apStatus.SetText(lang.L("Open your computer's Wi-Fi menu and join the network shown above (XXXX are four letters that differ per Photon). It has no password. Press Start once the computer has joined it."))
		w.apJoined = true // nothing can tell; trust the person
		w.refreshButtons()
		return
	}
	w.apStatus.SetText(lang.L("Looking for the Photon's Wi-Fi network…"))
	jctx, jcancel := context.WithCancel(w.parent)
	w.joinCancel = jcancel
	ap := w.ap
	go func() {
		defer jcancel()
		// Finding and joining get a minute; after that the person is
		// asked to join by hand, and the wait for that is long.
		fctx, fcancel := context.WithTimeout(jctx, time.Minute)
		ssid, err := ap.Find(fctx)
		if err == nil {
			err = ap.Join(fctx, ssid)
		}
		fcancel()
		if err == nil {
			stale := false
			w.do(func() {
				if run == w.run {
					w.apJoinedNow(ssid)
				} else {
					stale = true
				}
			})
			if stale {
				// Back or Cancel came first: do not leave the computer
				// on the Photon's network.
				lctx, lcancel := context.WithTimeout(context.WithoutCancel(jctx), time.Minute)
				_ = ap.Leave(lctx)
				lcancel()
			}
			return
		}
		if jctx.Err() != nil {
			return // the person went back or cancelled
		}
		w.do(func() {
			if run == w.run {
				w.askManualJoin(ssid)
				w.appendLog(err.Error())
			}
		})
		wctx, wcancel := context.WithTimeout(jctx, 10*time.Minute)
		joined, err := ap.WaitJoined(wctx)
		wcancel()
		if jctx.Err() != nil {
			return
		}
		w.do(func() {
			if run != w.run {
				return
			}
			if err != nil {
				w.apStatus.SetText(lang.L("The computer did not join a Photon network. Check the LED blinks dark blue, press Back, then Next to look for it again."))
				return
			}
			if joined == "" {
				joined = ssid
			}
			w.apJoinedNow(joined)
		})
	}()
}

// askManualJoin shows the network to join from the computer's Wi-Fi menu.
func (w *Wizard) askManualJoin(ssid string) {
	w.apManual = true
	w.apSSID = ssid
	if ssid == "" {
		ssid = "Photon-XXXX"
	}
	w.apName.Text = ssid
	w.apName.Refresh()
	w.apStatus.SetText(lang.L("Open your computer's Wi-Fi menu and join the network shown above (XXXX are four letters that differ per Photon). It has no password. This page notices when you have joined."))
	if w.apSSID != "" {
		w.apStatus.SetText(lang.L("Open your computer's Wi-Fi menu and join the network shown above. It has no password. This page notices when you have joined."))
	}
	w.right.Refresh()
}

func (w *Wizard) apJoinedNow(ssid string) {
	w.joinCancel = nil
	w.apJoined = true
	w.apSSID = ssid
	name := ssid
	if name == "" {
		name = lang.L("the Photon's network")
	} else {
		w.apName.Text = ssid
		w.apName.Refresh()
	}
	w.done[pageJoinAP] = ChipDone
	w.apStatus.SetText(lang.L("This computer has joined {{.SSID}}. Press Start.", map[string]any{"SSID": name}))
	w.appendLog(lang.L("Joined {{.SSID}}", map[string]any{"SSID": name}))
	w.show(w.page)
}

func (w *Wizard) startRun() { w.launch("") }

// claimOnline claims the already-provisioned Photon the engine offered to
// the job's customer through the cloud.
func (w *Wizard) claimOnline() { w.launch(w.slot.DeviceID) }

// launch runs one attempt: the setup, or with claimID the claim of that
// Photon through the cloud.
func (w *Wizard) launch(claimID string) {
	if !w.softAP && w.portPick.heldNow() {
		w.setStatus(benchHoldsWords(), "")
		return
	}
	w.run++
	run := w.run
	w.done[pageConnect], w.done[pageListening] = ChipDone, ChipDone
	w.running = true
	w.cancelled = false
	w.outcome = provisioning.OutcomePending
	w.slot = Slot{DeviceID: claimID}
	ctx, cancel := context.WithCancel(w.parent)
	w.cancel = cancel
	req := OneDeviceRequest{Profile: w.profileSelect.Selected, Channel: provisioning.ChannelSerial, Port: w.portPick.Selected(), ClaimDeviceID: claimID}
	if w.softAP {
		req.Channel, req.Port = provisioning.ChannelSoftAP, ""
	}
	if claimID != "" {
		w.appendLog(lang.L("Claiming {{.Device}} through the cloud", map[string]any{"Device": claimID}))
		w.show(pageOfChip(ChipClaim))
	} else {
		w.appendLog(lang.L("Starting with profile {{.Profile}}", map[string]any{"Profile": req.Profile}))
		w.show(pageIdentify)
	}
	go func() {
		defer cancel()
		err := w.runner.ProvisionOne(ctx, req, func(ev provisioning.Event) {
			w.do(func() {
				if run == w.run {
					w.apply(ev)
				}
			})
		})
		if ctx.Err() != nil {
			err = nil // cancelled by the person: not a failure to report
		}
		w.do(func() {
			if run != w.run {
				return
			}
			// Only now, with the device closed, may another attempt start.
			w.running = false
			if w.softAP && w.outcome != provisioning.OutcomePass {
				w.leaveAP() // a link the attempt never took goes back
			}
			if w.cancelled {
				w.outcome = provisioning.OutcomePending
				w.appendLog(lang.L("Cancelled"))
				w.show(pageFinish)
				return
			}
			if err != nil && w.outcome == provisioning.OutcomePending {
				w.outcome = provisioning.OutcomeFail
				w.setProblem(engineWords(err, lang.L("The setup could not start. Check that the Photon is plugged in and the profile is complete, then press Retry; if it keeps happening, give the details to a supervisor.")), w.returnReminder(), err)
				w.appendLog(err.Error())
			}
			if w.outcome == provisioning.OutcomePending {
				w.appendLog(lang.L("Cancelled"))
				w.show(pageFinish)
				return
			}
			w.show(w.page)
		})
	}()
}

// apply shows one engine event. UI goroutine only.
func (w *Wizard) apply(ev provisioning.Event) {
	w.slot.Apply(ev)
	w.appendLog(logLine(ev, w.now()))
	for c := Chip(0); c < chipCount; c++ {
		w.done[pageOfChip(c)] = w.slot.Chips[c]
	}
	if c, ok := chipOf(ev.Step); ok && ev.Kind != provisioning.EventResult {
		if pg := pageOfChip(c); pg != w.page && (ev.Kind == provisioning.EventStarted || ev.Kind == provisioning.EventProgress || ev.Kind == provisioning.EventFailed) {
			w.page = pg
		}
	}
	if ev.Progress >= 0 {
		w.progress.SetValue(min(1, ev.Progress))
	}
	switch {
	case ev.Kind == provisioning.EventResult && w.cancelled:
		// The engine reports the stop as a failure; the person asked for it.
		return
	case ev.Kind == provisioning.EventResult && ev.Outcome == provisioning.OutcomePass:
		w.outcome = provisioning.OutcomePass
		w.done[pageFinish] = ChipDone
		w.setStatus(w.slot.Message, "")
		w.show(pageFinish)
		return
	case ev.Kind == provisioning.EventResult && ev.Outcome == provisioning.OutcomeProvisioned:
		w.outcome = provisioning.OutcomeProvisioned
		w.done[pageFinish] = ChipDone
		action := lang.L("Unplug it")
		if w.slot.Claimable {
			action = lang.L("Claim it to the job's customer, or unplug it")
		}
		w.setStatus(w.slot.Message, action)
		w.show(pageFinish)
		return
	case ev.Kind == provisioning.EventResult && ev.Outcome == provisioning.OutcomeStopped:
		// Stopped from outside (the window closed, the station stopped):
		// shown as stopped, never as a failure.
		w.outcome = provisioning.OutcomeStopped
		msg, action := ev.Message, ev.Action
		if action == provisioning.StoppedAction {
			msg, action = lang.L("Stopped: plug it in again or press Retry."), ""
		}
		w.setStatus(msg, action)
		w.show(pageFinish)
		return
	case ev.Kind == provisioning.EventResult:
		w.outcome = provisioning.OutcomeFail
		action := w.slot.Action
		if r := w.returnReminder(); r != "" {
			action += "\n\n" + r
		}
		w.setStatus(w.slot.Message, action)
	case ev.Kind == provisioning.EventFailed:
		w.setStatus(ev.Message, ev.Action)
	default:
		w.setStatus(w.slot.Message, "")
	}
	w.show(w.page)
}

func (w *Wizard) appendLog(line string) {
	w.logLines = append(w.logLines, line)
	if len(w.logLines) > 500 {
		w.logLines = w.logLines[len(w.logLines)-500:]
	}
	w.log.Refresh()
	w.log.ScrollToBottom()
}

// logLine is one line of the live log: time, step, what happened.
func logLine(ev provisioning.Event, now time.Time) string {
	t := ev.Time
	if t.IsZero() {
		t = now
	}
	s := fmt.Sprintf("%s %-12s %-8s", t.Format("15:04:05"), ev.Step, ev.Kind)
	if ev.DeviceID != "" {
		s += " " + ev.DeviceID
	}
	if ev.Message != "" {
		s += " " + ev.Message
	}
	if ev.Action != "" {
		s += " → " + ev.Action
	}
	return strings.TrimRight(s, " ")
}

// TypedKey: Enter is Next (start, retry), Escape is Cancel.
func (w *Wizard) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		w.Next()
	case fyne.KeyEscape:
		if w.cancelBtn.Visible() {
			w.Cancel()
		}
	}
}

// setVisible shows or hides o.
func setVisible(o fyne.CanvasObject, visible bool) {
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
}

// minHeight gives its one child a minimum height (the live log's list has
// none of its own).
type minHeight struct{ h float32 }

func (m *minHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (m *minHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w float32
	for _, o := range objs {
		w = max(w, o.MinSize().Width)
	}
	return fyne.NewSize(w, m.h)
}

// LogText is the live log as text.
func (w *Wizard) LogText() string { return strings.Join(w.logLines, "\n") }

// ChooseProfile picks the job profile on the first page, as the person
// does with the picker (its device channel becomes the suggestion).
func (w *Wizard) ChooseProfile(name string) { w.profileSelect.SetSelected(name) }

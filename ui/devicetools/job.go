package devicetools

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// run does work on its own goroutine under a deadline of limit, showing
// busy in out and disabling controls meanwhile. Its result goes to done on
// the UI goroutine; a failure is shown in out in plain words. A call that
// finishes after Close is dropped. Call run on the UI goroutine.
func run[T any](t *Tools, out *outcome, busy string, limit time.Duration, controls []fyne.Disableable, work func(ctx context.Context) (T, error), done func(T)) {
	if t.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(t.ctx, limit)
	t.nextJob++
	job := t.nextJob
	t.running[job] = cancel
	// The latest call on a result line wins: an older answer that comes
	// later (a slow page 2 after page 3, another device's rename) is
	// dropped, and the controls come back when the last call has ended.
	out.seq++
	seq := out.seq
	out.inflight++
	out.busy(busy, cancel)
	for _, c := range controls {
		c.Disable()
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer cancel()
		v, err := work(ctx)
		timedOut := err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
		stopped := err != nil && errors.Is(ctx.Err(), context.Canceled)
		if t.ctx.Err() != nil {
			return // the screen was closed
		}
		t.cfg.do(func() {
			delete(t.running, job)
			out.inflight--
			if out.inflight == 0 {
				for _, c := range controls {
					c.Enable()
				}
			}
			if seq != out.seq {
				return // superseded, or its screen moved on (forget)
			}
			switch {
			case stopped:
				out.info(lang.L("Stopped before it finished. Nothing more will be done; press the button again to retry."))
			case err != nil:
				out.fail(err, timedOut, limit)
			default:
				out.clear()
				done(v)
			}
		})
	}()
}

// outcome is the result line under an action: a still "Working…" line
// while the call runs (a call has no progress to show, and an animation
// would repaint the window all the time), then a sentence with an icon
// (never colour alone), and for a failure a "Details" expander with the
// server's own words for support.
type outcome struct {
	widget.BaseWidget

	working *widget.Label
	stop    *widget.Button // cancels the call in progress
	// progressRow holds "Working…" and Cancel; hidden, it takes no room.
	progressRow *fyne.Container
	cancel      context.CancelFunc
	icon        *widget.Icon
	text        *widget.Label
	details     *widget.Label
	expander    *widget.Accordion
	box         *fyne.Container

	// message is the shown sentence, for tests.
	message string
	failed  bool

	// seq numbers the calls shown here; inflight counts those running.
	seq, inflight int

	// reserve keeps room for a one-line result and its Details even while
	// nothing is shown, and holds the tallest result since the last
	// forget: the controls under an action (ping, call) do not jump when
	// its result appears or goes.
	reserve bool
	held    float32
}

// newReservedOutcome is an outcome that keeps its room (see reserve), for
// the result lines with controls under them.
func newReservedOutcome() *outcome {
	o := newOutcome()
	o.reserve = true
	o.Show()
	return o
}

func newOutcome() *outcome {
	o := &outcome{
		working: widget.NewLabelWithStyle(lang.L("Working…"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true}),
		icon:    widget.NewIcon(nil),
		text:    widget.NewLabel(""),
		details: widget.NewLabel(""),
	}
	o.text.Wrapping = fyne.TextWrapWord
	// The details keep their lines as the cloud wrote them and scroll
	// sideways: a wrapped label inside an accordion can be given the
	// height of fewer lines than it draws, which clips the last one.
	o.details.TextStyle = fyne.TextStyle{Monospace: true}
	o.details.Selectable = true
	o.expander = widget.NewAccordion(widget.NewAccordionItem(lang.L("Details"), container.NewHScroll(o.details)))
	o.stop = widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), func() {
		if o.cancel != nil {
			o.cancel()
		}
	})
	o.stop.Hide()
	o.working.Hide()
	o.icon.Hide()
	o.expander.Hide()
	o.progressRow = container.NewBorder(nil, nil, nil, o.stop, o.working)
	o.progressRow.Hide()
	o.box = container.NewVBox(o.progressRow,
		container.NewBorder(nil, nil, container.NewCenter(o.icon), nil, o.text),
		o.expander)
	o.ExtendBaseWidget(o)
	o.Hide()
	return o
}

func (o *outcome) CreateRenderer() fyne.WidgetRenderer {
	return &outcomeRenderer{WidgetRenderer: widget.NewSimpleRenderer(o.box), o: o}
}

// outcomeRenderer asks a reserved outcome's room of its layout.
type outcomeRenderer struct {
	fyne.WidgetRenderer
	o *outcome
}

func (r *outcomeRenderer) MinSize() fyne.Size {
	m := r.WidgetRenderer.MinSize()
	if !r.o.reserve {
		return m
	}
	r.o.held = max(r.o.held, m.Height, oneLineResult())
	return fyne.NewSize(m.Width, r.o.held)
}

// oneLineResult is the height of a result of one line with its closed
// Details, the room a reserved outcome keeps.
func oneLineResult() float32 {
	line := widget.NewLabel("Hg").MinSize().Height
	details := widget.NewAccordion(widget.NewAccordionItem(lang.L("Details"), widget.NewLabel(""))).MinSize().Height
	return line + theme.Padding() + details
}

// forget clears the line and drops the answers of the calls still running
// for it: what they would say belongs to what is no longer on screen.
func (o *outcome) forget() {
	o.seq++
	o.held = 0
	o.clear()
}

func (o *outcome) set(icon fyne.Resource, msg, details string) {
	o.message = msg
	o.working.Hide()
	o.progressRow.Hide()
	o.stop.Hide()
	o.cancel = nil
	o.icon.SetResource(icon)
	if icon == nil {
		o.icon.Hide()
	} else {
		o.icon.Show()
	}
	o.text.SetText(msg)
	o.details.SetText(details)
	if details == "" {
		o.expander.CloseAll()
		o.expander.Hide()
	} else {
		o.expander.Show()
	}
	// An empty outcome takes no room; a parent's layout must be redone
	// when it appears or goes.
	if msg == "" && icon == nil && !o.reserve {
		o.Hide()
	} else {
		o.Show()
	}
	o.Refresh()
}

// busy shows "Working…" and what is being done; with cancel, a Cancel
// button that stops it.
func (o *outcome) busy(msg string, cancel context.CancelFunc) {
	o.failed = false
	o.set(nil, msg, "")
	o.progressRow.Show()
	o.working.Show()
	if cancel != nil {
		o.cancel = cancel
		o.stop.Show()
	}
}

// succeed shows a result.
func (o *outcome) succeed(msg string) {
	o.failed = false
	o.set(theme.NewSuccessThemedResource(theme.ConfirmIcon()), msg, "")
}

// warn shows a result that needs the technician's attention.
func (o *outcome) warn(msg string) {
	o.failed = false
	o.set(theme.NewWarningThemedResource(theme.WarningIcon()), msg, "")
}

// info shows a neutral note.
func (o *outcome) info(msg string) {
	o.failed = false
	o.set(theme.InfoIcon(), msg, "")
}

// fail shows err in plain words.
func (o *outcome) fail(err error, timedOut bool, limit time.Duration) {
	msg, details := plainError(err, timedOut, limit)
	o.failed = true
	o.set(theme.NewErrorThemedResource(theme.ErrorIcon()), msg, details)
}

// problem shows a failure the tools found themselves (no cloud call).
func (o *outcome) problem(msg, details string) {
	o.failed = true
	o.set(theme.NewErrorThemedResource(theme.ErrorIcon()), msg, details)
}

func (o *outcome) clear() {
	o.failed = false
	o.set(nil, "", "")
}

// plainError turns an error into a sentence for a technician and the
// detail for support. A cloud.Error already says what happened and what to
// do; its server words, status and operation go to the detail.
func plainError(err error, timedOut bool, limit time.Duration) (msg, details string) {
	var ce *cloud.Error
	isCloud := errors.As(err, &ce)
	switch {
	case timedOut:
		msg = lang.L("The Particle Cloud did not answer within {{.Seconds}} seconds. Check this computer's network connection and try again.",
			map[string]any{"Seconds": int(limit / time.Second)})
		if !isCloud {
			return msg, err.Error()
		}
	case isCloud:
		// The sentence without the operation and status, which go to the details.
		cp := *ce
		cp.Op, cp.StatusCode = "", 0
		english := sentence(strings.TrimPrefix(cp.Error(), "particle cloud: "))
		if ce.Hint == "" && ce.Kind != cloud.KindRateLimited {
			msg = lang.X("devicetools.cloud."+strings.ReplaceAll(ce.Kind.String(), " ", "_"), english)
		} else {
			msg = english
		}
	case errors.As(err, new(*localProblem)):
		var lp *localProblem
		errors.As(err, &lp)
		if lp.Err != nil {
			return lp.Message, lp.Err.Error()
		}
		return lp.Message, ""
	case errors.Is(err, ErrLocked):
		msg = lang.L("Locked: the supervisor's account is not used here. The product tabs still work.")
	case errors.Is(err, ErrNotSignedIn):
		msg = lang.L("Nobody is signed in to the Particle Cloud. A supervisor signs in on the Profiles screen (Particle account), then try again.")
	case errors.Is(err, ErrNoProduct):
		msg = lang.L("The station has no product token. Choose a job profile with a product, then try again.")
	default:
		msg = lang.L("The operation failed. Try again; if it keeps happening, give the details to a supervisor.")
		return msg, err.Error()
	}
	if ce == nil {
		return msg, ""
	}
	var d []string
	if ce.Op != "" {
		d = append(d, lang.L("Operation")+": "+ce.Op)
	}
	if s := ce.Details(); s != "" {
		d = append(d, lang.L("Cloud answer")+": "+s)
	}
	if ce.Body != "" && !strings.Contains(ce.Details(), ce.Body) {
		d = append(d, ce.Body)
	}
	return msg, strings.Join(d, "\n")
}

// localProblem is a failure of the station's own work (reading or writing
// a file), with its message for the technician already in plain words.
type localProblem struct {
	Message string
	Err     error
}

func (p *localProblem) Error() string { return p.Message }
func (p *localProblem) Unwrap() error { return p.Err }

// Problem is an error a Source returns for a problem of its own (the
// keychain, the job profile): the tools show message as it is, and err's
// text under Details.
func Problem(message string, err error) error { return &localProblem{Message: message, Err: err} }

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ")") {
		s += "."
	}
	return s
}

// ago says how long ago t was, in words; "never" for a zero time.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return lang.L("never")
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return lang.L("just now")
	case d < time.Hour:
		return lang.L("{{.N}} min ago", map[string]any{"N": int(d / time.Minute)})
	case d < 48*time.Hour:
		return lang.L("{{.N}} h ago", map[string]any{"N": int(d / time.Hour)})
	default:
		return lang.L("{{.N}} days ago", map[string]any{"N": int(d / (24 * time.Hour))})
	}
}

// onlineText is a device's connection state in words.
func onlineText(online bool) string {
	if online {
		return lang.L("Online")
	}
	return lang.L("Offline")
}

// stamp is a time as the technician reads it: local date and time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

package devicetools

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// claiming is the product device pane's claiming section, the controls of
// the tutorial's "Not a product device and unclaimed" and "More about
// customer claiming": look up whether the device is in the product and who
// owns it, unclaim it, remove it from the product, and claim it (online)
// to a customer with that customer's token.
type claiming struct {
	p *devicePane

	lookupBtn, unclaimBtn, removeBtn, claimBtn *widget.Button
	customer                                   *widget.Entry
	out                                        *outcome
	box                                        fyne.CanvasObject
}

// claimState is what the product route says of a device's claiming.
type claimState struct {
	inProduct bool
	online    bool
	owner     string
}

func newClaiming(p *devicePane) *claiming {
	c := &claiming{p: p, out: newReservedOutcome()}
	c.lookupBtn = widget.NewButtonWithIcon(lang.L("Look up claiming"), theme.SearchIcon(), c.lookup)
	c.unclaimBtn = widget.NewButtonWithIcon(lang.L("Unclaim…"), theme.ContentUndoIcon(), c.confirmUnclaim)
	c.removeBtn = widget.NewButtonWithIcon(lang.L("Remove from product…"), theme.DeleteIcon(), c.confirmRemove)
	c.customer = widget.NewEntry()
	c.customer.SetPlaceHolder(lang.L("Customer e-mail"))
	c.customer.OnSubmitted = func(string) { c.claim() }
	c.claimBtn = widget.NewButtonWithIcon(lang.L("Claim to customer"), theme.LoginIcon(), c.claim)
	c.box = container.NewVBox(
		container.NewHBox(c.lookupBtn, c.unclaimBtn, c.removeBtn),
		container.NewBorder(nil, nil, nil, c.claimBtn, c.customer),
		c.out,
	)
	return c
}

func (c *claiming) controls() []fyne.Disableable {
	return []fyne.Disableable{c.lookupBtn, c.unclaimBtn, c.removeBtn, c.claimBtn}
}

// forget drops answers for the device shown before.
func (c *claiming) forget() {
	c.out.forget()
	c.customer.SetText("")
}

// state reads the device's claiming through the product route.
func state(ctx context.Context, pc *cloud.Client, ref cloud.DeviceRef) (claimState, error) {
	d, err := pc.GetDevice(ctx, ref)
	if cloud.IsNotFound(err) {
		return claimState{}, nil
	}
	if err != nil {
		return claimState{}, err
	}
	return claimState{inProduct: true, online: d.Online, owner: d.Owner}, nil
}

// words says a claimState as a sentence for the technician.
func (c *claiming) words(s claimState) string {
	product := c.p.t.src.Product()
	switch {
	case !s.inProduct:
		return lang.L("Not in product {{.Product}}. Import its ID on this tab to add it, then claim it.", map[string]any{"Product": product})
	case s.owner == "":
		return lang.L("In product {{.Product}}, not claimed. It can be claimed to a customer while it is online.", map[string]any{"Product": product})
	default:
		return lang.L("In product {{.Product}}, claimed by {{.Owner}}.", map[string]any{"Product": product, "Owner": s.owner})
	}
}

func (c *claiming) lookup() {
	if !c.p.has {
		return
	}
	ref := c.p.refOf()
	run(c.p.t, c.out, lang.L("Asking the cloud who owns the device…"), c.p.t.cfg.timeout, c.controls(),
		func(ctx context.Context) (claimState, error) {
			pc, err := c.p.t.src.ProductCloud(ctx)
			if err != nil {
				return claimState{}, err
			}
			return state(ctx, pc, ref)
		},
		func(s claimState) {
			c.p.dev.Owner = s.owner
			c.p.fill()
			c.out.info(c.words(s))
		})
}

// ask shows a confirmation whose confirm button reads as destructive.
func (c *claiming) ask(title, question, confirm string, then func()) {
	d := dialog.NewConfirm(title, question, func(ok bool) {
		if ok {
			then()
		}
	}, c.p.t.win)
	d.SetConfirmText(confirm)
	d.SetDismissText(lang.L("Cancel"))
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

func (c *claiming) confirmUnclaim() {
	if !c.p.has {
		return
	}
	c.ask(lang.L("Unclaim device"),
		lang.L("Unclaim {{.Device}}? Its owner loses it; it stays in the product.", map[string]any{"Device": c.p.dev.ID}),
		lang.L("Unclaim"), c.unclaim)
}

func (c *claiming) unclaim() {
	ref := c.p.refOf()
	run(c.p.t, c.out, lang.L("Unclaiming…"), c.p.t.cfg.timeout, c.controls(),
		func(ctx context.Context) (struct{}, error) {
			pc, err := c.p.t.src.ProductCloud(ctx)
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, pc.UnclaimDevice(ctx, ref)
		},
		func(struct{}) {
			c.p.dev.Owner = ""
			c.p.fill()
			c.out.succeed(lang.L("Unclaimed. The device is in the product with no owner."))
			c.p.tellChanged()
		})
}

func (c *claiming) confirmRemove() {
	if !c.p.has {
		return
	}
	c.ask(lang.L("Remove from product"),
		lang.L("Remove {{.Device}} from product {{.Product}}? A customer who owns it loses it too.",
			map[string]any{"Device": c.p.dev.ID, "Product": c.p.t.src.Product()}),
		lang.L("Remove"), c.remove)
}

func (c *claiming) remove() {
	product, id := c.p.t.src.Product(), c.p.dev.ID
	run(c.p.t, c.out, lang.L("Removing the device from the product…"), c.p.t.cfg.timeout, c.controls(),
		func(ctx context.Context) (struct{}, error) {
			pc, err := c.p.t.src.ProductCloud(ctx)
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, pc.RemoveFromProduct(ctx, product, id, false)
		},
		func(struct{}) {
			c.p.dev.Owner = ""
			c.p.fill()
			c.out.succeed(lang.L("Removed from product {{.Product}}.", map[string]any{"Product": product}))
		})
}

// claim claims the device to the customer typed, as the tutorial does:
// the product token checks that the device is in the product, online and
// unclaimed; the customer's own token then claims it (POST /v1/devices).
func (c *claiming) claim() {
	if !c.p.has {
		return
	}
	email := strings.TrimSpace(c.customer.Text)
	if !strings.Contains(email, "@") {
		c.out.problem(lang.L("Type the customer's e-mail first."), "")
		return
	}
	ref, id := c.p.refOf(), c.p.dev.ID
	run(c.p.t, c.out, lang.L("Claiming the device to {{.Customer}}…", map[string]any{"Customer": email}), c.p.t.cfg.timeout, c.controls(),
		func(ctx context.Context) (claimState, error) {
			pc, err := c.p.t.src.ProductCloud(ctx)
			if err != nil {
				return claimState{}, err
			}
			s, err := state(ctx, pc, ref)
			switch {
			case err != nil:
				return s, err
			case !s.inProduct || s.owner != "" || !s.online:
				return s, nil // said in done
			}
			cc, err := c.p.t.src.CustomerCloud(ctx, email)
			if err != nil {
				return s, err
			}
			if _, err := cc.ClaimDevice(ctx, id, false); err != nil {
				return s, err
			}
			return state(ctx, pc, ref)
		},
		func(s claimState) {
			c.p.dev.Owner = s.owner
			c.p.fill()
			switch {
			case !s.inProduct:
				c.out.problem(c.words(s), "")
			case s.owner != "" && !strings.EqualFold(s.owner, email):
				c.out.problem(c.words(s)+" "+lang.L("Unclaim it first to claim it to another customer."), "")
			case s.owner == "" && !s.online:
				c.out.problem(lang.L("The device is offline. It can be claimed only while it is online (breathing cyan)."), "")
			case s.owner == "":
				c.out.problem(lang.L("The cloud accepted the claim, but the device has no owner yet. Look up claiming again in a moment."), "")
			default:
				c.out.succeed(lang.L("Claimed to {{.Customer}}.", map[string]any{"Customer": s.owner}))
				c.p.tellChanged()
			}
		})
}

// tellChanged tells the list the device changed.
func (p *devicePane) tellChanged() {
	if p.onChanged != nil {
		p.onChanged(p.dev)
	}
}

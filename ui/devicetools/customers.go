package devicetools

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// customersTab lists the product's customers, paged by the server.
type customersTab struct {
	t       *Tools
	list    *dataTable[cloud.Customer]
	pager   *pager
	btn     *widget.Button
	out     *outcome
	content fyne.CanvasObject
}

func newCustomersTab(t *Tools) *customersTab {
	c := &customersTab{t: t}
	c.list = newDataTable([]column[cloud.Customer]{
		{title: lang.L("Customer"), width: 320, differing: true, text: func(x cloud.Customer) string { return x.Username },
			cmp: func(a, b cloud.Customer) int { return strings.Compare(a.Username, b.Username) }},
		{title: lang.L("Customer ID"), width: 260, text: func(x cloud.Customer) string { return x.ID },
			cmp: func(a, b cloud.Customer) int { return strings.Compare(a.ID, b.ID) }},
	}, lang.L("No customers to show. A customer appears here once a device has been claimed for it."))
	c.pager = newPager(25)
	c.pager.onChange = func(page, per int) { c.load(page, per) }
	c.btn = widget.NewButtonWithIcon(lang.L("Refresh"), theme.ViewRefreshIcon(), c.refresh)
	c.btn.Importance = widget.HighImportance
	c.out = newOutcome()
	intro := widget.NewLabel(lang.L("Customers of the product. Shadow customers are listed once they own a device."))
	intro.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(container.NewBorder(nil, nil, nil, c.btn, intro), c.out)
	c.content = container.NewBorder(top, c.pager.content, nil, nil, c.list.stack)
	return c
}

func (c *customersTab) refresh() { c.load(c.pager.page, c.pager.perPage) }

// load asks for one page of customers; the pager moves when it is there.
func (c *customersTab) load(page, per int) {
	if c.t.noProduct(c.out) {
		return
	}
	product := c.t.src.Product()
	run(c.t, c.out, lang.L("Asking the Particle Cloud for the customers…"), c.t.cfg.timeout,
		[]fyne.Disableable{c.btn, c.pager.prev, c.pager.next},
		func(ctx context.Context) (cloud.CustomerPage, error) {
			cl, err := c.t.src.ProductCloud(ctx)
			if err != nil {
				return cloud.CustomerPage{}, err
			}
			return cl.ListCustomers(ctx, product, page, per)
		},
		func(p cloud.CustomerPage) {
			c.list.setRows(p.Customers)
			if p.Meta.Page == 0 {
				p.Meta.Page = page
			}
			if p.Meta.TotalPages == 0 && p.Meta.Total == 0 {
				p.Meta.Total = len(p.Customers)
				p.Meta.TotalPages = 1
			}
			c.pager.set(p.Meta.Page, p.Meta.TotalPages, p.Meta.Total)
		})
}

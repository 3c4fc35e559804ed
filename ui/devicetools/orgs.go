package devicetools

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/ui/lang"
)

// orgsTab lists the signed-in user's products and organizations, and the
// products of the organization picked.
type orgsTab struct {
	t *Tools

	btn      *widget.Button
	out      *outcome
	products *dataTable[cloud.Product]
	orgs     *dataTable[cloud.Organization]
	orgOut   *outcome
	orgTitle *widget.Label
	orgProds *dataTable[cloud.Product]

	content fyne.CanvasObject
}

func productColumns() []column[cloud.Product] {
	return []column[cloud.Product]{
		{title: lang.L("Product"), width: 200, differing: true, text: func(p cloud.Product) string { return p.Name },
			cmp: func(a, b cloud.Product) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }},
		{title: lang.L("ID"), width: 70, text: func(p cloud.Product) string { return fmt.Sprint(p.ID) },
			cmp: func(a, b cloud.Product) int { return a.ID - b.ID }},
		{title: lang.L("Slug"), width: 190, text: func(p cloud.Product) string { return p.Slug },
			cmp: func(a, b cloud.Product) int { return strings.Compare(a.Slug, b.Slug) }},
		{title: lang.L("Platform"), width: 90, text: func(p cloud.Product) string { return platformName(p.PlatformID) },
			cmp: func(a, b cloud.Product) int { return a.PlatformID - b.PlatformID }},
		{title: lang.L("Devices"), width: 70, text: func(p cloud.Product) string { return fmt.Sprint(p.DeviceCount) },
			cmp: func(a, b cloud.Product) int { return a.DeviceCount - b.DeviceCount }},
	}
}

func newOrgsTab(t *Tools) *orgsTab {
	o := &orgsTab{t: t}
	o.btn = widget.NewButtonWithIcon(lang.L("Refresh"), theme.ViewRefreshIcon(), o.refresh)
	o.btn.Importance = widget.HighImportance
	o.out = newOutcome()
	o.products = newDataTable(productColumns(), lang.L("No products to show."))
	o.orgs = newDataTable([]column[cloud.Organization]{
		{title: lang.L("Organization"), width: 200, text: func(x cloud.Organization) string { return x.Name },
			cmp: func(a, b cloud.Organization) int {
				return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
			}},
		{title: lang.L("Slug"), width: 160, text: func(x cloud.Organization) string { return x.Slug },
			cmp: func(a, b cloud.Organization) int { return strings.Compare(a.Slug, b.Slug) }},
	}, lang.L("The account belongs to no organization."))
	o.orgs.onSelect = o.showOrg
	o.orgOut = newOutcome()
	o.orgTitle = boldLabel(lang.L("Select an organization to see its products."))
	o.orgProds = newDataTable(productColumns(), "")

	intro := widget.NewLabel(lang.L("Products and organizations of the signed-in account."))
	top := container.NewVBox(container.NewBorder(nil, nil, nil, o.btn, intro), o.out)
	mine := container.NewBorder(boldLabel(lang.L("Your products")), nil, nil, nil, o.products.stack)
	orgList := container.NewBorder(boldLabel(lang.L("Organizations")), nil, nil, nil, o.orgs.stack)
	orgProducts := container.NewBorder(container.NewVBox(o.orgTitle, o.orgOut), nil, nil, nil, o.orgProds.stack)
	right := container.NewHSplit(orgList, orgProducts)
	right.Offset = 0.4
	body := container.NewVSplit(mine, right)
	o.content = container.NewBorder(top, nil, nil, nil, body)
	return o
}

type productsAndOrgs struct {
	products []cloud.Product
	orgs     []cloud.Organization
}

func (o *orgsTab) refresh() {
	run(o.t, o.out, lang.L("Asking the Particle Cloud for the products and organizations…"), o.t.cfg.timeout,
		[]fyne.Disableable{o.btn},
		func(ctx context.Context) (productsAndOrgs, error) {
			c, err := o.t.src.UserCloud(ctx)
			if err != nil {
				return productsAndOrgs{}, err
			}
			ps, err := c.ListProducts(ctx)
			if err != nil {
				return productsAndOrgs{}, err
			}
			os, err := c.ListOrganizations(ctx)
			return productsAndOrgs{ps, os}, err
		},
		func(r productsAndOrgs) {
			o.products.setRows(r.products)
			o.orgs.setRows(r.orgs)
			o.orgProds.setRows(nil)
			o.orgTitle.SetText(lang.L("Select an organization to see its products."))
		})
}

func (o *orgsTab) showOrg(org cloud.Organization) {
	key := org.Slug
	if key == "" {
		key = org.ID
	}
	o.orgTitle.SetText(lang.L("Products of {{.Org}}", map[string]any{"Org": org.Name}))
	o.orgProds.setRows(nil)
	run(o.t, o.orgOut, lang.L("Asking for the organization's products…"), o.t.cfg.timeout, nil,
		func(ctx context.Context) ([]cloud.Product, error) {
			c, err := o.t.src.UserCloud(ctx)
			if err != nil {
				return nil, err
			}
			return c.ListOrgProducts(ctx, key)
		},
		func(ps []cloud.Product) {
			o.orgProds.setRows(ps)
			if len(ps) == 0 {
				o.orgOut.info(lang.L("This organization has no products."))
			}
		})
}

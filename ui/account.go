package ui

import (
	"context"
	"errors"
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

// SupervisorAccount is the station's sign-in to a supervisor's Particle
// account (*provisioning.Supervisor). The token stays behind it: the screen
// sees only who is signed in.
type SupervisorAccount interface {
	// Current returns who is signed in, or provisioning.ErrNotSignedIn.
	Current(ctx context.Context) (provisioning.Account, error)
	// SignIn returns provisioning.ErrCodeNeeded when the account asks for
	// its two-step verification code; SignInCode then finishes.
	SignIn(ctx context.Context, username, password string) (provisioning.Account, error)
	SignInCode(ctx context.Context, code string) (provisioning.Account, error)
	SignOut(ctx context.Context) error
	// Products lists the products the supervisor can choose from.
	Products(ctx context.Context) ([]provisioning.ProductChoice, error)
	// CreateProductClient creates the product's OAuth client for the
	// profile, stores its secret in the keychain and returns its ID.
	CreateProductClient(ctx context.Context, profile, product string) (string, error)
	// DeleteProductClient deletes a client CreateProductClient made for
	// a profile that was then not saved, and forgets its secret.
	DeleteProductClient(ctx context.Context, profile, product, clientID string) error
}

// accountCard is the top of the profile editor: who is signed in, and the
// button that signs in or out.
type accountCard struct {
	v       *ProfilesView
	acct    SupervisorAccount
	status  *widget.Label
	more    *detailsExpander // the status's raw cause, folded away
	signIn  *widget.Button
	signOut *widget.Button
	box     fyne.CanvasObject
	// who is the signed-in account; "" when nobody is (or the station is
	// locked: the account is then not used).
	who string
	// last and lastErr are what Current last said, shown again when the
	// lock opens.
	last    provisioning.Account
	lastErr error
	// email is the e-mail last typed into the sign-in form, offered again
	// when the form opens (after a code that was not accepted, say).
	email string
}

func newAccountCard(v *ProfilesView, acct SupervisorAccount) *accountCard {
	c := &accountCard{v: v, acct: acct}
	c.status = widget.NewLabel("")
	c.status.Wrapping = fyne.TextWrapWord
	c.more = newDetailsExpander()
	c.signIn = widget.NewButtonWithIcon(lang.L("Sign in…"), theme.LoginIcon(), c.askPassword)
	c.signIn.Importance = widget.HighImportance
	c.signOut = widget.NewButtonWithIcon(lang.L("Sign out"), theme.LogoutIcon(), c.confirmSignOut)
	c.box = widget.NewCard(lang.L("Particle account"), "",
		container.NewBorder(nil, nil, widget.NewIcon(theme.AccountIcon()), container.NewHBox(c.signIn, c.signOut), messageWithDetails(c.status, c.more)))
	c.show(provisioning.Account{}, nil)
	return c
}

// refresh asks who is signed in.
func (c *accountCard) refresh() {
	c.status.SetText(lang.L("Checking the sign-in…"))
	c.signIn.Disable()
	c.signOut.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(c.v.parent, 15*time.Second)
		defer cancel()
		a, err := c.acct.Current(ctx)
		c.v.do(func() { c.show(a, err) })
	}()
}

// show puts the account (or the reason there is none) on the card.
func (c *accountCard) show(a provisioning.Account, err error) {
	c.last, c.lastErr = a, err
	c.status.Importance = widget.MediumImportance
	c.more.set("")
	switch {
	case c.v.isLocked():
		// Locked: nobody at the bench may use the supervisor's account.
		c.who = ""
		c.status.SetText(lang.L("Editing is locked: the supervisor's Particle account is not used on this station until a supervisor unlocks it."))
		c.signIn.Hide()
		c.signOut.Hide()
	case err == nil && a.Username != "":
		c.who = a.Username
		until := lang.L("the sign-in does not expire")
		if !a.ExpiresAt.IsZero() {
			until = lang.L("until {{.Date}}", map[string]any{"Date": a.ExpiresAt.Local().Format("2 Jan 2006")})
		}
		c.status.SetText(lang.L("Signed in as {{.Who}} ({{.Until}}). Choose the product from your account, and let the station create the OAuth client.",
			map[string]any{"Who": a.Username, "Until": until}))
		c.signIn.Hide()
		c.signOut.Show()
		c.signOut.Enable()
	default:
		c.who = ""
		if errors.Is(err, provisioning.ErrKeyringUnavailable) {
			// Without a keychain a sign-in cannot be kept safely.
			c.status.Importance = widget.WarningImportance
			c.status.SetText(lang.L("Signing in needs the keychain, which this computer does not have: see the note above."))
			c.v.keychain.show(err)
			c.signOut.Hide()
			c.signIn.Show()
			c.signIn.Disable()
			c.status.Refresh()
			c.v.refreshAccountActions()
			return
		}
		if err != nil && !errors.Is(err, provisioning.ErrNotSignedIn) {
			c.status.Importance = widget.DangerImportance
			c.status.SetText(lang.L("The sign-in could not be read from the keychain. Sign in again; if it keeps happening, give the details to a supervisor."))
			c.more.set(causeText(err))
		} else {
			c.status.SetText(lang.L("Not signed in. A supervisor signs in with their Particle account to choose products and create OAuth clients; profiles work without it."))
		}
		c.signOut.Hide()
		c.signIn.Show()
		c.signIn.Enable()
	}
	c.status.Refresh()
	c.v.refreshAccountActions()
}

// keyringCause is the raw reason the keychain failed, for a supervisor.
func keyringCause(err error) string {
	var ke *provisioning.KeyringError
	if errors.As(err, &ke) && ke.Err != nil {
		return ke.Err.Error()
	}
	return err.Error()
}

// fail shows a sign-in problem and offers Sign in again.
func (c *accountCard) fail(err error) {
	c.show(provisioning.Account{}, nil)
	c.status.Importance = widget.DangerImportance
	c.status.SetText(lang.L("The sign-in did not work. Check this computer's network connection and sign in again; if it keeps happening, give the details to a supervisor."))
	c.more.set(causeText(err))
	c.status.Refresh()
}

// askPassword opens the sign-in form.
func (c *accountCard) askPassword() {
	email := widget.NewEntry()
	email.SetPlaceHolder(lang.L("you@company.com"))
	email.SetText(c.email)
	email.Validator = func(s string) error {
		if !strings.Contains(strings.TrimSpace(s), "@") {
			return errors.New(lang.L("E-mail: enter the e-mail address of the Particle account"))
		}
		return nil
	}
	password := widget.NewPasswordEntry()
	password.Validator = func(s string) error {
		if s == "" {
			return errors.New(lang.L("Password: enter the account's password"))
		}
		return nil
	}
	d := dialog.NewForm(lang.L("Sign in to Particle"), lang.L("Sign in"), lang.L("Cancel"), []*widget.FormItem{
		widget.NewFormItem(lang.L("E-mail"), email),
		widget.NewFormItem(lang.L("Password"), password),
	}, func(ok bool) {
		if !ok {
			return
		}
		user, pass := email.Text, password.Text
		c.email = strings.TrimSpace(user)
		password.SetText("")
		c.run(lang.L("Signing in…"), func(ctx context.Context) (provisioning.Account, error) {
			return c.acct.SignIn(ctx, user, pass)
		})
	}, c.v.win)
	// Enter in either field signs in, as in any sign-in form.
	email.OnSubmitted = func(string) { c.v.win.Canvas().Focus(password) }
	password.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(480, d.MinSize().Height))
	d.Show()
	if c.email != "" {
		c.v.win.Canvas().Focus(password)
	} else {
		c.v.win.Canvas().Focus(email)
	}
}

// askCode opens the two-step verification form.
func (c *accountCard) askCode() {
	code := widget.NewEntry()
	code.SetPlaceHolder(lang.L("6-digit code"))
	code.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(lang.L("Code: enter the code from the authenticator app"))
		}
		return nil
	}
	d := dialog.NewForm(lang.L("Two-step verification"), lang.L("Verify"), lang.L("Cancel"), []*widget.FormItem{
		widget.NewFormItem(lang.L("Code"), code),
	}, func(ok bool) {
		if !ok {
			c.show(provisioning.Account{}, nil)
			return
		}
		otp := code.Text
		c.run(lang.L("Checking the code…"), func(ctx context.Context) (provisioning.Account, error) {
			return c.acct.SignInCode(ctx, otp)
		})
	}, c.v.win)
	code.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	d.Show()
	c.v.win.Canvas().Focus(code)
}

// run does a sign-in step off the UI goroutine and shows its outcome.
func (c *accountCard) run(busy string, step func(ctx context.Context) (provisioning.Account, error)) {
	c.status.Importance = widget.MediumImportance
	c.status.SetText(busy)
	c.signIn.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(c.v.parent, 45*time.Second)
		defer cancel()
		a, err := step(ctx)
		c.v.do(func() {
			switch {
			case errors.Is(err, provisioning.ErrCodeNeeded):
				c.status.SetText(lang.L("Password accepted. Enter the code from the authenticator app."))
				c.askCode()
			case errors.Is(err, provisioning.ErrPasswordNotAccepted):
				c.show(provisioning.Account{}, nil)
				c.status.Importance = widget.DangerImportance
				c.status.SetText(lang.L("The e-mail or password was not accepted for {{.Email}}. Check them and sign in again.", map[string]any{"Email": c.email}))
			case errors.Is(err, provisioning.ErrCodeNotAccepted):
				c.status.Importance = widget.WarningImportance
				c.status.SetText(lang.L("The code was not accepted for {{.Email}}. Enter the newest code from the authenticator app.", map[string]any{"Email": c.email}))
				c.askCode()
			case err != nil:
				c.fail(err)
			default:
				c.show(a, nil)
			}
		})
	}()
}

func (c *accountCard) confirmSignOut() {
	dialog.ShowConfirm(lang.L("Sign out"),
		lang.L("Sign {{.Who}} out of this station? The profiles and their secrets stay; choosing products and creating OAuth clients will need a new sign-in.", map[string]any{"Who": c.who}),
		func(ok bool) {
			if ok {
				c.doSignOut()
			}
		}, c.v.win)
}

func (c *accountCard) doSignOut() {
	c.signOut.Disable()
	c.status.SetText(lang.L("Signing out…"))
	go func() {
		ctx, cancel := context.WithTimeout(c.v.parent, 30*time.Second)
		defer cancel()
		err := c.acct.SignOut(ctx)
		cctx, ccancel := context.WithTimeout(c.v.parent, 15*time.Second)
		defer ccancel()
		a, cur := c.acct.Current(cctx)
		c.v.do(func() {
			c.show(a, cur)
			if err != nil {
				c.status.Importance = widget.WarningImportance
				c.status.SetText(lang.L("The Particle Cloud did not confirm the sign-out. Check this computer's network connection, and sign out again if the account is still shown."))
				c.more.set(causeText(err))
				c.status.Refresh()
			}
		})
	}()
}

// chooseProduct lists the signed-in supervisor's products and puts the
// chosen one's ID into the Product field.
func (v *ProfilesView) chooseProduct() {
	if v.account == nil {
		return
	}
	v.chooseBtn.Disable()
	v.setMessage(lang.L("Asking the Particle Cloud for your products…"), false)
	go func() {
		ctx, cancel := context.WithTimeout(v.parent, 30*time.Second)
		defer cancel()
		ps, err := v.account.Products(ctx)
		v.do(func() {
			v.refreshAccountActions()
			if err != nil {
				v.setProblem(lang.L("The products could not be listed. Check this computer's network connection and press Choose… again; if it keeps happening, give the details to a supervisor."), err)
				return
			}
			v.setMessage("", false)
			v.showProductPicker(ps)
		})
	}()
}

func (v *ProfilesView) showProductPicker(ps []provisioning.ProductChoice) {
	if len(ps) == 0 {
		dialog.ShowInformation(lang.L("Choose a product"),
			lang.L("This account has no products. Create the product in the Particle console first."), v.win)
		return
	}
	labels := make([]string, len(ps))
	for i, p := range ps {
		labels[i] = p.Label()
	}
	var d dialog.Dialog
	list := widget.NewList(func() int { return len(labels) },
		func() fyne.CanvasObject { return widget.NewLabel("a product name (1234) · org") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(labels[i]) })
	list.OnSelected = func(i widget.ListItemID) {
		v.product.SetText(strconv.Itoa(ps[i].ID))
		v.product.Validate()
		v.validateAll()
		d.Hide()
	}
	v.productList = list
	hint := widget.NewLabel(lang.L("Pick the product this profile provisions devices into."))
	d = dialog.NewCustom(lang.L("Choose a product"), lang.L("Cancel"),
		container.NewBorder(hint, nil, nil, nil, container.NewGridWrap(fyne.NewSize(460, 240), list)), v.win)
	d.Show()
}

// createClient asks, then creates the product's OAuth client for this
// profile, whose secret goes straight into the keychain.
func (v *ProfilesView) createClient() {
	if v.account == nil || v.isLocked() {
		return
	}
	p := v.Profile()
	name := p.Name
	if err := v.name.Validator(v.name.Text); err != nil {
		v.setMessage(err.Error(), true)
		return
	}
	if err := v.product.Validator(v.product.Text); err != nil || p.Product == "" {
		v.setMessage(lang.L("Product: choose or type the product first"), true)
		return
	}
	if v.current == "" {
		for _, n := range v.names {
			if n == name {
				v.setMessage(lang.L("Profile name: a profile called {{.Name}} already exists", map[string]any{"Name": name}), true)
				return
			}
		}
	}
	dialog.ShowConfirm(lang.L("Create OAuth client"),
		lang.L("Create a new OAuth client for product {{.Product}}? Its secret goes straight into this computer's keychain for the profile {{.Name}} and is never shown.",
			map[string]any{"Product": p.Product, "Name": name}),
		func(ok bool) {
			if ok {
				v.doCreateClient(name, p.Product)
			}
		}, v.win)
}

func (v *ProfilesView) doCreateClient(name, product string) {
	// Until the answer is in, this profile stays open and its name fixed:
	// the secret is stored under that name, and the client ID must land
	// in the same profile.
	v.creating = true
	v.refreshLock()
	v.setMessage(lang.L("Creating the OAuth client…"), false)
	existing := v.current != ""
	go func() {
		ctx, cancel := context.WithTimeout(v.parent, 45*time.Second)
		defer cancel()
		id, err := v.account.CreateProductClient(ctx, name, product)
		if err == nil && existing {
			// The stored profile gets the new client ID at once, whatever
			// else is being edited: its secret has already changed.
			err = v.storeClientID(name, id)
		}
		v.do(func() {
			v.creating = false
			if err != nil {
				v.refreshLock()
				v.setProblem(clientWords(err, product), err)
				return
			}
			v.clientID.SetText(id)
			v.clientSecret.setStored(true)
			if !existing {
				v.made = &madeClient{profile: name, product: product, id: id}
			}
			v.refreshLock()
			if !existing && len(v.problems()) == 0 {
				v.Save()
				return
			}
			if existing {
				v.setMessage(lang.L("OAuth client {{.ID}} created and saved in {{.Name}}; its secret is in the keychain.", map[string]any{"ID": id, "Name": name}), false)
				if v.onChange != nil {
					v.onChange()
				}
				return
			}
			v.setMessage(lang.L("OAuth client {{.ID}} created; its secret is in the keychain. Finish the profile and save it.", map[string]any{"ID": id}), false)
		})
	}()
}

// storeClientID writes a new client ID into the stored profile name.
func (v *ProfilesView) storeClientID(name, id string) error {
	p, err := v.store.Load(name)
	if err != nil {
		return err
	}
	p.ClientID = id
	if err := v.store.Save(p); err != nil {
		return &clientNotStored{id: id, err: err}
	}
	return nil
}

// refreshAccountActions enables Choose and Create when a supervisor is
// signed in and editing is allowed.
func (v *ProfilesView) refreshAccountActions() {
	if v.accountCard == nil {
		return
	}
	on := v.accountCard.who != "" && !v.isLocked()
	for _, b := range []*widget.Button{v.chooseBtn, v.createBtn} {
		if on && !v.creating {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if !v.clientReady() {
		v.createBtn.Disable()
	}
}

// clientNotStored says a client was made and its secret kept, but the
// stored profile could not take its ID.
type clientNotStored struct {
	id  string
	err error
}

func (e *clientNotStored) Error() string { return e.err.Error() }
func (e *clientNotStored) Unwrap() error { return e.err }

// clientWords says why Create client did not give the profile a client,
// and what to do.
func clientWords(err error, product string) string {
	var ns *clientNotStored
	switch {
	case errors.As(err, &ns):
		return lang.L("The OAuth client {{.ID}} was created and its secret stored, but the profile could not be updated. Type {{.ID}} as its OAuth client ID and press Save profile.", map[string]any{"ID": ns.id})
	case errors.As(err, new(*provisioning.KeyringError)):
		return lang.L("The OAuth client was created, but the keychain did not take its secret. A supervisor deletes that client in the Particle console (the product's Authentication page) and creates a new one once the keychain works.")
	}
	return lang.L("No OAuth client was set up. Check this computer's network connection and that your account may manage product {{.Product}}, then press Create client again.", map[string]any{"Product": product})
}

package ui

import (
	"context"
	"errors"
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

// ConnectionReport is what "Test connection" found in the cloud.
type ConnectionReport struct {
	ProductName string
	Platform    string
	Devices     int
	Customers   int
}

// ConnectionTester runs the cloud pre-flight for a profile. clientSecret
// is the secret just typed and not yet saved, or "" to use the stored one.
// The error's text is shown to the supervisor as the exact problem.
type ConnectionTester interface {
	TestConnection(ctx context.Context, p provisioning.Profile, clientSecret string) (ConnectionReport, error)
}

// secretField is a masked entry that, once the secret is stored, gives way
// to "Stored in the keychain" and a Replace button: the value is never
// shown or read back.
type secretField struct {
	kind    provisioning.SecretKind
	entry   *formEntry
	stored  *widget.Label
	replace *widget.Button
	box     *fyne.Container
	has     bool // stored in the keychain
}

func newSecretField(kind provisioning.SecretKind, placeholder string) *secretField {
	f := &secretField{kind: kind, entry: newFormEntry(true)}
	f.entry.SetPlaceHolder(placeholder)
	f.stored = widget.NewLabelWithStyle(lang.L("Stored in the keychain"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	f.replace = widget.NewButtonWithIcon(lang.L("Replace"), theme.ContentRedoIcon(), func() { f.setStored(false) })
	f.box = container.NewStack(f.entry, container.NewHBox(widget.NewIcon(lockIcon), f.stored, f.replace))
	f.setStored(false)
	return f
}

// setStored switches between the stored notice and the masked entry.
func (f *secretField) setStored(stored bool) {
	f.has = stored
	f.entry.SetText("")
	f.stored.SetText(lang.L("Stored in the keychain"))
	f.replace.Show()
	setVisible(f.box.Objects[0], !stored)
	setVisible(f.box.Objects[1], stored)
	f.box.Refresh()
}

// setSource shows where the secret comes from: the keychain, or (on a
// computer without one) the environment the station was started with,
// which the form cannot replace.
func (f *secretField) setSource(src provisioning.SecretSource) {
	f.setStored(src != provisioning.SourceNone)
	if src == provisioning.SourceEnvironment {
		f.stored.SetText(lang.L("From the environment the station was started with (no keychain)"))
		f.replace.Hide()
	}
}

// typed is the value typed into the field, "" when the stored one stands.
func (f *secretField) typed() string {
	if f.has {
		return ""
	}
	return f.entry.Text
}

// ProfilesView is the supervisor's screen: the list of job profiles and a
// form in sections to create, edit, duplicate and delete them.
type ProfilesView struct {
	win     fyne.Window
	store   ProfileLibrary
	secrets provisioning.Secrets
	tester  ConnectionTester
	account SupervisorAccount // nil: no sign-in on this station
	lock    *supervisorLock   // nil: no lock on this station
	// newTicker counts down the wait after too many wrong PINs.
	newTicker tickerFunc
	onLock    func() // after the lock changed
	do        dispatcher
	parent    context.Context
	onChange  func()

	names   []string
	current string // the profile being edited; "" for a new one
	list    *widget.List

	name, product, clientID, ssid, customerPattern  *formEntry
	verifyTimeout, namePattern, checkName, checkArg *formEntry
	checkExpect                                     *formEntry
	notes                                           *widget.Entry
	security, channel, customer, checkKind          *widget.Select
	hidden                                          *widget.Check  // the Photon cannot see the network: it asks the cipher
	cipher                                          *widget.Select // shown with hidden
	cipherBox, securityRow                          *fyne.Container
	clientSecret, wifiPassword                      *secretField
	testResult                                      *widget.Label
	testMore                                        *detailsExpander // the test's raw cause
	message                                         *widget.Label
	save, testBtn, newBtn, dupBtn, delBtn, lockBtn  *widget.Button
	form                                            *fyne.Container
	column                                          *labelColumn // the form's labels, one width
	content                                         fyne.CanvasObject

	// With a SupervisorAccount: the account card, Choose (a product from
	// the account) and Create (the product's OAuth client).
	accountCard          *accountCard
	keychain             *keychainNotice // what to do without a keychain
	chooseBtn, createBtn *widget.Button
	productList          *widget.List // the open product picker's list
	// creating is set while an OAuth client is being created for the
	// open profile: the form stays on that profile until it is done.
	creating bool
	// shown is the profile as opened or last saved: the form differs from
	// it when there are unsaved edits.
	shown provisioning.Profile
	// made is the OAuth client Create client made for the new profile
	// on the form while that profile is not saved: abandoning the profile
	// deletes it (made_client.go).
	made *madeClient
	// messageMore holds the raw cause of the message, folded away.
	messageMore *detailsExpander
}

// The pickers' words, mapped to the profile's values.
func securityWords() []string { return []string{"WPA2", "WPA", "WEP", lang.L("Open (no password)")} }

var securityVals = []provisioning.Security{provisioning.SecurityWPA2, provisioning.SecurityWPA, provisioning.SecurityWEP, provisioning.SecurityOpen}

var cipherVals = provisioning.Ciphers

func cipherWords() []string { return []string{"AES", "TKIP", "AES+TKIP"} }

func channelWords() []string { return []string{lang.L("USB serial"), lang.L("SoftAP (Photon Wi-Fi)")} }

var channelVals = []provisioning.Channel{provisioning.ChannelSerial, provisioning.ChannelSoftAP}

func customerWords() []string {
	return []string{lang.L("No customer"), lang.L("Shadow customer by e-mail"), lang.L("Generated customer ID")}
}

var customerVals = []provisioning.CustomerMode{provisioning.CustomerNone, provisioning.CustomerEmail, provisioning.CustomerGenerated}

func checkWords() []string {
	return []string{lang.L("No check"), lang.L("Call a function"), lang.L("Read a variable")}
}

var checkVals = []provisioning.PostCheckKind{"", provisioning.PostCheckFunction, provisioning.PostCheckVariable}

func pick[T comparable](words []string, vals []T, v T) string {
	for i, x := range vals {
		if x == v {
			return words[i]
		}
	}
	return ""
}

func unpick[T comparable](words []string, vals []T, w string) T {
	for i, x := range words {
		if x == w {
			return vals[i]
		}
	}
	var zero T
	return zero
}

// fieldError names the field in a validation message, as the form shows it.
func fieldError(field string, err error) error {
	if err == nil {
		return nil
	}
	return errors.New(lang.L("{{.Field}}: {{.Message}}", map[string]any{"Field": field, "Message": err.Error()}))
}

func newProfilesView(ctx context.Context, win fyne.Window, store ProfileLibrary, secrets provisioning.Secrets, tester ConnectionTester, account SupervisorAccount, lock *supervisorLock, do dispatcher) *ProfilesView {
	v := &ProfilesView{win: win, store: store, secrets: secrets, tester: tester, account: account, lock: lock, do: do, parent: ctx, newTicker: realTicker}
	entry := func(placeholder string) *formEntry {
		e := newFormEntry(false)
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(string) { v.validateAll() }
		e.onLeft = v.validateAll
		return e
	}
	v.name = entry(lang.L("e.g. Line 3 thermostats"))
	v.name.Validator = func(s string) error {
		p := provisioning.Profile{Name: s}
		if err := provisioning.FieldProblem(p.Validate(), "name"); err != nil {
			return fieldError(lang.L("Profile name"), err)
		}
		return nil
	}
	v.product = entry(lang.L("product ID (a number) or slug"))
	v.product.Validator = func(s string) error { return fieldError(lang.L("Product"), provisioning.ValidateProduct(s)) }
	v.clientID = entry(lang.L("e.g. thermostat-1234"))
	v.clientID.Validator = func(s string) error { return fieldError(lang.L("OAuth client ID"), provisioning.ValidateClientID(s)) }
	v.clientSecret = newSecretField(provisioning.SecretClientSecret, lang.L("the client secret, shown once by Particle"))
	v.clientSecret.entry.OnChanged = func(string) { v.validateAll() }
	v.clientSecret.entry.onLeft = v.validateAll

	v.ssid = entry(lang.L("the network name"))
	v.ssid.Validator = func(s string) error {
		return fieldError(lang.L("Wi-Fi network"), provisioning.ValidateSSID(s, v.channelValue()))
	}
	v.security = widget.NewSelect(securityWords(), func(string) { v.refreshMoot(); v.validateAll() })
	v.cipher = widget.NewSelect(cipherWords(), func(string) { v.validateAll() })
	v.cipherBox = container.NewHBox(widget.NewLabel(lang.L("Cipher")), v.cipher)
	v.securityRow = container.NewBorder(nil, nil, nil, v.cipherBox, v.security)
	v.hidden = widget.NewCheck(lang.L("Hidden network"), func(on bool) {
		v.cipherBox.Hidden = !on
		v.securityRow.Refresh() // lays the row out again with or without the cipher
		v.validateAll()
	})
	v.wifiPassword = newSecretField(provisioning.SecretWiFiPassword, lang.L("the Wi-Fi password"))
	v.wifiPassword.entry.Validator = func(s string) error {
		if v.wifiPassword.has {
			return nil
		}
		return fieldError(lang.L("Wi-Fi password"), provisioning.ValidateWiFiPassword(v.securityValue(), s))
	}
	v.wifiPassword.entry.OnChanged = func(string) { v.validateAll() }
	v.wifiPassword.entry.onLeft = v.validateAll
	v.channel = widget.NewSelect(channelWords(), func(string) { v.ssid.Validate(); v.validateAll() })

	v.customer = widget.NewSelect(customerWords(), func(string) { v.refreshMoot(); v.customerPattern.Validate(); v.validateAll() })
	v.customerPattern = entry(lang.L("e.g. device-{device_id}@factory.example.com"))
	v.customerPattern.Validator = func(s string) error {
		if v.customerValue() == provisioning.CustomerNone {
			return nil // moot, and disabled
		}
		p := provisioning.Profile{Customer: v.customerValue(), CustomerPattern: s}
		return fieldError(lang.L("Customer e-mail"), provisioning.FieldProblem(p.Validate(), "customer_pattern"))
	}

	v.verifyTimeout = entry(lang.L("e.g. 3m (default) or 90s"))
	v.verifyTimeout.Validator = func(s string) error {
		_, err := parseTimeout(s)
		return fieldError(lang.L("Verification time limit"), err)
	}
	v.checkKind = widget.NewSelect(checkWords(), func(string) { v.refreshMoot(); v.checkName.Validate(); v.validateAll() })
	v.checkName = entry(lang.L("function or variable name"))
	v.checkName.Validator = func(s string) error {
		k := unpick(checkWords(), checkVals, v.checkKind.Selected)
		if k == "" {
			return nil
		}
		p := provisioning.Profile{PostCheck: &provisioning.PostCheck{Kind: k, Name: s}}
		return fieldError(lang.L("Check name"), provisioning.FieldProblem(p.Validate(), "post_check"))
	}
	v.checkArg = entry(lang.L("function argument (optional)"))
	v.checkExpect = entry(lang.L("expected answer (optional)"))

	v.namePattern = entry(lang.L("e.g. thermo-{last6} (optional)"))
	v.namePattern.Validator = func(s string) error {
		p := provisioning.Profile{NamePattern: s}
		return fieldError(lang.L("Device name"), provisioning.FieldProblem(p.Validate(), "name_pattern"))
	}
	v.notes = widget.NewMultiLineEntry()
	v.notes.SetMinRowsVisible(3)

	v.testResult = widget.NewLabel("")
	v.testResult.Wrapping = fyne.TextWrapWord
	v.testMore = newDetailsExpander()
	v.testBtn = widget.NewButtonWithIcon(lang.L("Test connection"), theme.ViewRefreshIcon(), v.testConnection)
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	v.messageMore = newDetailsExpander()

	v.column = &labelColumn{}
	section := v.column.section
	var productRow, clientRow fyne.CanvasObject = v.product, v.clientID
	v.chooseBtn = widget.NewButtonWithIcon(lang.L("Choose…"), theme.SearchIcon(), v.chooseProduct)
	v.createBtn = widget.NewButtonWithIcon(lang.L("Create client"), theme.ContentAddIcon(), v.createClient)
	if account != nil {
		productRow = container.NewBorder(nil, nil, nil, v.chooseBtn, v.product)
		clientRow = container.NewBorder(nil, nil, nil, v.createBtn, v.clientID)
	}
	v.form = container.NewVBox(
		section(lang.L("Product"),
			formRow{label: lang.L("Profile name"), field: v.name},
			formRow{label: lang.L("Product"), field: productRow},
			formRow{label: lang.L("OAuth client ID"), field: clientRow},
			formRow{label: lang.L("Client secret"), field: v.clientSecret.box},
			formRow{label: "", field: container.NewBorder(nil, nil, v.testBtn, nil, messageWithDetails(v.testResult, v.testMore))},
		),
		section(lang.L("Wi-Fi"),
			formRow{label: lang.L("Wi-Fi network"), field: container.NewBorder(nil, nil, nil, v.hidden, v.ssid)},
			formRow{label: lang.L("Security"), field: v.securityRow},
			formRow{label: lang.L("Wi-Fi password"), field: v.wifiPassword.box},
			formRow{label: lang.L("Device channel"), field: v.channel},
		),
		section(lang.L("Customers and claiming"),
			formRow{label: lang.L("Customer"), field: v.customer},
			formRow{label: lang.L("Customer e-mail"), field: v.customerPattern, hint: lang.L("{device_id} becomes the Photon's 24-character device ID.")},
		),
		section(lang.L("Verification"),
			formRow{label: lang.L("Verification time limit"), field: v.verifyTimeout},
			formRow{label: lang.L("After verification"), field: v.checkKind},
			formRow{label: lang.L("Check name"), field: v.checkName},
			formRow{label: lang.L("Argument"), field: v.checkArg},
			formRow{label: lang.L("Expected answer"), field: v.checkExpect},
		),
		section(lang.L("Labels and notes"),
			formRow{label: lang.L("Device name"), field: v.namePattern, hint: lang.L("{device_id} becomes the device ID, {last6} its last six characters.")},
			formRow{label: lang.L("Notes"), field: v.notes},
		),
	)

	v.list = widget.NewList(
		func() int { return len(v.names) },
		func() fyne.CanvasObject { return widget.NewLabel("profile name") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(v.names[i]) },
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if v.creating {
			v.reselectCurrent()
			return
		}
		if i >= 0 && i < len(v.names) && v.names[i] != v.current {
			name := v.names[i]
			v.leaveEdits(func() { v.open(name) })
		}
	}
	v.newBtn = widget.NewButtonWithIcon(lang.L("New"), theme.ContentAddIcon(), func() { v.leaveEdits(v.newProfile) })
	v.dupBtn = widget.NewButtonWithIcon(lang.L("Duplicate"), theme.ContentCopyIcon(), v.duplicate)
	v.delBtn = widget.NewButtonWithIcon(lang.L("Delete"), theme.DeleteIcon(), v.confirmDelete)
	v.delBtn.Importance = widget.DangerImportance
	v.lockBtn = widget.NewButtonWithIcon("", lockIcon, v.toggleLock)
	v.save = widget.NewButtonWithIcon(lang.L("Save profile"), theme.DocumentSaveIcon(), v.Save)
	v.save.Importance = widget.HighImportance

	left := container.NewBorder(
		widget.NewLabelWithStyle(lang.L("Job profiles"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewVBox(container.NewGridWithColumns(2, v.newBtn, v.dupBtn), v.delBtn, v.lockBtn),
		nil, nil, v.list)
	if account != nil {
		v.accountCard = newAccountCard(v, account)
		v.form.Objects = append([]fyne.CanvasObject{v.accountCard.box}, v.form.Objects...)
	}
	v.keychain = newKeychainNotice()
	v.form.Objects = append([]fyne.CanvasObject{v.keychain.box}, v.form.Objects...)
	bottom := container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, container.NewCenter(v.save), messageWithDetails(withRoom(v.message, 2), v.messageMore)))
	right := container.NewBorder(nil, bottom, nil, nil, container.NewVScroll(v.form))
	split := container.NewHSplit(container.NewPadded(left), container.NewPadded(right))
	split.Offset = 0.22
	v.content = split
	v.reloadList()
	v.shown = v.Profile()
	if len(v.names) > 0 {
		v.list.Select(0)
	} else {
		v.newProfile()
	}
	v.refreshLock()
	if v.accountCard != nil {
		v.accountCard.refresh()
	}
	v.probeKeychain()
	return v
}

// reselectCurrent puts the list's selection back on the open profile.
func (v *ProfilesView) reselectCurrent() {
	for i, n := range v.names {
		if n == v.current {
			v.list.Select(i)
			return
		}
	}
	v.list.UnselectAll()
}

// parseTimeout reads the verification time limit: empty means the default.
func parseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New(lang.L("write a duration such as 3m or 90s"))
	}
	p := provisioning.Profile{VerifyTimeout: d}
	if err := provisioning.FieldProblem(p.Validate(), "verify_timeout"); err != nil {
		return 0, err
	}
	return d, nil
}

// Content is the screen's canvas object.
func (v *ProfilesView) Content() fyne.CanvasObject { return v.content }

func (v *ProfilesView) channelValue() provisioning.Channel {
	return unpick(channelWords(), channelVals, v.channel.Selected)
}
func (v *ProfilesView) securityValue() provisioning.Security {
	return unpick(securityWords(), securityVals, v.security.Selected)
}

// cipherValue is the chosen cipher for a hidden network, and "" (AES, what
// a Photon is told when it asks) otherwise.
func (v *ProfilesView) cipherValue() provisioning.Cipher {
	if !v.hidden.Checked {
		return ""
	}
	return unpick(cipherWords(), cipherVals, v.cipher.Selected)
}
func (v *ProfilesView) customerValue() provisioning.CustomerMode {
	return unpick(customerWords(), customerVals, v.customer.Selected)
}

func (v *ProfilesView) reloadList() {
	if v.store == nil {
		v.setMessage(lang.L("Profiles are not available: no profile folder is set up."), true)
		return
	}
	names, err := v.store.List()
	if err != nil {
		v.setProblem(profilesUnreadable(), err)
		return
	}
	v.names = names
	v.list.Refresh()
}

func (v *ProfilesView) setMessage(s string, bad bool) {
	v.messageMore.set("")
	v.message.SetText(s)
	v.message.Importance = widget.MediumImportance
	if bad {
		v.message.Importance = widget.DangerImportance
	}
	v.message.Refresh()
}

// setProblem shows a failure in a technician's words, with err's raw
// text behind Details for support.
func (v *ProfilesView) setProblem(msg string, err error) {
	v.setMessage(msg, true)
	v.messageMore.set(causeText(err))
}

// show fills the form from p.
func (v *ProfilesView) show(p provisioning.Profile) {
	v.name.SetText(p.Name)
	v.product.SetText(p.Product)
	v.clientID.SetText(p.ClientID)
	v.ssid.SetText(p.SSID)
	v.security.SetSelected(pick(securityWords(), securityVals, p.Security))
	cipher := p.Cipher
	if cipher == "" {
		cipher = provisioning.CipherAES
	}
	v.cipher.SetSelected(pick(cipherWords(), cipherVals, cipher))
	v.hidden.SetChecked(cipher != provisioning.CipherAES)
	v.cipherBox.Hidden = !v.hidden.Checked // SetChecked calls back only on a change
	v.securityRow.Refresh()
	v.channel.SetSelected(pick(channelWords(), channelVals, p.Channel))
	mode := p.Customer
	if mode == "" {
		mode = provisioning.CustomerNone
	}
	v.customer.SetSelected(pick(customerWords(), customerVals, mode))
	v.customerPattern.SetText(p.CustomerPattern)
	v.verifyTimeout.SetText(timeoutText(p.VerifyTimeout))
	if pc := p.PostCheck; pc != nil {
		v.checkKind.SetSelected(pick(checkWords(), checkVals, pc.Kind))
		v.checkName.SetText(pc.Name)
		v.checkArg.SetText(pc.Argument)
		v.checkExpect.SetText(pc.Expect)
	} else {
		v.checkKind.SetSelected(checkWords()[0])
		v.checkName.SetText("")
		v.checkArg.SetText("")
		v.checkExpect.SetText("")
	}
	v.namePattern.SetText(p.NamePattern)
	v.notes.SetText(p.Notes)
	v.testResult.SetText("")
	v.testMore.set("")
	v.setMessage("", false)
	for _, e := range v.entries() {
		e.left = false
	}
	v.shown = v.Profile()
}

// Profile reads the form into a profile (valid or not).
func (v *ProfilesView) Profile() provisioning.Profile {
	p := provisioning.Profile{
		Name: strings.TrimSpace(v.name.Text), Product: strings.TrimSpace(v.product.Text), ClientID: strings.TrimSpace(v.clientID.Text),
		SSID: v.ssid.Text, Security: v.securityValue(), Cipher: v.cipherValue(), Channel: v.channelValue(),
		Customer: v.customerValue(), NamePattern: v.namePattern.Text, Notes: v.notes.Text,
	}
	if p.Customer != provisioning.CustomerNone { // the pattern is moot without a customer
		p.CustomerPattern = strings.TrimSpace(v.customerPattern.Text)
	}
	if d, err := parseTimeout(v.verifyTimeout.Text); err == nil {
		p.VerifyTimeout = d
	} else {
		p.VerifyTimeout = -1
	}
	if k := unpick(checkWords(), checkVals, v.checkKind.Selected); k != "" {
		p.PostCheck = &provisioning.PostCheck{Kind: k, Name: v.checkName.Text, Argument: v.checkArg.Text, Expect: v.checkExpect.Text}
	}
	return p
}

// formProblem is one invalid field: the entry (nil for a picker) and the
// message naming the field.
type formProblem struct {
	field *formEntry
	text  string
}

// problems lists every invalid field in words naming the field.
func (v *ProfilesView) problems() []formProblem {
	var out []formProblem
	for _, e := range []*formEntry{v.name, v.product, v.clientID, v.ssid, v.customerPattern, v.verifyTimeout, v.checkName, v.namePattern} {
		if err := e.Validator(e.Text); err != nil {
			out = append(out, formProblem{e, err.Error()})
		}
	}
	if v.security.Selected == "" {
		out = append(out, formProblem{nil, lang.L("Security: choose open, WEP, WPA or WPA2")})
	}
	if v.channel.Selected == "" {
		out = append(out, formProblem{nil, lang.L("Device channel: choose USB serial or SoftAP")})
	}
	if v.securityValue() != provisioning.SecurityOpen && !v.wifiPassword.has {
		if err := v.wifiPassword.entry.Validator(v.wifiPassword.entry.Text); err != nil {
			out = append(out, formProblem{v.wifiPassword.entry, err.Error()})
		}
	}
	if !v.clientSecret.has && v.clientSecret.entry.Text == "" {
		out = append(out, formProblem{v.clientSecret.entry, lang.L("Client secret: give the OAuth client's secret")})
	}
	return out
}

// entries are the form's one-line fields.
func (v *ProfilesView) entries() []*formEntry {
	return []*formEntry{v.name, v.product, v.clientID, v.ssid, v.customerPattern, v.verifyTimeout, v.checkName, v.checkArg,
		v.checkExpect, v.namePattern, v.clientSecret.entry, v.wifiPassword.entry}
}

// firstShown is the first problem of a field the supervisor has left (or
// of a picker), or "": a field being filled in is not wrong yet.
func firstShown(probs []formProblem) string {
	for _, p := range probs {
		if p.field == nil || p.field.left {
			return p.text
		}
	}
	return ""
}

// validateAll updates the save button and the message as the form changes.
func (v *ProfilesView) validateAll() {
	if v.save == nil {
		return // still building
	}
	v.refreshAccountActions()
	probs := v.problems()
	if len(probs) > 0 {
		if shown := firstShown(probs); shown != "" {
			v.setMessage(shown, true)
		} else {
			v.setMessage(lang.L("Fill in the profile, then save it."), false)
		}
		v.save.Disable()
	} else {
		v.setMessage("", false)
		if !v.isLocked() && !v.creating {
			v.save.Enable()
		}
	}
}

func (v *ProfilesView) isLocked() bool { return v.lock != nil && v.lock.locked() }

func (v *ProfilesView) open(name string) {
	p, err := v.store.Load(name)
	if err != nil {
		v.setProblem(profileUnreadable(name), err)
		return
	}
	v.current = name
	v.show(p)
	v.name.Disable() // renaming is Duplicate, then Delete
	v.clientSecret.setStored(false)
	v.wifiPassword.setStored(false)
	v.checkSecrets(name)
	v.refreshLock()
	v.validateAll()
}

// checkSecrets asks the keychain which secrets it holds, without reading
// them onto the screen.
func (v *ProfilesView) checkSecrets(name string) {
	if v.secrets == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(v.parent, 10*time.Second)
		defer cancel()
		from := map[provisioning.SecretKind]provisioning.SecretSource{}
		var problem error
		for _, k := range []provisioning.SecretKind{provisioning.SecretClientSecret, provisioning.SecretWiFiPassword} {
			src, err := v.secretSource(ctx, name, k)
			from[k] = src
			if err != nil {
				problem = err
			}
		}
		v.do(func() {
			if v.current != name {
				return
			}
			v.clientSecret.setSource(from[provisioning.SecretClientSecret])
			v.wifiPassword.setSource(from[provisioning.SecretWiFiPassword])
			v.validateAll()
			switch {
			case noKeychain(problem):
				v.keychain.show(problem) // the note at the top says it all
			case problem != nil:
				v.setMessage(problem.Error(), true)
			}
		})
	}()
}

func (v *ProfilesView) newProfile() {
	v.current = ""
	v.list.UnselectAll()
	v.show(provisioning.Profile{Security: provisioning.SecurityWPA2, Channel: provisioning.ChannelSerial, Customer: provisioning.CustomerNone})
	v.name.Enable()
	v.clientSecret.setStored(false)
	v.wifiPassword.setStored(false)
	v.refreshLock()
	v.validateAll()
}

// Save writes the profile file, then the typed secrets into the keychain.
func (v *ProfilesView) Save() {
	if v.isLocked() || v.store == nil || v.creating {
		return
	}
	if probs := v.problems(); len(probs) > 0 {
		v.setMessage(probs[0].text, true)
		return
	}
	p := v.Profile()
	if v.current == "" {
		for _, n := range v.names {
			if n == p.Name {
				v.setMessage(lang.L("Profile name: a profile called {{.Name}} already exists", map[string]any{"Name": p.Name}), true)
				return
			}
		}
	}
	secrets := map[provisioning.SecretKind]string{}
	if s := v.clientSecret.typed(); s != "" {
		secrets[provisioning.SecretClientSecret] = s
	}
	if s := v.wifiPassword.typed(); s != "" && p.Security != provisioning.SecurityOpen {
		secrets[provisioning.SecretWiFiPassword] = s
	}
	v.save.Disable()
	v.setMessage(lang.L("Saving…"), false)
	go func() {
		err := v.store.Save(p)
		fileSaved := err == nil
		if err == nil && len(secrets) > 0 {
			if v.secrets == nil {
				err = errors.New(lang.L("no keychain is set up for secrets"))
			} else {
				ctx, cancel := context.WithTimeout(v.parent, 15*time.Second)
				for k, s := range secrets {
					if err = v.secrets.Set(ctx, p.Name, k, s); err != nil {
						break
					}
				}
				cancel()
			}
		}
		v.do(func() {
			v.save.Enable()
			if err != nil && !fileSaved {
				v.setProblem(lang.L("The profile was not saved. Check that the disk has room and the profiles folder may be written, then press Save profile again; if it keeps happening, give the details to a supervisor."), err)
				return
			}
			v.keepMadeClient(p.ClientID)
			if err != nil {
				// The file is written; the keychain refused. Say both.
				v.current = p.Name
				v.name.Disable()
				v.reloadList()
				if noKeychain(err) {
					v.keychain.show(err)
					v.setMessage(lang.L("The profile was saved without its secrets: this computer has no keychain to keep them. See the note at the top."), true)
				} else {
					v.setProblem(lang.L("The profile was saved, but the keychain did not take its secrets. Unlock the keychain, type the secrets again and press Save profile."), err)
				}
				if v.onChange != nil {
					v.onChange()
				}
				return
			}
			v.current = p.Name
			v.shown = p
			v.name.Disable()
			for k := range secrets {
				switch k {
				case provisioning.SecretClientSecret:
					v.clientSecret.setStored(true)
				case provisioning.SecretWiFiPassword:
					v.wifiPassword.setStored(true)
				}
			}
			v.reloadList()
			for i, n := range v.names {
				if n == p.Name {
					v.list.Select(i)
				}
			}
			v.refreshLock()
			v.setMessage(lang.L("Saved {{.Name}}. Secrets are in the keychain.", map[string]any{"Name": p.Name}), false)
			if v.onChange != nil {
				v.onChange()
			}
		})
	}()
}

func (v *ProfilesView) duplicate() {
	if v.current == "" || v.store == nil {
		return
	}
	from := v.current
	name := widget.NewEntry()
	name.SetText(lang.L("{{.Name}} copy", map[string]any{"Name": from}))
	name.Validator = v.name.Validator
	dialog.ShowForm(lang.L("Duplicate profile"), lang.L("Duplicate"), lang.L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("New name"), name)}, func(ok bool) {
			if !ok {
				return
			}
			to := strings.TrimSpace(name.Text)
			go func() {
				ctx, cancel := context.WithTimeout(v.parent, 15*time.Second)
				defer cancel()
				_, err := v.store.Duplicate(ctx, from, to)
				v.do(func() { v.afterChange(to, err) })
			}()
		}, v.win)
}

// Delete removes a profile and its secrets.
func (v *ProfilesView) Delete(name string) {
	go func() {
		ctx, cancel := context.WithTimeout(v.parent, 15*time.Second)
		defer cancel()
		err := v.store.Delete(ctx, name)
		v.do(func() {
			if err != nil {
				v.setProblem(lang.L("The profile was not deleted. Check that the profiles folder may be written, then press Delete again; if it keeps happening, give the details to a supervisor."), err)
				return
			}
			v.afterChange("", nil)
			v.setMessage(lang.L("Deleted {{.Name}}.", map[string]any{"Name": name}), false)
		})
	}()
}

// afterChange reloads the list and opens select (if any).
func (v *ProfilesView) afterChange(selectName string, err error) {
	if err != nil {
		v.setProblem(lang.L("The profile was not duplicated. Choose a name no other profile has, and check that the profiles folder may be written; then try again."), err)
		return
	}
	v.current = ""
	v.reloadList()
	v.list.UnselectAll()
	opened := false
	for i, n := range v.names {
		if n == selectName {
			v.list.Select(i)
			opened = true
		}
	}
	if !opened {
		if len(v.names) > 0 {
			v.list.Select(0)
		} else {
			v.newProfile()
		}
	}
	if v.onChange != nil {
		v.onChange()
	}
}

// refreshLock enables or disables editing.
func (v *ProfilesView) refreshLock() {
	locked := v.isLocked()
	if locked {
		v.lockBtn.SetText(lang.L("Unlock editing"))
	} else {
		v.lockBtn.SetText(lang.L("Lock editing"))
	}
	for _, w := range []fyne.Disableable{v.product, v.clientID, v.ssid, v.security, v.hidden, v.cipher, v.channel, v.customer, v.customerPattern,
		v.verifyTimeout, v.checkKind, v.checkName, v.checkArg, v.checkExpect, v.namePattern, v.notes,
		v.clientSecret.entry, v.clientSecret.replace, v.wifiPassword.entry, v.wifiPassword.replace, v.save, v.newBtn, v.dupBtn, v.delBtn} {
		if locked {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if locked || v.current != "" || v.creating || (v.clientSecret.has && v.current == "") {
		// A new profile whose OAuth client was created keeps its name:
		// the client's secret is stored under it.
		v.name.Disable()
	} else {
		v.name.Enable()
	}
	if v.current == "" || v.creating {
		v.dupBtn.Disable()
		v.delBtn.Disable()
	}
	if v.creating {
		v.newBtn.Disable()
		v.save.Disable()
	}
	v.refreshMoot()
	v.column.greyDisabled()
	v.refreshAccountActions()
	if locked {
		v.setMessage(lang.L("Editing is locked. A supervisor can unlock it."), false)
	} else {
		v.validateAll()
	}
}

// testConnection runs the cloud pre-flight and shows what the cloud said.
func (v *ProfilesView) testConnection() {
	if v.tester == nil {
		v.testResult.SetText(lang.L("Testing the connection is not available in this build."))
		return
	}
	p := v.Profile()
	secret := v.clientSecret.typed()
	v.testBtn.Disable()
	v.testResult.SetText(lang.L("Asking the Particle Cloud…"))
	v.testMore.set("")
	go func() {
		ctx, cancel := context.WithTimeout(v.parent, 30*time.Second)
		defer cancel()
		rep, err := v.tester.TestConnection(ctx, p, secret)
		v.do(func() {
			v.testBtn.Enable()
			if err != nil {
				v.testResult.Importance = widget.DangerImportance
				v.testResult.SetText(testWords(err))
				v.testMore.set(causeText(err))
				return
			}
			v.testResult.Importance = widget.SuccessImportance
			v.testResult.SetText(lang.L("Connected. Product {{.Name}} ({{.Platform}}): {{.Devices}} devices, {{.Customers}} customers.",
				map[string]any{"Name": rep.ProductName, "Platform": rep.Platform, "Devices": rep.Devices, "Customers": rep.Customers}))
		})
	}()
}

// testWords says why Test connection failed, in a technician's words.
func testWords(err error) string {
	if errors.Is(err, provisioning.ErrSecretNotFound) || errors.As(err, new(*provisioning.MissingSecretError)) {
		return lang.L("No OAuth client secret is kept for this profile. Type it in Client secret (or press Create client), then press Test connection again.")
	}
	return engineWords(err, lang.L("The Particle Cloud did not accept the test. Check the product, the OAuth client ID and its secret, and this computer's network connection; then press Test connection again."))
}

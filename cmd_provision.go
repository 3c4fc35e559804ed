package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/softap"
)

const provisionUsage = `photon-station provision [--port PATH] --product ID --client-id ID --ssid SSID
    --security open|wep|wpa|wpa2 [--customer EMAIL] [--via serial|softap]
    [--softap-addr HOST:PORT] [--api-url URL] [--timeout DURATION] [--json]
    [--cipher aes|tkip|aes+tkip]

Provisions one Photon: into the product, claimed to the customer when one is
given, onto the Wi-Fi network, and verified in the Particle Cloud. Exits 0
only when the cloud has confirmed the device.

With --via softap and no --softap-addr, the computer joins the strongest
Photon-XXXX network in range for the device steps only, and keeps to that
network (and that Photon's device ID) for the whole run.

Secrets come only from the environment (PARTICLE_CLIENT_SECRET, WIFI_PASSWORD)
or, when those are empty, from the keyring entries of a saved profile with the
same product and client ID. --api-url (or PARTICLE_API_URL) must be https
unless its host is a loopback address. --timeout is how long to wait for the
device to reach the cloud (default 3m, at most 24h). --cipher is the cipher
of a hidden network's access point (default aes); a Photon asks for it only
when it cannot see the network.

Exit status: 0 verified; 1 provisioning failed; 2 bad command line or setup.`

// maxVerifyTimeout is the longest --timeout: longer ones are mistakes (and
// the longest a Duration holds would overflow the deadline).
const maxVerifyTimeout = 24 * time.Hour

func init() {
	register(command{name: "provision", usage: provisionUsage, run: runProvision})
}

// Exit codes of the headless commands.
const (
	exitOK       = 0
	exitFailed   = 1 // the device was not provisioned
	exitBadUsage = 2 // the command line or the setup is wrong
)

// provisionResult is the final JSON line of provision --json.
type provisionResult struct {
	Kind       provisioning.EventKind `json:"kind"` // always "result"
	Outcome    provisioning.Outcome   `json:"outcome"`
	DeviceID   string                 `json:"device_id"`
	Product    string                 `json:"product"`
	Customer   string                 `json:"customer,omitempty"`
	Attempt    string                 `json:"attempt,omitempty"`
	FailedStep provisioning.Step      `json:"failed_step,omitempty"`
	Message    string                 `json:"message"`
	Action     string                 `json:"action,omitempty"`
	Journal    string                 `json:"journal,omitempty"`
}

// headlessProfileName names the profile the headless command builds from
// its flags, in the journal.
const headlessProfileName = "headless"

// flagOf maps a profile field to the flag that sets it, so validation
// messages name what the script author typed.
var flagOf = map[string]string{
	"product": "--product", "client_id": "--client-id", "ssid": "--ssid", "security": "--security",
	"cipher": "--cipher", "customer_pattern": "--customer", "channel": "--via", "wifi_password": "WIFI_PASSWORD",
}

func runProvision(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	port := fs.String("port", "", "serial port of the Photon (required with --via serial)")
	product := fs.String("product", "", "product ID or slug")
	clientID := fs.String("client-id", "", "the product's OAuth client ID")
	ssid := fs.String("ssid", "", "Wi-Fi network name")
	security := fs.String("security", "", "open, wep, wpa or wpa2")
	cipherFlag := fs.String("cipher", string(provisioning.CipherAES), "cipher of a hidden network: aes, tkip or aes+tkip")
	customer := fs.String("customer", "", "claim the device to this shadow customer (e-mail)")
	via := fs.String("via", "serial", "serial or softap")
	softapAddr := fs.String("softap-addr", "", "talk to the Photon's SoftAP at HOST[:PORT] without joining its network")
	apiURL := fs.String("api-url", "", "Particle Cloud API URL (default $PARTICLE_API_URL or "+cloud.DefaultBaseURL+")")
	timeout := fs.Duration("timeout", provisioning.DefaultVerifyTimeout, "how long to wait for the device to reach the cloud")
	jsonOut := fs.Bool("json", false, "print JSON lines: step events, then the result")

	// A script that asked for --json gets its result line even when the
	// rest of the command line does not parse.
	out := &provisionOutput{stdout: stdout, stderr: stderr, json: asksForJSON(args)}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, provisionUsage)
			return exitOK
		}
		return out.fail(exitBadUsage, provisionResult{Message: err.Error() + " (see photon-station provision --help)"})
	}
	out.json = *jsonOut
	res := provisionResult{Product: *product}
	bad := func(msg string) int {
		res.Message = msg
		return out.fail(exitBadUsage, res)
	}
	if fs.NArg() > 0 {
		return bad(fmt.Sprintf("unexpected argument %q (see photon-station provision --help)", fs.Arg(0)))
	}
	for _, req := range []struct{ name, v string }{{"--product", *product}, {"--client-id", *clientID}, {"--ssid", *ssid}, {"--security", *security}} {
		if req.v == "" {
			return bad(req.name + " is required (see photon-station provision --help)")
		}
	}
	sec, err := provisioning.ParseSecurity(*security)
	if err != nil {
		return bad("--security: " + err.Error())
	}
	cipher, err := provisioning.ParseCipher(*cipherFlag)
	if err != nil {
		return bad("--cipher: " + err.Error())
	}
	channel := provisioning.Channel(*via)
	switch channel {
	case provisioning.ChannelSerial:
		if *port == "" {
			return bad("--port is required with --via serial (run photon-station ports to list connected Photons)")
		}
		if *softapAddr != "" {
			return bad("--softap-addr needs --via softap")
		}
	case provisioning.ChannelSoftAP:
	default:
		return bad(fmt.Sprintf("--via %q: use serial or softap", *via))
	}
	if *timeout <= 0 {
		return bad("--timeout must be a positive duration such as 3m or 90s")
	}
	if *timeout > maxVerifyTimeout {
		return bad("--timeout must be at most 24h: a Photon that has not reached the cloud by then never will")
	}
	base := *apiURL
	if base == "" {
		base = os.Getenv("PARTICLE_API_URL")
	}
	if base == "" {
		base = cloud.DefaultBaseURL
	}
	if err := cloud.CheckBaseURL(base); err != nil {
		from := "--api-url"
		if *apiURL == "" {
			from = "PARTICLE_API_URL"
		}
		return bad(from + ": " + err.Error())
	}
	prof := provisioning.Profile{
		Name: headlessProfileName, Product: *product, ClientID: *clientID, SSID: *ssid, Security: sec, Cipher: cipher,
		Customer: provisioning.CustomerNone, Channel: channel,
	}
	if *customer != "" {
		prof.Customer, prof.CustomerPattern = provisioning.CustomerEmail, *customer
	}
	if err := prof.Validate(); err != nil {
		return bad(flagMessage(err))
	}
	prof.VerifyTimeout = *timeout // any positive value: scripts and tests may want seconds

	// Ctrl-C, and SIGTERM from a factory script's timeout or a service
	// manager, end the attempt with a "stopped" FAIL record rather than an
	// interrupted one. (syscall.SIGTERM exists on Windows too, where it is
	// never sent: only os.Interrupt applies there.)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	creds, err := headlessCredentials(ctx, prof)
	if err != nil {
		return bad(flagMessage(err))
	}
	jpath, err := provisioning.DefaultJournalPath()
	if err != nil {
		return bad(err.Error())
	}
	journal, err := provisioning.OpenDefaultJournal()
	if err != nil {
		return bad(err.Error())
	}
	defer journal.Close()
	res.Journal = jpath
	if !out.json {
		for _, p := range journal.Problems() {
			fmt.Fprintf(stdout, "note: journal %s: %s\n", jpath, p)
		}
	}

	api := &cloud.Client{BaseURL: base}
	var network *provisioning.DeviceNetwork
	if channel == provisioning.ChannelSoftAP && *softapAddr == "" {
		// Not given: the station joins the Photon's access point itself,
		// only for the device steps, and keeps the access point of its
		// first join; the cloud waits while the computer is on it.
		network = provisioning.NewDeviceNetwork(photonJoiner(), nil)
		api = network.Guard(api)
	}
	pipeline := &provisioning.Pipeline{
		Profile:     prof,
		Credentials: creds,
		Cloud:       provisioning.NewCloudAPI(api),
		Journal:     journal,
		Station:     hostname(),
		Operator:    operator(),
	}
	dev := provisioning.Device{Slot: *port, Port: *port}
	switch channel {
	case provisioning.ChannelSerial:
		path := *port
		dev.Open = func(ctx context.Context) (provisioning.DeviceChannel, error) {
			return provisioning.OpenSerial(ctx, path)
		}
	case provisioning.ChannelSoftAP:
		dev.Slot = "softap"
		ch := provisioning.NewSoftAPChannel(&softap.Client{Addr: *softapAddr})
		dev.Open = func(context.Context) (provisioning.DeviceChannel, error) { return ch, nil }
		if network != nil {
			dev = network.Device()
		}
	}

	r := pipeline.RunDevice(ctx, dev, out.event)
	out.note = sendToFleet(journal, r.Attempt)
	res.Outcome, res.DeviceID, res.Customer, res.Attempt = r.Outcome, r.DeviceID, r.Customer, r.Attempt
	res.FailedStep, res.Message, res.Action = r.FailedStep, r.Message, r.Action
	if r.Outcome != provisioning.OutcomePass {
		return out.fail(exitFailed, res)
	}
	out.pass(res)
	return exitOK
}

// asksForJSON tells whether the command line sets --json, before the flag
// parser has had its say.
func asksForJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "-json", "--json=true", "-json=true", "--json=1", "-json=1":
			return true
		}
	}
	return false
}

// provisionOutput writes what provision prints: events and the result on
// stdout (JSON lines with --json), a single line on stderr when it fails.
// A note (the fleet database did not take the attempt) goes to stderr:
// its own line after a pass, the end of the one line after a failure.
type provisionOutput struct {
	stdout, stderr io.Writer
	json           bool
	note           string
}

func (o *provisionOutput) event(e provisioning.Event) {
	if e.Kind == provisioning.EventResult {
		return // the final result line says it
	}
	e.Message, e.Action = headlessWords.Replace(e.Message), headlessWords.Replace(e.Action)
	if o.json {
		b, err := json.Marshal(e)
		if err == nil {
			o.stdout.Write(append(b, '\n'))
		}
		return
	}
	switch e.Kind {
	case provisioning.EventStarted, provisioning.EventProgress:
		return
	}
	fmt.Fprintf(o.stdout, "%-12s %-8s %s\n", e.Step, e.Kind, e.Message)
}

func (o *provisionOutput) result(res provisionResult) {
	res.Kind = provisioning.EventResult
	res.Message, res.Action = headlessWords.Replace(res.Message), headlessWords.Replace(res.Action)
	if o.json {
		b, _ := json.Marshal(res)
		o.stdout.Write(append(b, '\n'))
	}
}

func (o *provisionOutput) pass(res provisionResult) {
	o.result(res)
	if !o.json {
		fmt.Fprintf(o.stdout, "PASS %s: %s\n", res.DeviceID, res.Message)
	}
	if o.note != "" {
		fmt.Fprintln(o.stderr, "photon-station provision: "+o.note)
	}
}

func (o *provisionOutput) fail(code int, res provisionResult) int {
	res.Outcome = provisioning.OutcomeFail
	o.result(res)
	msg := res.Message
	if res.Action != "" {
		msg += " " + res.Action
	}
	if o.note != "" {
		msg += " (" + o.note + ")"
	}
	fmt.Fprintln(o.stderr, "photon-station provision: "+oneLine(headlessWords.Replace(msg)))
	return code
}

// headlessWords turns the bench's wording into a script user's.
var headlessWords = strings.NewReplacer(
	"Ask a supervisor to check the Wi-Fi password of profile \""+headlessProfileName+"\"", "Check the Wi-Fi password (WIFI_PASSWORD)",
	"press Retry", "run the command again", "Press Retry", "Run the command again",
	"store it in the profile, or set", "set",
	"in the profile and store the client secret again", "given with --client-id and PARTICLE_CLIENT_SECRET",
	"the product ID or slug in the profile", "the product ID or slug given with --product",
	"in the profile", "in the command's flags",
	"The profile's OAuth client ID or secret is wrong: a supervisor fixes it on the Profiles screen.",
	"The OAuth client ID or secret is wrong: check --client-id and PARTICLE_CLIENT_SECRET.",
	"Stop here and call a supervisor; retrying does not help until the profile is fixed.",
	"Running the command again does not help until they are fixed.",
	"and set the Photon up from there.", "and run again with --softap-addr 192.168.0.1.")

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// flagMessage rewrites profile validation errors to name the flags.
func flagMessage(err error) string {
	var ve provisioning.ValidationError
	if errors.As(err, &ve) {
		parts := make([]string, len(ve))
		for i, fe := range ve {
			name := flagOf[fe.Field]
			if name == "" {
				name = fe.Field
			}
			parts[i] = name + ": " + fe.Message
		}
		return strings.Join(parts, "; ")
	}
	var fe *provisioning.FieldError
	if errors.As(err, &fe) {
		if name := flagOf[fe.Field]; name != "" {
			return name + ": " + fe.Message
		}
	}
	return err.Error()
}

// headlessCredentials reads the secrets from the environment or, failing
// that, from the keyring entries of a saved profile for the same product
// and OAuth client (and, for the Wi-Fi password, the same network).
func headlessCredentials(ctx context.Context, prof provisioning.Profile) (provisioning.Credentials, error) {
	kr := provisioning.Keyring{}
	store := keyringByProfile{keyring: kr, find: func(kind provisioning.SecretKind) string { return savedProfileFor(prof, kind) }}
	secrets := provisioning.EnvSecrets{Store: store}
	creds, err := provisioning.ResolveCredentials(ctx, secrets, prof)
	if err != nil {
		return creds, err
	}
	if !prof.Security.NeedsPassword() {
		creds.WiFiPassword = ""
	}
	return creds, nil
}

// keyringByProfile looks a secret up in the keyring under the saved
// profile find names; no such profile means not found (no keyring call).
type keyringByProfile struct {
	keyring provisioning.Keyring
	find    func(provisioning.SecretKind) string
}

func (k keyringByProfile) Get(ctx context.Context, _ string, kind provisioning.SecretKind) (string, error) {
	name := k.find(kind)
	if name == "" {
		return "", provisioning.ErrSecretNotFound
	}
	return k.keyring.Get(ctx, name, kind)
}

func (k keyringByProfile) Set(ctx context.Context, profile string, kind provisioning.SecretKind, v string) error {
	return k.keyring.Set(ctx, profile, kind, v)
}

func (k keyringByProfile) Delete(ctx context.Context, profile string, kind provisioning.SecretKind) error {
	return k.keyring.Delete(ctx, profile, kind)
}

// savedProfileFor finds a saved profile that matches the command line for
// this secret: same product and client for the client secret, same network
// too for the Wi-Fi password.
func savedProfileFor(prof provisioning.Profile, kind provisioning.SecretKind) string {
	store, err := provisioning.NewProfileStore("", nil)
	if err != nil {
		return ""
	}
	names, err := store.List()
	if err != nil {
		return ""
	}
	for _, n := range names {
		p, err := store.Load(n)
		if err != nil || p.Product != prof.Product || p.ClientID != prof.ClientID {
			continue
		}
		if kind == provisioning.SecretWiFiPassword && (p.SSID != prof.SSID || p.Security != prof.Security) {
			continue
		}
		return n
	}
	return ""
}

// photonJoiner is how provision --via softap joins Photons' access points
// (a seam for tests).
var photonJoiner = func() provisioning.PhotonJoiner { return provisioning.JoinerOf(&softap.Joiner{}) }

// hostname names the station in its journal and the fleet database (a
// seam for tests, which run two stations in one process).
var hostname = func() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

func operator() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

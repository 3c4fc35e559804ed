package serialtest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/serialio"
)

// Config describes the emulated Photon. The zero value is a listening Photon
// on Device OS 2.3.1 with default identity, no visible networks, instant
// scans and any password accepted.
type Config struct {
	DeviceID        string // 24 lowercase hex digits; default DefaultDeviceID
	MAC             string // default DefaultMAC
	FirmwareVersion string // default "2.3.1"
	Claimed         bool   // the 'c' flag before any claim code is acknowledged

	// IdentifyFormat selects the 'i' answer: serialio.FormatA (default,
	// "Your device id is") or serialio.FormatB ("Device ID:" with
	// "Device Secret:" and "Serial Number:" lines).
	IdentifyFormat serialio.IdentifyFormat
	SerialNumber   string // format B; default "PHHAAA012345678"
	DeviceSecret   string // format B; default "SECRETSECRET123"
	ModuleInfo     string // the 's' JSON; default DefaultModuleInfo

	// Networks is what the device's own Wi-Fi scan sees: SSID to security.
	// An SSID not listed makes the device ask for security and cipher.
	Networks map[string]serialio.Security
	// HiddenNetworks are networks the device's scan does not see (hidden
	// SSIDs), with the cipher their access point uses: the device asks for
	// security and cipher, and with another cipher it saves the credentials
	// but never comes online. An access point with AES+TKIP takes either.
	HiddenNetworks map[string]serialio.Cipher
	// Password, when set, is the only Wi-Fi password that "works": with any
	// other the device saves the credentials but never comes online.
	Password string
	// BasicSecurityPrompt uses the non-enterprise security prompt (0-3).
	BasicSecurityPrompt bool
	// SaveFails makes 'w' end with "Derp. Sorry, we couldn't save the credentials."
	SaveFails bool
	// NoClaimCommands emulates firmware before 0.6.0: 'c' and 'C' are ignored.
	NoClaimCommands bool

	// ScanDelay is how long each silent Wi-Fi scan takes.
	ScanDelay time.Duration
	// ModuleInfoDelay is the pause before the 's' JSON starts.
	ModuleInfoDelay time.Duration
	// ClaimPromptDelay is the pause after 'C' before the claim-code prompt
	// (a busy device); the line input that follows never times out.
	ClaimPromptDelay time.Duration
	// ByteDelay slows output to one byte per ByteDelay (old firmware printed
	// 1 byte/ms).
	ByteDelay time.Duration

	// NotListening makes the device run its application: console commands
	// are ignored and Chatter is printed instead.
	NotListening bool
	// Chatter is the application's output (default "temperature=21.5\r\n"
	// when NotListening). It is printed whenever the application receives
	// bytes, and every ChatterEvery if that is set.
	Chatter      string
	ChatterEvery time.Duration
	// ChatterWhileListening interleaves Chatter before every console
	// answer, as a SYSTEM_THREAD(ENABLED) application does.
	ChatterWhileListening bool
	// Silent makes the device print nothing at all.
	Silent bool
	// UnplugAfter unplugs the device after it has printed this many bytes
	// (0: never). It fires once.
	UnplugAfter int

	// OnPrompt is called with each question of the 'C' and 'w' dialogues
	// (claim code, SSID, security, cipher, password) just before the device
	// prints it, on the device's goroutine: a test stops the host there.
	OnPrompt func(prompt string)

	// OnOnline is called (on its own goroutine) when the device leaves
	// listening mode with working credentials and "reaches the cloud",
	// with the claim code it was given ("" if none).
	OnOnline func(deviceID, claimCode string)
	// OnlineDelay is the time from leaving listening mode to OnOnline.
	OnlineDelay time.Duration
}

// Defaults of an emulated Photon.
const (
	DefaultDeviceID = "3a001d000247343339373536"
	DefaultMAC      = "6c:0b:84:1a:2b:3c"
	// DefaultModuleInfo is a Photon on 2.3.1 as 's' prints it.
	DefaultModuleInfo = `{"p":6,"m":[{"s":16384,"l":"m","vc":30,"vv":30,"f":"b","n":"0","v":1200,"d":[]},` +
		`{"s":262144,"l":"m","vc":30,"vv":30,"f":"s","n":"1","v":3103,"d":[]},` +
		`{"s":262144,"l":"m","vc":30,"vv":30,"f":"s","n":"2","v":3103,"d":[{"f":"s","n":"1","v":3103}]},` +
		`{"s":131072,"l":"m","vc":30,"vv":30,"u":"2BA4E71E840F596B812003882AAE7CA6496F1590CA4A049310AF76EAF11C943A","f":"u","n":"1","v":6,"d":[{"f":"s","n":"2","v":3103}]},` +
		`{"s":131072,"l":"f","vc":30,"vv":0,"d":[]}]}`
)

// Received is what the emulated device was told.
type Received struct {
	ClaimCode string
	SSID      string
	Security  serialio.Security
	Cipher    serialio.Cipher
	Password  string
	// WiFiSaved is true once a 'w' dialogue stored credentials.
	WiFiSaved bool
}

// Photon is one emulated device. Its state (listening mode, claim code,
// credentials) survives reconnections, as a real device's does.
type Photon struct {
	cfg Config

	mu        sync.Mutex
	listening bool
	claimed   bool
	rec       Received
	online    bool
	commands  []byte
	heard     int // bytes received from hosts
	written   int
	unplugged bool          // UnplugAfter has fired
	closed    bool          // Close was called: no new connections
	gone      chan struct{} // closed by Close: ends a pending OnlineDelay
	sessions  map[*session]struct{}
	wg        sync.WaitGroup
}

// New returns an emulated Photon with cfg's settings.
func New(cfg Config) *Photon {
	if cfg.DeviceID == "" {
		cfg.DeviceID = DefaultDeviceID
	}
	if cfg.MAC == "" {
		cfg.MAC = DefaultMAC
	}
	if cfg.FirmwareVersion == "" {
		cfg.FirmwareVersion = "2.3.1"
	}
	if cfg.IdentifyFormat == 0 {
		cfg.IdentifyFormat = serialio.FormatA
	}
	if cfg.SerialNumber == "" {
		cfg.SerialNumber = "PHHAAA012345678"
	}
	if cfg.DeviceSecret == "" {
		cfg.DeviceSecret = "SECRETSECRET123"
	}
	if cfg.ModuleInfo == "" {
		cfg.ModuleInfo = DefaultModuleInfo
	}
	if cfg.Chatter == "" && (cfg.NotListening || cfg.ChatterWhileListening) {
		cfg.Chatter = "temperature=21.5\r\n"
	}
	return &Photon{
		cfg:       cfg,
		listening: !cfg.NotListening,
		claimed:   cfg.Claimed,
		gone:      make(chan struct{}),
		sessions:  map[*session]struct{}{},
	}
}

// DeviceID is the emulated device's ID.
func (p *Photon) DeviceID() string { return p.cfg.DeviceID }

// Received returns what the device was given so far.
func (p *Photon) Received() Received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rec
}

// Listening reports whether the device is in listening mode.
func (p *Photon) Listening() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listening
}

// EnterListening is the technician holding SETUP for three seconds.
func (p *Photon) EnterListening() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listening = true
}

// Online reports whether the device has come online.
func (p *Photon) Online() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.online
}

// Commands returns the menu commands the console acted on, in order (bytes
// lost to the receive-buffer discard never show up here).
func (p *Photon) Commands() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.commands)
}

// Heard returns how many bytes hosts have sent the device, over all
// connections.
func (p *Photon) Heard() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.heard
}

// PortDetails describes the device as the operating system lists it,
// on the given path, for a scripted serialio.Enumerate.
func (p *Photon) PortDetails(path string) *serialio.ListedPort {
	return &serialio.ListedPort{
		Name: path, IsUSB: true, VID: "2B04", PID: "C006",
		SerialNumber: p.cfg.DeviceID, Product: "Photon",
	}
}

// Pipe connects a new in-process connection to the device and returns the
// host's end, ready for serialio.NewConsole. Closing it ends the connection
// (the device keeps its state).
func (p *Photon) Pipe() io.ReadWriteCloser {
	host, dev := net.Pipe()
	s := p.attach(dev)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		s.serve()
	}()
	return host
}

// Unplug pulls the USB cable: every connection is closed at once.
func (p *Photon) Unplug() {
	p.mu.Lock()
	ss := make([]*session, 0, len(p.sessions))
	for s := range p.sessions {
		ss = append(ss, s)
	}
	p.mu.Unlock()
	for _, s := range ss {
		s.stop()
	}
}

// Close unplugs the device for good and waits for its goroutines.
func (p *Photon) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.gone)
	}
	p.mu.Unlock()
	p.Unplug()
	p.wg.Wait()
	return nil
}

// errGone ends a session.
var errGone = errors.New("serialtest: connection closed")

// session is one connection (a pipe or a pseudo-terminal's master side).
type session struct {
	p    *Photon
	conn io.ReadWriteCloser

	mu      sync.Mutex
	rx      []byte
	wake    chan struct{}
	done    bool
	stopped chan struct{}
	once    sync.Once

	wmu       sync.Mutex // serialises output (console and chatter)
	appActive bool       // the application has seen host bytes
}

func (s *session) stop() {
	s.once.Do(func() {
		s.mu.Lock()
		s.done = true
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
		close(s.stopped)
		s.conn.Close()
	})
}

// Serve runs the device on conn until conn fails or the device is
// unplugged. Pipe and PTY call it for you.
func (p *Photon) Serve(conn io.ReadWriteCloser) error {
	return p.attach(conn).serve()
}

// attach registers a connection at once, so an Unplug or Close that comes
// before the serving goroutine starts still reaches it.
func (p *Photon) attach(conn io.ReadWriteCloser) *session {
	s := &session{p: p, conn: conn, wake: make(chan struct{}), stopped: make(chan struct{})}
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.sessions[s] = struct{}{}
	}
	p.mu.Unlock()
	if closed {
		s.stop()
	}
	return s
}

func (s *session) serve() error {
	p := s.p
	defer func() {
		p.mu.Lock()
		delete(p.sessions, s)
		p.mu.Unlock()
		s.stop()
	}()
	go s.readLoop()
	if p.cfg.ChatterEvery > 0 {
		go s.chatterLoop()
	}
	err := s.run()
	if errors.Is(err, errGone) {
		return nil
	}
	return err
}

func (s *session) readLoop() {
	b := make([]byte, 4096)
	for {
		n, err := s.conn.Read(b)
		s.p.mu.Lock()
		s.p.heard += n
		s.p.mu.Unlock()
		s.mu.Lock()
		if n > 0 {
			s.rx = append(s.rx, b[:n]...)
		}
		if err != nil {
			s.done = true
		}
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
		if err != nil {
			s.stop()
			return
		}
	}
}

func (s *session) chatterLoop() {
	t := time.NewTicker(s.p.cfg.ChatterEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-t.C:
			s.mu.Lock()
			active := s.appActive
			s.mu.Unlock()
			if active && !s.p.Listening() && !s.p.cfg.Silent {
				if s.print(s.p.cfg.Chatter) != nil {
					return
				}
			}
		}
	}
}

// readByte takes the next received byte, waiting for one.
func (s *session) readByte() (byte, error) {
	for {
		s.mu.Lock()
		if len(s.rx) > 0 {
			b := s.rx[0]
			s.rx = s.rx[1:]
			s.mu.Unlock()
			return b, nil
		}
		if s.done {
			s.mu.Unlock()
			return 0, errGone
		}
		wake := s.wake
		s.mu.Unlock()
		<-wake
	}
}

// discardRX drops everything received and not yet read, as the firmware
// does after every line.
func (s *session) discardRX() {
	s.mu.Lock()
	s.rx = nil
	s.mu.Unlock()
}

// sleep waits d unless the session ends first.
func (s *session) sleep(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.stopped:
		return errGone
	}
}

// print writes device output, byte by byte when slow, and pulls the plug
// when UnplugAfter is reached.
func (s *session) print(text string) error {
	if s.p.cfg.Silent || text == "" {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b := []byte(text)
	for len(b) > 0 {
		n := len(b)
		if s.p.cfg.ByteDelay > 0 {
			n = 1
		}
		unplug := false
		s.p.mu.Lock()
		if lim := s.p.cfg.UnplugAfter; lim > 0 && !s.p.unplugged {
			if left := lim - s.p.written; left <= n {
				n, unplug = left, true
				s.p.unplugged = true
			}
		}
		s.p.written += n
		s.p.mu.Unlock()
		if n > 0 {
			if _, err := s.conn.Write(b[:n]); err != nil {
				return errGone
			}
		}
		if unplug {
			s.p.Unplug()
			return errGone
		}
		b = b[n:]
		if s.p.cfg.ByteDelay > 0 {
			if err := s.sleep(s.p.cfg.ByteDelay); err != nil {
				return err
			}
		}
	}
	return nil
}

// say prints a console answer, after the application's chatter when the
// application runs alongside the console.
func (s *session) say(text string) error {
	if s.p.cfg.ChatterWhileListening {
		if err := s.print(s.p.cfg.Chatter); err != nil {
			return err
		}
	}
	return s.print(text)
}

// prompt prints a question of a dialogue, telling OnPrompt first.
func (s *session) prompt(text string) error {
	if f := s.p.cfg.OnPrompt; f != nil {
		f(text)
	}
	return s.say(text)
}

// readLine is serialReadLine: echo each accepted byte, BS/DEL erase, end on
// CR or LF or on whatever byte arrives once max bytes are stored (checked
// first, as the firmware does, so even a BS or DEL then ends the line
// unechoed), then "\r\n" and discard RX.
func (s *session) readLine(max int) (string, error) {
	var line []byte
	for {
		b, err := s.readByte()
		if err != nil {
			return "", err
		}
		if len(line) >= max || b == '\r' || b == '\n' {
			break
		}
		if b == 8 || b == 127 {
			if len(line) > 0 {
				line = line[:len(line)-1]
				if err := s.print(string([]byte{b})); err != nil {
					return "", err
				}
			}
			continue
		}
		line = append(line, b)
		if err := s.print(string([]byte{b})); err != nil {
			return "", err
		}
	}
	if err := s.print("\r\n"); err != nil {
		return "", err
	}
	s.discardRX()
	return string(line), nil
}

// readMultiline reads lines until an empty one (read_multiline).
func (s *session) readMultiline(max int) (string, error) {
	var lines []string
	for {
		l, err := s.readLine(max)
		if err != nil {
			return "", err
		}
		if l == "" {
			return strings.Join(lines, "\n"), nil
		}
		lines = append(lines, l)
	}
}

func (s *session) run() error {
	p := s.p
	for {
		b, err := s.readByte()
		if err != nil {
			return err
		}
		if p.cfg.Silent {
			continue
		}
		if !p.Listening() {
			// The application gets the bytes and keeps printing its own
			// output.
			s.mu.Lock()
			s.appActive = true
			s.mu.Unlock()
			if err := s.print(p.cfg.Chatter); err != nil {
				return err
			}
			continue
		}
		if err := s.handle(b); err != nil {
			return err
		}
	}
}

func (s *session) record(cmd byte) {
	s.p.mu.Lock()
	s.p.commands = append(s.p.commands, cmd)
	s.p.mu.Unlock()
}

func (s *session) handle(cmd byte) error {
	p := s.p
	switch cmd {
	case 'i':
		s.record(cmd)
		if p.cfg.IdentifyFormat == serialio.FormatB {
			return s.say("Device ID: " + p.cfg.DeviceID + "\r\n" +
				"Device Secret: " + p.cfg.DeviceSecret + "\r\n" +
				"Serial Number: " + p.cfg.SerialNumber + "\r\n")
		}
		return s.say("Your device id is " + p.cfg.DeviceID + "\r\n")
	case 'm':
		s.record(cmd)
		return s.say("Your device MAC address is\r\n" + p.cfg.MAC + "\r\n")
	case 'v':
		s.record(cmd)
		return s.say("system firmware version: " + p.cfg.FirmwareVersion + "\n\r\n")
	case 's':
		s.record(cmd)
		if err := s.sleep(p.cfg.ModuleInfoDelay); err != nil {
			return err
		}
		return s.say(p.cfg.ModuleInfo + "\r\n")
	case 'c':
		if p.cfg.NoClaimCommands {
			return nil
		}
		s.record(cmd)
		p.mu.Lock()
		claimed := p.claimed
		p.mu.Unlock()
		if claimed {
			return s.say("Device claimed: yes\r\n")
		}
		return s.say("Device claimed: no\r\n")
	case 'C':
		if p.cfg.NoClaimCommands {
			return nil
		}
		s.record(cmd)
		return s.claimCode()
	case 'x':
		s.record(cmd)
		s.leaveListening()
		return nil
	case 'w':
		s.record(cmd)
		return s.wifi()
	}
	// Unknown bytes, '\r' and '\n' included, are ignored silently.
	return nil
}

func (s *session) claimCode() error {
	if err := s.sleep(s.p.cfg.ClaimPromptDelay); err != nil {
		return err
	}
	if err := s.prompt("Enter 63-digit claim code: "); err != nil {
		return err
	}
	code, err := s.readLine(serialio.ClaimCodeLength)
	if err != nil {
		return err
	}
	if len(code) == serialio.ClaimCodeLength {
		s.p.mu.Lock()
		s.p.rec.ClaimCode = code
		s.p.mu.Unlock()
		if err := s.print("Claim code set to: " + code); err != nil {
			return err
		}
	} else if err := s.print("Sorry, claim code is not 63 characters long. Claim code unchanged."); err != nil {
		return err
	}
	return s.print("\r\n")
}

func (s *session) wifi() error {
	p := s.p
	var ssid string
	for ssid == "" {
		if err := s.prompt("SSID: "); err != nil {
			return err
		}
		var err error
		if ssid, err = s.readLine(serialio.MaxSSIDBytes); err != nil {
			return err
		}
	}
	// wlan_scan blocks silently.
	if err := s.sleep(p.cfg.ScanDelay); err != nil {
		return err
	}
	sec, visible := p.cfg.Networks[ssid]
	cipherKnown := visible && (sec == serialio.SecurityWPA || sec == serialio.SecurityWPA2 || sec.Enterprise())
	if !visible {
		prompt, maxDigit := "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2, 4=WPA Enterprise, 5=WPA2 Enterprise: ", byte('5')
		if p.cfg.BasicSecurityPrompt {
			prompt, maxDigit = "Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2: ", '3'
		}
		for {
			if err := s.prompt(prompt); err != nil {
				return err
			}
			d, err := s.readLine(1)
			if err != nil {
				return err
			}
			if len(d) == 1 && '0' <= d[0] && d[0] <= maxDigit {
				sec, _ = serialio.SecurityFromDigit(d[0])
				break
			}
		}
	}
	var cipher serialio.Cipher
	if cipherKnown {
		cipher = serialio.CipherAES
	} else {
		// The dry run of a WPA/WPA2 network without a cipher scans again.
		if sec == serialio.SecurityWPA || sec == serialio.SecurityWPA2 {
			if err := s.sleep(p.cfg.ScanDelay); err != nil {
				return err
			}
		}
		for {
			if err := s.prompt("Security Cipher 1=AES, 2=TKIP, 3=AES+TKIP: "); err != nil {
				return err
			}
			d, err := s.readLine(1)
			if err != nil {
				return err
			}
			if c, ok := serialio.CipherFromDigit(firstByte(d)); ok {
				cipher = c
				break
			}
		}
	}
	var password string
	switch {
	case sec.NeedsPassword():
		if err := s.prompt("Password: "); err != nil {
			return err
		}
		var err error
		if password, err = s.readLine(64); err != nil {
			return err
		}
	case sec.Enterprise():
		if err := s.enterprise(); err != nil {
			return err
		}
	}
	if err := s.say("Thanks! Wait while I save those credentials...\r\n\r\n"); err != nil {
		return err
	}
	if p.cfg.SaveFails {
		return s.print("Derp. Sorry, we couldn't save the credentials.\r\n\r\n")
	}
	p.mu.Lock()
	p.rec.SSID, p.rec.Security, p.rec.Cipher, p.rec.Password, p.rec.WiFiSaved = ssid, sec, cipher, password, true
	p.mu.Unlock()
	// WLAN_SERIAL_CONFIG_DONE: the device leaves listening mode and
	// connects. The state changes before the farewell text goes out, so a
	// host that has read it sees a consistent device.
	s.leaveListening()
	return s.print("Awesome. Now we'll connect!\r\n\r\n" +
		"If you see a pulsing cyan light, your device \r\n" +
		"has connected to the Cloud and is ready to go!\r\n\r\n" +
		"If your LED flashes red or you encounter any other problems,\r\n" +
		"visit https://www.particle.io/support to debug.\r\n\r\n" +
		"    Particle <3 you!\r\n\r\n")
}

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// enterprise walks the WPA Enterprise prompts (the station refuses them,
// but the emulator still asks them as the device would).
func (s *session) enterprise() error {
	var eap string
	for eap != "0" && eap != "1" {
		if err := s.say("EAP Type 0=PEAP/MSCHAPv2, 1=EAP-TLS: "); err != nil {
			return err
		}
		var err error
		if eap, err = s.readLine(1); err != nil {
			return err
		}
	}
	steps := []struct {
		prompt string
		multi  bool
	}{{"Username: ", false}, {"Password: ", false}}
	if eap == "1" {
		steps = []struct {
			prompt string
			multi  bool
		}{{"Client certificate in PEM format:\r\n", true}, {"Private key in PEM format:\r\n", true}}
	}
	steps = append(steps, struct {
		prompt string
		multi  bool
	}{"Outer identity (optional): ", false}, struct {
		prompt string
		multi  bool
	}{"Root CA in PEM format (optional):\r\n", true})
	for _, st := range steps {
		if err := s.say(st.prompt); err != nil {
			return err
		}
		var err error
		if st.multi {
			_, err = s.readMultiline(4096)
		} else {
			_, err = s.readLine(64)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// leaveListening ends listening mode; with saved credentials that work the
// device then comes online (after OnlineDelay) and reports its claim code.
func (s *session) leaveListening() {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listening = false
	if !p.rec.WiFiSaved || p.online {
		return
	}
	if p.cfg.Password != "" && p.rec.Password != p.cfg.Password {
		return // wrong password: it never reaches the cloud
	}
	if ap, hidden := p.cfg.HiddenNetworks[p.rec.SSID]; hidden && ap != serialio.CipherAESTKIP && ap != p.rec.Cipher {
		return // the access point does not speak this cipher
	}
	p.online = true
	claim := p.rec.ClaimCode
	if claim != "" {
		p.claimed = true // the cloud acknowledged the claim code
	}
	if cb := p.cfg.OnOnline; cb != nil {
		delay := p.cfg.OnlineDelay
		id := p.cfg.DeviceID
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			if delay > 0 {
				t := time.NewTimer(delay)
				defer t.Stop()
				select {
				case <-t.C:
				case <-p.gone: // unplugged for good before it got online
					return
				}
			}
			cb(id, claim)
		}()
	}
}

// String summarises the device for test failure messages (never the password).
func (p *Photon) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	nets := make([]string, 0, len(p.cfg.Networks))
	for k := range p.cfg.Networks {
		nets = append(nets, k)
	}
	sort.Strings(nets)
	return fmt.Sprintf("Photon %s (listening=%v online=%v networks=%v)", p.cfg.DeviceID, p.listening, p.online, nets)
}

package serialio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.bug.st/serial"
)

// BaudRate is the rate the console is opened at. The data path is USB, so
// the rate does not matter, except that 14400 reboots a Photon into DFU mode
// and 28800 forces listening mode; 9600 is what particle-cli uses.
const BaudRate = 9600

// Timeouts bound every wait of a Console. A zero field takes the default,
// which follows photon-serial.md (sections 5 and 8); tests shorten them.
type Timeouts struct {
	Answer     time.Duration // first answer to i, m, v, C, w (default 5 s)
	Claimed    time.Duration // answer to c; no answer means old firmware (default 2 s)
	ModuleInfo time.Duration // answer to s, which may pause while CRCs run (default 20 s)
	Scan       time.Duration // after the SSID: up to two silent scans (default 45 s)
	Prompt     time.Duration // between other prompts, and for our echo (default 20 s)
	Save       time.Duration // from the last answer to saved/not saved (default 45 s)
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Answer, 5*time.Second)
	def(&t.Claimed, 2*time.Second)
	def(&t.ModuleInfo, 20*time.Second)
	def(&t.Scan, 45*time.Second)
	def(&t.Prompt, 20*time.Second)
	def(&t.Save, 45*time.Second)
	return t
}

// Option configures a Console.
type Option func(*Console)

// WithTimeouts replaces the default waits (zero fields keep their default).
func WithTimeouts(t Timeouts) Option { return func(c *Console) { c.timeouts = t.withDefaults() } }

// WithLogf sends the console's progress notes (command and prompt names,
// never values) to logf, prefixed with the port name.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *Console) { c.logf = logf }
}

// WithPortName names the port in messages when the console runs over
// something other than a port opened by Open (a pipe in tests).
func WithPortName(name string) Option { return func(c *Console) { c.port = name } }

// Console speaks the listening-mode console of one Photon. Operations are
// serialised; a Console is safe for use by several goroutines, and Monitor
// may be used alongside any operation.
type Console struct {
	port     string
	rw       io.ReadWriteCloser
	timeouts Timeouts
	logf     func(format string, args ...any)

	op chan struct{} // one operation at a time; waiting for it honours the context

	// lineOpen: 'C' was sent and the device waits for the claim-code line,
	// which it never times out; an operation that ends before sending the
	// line sends an empty one, or the device would swallow every later
	// command as part of the code.
	lineOpen atomic.Bool

	mu         sync.Mutex
	buf        []byte // everything received since the last command
	pos        int    // consumed part of buf
	wake       chan struct{}
	readErr    error
	closed     bool
	transcript []byte
	monitors   map[int]func([]byte)
	nextMon    int
	red        redactor
	readerDone chan struct{}
}

const (
	maxBuffered   = 1 << 20
	maxTranscript = 64 << 10
)

// NewConsole starts a console over rw, which it owns from now on (Close
// closes it). rw is a serial port, or in tests one end of a pipe.
func NewConsole(rw io.ReadWriteCloser, opts ...Option) *Console {
	c := &Console{
		op:         make(chan struct{}, 1),
		rw:         rw,
		timeouts:   Timeouts{}.withDefaults(),
		wake:       make(chan struct{}),
		monitors:   map[int]func([]byte){},
		readerDone: make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	go c.readLoop()
	return c
}

// Open opens a Photon's serial port at 9600 8N1 with DTR and RTS asserted
// (without DTR the device drops its output) and returns its console. A
// pseudo-terminal has no modem lines; the "inappropriate ioctl" it answers to
// DTR/RTS is harmless and ignored.
//
// On Linux and macOS the port is first locked with flock (see lockPort), so
// a second program that locks too, root or not, gets ErrPortBusy at once,
// naming the holder where the system can tell, before either writes a byte.
func Open(ctx context.Context, path string, opts ...Option) (*Console, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lock, err := lockPort(path)
	if err != nil {
		return nil, err
	}
	p, err := serial.Open(path, &serial.Mode{
		BaudRate: BaudRate,
		DataBits: 8,
		Parity:   serial.NoParity,
		StopBits: serial.OneStopBit,
	})
	if err != nil {
		closeLock(lock)
		return nil, openError(path, err)
	}
	c := NewConsole(&lockedPort{Port: p, lock: lock}, append([]Option{WithPortName(path)}, opts...)...)
	for name, set := range map[string]func(bool) error{"DTR": p.SetDTR, "RTS": p.SetRTS} {
		if err := set(true); err != nil && !harmlessModemError(err) {
			c.log("could not assert %s: %v", name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// lockedPort releases the port's lock after closing the port.
type lockedPort struct {
	serial.Port
	lock io.Closer
}

func (p *lockedPort) Close() error {
	err := p.Port.Close()
	closeLock(p.lock)
	return err
}

func closeLock(lock io.Closer) {
	if lock != nil {
		lock.Close()
	}
}

func harmlessModemError(err error) bool {
	return errors.Is(err, syscall.ENOTTY) || strings.Contains(err.Error(), "inappropriate ioctl")
}

// Port is the name of the port the console talks to.
func (c *Console) Port() string { return c.port }

// Close closes the port. Operations in progress fail with ErrClosed.
func (c *Console) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.signalLocked()
	c.mu.Unlock()
	return c.rw.Close()
}

func (c *Console) log(format string, args ...any) {
	if c.logf != nil {
		c.logf(c.port+": "+format, args...)
	}
}

func (c *Console) readLoop() {
	defer close(c.readerDone)
	b := make([]byte, 4096)
	idle := 0
	for {
		n, err := c.rw.Read(b)
		if n > 0 {
			idle = 0
			c.received(b[:n])
		}
		if err == nil && n == 0 {
			if idle++; idle > 100 {
				err = io.ErrNoProgress
			}
		}
		if err != nil {
			c.mu.Lock()
			if c.readErr == nil {
				c.readErr = err
			}
			rest := c.red.flush()
			c.appendTranscriptLocked(rest)
			c.signalLocked()
			c.mu.Unlock()
			c.deliver(rest)
			return
		}
	}
}

func (c *Console) received(p []byte) {
	shown := c.red.write(p)
	c.mu.Lock()
	c.appendTranscriptLocked(shown)
	c.buf = append(c.buf, p...)
	if len(c.buf) > maxBuffered {
		// Application chatter with nobody asking: keep the unconsumed tail.
		drop := len(c.buf) - maxBuffered/2
		if drop > c.pos {
			drop = c.pos
		}
		c.buf = append(c.buf[:0], c.buf[drop:]...)
		c.pos -= drop
	}
	c.signalLocked()
	c.mu.Unlock()
	c.deliver(shown)
}

// appendTranscriptLocked keeps the scrubbed transcript in step with the
// buffer the operations match against, so an operation that has returned
// finds its output in Transcript.
func (c *Console) appendTranscriptLocked(p []byte) {
	c.transcript = append(c.transcript, p...)
	if len(c.transcript) > maxTranscript {
		c.transcript = append(c.transcript[:0], c.transcript[len(c.transcript)-maxTranscript/2:]...)
	}
}

// deliver hands scrubbed output to the monitors, in order (it only runs on
// the reader goroutine).
func (c *Console) deliver(p []byte) {
	if len(p) == 0 {
		return
	}
	c.mu.Lock()
	mons := make([]func([]byte), 0, len(c.monitors))
	for _, f := range c.monitors {
		mons = append(mons, f)
	}
	c.mu.Unlock()
	for _, f := range mons {
		f(append([]byte(nil), p...))
	}
}

func (c *Console) signalLocked() {
	close(c.wake)
	c.wake = make(chan struct{})
}

// Done is closed when the port stops giving output: the device was
// unplugged, the port failed, or Close was called. Err then says why.
func (c *Console) Done() <-chan struct{} { return c.readerDone }

// Err is why the port stopped giving output, as a technician error (the
// device was unplugged, ...); nil while it runs and after Close.
func (c *Console) Err() error {
	select {
	case <-c.readerDone:
	default:
		return nil
	}
	c.mu.Lock()
	closed, rerr := c.closed, c.readErr
	c.mu.Unlock()
	if closed || rerr == nil {
		return nil
	}
	return c.lostError(rerr)
}

// Monitor streams everything the device prints to fn, as it arrives, for a
// serial-monitor view. Passwords and claim codes the console sent are
// scrubbed first. fn runs on the console's reader goroutine and must not
// block; stop unregisters it.
func (c *Console) Monitor(fn func(chunk []byte)) (stop func()) {
	c.mu.Lock()
	id := c.nextMon
	c.nextMon++
	c.monitors[id] = fn
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		delete(c.monitors, id)
		c.mu.Unlock()
	}
}

// Transcript returns what the device has printed so far (the most recent
// 32 KiB or more), with passwords and claim codes scrubbed, for a journal or
// a bug report.
func (c *Console) Transcript() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.transcript)
}

// begin serialises an operation and arranges for a cancelled context to
// close the port: a serial read has no other way to be interrupted.
func (c *Console) begin(ctx context.Context, name string) (end func(), err error) {
	select {
	case c.op <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err() // still queued behind another operation
	}
	if err := ctx.Err(); err != nil {
		<-c.op
		return nil, err
	}
	c.mu.Lock()
	closed, rerr := c.closed, c.readErr
	c.mu.Unlock()
	if closed || rerr != nil {
		<-c.op
		return nil, c.lostError(rerr)
	}
	c.log("%s", name)
	stop := context.AfterFunc(ctx, func() {
		c.log("%s cancelled; closing the port", name)
		c.endOpenLine()
		c.Close()
	})
	return func() {
		stop()
		// The operation may see ctx.Done before the AfterFunc starts, and
		// stop then cancels it: close here too, so a cancelled operation
		// always leaves the port closed before the next one begins.
		if ctx.Err() != nil {
			c.endOpenLine()
			c.Close()
		}
		<-c.op
	}, nil
}

// endOpenLine sends the empty line that ends a claim-code input the
// operation started but did not finish (best effort: the port may be gone).
func (c *Console) endOpenLine() {
	if c.lineOpen.Swap(false) {
		c.log("ending the open claim-code line")
		_, _ = c.rw.Write([]byte("\n"))
	}
}

func (c *Console) lostError(cause error) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return &Error{Kind: ErrClosed, Port: c.port, Message: "The connection to " + portOrDevice(c.port) + " was closed.", Err: cause}
	}
	return unpluggedError(c.port, cause)
}

func portOrDevice(port string) string {
	if port == "" {
		return "the Photon"
	}
	return port
}

// write sends p; a failure means the device went away (or we closed it).
func (c *Console) write(ctx context.Context, p []byte) error {
	_, err := c.rw.Write(p)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.lostError(err)
	}
	return nil
}

// Send writes p to the device as it is, for a person typing into the
// serial monitor: it goes through this open console, so through the port
// lock the console holds.
func (c *Console) Send(ctx context.Context, p []byte) error { return c.write(ctx, p) }

// command forgets older output and sends a one-byte menu command. Commands
// are never sent while the device is reading a line.
func (c *Console) command(ctx context.Context, cmd byte) error {
	c.mu.Lock()
	c.buf = c.buf[:0]
	c.pos = 0
	c.mu.Unlock()
	return c.write(ctx, []byte{cmd})
}

// errTimedOut is await's internal signal that the wait expired.
var errTimedOut = errors.New("timed out")

// await waits until match finds what it wants in the unconsumed output,
// then consumes up to the end it reports.
func (c *Console) await(ctx context.Context, timeout time.Duration, match func(seg []byte) (end int, ok bool)) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c.mu.Lock()
		if end, ok := match(c.buf[c.pos:]); ok {
			c.pos += end
			c.mu.Unlock()
			return nil
		}
		rerr, closed, wake := c.readErr, c.closed, c.wake
		c.mu.Unlock()
		if rerr != nil || closed {
			if err := ctx.Err(); err != nil {
				return err
			}
			return c.lostError(rerr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return errTimedOut
		case <-wake:
		}
	}
}

// heard returns the scrubbed output since the last command, for messages.
func (c *Console) heard() []byte {
	c.mu.Lock()
	b := append([]byte(nil), c.buf...)
	c.mu.Unlock()
	return []byte(c.red.scrubString(string(b)))
}

// noAnswer turns a timed-out first answer into the right fault: output that
// is not the console's means the application is running; none at all means
// the device is silent.
func (c *Console) noAnswer(op string) error {
	h := c.heard()
	if len(bytes.TrimSpace(h)) == 0 {
		return silentError(c.port, op)
	}
	return notListeningError(c.port, excerpt(h))
}

// ask sends a menu command and waits for its answer.
func (c *Console) ask(ctx context.Context, cmd byte, op string, timeout time.Duration, match func([]byte) (int, bool)) error {
	end, err := c.begin(ctx, op)
	if err != nil {
		return err
	}
	defer end()
	if err := c.command(ctx, cmd); err != nil {
		return err
	}
	err = c.await(ctx, timeout, match)
	if err == errTimedOut {
		return c.noAnswer(op)
	}
	return err
}

// Identify sends 'i' and returns the device ID and the output format. It
// doubles as the listening-mode probe: application output instead of an ID
// gives ErrNotListening, nothing at all gives ErrSilent.
//
// It returns as soon as the ID line is complete. Format B's optional
// property lines have no terminator of their own, so SerialNumber is left
// empty here rather than depending on timing; ParseIdentify reads it from a
// complete transcript.
//
// An ID line whose value is not 24 hex digits gives ErrNotADeviceID.
func (c *Console) Identify(ctx context.Context) (Identity, error) {
	var id Identity
	var bad *string
	err := c.ask(ctx, 'i', "identify (i)", c.timeouts.Answer, func(b []byte) (int, bool) {
		v, end, ok := ParseIdentify(b)
		if ok {
			id = Identity{DeviceID: v.DeviceID, Format: v.Format}
			return end, ok
		}
		if value, end, ok := ParseMalformedIdentify(b); ok {
			bad = &value
			return end, ok
		}
		return 0, false
	})
	if err == nil && bad != nil {
		return Identity{}, notADeviceIDError(c.port, *bad)
	}
	return id, err
}

// MAC sends 'm' and returns the Wi-Fi MAC address in lowercase.
func (c *Console) MAC(ctx context.Context) (string, error) {
	var mac string
	err := c.ask(ctx, 'm', "MAC address (m)", c.timeouts.Answer, func(b []byte) (int, bool) {
		v, end, ok := ParseMAC(b)
		mac = v
		return end, ok
	})
	return mac, err
}

// FirmwareVersion sends 'v' and returns the Device OS version, e.g. "2.3.1".
func (c *Console) FirmwareVersion(ctx context.Context) (string, error) {
	var ver string
	err := c.ask(ctx, 'v', "firmware version (v)", c.timeouts.Answer, func(b []byte) (int, bool) {
		v, end, ok := ParseFirmwareVersion(b)
		ver = v
		return end, ok
	})
	return ver, err
}

// ModuleInfo sends 's' and decodes the module list. The answer may start
// only after a long pause (the device computes CRCs first).
func (c *Console) ModuleInfo(ctx context.Context) (ModuleInfo, error) {
	var (
		mi     ModuleInfo
		decErr error
	)
	err := c.ask(ctx, 's', "module info (s)", c.timeouts.ModuleInfo, func(b []byte) (int, bool) {
		v, end, ok, err := ParseModuleInfo(b)
		mi, decErr = v, err
		return end, ok
	})
	if err != nil {
		return ModuleInfo{}, err
	}
	if decErr != nil {
		return ModuleInfo{}, protocolError(c.port, "module information that is not valid JSON", decErr.Error())
	}
	return mi, nil
}

// Claimed sends 'c' and reports the device's claimed flag. The flag only
// says the cloud once acknowledged a claim code; it is not proof of current
// ownership. Firmware before 0.6.0 does not answer: ErrUnsupportedFirmware.
func (c *Console) Claimed(ctx context.Context) (bool, error) {
	var claimed bool
	err := c.ask(ctx, 'c', "claim flag (c)", c.timeouts.Claimed, func(b []byte) (int, bool) {
		v, end, ok := ParseClaimed(b)
		claimed = v
		return end, ok
	})
	if IsSilent(err) {
		return false, unsupportedFirmwareError(c.port, "claim status")
	}
	return claimed, err
}

func unsupportedFirmwareError(port, what string) *Error {
	return &Error{
		Kind: ErrUnsupportedFirmware,
		Port: port,
		Message: where(port) + " did not answer the " + what + " command; its firmware is probably older than Device OS 0.6.0. " +
			"Update its Device OS, or check that it is still blinking dark blue.",
		Details: "no answer to " + what,
	}
}

// Device is what Describe learns about a Photon in listening mode.
type Device struct {
	Port            string `json:"port,omitempty"`
	DeviceID        string `json:"device_id"`
	MAC             string `json:"mac"`
	FirmwareVersion string `json:"firmware_version"`
	// Claimed is the device's own claimed flag; nil when its firmware is
	// too old to say.
	Claimed *bool `json:"claimed"`
}

// Describe runs the identify step of the pipeline: 'i' (which also proves
// listening mode), 'm', 'v' and 'c'.
func (c *Console) Describe(ctx context.Context) (Device, error) {
	d := Device{Port: c.port}
	id, err := c.Identify(ctx)
	if err != nil {
		return d, err
	}
	d.DeviceID = id.DeviceID
	if d.MAC, err = c.MAC(ctx); err != nil {
		return d, err
	}
	if d.FirmwareVersion, err = c.FirmwareVersion(ctx); err != nil {
		return d, err
	}
	claimed, err := c.Claimed(ctx)
	switch {
	case err == nil:
		d.Claimed = &claimed
	case errors.Is(err, ErrUnsupportedFirmware):
	default:
		return d, err
	}
	return d, nil
}

// ExitListening sends 'x': the device leaves listening mode and connects if
// it has credentials. The device prints nothing, so there is nothing to wait
// for. Do not send it after a successful Wi-Fi setup (the device has left
// listening mode already).
func (c *Console) ExitListening(ctx context.Context) error {
	end, err := c.begin(ctx, "exit listening mode (x)")
	if err != nil {
		return err
	}
	defer end()
	return c.command(ctx, 'x')
}

// answer types a line for a prompt that is already on screen and skips the
// device's echo of it, so text inside the value (an SSID such as
// "Password: ") is never taken for the next prompt. Secrets are registered
// for scrubbing before the first byte goes out.
func (c *Console) answer(ctx context.Context, value string, secret bool) error {
	if secret {
		c.red.addSecret(value)
	}
	if err := c.write(ctx, []byte(value+"\n")); err != nil {
		return err
	}
	echo := []byte(value + "\r\n")
	err := c.await(ctx, c.timeouts.Prompt, func(b []byte) (int, bool) {
		i := bytes.Index(b, echo)
		if i < 0 {
			return 0, false
		}
		return i + len(echo), true
	})
	if err == errTimedOut {
		return silentError(c.port, "our typing (no echo)")
	}
	return err
}

// SetClaimCode sends 'C' and the claim code, and checks that the device
// stored it. Send it before Wi-Fi: a successful Wi-Fi setup makes the device
// leave listening mode.
func (c *Console) SetClaimCode(ctx context.Context, code string) error {
	if err := ValidateClaimCode(code); err != nil {
		return err
	}
	c.red.addSecret(code)
	end, err := c.begin(ctx, "set claim code (C)")
	if err != nil {
		return err
	}
	defer end()
	defer c.endOpenLine() // runs before end(): the port is still open
	if err := c.command(ctx, 'C'); err != nil {
		return err
	}
	c.lineOpen.Store(true)
	var p Prompt
	var pstart, pend int
	match := func(b []byte) (int, bool) {
		var ok bool
		p, pstart, pend, ok = MatchPrompt(b)
		return pend, ok
	}
	if err := c.await(ctx, c.timeouts.Answer, match); err != nil {
		if err == errTimedOut {
			if h := c.heard(); len(bytes.TrimSpace(h)) == 0 {
				return unsupportedFirmwareError(c.port, "claim code")
			}
			return c.noAnswer("claim code (C)")
		}
		return err
	}
	if p != PromptClaimCode {
		return protocolError(c.port, "expected the claim code prompt, got "+p.String(), excerpt(c.heard()))
	}
	err = c.answer(ctx, code, true)
	c.lineOpen.Store(false) // the line went out whole, or the port is gone
	if err != nil {
		return err
	}
	for {
		if err := c.await(ctx, c.timeouts.Prompt, match); err != nil {
			if err == errTimedOut {
				return silentError(c.port, "claim code confirmation")
			}
			return err
		}
		switch p {
		case PromptClaimCodeSet:
			c.mu.Lock()
			line := string(c.buf[c.pos-(pend-pstart) : c.pos])
			c.mu.Unlock()
			got := strings.TrimRight(strings.TrimPrefix(line, claimCodeSetPrefix), "\r\n")
			if got != code {
				return &Error{Kind: ErrClaimCodeRejected, Port: c.port,
					Message: where(c.port) + " stored a different claim code than the one sent. Request a new claim code and try again."}
			}
			return nil
		case PromptClaimCodeRejected:
			return &Error{Kind: ErrClaimCodeRejected, Port: c.port,
				Message: where(c.port) + " refused the claim code (not 63 characters). Request a new claim code and try again."}
		}
		// Anything else is not ours; keep looking.
	}
}

// EndClaimCodeLine ends a claim-code line that an earlier connection left
// open (it sent 'C' and died before the code's line end; the device waits
// for that line forever and would take every later command as part of the
// code). It sends an empty line and waits for the device's verdict, "Claim
// code unchanged" (or "Claim code set to", if the earlier connection had
// typed a whole code). ended is false when no verdict came within the
// answer timeout: the device was not inside that line, and the empty line
// was ignored at its menu.
func (c *Console) EndClaimCodeLine(ctx context.Context) (ended bool, err error) {
	end, err := c.begin(ctx, "end an open claim-code line")
	if err != nil {
		return false, err
	}
	defer end()
	c.mu.Lock()
	c.buf, c.pos = c.buf[:0], 0
	c.mu.Unlock()
	if err := c.write(ctx, []byte("\n")); err != nil {
		return false, err
	}
	for {
		var p Prompt
		err := c.await(ctx, c.timeouts.Answer, func(b []byte) (int, bool) {
			var e int
			var ok bool
			p, _, e, ok = MatchPrompt(b)
			return e, ok
		})
		switch {
		case err == errTimedOut:
			return false, nil
		case err != nil:
			return false, err
		case p == PromptClaimCodeRejected || p == PromptClaimCodeSet:
			c.log("the open claim-code line is ended (%s)", p)
			return true, nil
		}
		// The prompt the earlier connection never read, and the like.
	}
}

// WiFiReport says how the 'w' dialogue went.
type WiFiReport struct {
	// NetworkVisible is true when the device's own scan found the SSID
	// (it did not ask for the security type).
	NetworkVisible bool
	// CipherAsked is true when the device asked for the cipher.
	CipherAsked bool
}

// ConfigureWiFi runs the whole 'w' dialogue: SSID, the silent scan, the
// security prompt (only when the device cannot see the network), the cipher
// prompt, the password, and the saved/not-saved verdict. On success the
// device leaves listening mode and starts connecting; that the credentials
// work is only proved when the cloud sees it online.
//
// The dialogue cannot be aborted on the device: if this returns an error
// after the SSID was sent, the device must be reset and put back in
// listening mode (the message says so).
//
// A stop or timeout (ctx), or a prompt that never comes, once 'w' has gone
// out gives ErrInsideWiFiDialogue: nothing more may be typed to the device.
func (c *Console) ConfigureWiFi(ctx context.Context, cred Credentials) (rep WiFiReport, err error) {
	rep = WiFiReport{NetworkVisible: true}
	if err := cred.Validate(); err != nil {
		return rep, err
	}
	c.red.addSecret(cred.Password)
	end, err := c.begin(ctx, "Wi-Fi credentials (w)")
	if err != nil {
		return rep, err
	}
	defer end()
	if err := c.command(ctx, 'w'); err != nil {
		return rep, err
	}
	// prompted: the device has begun the dialogue (its first prompt came).
	prompted := false
	defer func() {
		var se *Error
		switch {
		case err == nil, IsUnplugged(err):
		case ctx.Err() != nil:
			err = insideWiFiDialogueError(c.port, "stopped during Wi-Fi setup: "+ctx.Err().Error(), ctx.Err())
		case prompted && IsSilent(err) && errors.As(err, &se):
			err = insideWiFiDialogueError(c.port, se.Details, err)
		}
	}()
	var p Prompt
	match := func(b []byte) (int, bool) {
		var ok bool
		var e int
		p, _, e, ok = MatchPrompt(b)
		return e, ok
	}
	stuck := func(msg string) string {
		return msg + " The Photon is now waiting in the middle of Wi-Fi setup: press its RESET button, put it back in listening mode (hold SETUP about 3 seconds until it blinks dark blue) and try again."
	}
	timeout, waitingFor := c.timeouts.Answer, "first"
	seen := map[Prompt]bool{}
	for {
		if err := c.await(ctx, timeout, match); err != nil {
			if err != errTimedOut {
				return rep, err
			}
			if !prompted {
				return rep, c.noAnswer("Wi-Fi setup (w)")
			}
			return rep, silentError(c.port, "Wi-Fi setup: waiting "+waitingFor)
		}
		c.log("prompt: %s", p)
		prompted = true
		switch p {
		case PromptSSID, PromptSecurity, PromptCipher, PromptPassword:
			if seen[p] {
				return rep, protocolError(c.port, "it asked for the "+p.String()+" again, so it refused the answer", excerpt(c.heard()))
			}
			seen[p] = true
		}
		switch p {
		case PromptSSID:
			if err := c.answer(ctx, cred.SSID, false); err != nil {
				return rep, err
			}
			timeout, waitingFor = c.timeouts.Scan, "after the network scan"
		case PromptSecurity:
			rep.NetworkVisible = false
			d, _ := cred.Security.Digit()
			if err := c.answer(ctx, string(d), false); err != nil {
				return rep, err
			}
			// The dry run may scan again before the cipher prompt.
			timeout, waitingFor = c.timeouts.Scan, "after the security type"
		case PromptCipher:
			rep.CipherAsked = true
			d, _ := cred.Cipher.Digit()
			if err := c.answer(ctx, string(d), false); err != nil {
				return rep, err
			}
			timeout, waitingFor = c.timeouts.Prompt, "after the cipher"
		case PromptPassword:
			if cred.Password == "" {
				return rep, &Error{Kind: ErrPasswordRequired, Port: c.port,
					Message: stuck(fmt.Sprintf("The Photon sees the network %q as secured, but no Wi-Fi password was given.", cred.SSID))}
			}
			pw := cred.Password
			if cred.Security == SecurityWEP {
				pw = WEPKey(pw) // the device hex-decodes WEP keys
			}
			if err := c.answer(ctx, pw, true); err != nil {
				return rep, err
			}
			timeout, waitingFor = c.timeouts.Save, "while saving the credentials"
		case PromptSaving:
			timeout, waitingFor = c.timeouts.Save, "while saving the credentials"
		case PromptWiFiSaved:
			return rep, nil
		case PromptWiFiNotSaved:
			return rep, &Error{Kind: ErrCredentialsNotSaved, Port: c.port,
				Message: where(c.port) + " could not save the Wi-Fi credentials. Press RESET, put it back in listening mode and try again; if it happens again, check the network name and security."}
		case PromptEAPType, PromptUsername, PromptClientCert, PromptPrivateKey, PromptOuterIdentity, PromptRootCA, PromptEnterpriseError:
			return rep, &Error{Kind: ErrEnterpriseNetwork, Port: c.port,
				Message: stuck(fmt.Sprintf("The network %q uses WPA Enterprise, which Photon Station cannot set up; use a network with a WPA2 password.", cred.SSID))}
		default:
			// Claim-code texts or the like: not part of this dialogue.
		}
	}
}

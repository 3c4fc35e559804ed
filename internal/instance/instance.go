// Package instance keeps one Photon Station desktop app per data folder.
// The first start takes an exclusive lock on a file in the folder (flock
// on Unix, LockFileEx on Windows: the operating system drops it when the
// process ends, however it ends, so a killed station leaves no stale
// lock) and listens on a loopback TCP port for "show yourself" requests.
// A second start finds the lock taken, asks the first to bring its window
// to the front, and ends. A request carries a random token that only the
// folder's owner can read (a 0600 file beside the lock), so another user
// or program on the computer cannot make the station do anything; all a
// request can do is show the window.
package instance

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
	"github.com/photon-station/photon-station/internal/filelock"
)

// The files in the folder: the lock, and the running app's address and
// token.
const (
	LockFile    = "instance.lock"
	AddressFile = "instance.addr"
)

// answerWait bounds each side of a show request: a running station
// answers at once, one that hangs must not keep the second start waiting.
const answerWait = 3 * time.Second

// Running is what Acquire returns when another process holds the folder's
// lock. Shown tells whether that process answered that it shows its
// window; when it did not (it is starting, or hangs), the caller says the
// station is already running and ends all the same.
type Running struct {
	Shown bool
	Err   error // why the request was not answered, when it was not
}

func (r *Running) Error() string {
	if r.Shown {
		return "Photon Station is already running; its window was brought to the front"
	}
	return "Photon Station is already running"
}

// Instance is the lock of the one running app, and its listener for show
// requests. Close gives both up.
type Instance struct {
	lock  *os.File
	ln    net.Listener
	token string
	addr  string // the address file's path

	mu      sync.Mutex
	onShow  func()
	pending bool // a request came before OnShow was set
	done    chan struct{}
	stop    sync.Once
}

// Acquire takes dir's instance lock. When another process holds it,
// Acquire asks that one to show its window and returns a *Running error.
func Acquire(dir string) (*Instance, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the instance lock: %w", err)
	}
	held, err := filelock.TryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", f.Name(), err)
	}
	if held {
		f.Close()
		err := requestShow(filepath.Join(dir, AddressFile))
		return nil, &Running{Shown: err == nil, Err: err}
	}
	in, err := listen(f, filepath.Join(dir, AddressFile))
	if err != nil {
		f.Close() // closing the file drops the lock
		return nil, err
	}
	return in, nil
}

// listen opens the loopback listener and publishes its address and a new
// token in the address file (owner-only, written whole by a rename).
func listen(lock *os.File, addrPath string) (*Instance, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on loopback for a second start: %w", err)
	}
	in := &Instance{lock: lock, ln: ln, token: hex.EncodeToString(raw), addr: addrPath, done: make(chan struct{})}
	tmp, err := os.CreateTemp(filepath.Dir(addrPath), AddressFile+".*") // 0600
	if err == nil {
		_, err = fmt.Fprintf(tmp, "%s\n%s\n", ln.Addr().String(), in.token)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), addrPath)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("cannot write %s: %w", addrPath, err)
	}
	go in.serve()
	return in, nil
}

// OnShow sets what a show request does (the app shows and focuses its
// window); a request that came before runs it at once.
func (in *Instance) OnShow(show func()) {
	in.mu.Lock()
	in.onShow = show
	pending := in.pending
	in.pending = false
	in.mu.Unlock()
	if pending && show != nil {
		show()
	}
}

func (in *Instance) serve() {
	defer close(in.done)
	for {
		c, err := in.ln.Accept()
		if err != nil {
			return // closed
		}
		in.answer(c)
	}
}

// answer reads one request: "show TOKEN". A wrong token gets no answer.
func (in *Instance) answer(c net.Conn) {
	defer c.Close()
	c.SetDeadline(clock.System.Now().Add(answerWait)) // the network's deadlines are on the real clock
	line, err := bufio.NewReader(io.LimitReader(c, 256)).ReadString('\n')
	if err != nil {
		return
	}
	token, ok := strings.CutPrefix(strings.TrimSpace(line), "show ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(in.token)) != 1 {
		return
	}
	in.mu.Lock()
	show := in.onShow
	in.pending = show == nil
	in.mu.Unlock()
	if show != nil {
		show()
	}
	fmt.Fprint(c, "ok\n")
}

// requestShow asks the app whose address file is at addrPath to show its
// window, and waits for its answer.
func requestShow(addrPath string) error {
	data, err := os.ReadFile(addrPath)
	if err != nil {
		return fmt.Errorf("the running station's address is not written yet: %w", err)
	}
	addr, token, ok := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if !ok {
		return errors.New("the running station's address file is incomplete")
	}
	c, err := net.DialTimeout("tcp", addr, answerWait)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(clock.System.Now().Add(answerWait)) // the network's deadlines are on the real clock
	if _, err := fmt.Fprintf(c, "show %s\n", token); err != nil {
		return err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the running station did not answer: %w", err)
	}
	if reply != "ok\n" {
		return fmt.Errorf("the running station answered %q", reply)
	}
	return nil
}

// StopAnswering stops taking show requests and removes the address file,
// keeping the lock: for an app whose window has closed while it still
// winds down (its bench lets go of the ports). A second start meanwhile
// says the station is running and ends, and touches no closed window.
func (in *Instance) StopAnswering() {
	in.stop.Do(func() {
		in.ln.Close()
		<-in.done
		os.Remove(in.addr)
	})
}

// Close stops answering, removes the address file and drops the lock.
func (in *Instance) Close() error {
	in.StopAnswering()
	return in.lock.Close()
}

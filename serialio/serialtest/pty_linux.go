package serialtest

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// PTY serves the device on a new pseudo-terminal and returns the path to
// open with serialio.Open (go.bug.st/serial). The device keeps its own
// handle on the terminal, so hosts may open and close it repeatedly; Unplug
// or Close makes the path disappear, like a pulled cable.
func (p *Photon) PTY() (string, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return "", fmt.Errorf("serialtest: opening a pseudo-terminal: %w", err)
	}
	if err := makeRaw(slave); err != nil {
		master.Close()
		slave.Close()
		return "", err
	}
	// pty.Open leaves the master in blocking mode, where Close cannot
	// interrupt a pending Read and the fd (and so the "cable") stays open.
	// A non-blocking duplicate goes through the runtime poller instead.
	nfd, err := unix.Dup(int(master.Fd()))
	master.Close()
	if err == nil {
		err = unix.SetNonblock(nfd, true)
	}
	if err != nil {
		slave.Close()
		return "", fmt.Errorf("serialtest: preparing the pseudo-terminal: %w", err)
	}
	unix.CloseOnExec(nfd)
	path := slave.Name()
	s := p.attach(os.NewFile(uintptr(nfd), "/dev/ptmx"))
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		s.serve()
		slave.Close()
	}()
	return path, nil
}

// makeRaw turns off the line discipline on the terminal at once, so nothing
// the device prints before a host opens the port is echoed back to it.
func makeRaw(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("serialtest: reading terminal settings: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("serialtest: setting raw mode: %w", err)
	}
	return nil
}

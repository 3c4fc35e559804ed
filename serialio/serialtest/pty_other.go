//go:build !linux

package serialtest

import "errors"

// ErrNoPTY is returned by PTY where the emulator cannot make a raw
// pseudo-terminal; tests skip on it.
var ErrNoPTY = errors.New("serialtest: pseudo-terminals are only supported on Linux")

// PTY is only available on Linux.
func (p *Photon) PTY() (string, error) { return "", ErrNoPTY }

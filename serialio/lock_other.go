//go:build !linux && !darwin

package serialio

import "io"

// lockPort does nothing where opening a port is exclusive already
// (Windows opens a COM port for one program only).
func lockPort(string) (io.Closer, error) { return nil, nil }

//go:build tools

package main

// This file pins the modules the design card chose before every package
// imports them, so `go mod tidy` keeps them. It is never built.
import (
	_ "fyne.io/fyne/v2/app"
	_ "fyne.io/fyne/v2/test"
	_ "github.com/creack/pty"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/google/uuid"
	_ "github.com/mdlayher/wifi"
	_ "github.com/zalando/go-keyring"
	_ "go.bug.st/serial"
	_ "go.bug.st/serial/enumerator"
)

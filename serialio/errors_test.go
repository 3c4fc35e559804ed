package serialio

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"go.bug.st/serial"
)

func TestOpenErrorWording(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		kind    error
		mention string
	}{
		// The zero PortError is go.bug.st/serial's PortBusy code.
		{"port busy (serial code)", &serial.PortError{}, ErrPortBusy, "Close the other program"},
		{"port busy (errno)", fmt.Errorf("open: %w", syscall.EBUSY), ErrPortBusy, "Another program is using"},
		{"permission denied (errno)", fmt.Errorf("open: %w", syscall.EACCES), ErrPermissionDenied, "may not open"},
		{"permission denied (os)", &os.PathError{Op: "open", Path: "/dev/ttyACM0", Err: os.ErrPermission}, ErrPermissionDenied, "may not open"},
		{"not found", &os.PathError{Op: "open", Path: "/dev/ttyACM0", Err: syscall.ENOENT}, ErrPortNotFound, "plugged in"},
		{"device gone", fmt.Errorf("open: %w", syscall.ENXIO), ErrPortNotFound, "plugged in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := openError("/dev/ttyACM0", tc.err)
			if !errors.Is(e, tc.kind) {
				t.Errorf("kind %v, want %v", e.Kind, tc.kind)
			}
			if !strings.Contains(e.Error(), tc.mention) || !strings.Contains(e.Error(), "/dev/ttyACM0") {
				t.Errorf("message %q lacks %q or the port", e.Error(), tc.mention)
			}
			if e.Details == "" || !errors.Is(e, tc.err) && errors.Unwrap(e) != tc.err {
				t.Errorf("cause not kept: details %q", e.Details)
			}
		})
	}
}

func TestPermissionHintOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the udev rule and dialout group are Linux fixes")
	}
	h := permissionHint()
	if !strings.Contains(h, "50-photon-station.rules") || !strings.Contains(h, "dialout") {
		t.Errorf("hint %q does not name both the udev rule and the dialout group", h)
	}
}

package serialio

// UsbLocationForTest exposes the sysfs USB position lookup.
func UsbLocationForTest(root, tty string) string {
	loc, _ := usbPosition(root, tty)
	return loc
}

// SetSysClassTTYForTest points detection at a fake /sys/class/tty.
func SetSysClassTTYForTest(dir string) (restore func()) {
	old := sysClassTTY
	sysClassTTY = dir
	return func() { sysClassTTY = old }
}

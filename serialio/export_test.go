package serialio

// UsbLocationForTest exposes the sysfs USB position lookup.
var UsbLocationForTest = usbLocation

// SetSysClassTTYForTest points detection at a fake /sys/class/tty.
func SetSysClassTTYForTest(dir string) (restore func()) {
	old := sysClassTTY
	sysClassTTY = dir
	return func() { sysClassTTY = old }
}

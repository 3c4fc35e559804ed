package serialio

// SysfsDFUForTest exposes the sysfs DFU scan to the external tests.
var SysfsDFUForTest = sysfsDFU

package serialio

// portHolder cannot name the holder of a lock on macOS (there is no
// /proc/locks); the busy message then names no program.
func portHolder(string) string { return "" }

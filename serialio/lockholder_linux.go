package serialio

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// procRoot is where the kernel's process information is mounted.
const procRoot = "/proc"

// portHolder names the program holding a flock on the device at path, as
// "name, pid N", from /proc/locks (which lists each lock's pid and the
// major:minor:inode of the file) and /proc/PID/comm. It returns "" when the
// holder cannot be named: no flock (a program that only set TIOCEXCL), or
// a holder in another pid namespace (pid 0).
func portHolder(path string) string {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return ""
	}
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), st.Ino)
	f, err := os.Open(procRoot + "/locks")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 1234 00:05:3 0 EOF"; waiters have "->"
		// after the number and hold nothing.
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != want {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		if err != nil || pid <= 0 {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("%s/%d/comm", procRoot, pid))
		if err != nil {
			return fmt.Sprintf("pid %d", pid)
		}
		return fmt.Sprintf("%s, pid %d", strings.TrimSpace(string(comm)), pid)
	}
	return ""
}

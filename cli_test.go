package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// cliArgsEnv makes the test binary run as photon-station itself, so tests
// can look at a whole process: its start-up output and exit code.
const cliArgsEnv = "PHOTON_STATION_TEST_CLI_ARGS"

// cliArgvEnv holds a child's arguments one per line (an argument may hold
// spaces).
const cliArgvEnv = "PHOTON_STATION_TEST_CLI_ARGV"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(cliArgsEnv); ok {
		os.Exit(run(strings.Fields(args), os.Stdout, os.Stderr))
	}
	if argv, ok := os.LookupEnv(cliArgvEnv); ok {
		os.Exit(run(strings.Split(argv, "\n"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runCLI runs photon-station args in a child process with env added to a
// clean environment (no LANGUAGE, no LC_*).
func runCLI(t *testing.T, args string, env ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runChild(t, append(env, cliArgsEnv+"="+args))
}

// runCLIArgv is runCLI for arguments that may hold spaces.
func runCLIArgv(t *testing.T, argv []string, env ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runChild(t, append(env, cliArgvEnv+"="+strings.Join(argv, "\n")))
}

func runChild(t *testing.T, env []string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "LANGUAGE" || k == "LANG" || strings.HasPrefix(k, "LC_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestOneLineErrorUnderCLocale: factory scripts often run with
// LANG=C.UTF-8, which Fyne cannot parse as a language; the headless
// commands still print exactly one line on stderr when they fail.
func TestOneLineErrorUnderCLocale(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("the locale comes from the environment only on Linux and the BSDs")
	}
	for _, locale := range []string{"LANG=C.UTF-8", "LC_ALL=POSIX.UTF-8", "LANG=en_GB.UTF-8"} {
		t.Run(locale, func(t *testing.T) {
			_, stderr, code := runCLI(t, "no-such-command", locale)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "photon-station: unknown command") {
				t.Errorf("stderr is not one line of ours:\n%s", stderr)
			}
		})
	}
}

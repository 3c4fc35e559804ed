package softap

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// runner runs an OS tool (nmcli, networksetup, netsh). It is the seam that
// lets the joining logic be tested with a fake that records the calls. No
// secret ever goes on these command lines: the Photon's AP is open, and the
// laptop's own network comes back from the OS's saved profile.
type runner interface {
	run(ctx context.Context, name string, args ...string) ([]byte, error)
	lookPath(name string) bool
}

// execRunner runs tools for real.
type execRunner struct{}

func (execRunner) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = untranslatedEnv(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &toolError{tool: name, args: args, stderr: strings.TrimSpace(stderr.String() + " " + stdout.String()), err: err}
	}
	return stdout.Bytes(), nil
}

// untranslatedEnv is env with the tools' messages in their own (English)
// words: the joining logic reads nmcli's answers, and the station's
// language choice (LANGUAGE) or a German desktop (LANG=de_DE.UTF-8) would
// otherwise translate them. C.UTF-8 keeps SSIDs in other scripts intact.
func untranslatedEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k == "LANGUAGE" || k == "LC_ALL" || k == "LC_MESSAGES" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LC_ALL=C.UTF-8")
}

func (execRunner) lookPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// toolError keeps what an OS tool said, for a "Details" field.
type toolError struct {
	tool   string
	args   []string
	stderr string
	err    error
}

func (e *toolError) Error() string {
	return fmt.Sprintf("%s %s: %v: %s", e.tool, strings.Join(e.args, " "), e.err, e.stderr)
}

func (e *toolError) Unwrap() error { return e.err }

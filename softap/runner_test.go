package softap

import (
	"os/exec"
	"strings"
	"testing"
)

// The OS tools answer in their own words whatever language the station or
// the desktop speaks, since the joining logic reads what they print.
func TestToolsRunUntranslated(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh here")
	}
	t.Setenv("LANGUAGE", "de")
	t.Setenv("LC_MESSAGES", "de_DE.UTF-8")
	t.Setenv("LC_ALL", "de_DE.UTF-8")
	t.Setenv("LANG", "de_DE.UTF-8")
	out, err := execRunner{}.run(t.Context(), "sh", "-c", `echo "LANGUAGE=${LANGUAGE-unset} LC_ALL=$LC_ALL LC_MESSAGES=${LC_MESSAGES-unset}"`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "LANGUAGE=unset LC_ALL=C.UTF-8 LC_MESSAGES=unset" {
		t.Errorf("the tool saw %s", got)
	}
}

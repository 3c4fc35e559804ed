package provisioning

import (
	"strings"
	"testing"

	"github.com/photon-station/photon-station/cloud"
)

// The bench shows the explanation of a refused OAuth client: it names the
// profile's client ID and no environment variable, which a technician at a
// GUI cannot set (the headless command rewrites it into its own words).
func TestExplainBadCredentialsNamesNoEnvironment(t *testing.T) {
	a := &attempt{p: &Pipeline{Profile: Profile{ClientID: "acme-line-3"}}}
	e := a.explain(StepPreflight, &cloud.Error{Op: "token", Kind: cloud.KindBadCredentials, StatusCode: 401})
	words := e.Message + " " + e.Action
	if !strings.Contains(e.Action, "acme-line-3") {
		t.Errorf("action %q does not name the client ID", e.Action)
	}
	for _, env := range []string{EnvClientSecret, EnvWiFiPassword} {
		if strings.Contains(words, env) {
			t.Errorf("%q names %s", words, env)
		}
	}
}

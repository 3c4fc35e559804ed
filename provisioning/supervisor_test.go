package provisioning

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
)

const (
	supEmail    = "supervisor@acme.example"
	supPassword = "purple-monkey-dishwasher"
	supOTP      = "246810"
)

// supervisorRig is a cloudtest with a supervisor's account, their own
// product and an organization's product, and a Supervisor on it.
type supervisorRig struct {
	cloud   *cloudtest.Cloud
	secrets *MemorySecrets
	sup     *Supervisor
	clock   *testClock
}

func newSupervisorRig(t *testing.T, otp string) *supervisorRig {
	t.Helper()
	r := &supervisorRig{secrets: &MemorySecrets{}, clock: newTestClock()}
	r.cloud = cloudtest.New(cloudtest.Options{Now: r.clock.Now})
	t.Cleanup(r.cloud.Close)
	r.cloud.AddUser(cloudtest.User{Email: supEmail, Password: supPassword, OTP: otp})
	r.cloud.AddUser(cloudtest.User{Email: "someone@else.example", Password: "x-other-password"})
	r.cloud.AddOrg(cloudtest.Org{Slug: "acme", Name: "Acme Inc", Members: []string{supEmail}})
	r.cloud.AddProduct(cloudtest.Product{ID: 4711, Slug: "acme-sensor", Name: "Acme Sensor", Org: "acme", Members: []string{supEmail}})
	r.cloud.AddProduct(cloudtest.Product{ID: 200, Slug: "bench-proto", Name: "bench proto", Members: []string{supEmail}})
	r.cloud.AddProduct(cloudtest.Product{ID: 300, Slug: "not-mine", Name: "Not mine", Members: []string{"someone@else.example"}})
	api := &cloud.Client{BaseURL: r.cloud.URL(), Timeout: 5 * time.Second, Clock: r.clock}
	r.sup = &Supervisor{API: api, Secrets: r.secrets, Now: r.clock.Now}
	return r
}

func TestSupervisorSignInStoresTokenInKeyring(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if _, err := r.sup.Current(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("before sign-in: %v, want ErrNotSignedIn", err)
	}
	if _, err := r.sup.Client(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("client before sign-in: %v", err)
	}
	acct, err := r.sup.SignIn(ctx, "  "+supEmail+" ", supPassword)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Username != supEmail {
		t.Errorf("username %q", acct.Username)
	}
	// The server default is 90 days.
	if want := r.clock.Now().Add(90 * 24 * time.Hour); !acct.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", acct.ExpiresAt, want)
	}
	raw, err := r.secrets.Get(ctx, SupervisorKeyringProfile, SecretUserToken)
	if err != nil || !strings.Contains(raw, `"token":"`) {
		t.Fatalf("keyring holds %v (%v)", raw != "", err)
	}
	if strings.Contains(raw, supPassword) {
		t.Error("the password was kept")
	}
	got, err := r.sup.Current(ctx)
	if err != nil || got != acct {
		t.Fatalf("current %+v %v, want %+v", got, err, acct)
	}
	c, err := r.sup.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDevices(ctx); err != nil {
		t.Fatalf("the stored token does not work: %v", err)
	}
	// A sign-in past its expiry is no sign-in.
	r.clock.Advance(acct.ExpiresAt.Sub(r.clock.Now()) + time.Second)
	if _, err := r.sup.Current(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("after expiry: %v", err)
	}
	if leaks := r.cloud.SecretsInURLs(); len(leaks) != 0 {
		t.Fatalf("secrets in URLs: %+v", leaks)
	}
}

func TestSupervisorWrongPassword(t *testing.T) {
	r := newSupervisorRig(t, "")
	_, err := r.sup.SignIn(context.Background(), supEmail, "wrong-password-42")
	if !errors.Is(err, ErrPasswordNotAccepted) || !cloud.IsBadCredentials(err) {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-password-42") {
		t.Errorf("the password is in the error: %v", err)
	}
	if _, err := r.secrets.Get(context.Background(), SupervisorKeyringProfile, SecretUserToken); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("something was stored: %v", err)
	}
}

func TestSupervisorTwoStepVerification(t *testing.T) {
	r := newSupervisorRig(t, supOTP)
	ctx := context.Background()
	if _, err := r.sup.SignInCode(ctx, supOTP); err == nil {
		t.Fatal("a code without a pending sign-in was accepted")
	}
	_, err := r.sup.SignIn(ctx, supEmail, supPassword)
	if !errors.Is(err, ErrCodeNeeded) {
		t.Fatalf("MFA account: %v, want ErrCodeNeeded", err)
	}
	if _, err := r.sup.Current(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("signed in before the code: %v", err)
	}
	if _, err := r.sup.SignInCode(ctx, "000000"); !errors.Is(err, ErrCodeNotAccepted) {
		t.Fatalf("a wrong code gave %v, want ErrCodeNotAccepted", err)
	} else if strings.Contains(err.Error(), "000000") || strings.Contains(err.Error(), "password") {
		t.Errorf("the code is in the error: %v", err)
	}
	acct, err := r.sup.SignInCode(ctx, " "+supOTP+" ")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Username != supEmail {
		t.Errorf("username %q", acct.Username)
	}
	if _, err := r.sup.Current(ctx); err != nil {
		t.Fatal(err)
	}
	// The pending step is used up.
	if _, err := r.sup.SignInCode(ctx, supOTP); err == nil {
		t.Fatal("the code step could be repeated")
	}
}

func TestSupervisorProductsFromUserAndOrgs(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if _, err := r.sup.Products(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("products before sign-in: %v", err)
	}
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); err != nil {
		t.Fatal(err)
	}
	ps, err := r.sup.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, p := range ps {
		labels = append(labels, p.Label())
	}
	got := strings.Join(labels, " | ")
	// Sorted by name, each once; the org's product names its org.
	want := "Acme Sensor (4711) · Acme Inc | bench proto (200)"
	if got != want {
		t.Fatalf("products %q, want %q", got, want)
	}
	// An organization this role may not list is left out, not fatal.
	r.cloud.InjectFault(cloudtest.Fault{Method: "GET", Path: "/v1/orgs/:org/products", Status: 403,
		Body: `{"ok":false,"error":"Permission denied"}`})
	ps, err = r.sup.Products(ctx)
	// (the org's product is still listed, as one of the user's own).
	if err != nil || len(ps) != 2 || ps[0].Org != "" {
		t.Fatalf("with one organization refused: %+v, %v", ps, err)
	}
}

func TestSupervisorCreatesProductClientIntoKeyring(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if _, err := r.sup.CreateProductClient(ctx, "Line 3", "4711"); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("before sign-in: %v", err)
	}
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sup.CreateProductClient(ctx, "a/b", "4711"); err == nil || !strings.Contains(err.Error(), "profile name") {
		t.Fatalf("bad profile name: %v", err)
	}
	if _, err := r.sup.CreateProductClient(ctx, "Line 3", "300"); !cloud.IsPermissionDenied(err) && !cloud.IsNotFound(err) {
		t.Fatalf("someone else's product: %v", err)
	}
	id, err := r.sup.CreateProductClient(ctx, "Line 3", "acme-sensor")
	if err != nil {
		t.Fatal(err)
	}
	var made *cloudtest.OAuthClient
	for _, oc := range r.cloud.OAuthClients() {
		if oc.ID == id {
			made = &oc
		}
	}
	if made == nil || made.ProductID != 4711 || made.Type != "installed" || made.Name != "Photon Station · Line 3" {
		t.Fatalf("created client %+v", made)
	}
	secret, err := r.secrets.Get(ctx, "Line 3", SecretClientSecret)
	if err != nil || secret != made.Secret {
		t.Fatalf("keyring secret matches: %v (%v)", secret == made.Secret, err)
	}
	if strings.Contains(id, secret) {
		t.Error("the secret is in the returned ID")
	}
	// The stored pair is a working product client.
	if _, err := r.sup.API.ProductToken(ctx, cloud.ClientCredentials{ID: id, Secret: secret}, 0); err != nil {
		t.Fatalf("the new client cannot get a product token: %v", err)
	}
}

func TestSupervisorCreatedClientKeyringFailureSaysWhatToDo(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); err != nil {
		t.Fatal(err)
	}
	r.sup.Secrets = failingSets{r.secrets}
	_, err := r.sup.CreateProductClient(ctx, "Line 3", "4711")
	if err == nil || !strings.Contains(err.Error(), "Particle console") {
		t.Fatalf("keyring failure: %v", err)
	}
	for _, oc := range r.cloud.OAuthClients() {
		if oc.Secret != "" && strings.Contains(err.Error(), oc.Secret) {
			t.Fatalf("the secret is in the error: %v", err)
		}
	}
}

// failingSets refuses every write, as a locked keychain does.
type failingSets struct{ Secrets }

func (f failingSets) Set(context.Context, string, SecretKind, string) error {
	return &KeyringError{Op: "store", Err: ErrKeyringUnavailable}
}

func TestSupervisorSignOutRevokes(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if err := r.sup.SignOut(ctx); err != nil {
		t.Fatalf("signing out nobody: %v", err)
	}
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); err != nil {
		t.Fatal(err)
	}
	c, _ := r.sup.Client(ctx)
	if err := r.sup.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sup.Current(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("still signed in: %v", err)
	}
	if _, err := c.ListDevices(ctx); !cloud.IsUnauthorized(err) {
		t.Fatalf("the old token still works: %v", err)
	}
}

func TestSupervisorSignOutOfflineStillForgets(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); err != nil {
		t.Fatal(err)
	}
	r.cloud.InjectFault(cloudtest.Fault{Method: "DELETE", Path: "/v1/access_tokens/current", CloseConnection: true})
	err := r.sup.SignOut(ctx)
	if err == nil || !strings.Contains(err.Error(), "signed out on this station") {
		t.Fatalf("offline sign-out: %v", err)
	}
	if _, err := r.sup.Current(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("still signed in: %v", err)
	}
}

func TestSupervisorDamagedKeyringEntry(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	_ = r.secrets.Set(ctx, SupervisorKeyringProfile, SecretUserToken, "not json")
	if _, err := r.sup.Current(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("damaged entry: %v", err)
	}
}

// TestSupervisorRealKeyring: the sign-in survives a restart of the station
// (a new Supervisor on the same OS keyring) and sign-out removes it. CI runs
// it under gnome-keyring; elsewhere it skips with the reason.
func TestSupervisorRealKeyring(t *testing.T) {
	if os.Getenv(keyringChildEnv) != "" {
		t.Skip("child process")
	}
	ctx := context.Background()
	k := Keyring{Service: fmt.Sprintf("photon-station-sup-test-%d", os.Getpid()), Timeout: 5 * time.Second}
	if err := k.Probe(ctx); err != nil {
		if os.Getenv("PHOTON_STATION_KEYRING_REQUIRED") == "1" {
			t.Fatalf("CI requires the real Secret Service, and it is not usable: %v", err)
		}
		t.Skipf("no usable Secret Service here (%v); CI runs this test under gnome-keyring", err)
	}
	t.Cleanup(func() { k.Delete(ctx, SupervisorKeyringProfile, SecretUserToken) })
	r := newSupervisorRig(t, supOTP)
	r.sup.Secrets = k
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); !errors.Is(err, ErrCodeNeeded) {
		t.Fatalf("sign-in: %v", err)
	}
	if _, err := r.sup.SignInCode(ctx, supOTP); err != nil {
		t.Fatal(err)
	}
	restarted := &Supervisor{API: r.sup.API, Secrets: k, Now: r.clock.Now}
	acct, err := restarted.Current(ctx)
	if err != nil || acct.Username != supEmail {
		t.Fatalf("after a restart: %+v, %v", acct, err)
	}
	if _, err := restarted.Products(ctx); err != nil {
		t.Fatalf("the kept token does not work: %v", err)
	}
	if err := restarted.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, SupervisorKeyringProfile, SecretUserToken); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("the keyring still holds the sign-in: %v", err)
	}
}

// A cloud that never answers the revoke does not use up the sign-out's
// time: the token is still forgotten here, and the error says the cloud
// was not told.
func TestSupervisorSignOutWhenTheCloudHangs(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); err != nil {
		t.Fatal(err)
	}
	r.sup.RevokeTimeout = 100 * time.Millisecond
	r.cloud.InjectFault(cloudtest.Fault{Method: "DELETE", Path: "/v1/access_tokens/current", Hang: true})
	octx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := r.sup.SignOut(octx)
	if err == nil || !strings.Contains(err.Error(), "signed out on this station") {
		t.Fatalf("sign-out with a hung cloud: %v", err)
	}
	if octx.Err() != nil {
		t.Fatal("the sign-out used up its caller's whole time")
	}
	if _, err := r.sup.Current(ctx); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("still signed in: %v", err)
	}
	if strings.Contains(err.Error(), "not available") {
		t.Errorf("a slow cloud was reported as a missing keychain: %v", err)
	}
}

func TestOAuthClientNameCutsWholeCharacters(t *testing.T) {
	name := OAuthClientName(strings.Repeat("é", 99))
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) != 100 {
		t.Errorf("name %q: valid %v, %d runes", name, utf8.ValidString(name), utf8.RuneCountInString(name))
	}
}

// A sign-in that cannot be kept revokes its token, within the revoke's own
// time even when the cloud does not answer, and says why.
func TestSupervisorSignInNotKeptIsRevokedInTime(t *testing.T) {
	r := newSupervisorRig(t, "")
	r.sup.Secrets = failingSets{r.secrets}
	r.sup.RevokeTimeout = 100 * time.Millisecond
	r.cloud.InjectFault(cloudtest.Fault{Method: "DELETE", Path: "/v1/access_tokens/current", Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := r.sup.SignIn(ctx, supEmail, supPassword)
	if err == nil || !strings.Contains(err.Error(), "could not be kept") {
		t.Fatalf("sign-in with a refusing keychain: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the revoke of the unkept token used up the caller's time")
	}
	if strings.Contains(err.Error(), supPassword) {
		t.Error("the password is in the error")
	}
}

// A client made for a profile that was never saved is deleted in the
// cloud and its secret forgotten; one already gone counts as deleted.
func TestSupervisorDeletesAnAbandonedProductClient(t *testing.T) {
	r := newSupervisorRig(t, "")
	ctx := context.Background()
	if _, err := r.sup.SignIn(ctx, supEmail, supPassword); err != nil {
		t.Fatal(err)
	}
	id, err := r.sup.CreateProductClient(ctx, "Line 3", "acme-sensor")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.sup.DeleteProductClient(ctx, "Line 3", "acme-sensor", id); err != nil {
		t.Fatal(err)
	}
	for _, oc := range r.cloud.OAuthClients() {
		if oc.ID == id {
			t.Fatalf("the client %s is still in the cloud", id)
		}
	}
	if _, err := r.secrets.Get(ctx, "Line 3", SecretClientSecret); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("the secret is still kept: %v", err)
	}
	if err := r.sup.DeleteProductClient(ctx, "Line 3", "acme-sensor", id); err != nil {
		t.Errorf("deleting it again: %v", err)
	}
}

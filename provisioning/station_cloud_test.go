package provisioning

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// productTokenRequests counts the fake cloud's product token requests
// (client credentials without a customer scope).
func productTokenRequests(sb *stationBench) int {
	n := 0
	for _, r := range sb.cloud.Requests() {
		if r.Method == "POST" && r.Path == "/oauth/token" && !slices.Contains(r.BodyKeys, "scope") {
			n++
		}
	}
	return n
}

func hubOf16(sb *stationBench) []string {
	var slots []string
	for i := range 16 {
		slot := fmt.Sprintf("/dev/ttyACM%d", i)
		sb.photon(slot, i+1)
		slots = append(slots, slot)
	}
	return slots
}

// A full hub shares one product token: one request for sixteen Photons.
func TestStationSharesOneProductToken(t *testing.T) {
	sb := newStationBench(t)
	slots := hubOf16(sb)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for slot, e := range sb.await(t, EventResult, slots...) {
		if e.Outcome != OutcomePass {
			t.Errorf("%s: %s", slot, e.Message)
		}
	}
	if n := productTokenRequests(sb); n != 1 {
		t.Errorf("%d product token requests for 16 Photons, want 1", n)
	}
}

// A mistyped client secret costs one token request, however many Photons
// wait, and stops the bench with one message in a technician's words
// (Particle blocks the IP after 10 failed token requests in a row).
func TestStationStopsOnBadClientCredentials(t *testing.T) {
	sb := newStationBench(t, func(p *Pipeline) { p.Credentials.ClientSecret = "0000000000000000000000000000000000000000" })
	slots := hubOf16(sb)
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	results := sb.await(t, EventResult, slots...)
	halted := sb.await(t, EventHalted, "")[""]
	if !strings.Contains(halted.Message, "OAuth client ID or secret is wrong: a supervisor fixes it on the Profiles screen") {
		t.Errorf("halt message %q", halted.Message)
	}
	failed := 0
	for slot, e := range results {
		switch {
		case e.Outcome == OutcomeFail && !e.Interrupted:
			failed++
		case e.Outcome == OutcomeFail:
		default:
			t.Errorf("%s: %s %s", slot, e.Outcome, e.Message)
		}
	}
	if failed != 1 {
		t.Errorf("%d slots failed, want 1 (the others stopped with the bench)", failed)
	}
	if n := productTokenRequests(sb); n != 1 {
		t.Errorf("%d product token requests, want 1", n)
	}
	if sb.station.Running() {
		t.Error("the bench still runs")
	}
	if _, ok := sb.station.Halted(); !ok {
		t.Error("Halted does not say why the bench stopped")
	}
	if c := sb.station.Counters(); c.Failed != 1 {
		t.Errorf("counters %+v", c)
	}
	// A newly plugged Photon adds no request: the bench is stopped, and
	// the profile's token source asks no more.
	if err := sb.station.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sb.photon("/dev/ttyACM16", 17)
	sb.await(t, EventResult, "/dev/ttyACM16")
	if n := productTokenRequests(sb); n != 1 {
		t.Errorf("%d product token requests after a new Photon, want still 1", n)
	}
}

// The token source renews a refused token once for every caller that held
// it, and reuses a token until close to its expiry.
func TestTokenSourceRenewsOnce(t *testing.T) {
	b := newBench(t, Profile{})
	ts := NewTokenSource(b.api, clientID, clientSecret, b.clock, nil)
	ctx := context.Background()
	first, err := ts.Product(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := ts.Product(ctx); again.Value != first.Value || ts.Requests() != 1 {
		t.Fatalf("a second call asked again (%d requests)", ts.Requests())
	}
	done := make(chan Token, 8)
	for range 8 {
		go func() {
			tok, err := ts.Renew(ctx, first)
			if err != nil {
				t.Error(err)
			}
			done <- tok
		}()
	}
	var renewed Token
	for i := range 8 {
		tok := <-done
		if i == 0 {
			renewed = tok
		}
		if tok.Value == first.Value || tok.Value != renewed.Value {
			t.Errorf("renewal %d got another token", i)
		}
	}
	if ts.Requests() != 2 {
		t.Errorf("%d token requests for eight renewals of one token, want 2 in all", ts.Requests())
	}
	// Close to expiry, the next caller gets a fresh one.
	b.clock.Advance(DefaultTokenLifetimeForTests - tokenRenewMargin + time.Second)
	if tok, _ := ts.Product(ctx); tok.Value == renewed.Value || ts.Requests() != 3 {
		t.Errorf("a token about to expire was reused (%d requests)", ts.Requests())
	}
}

// DefaultTokenLifetimeForTests is the fake cloud's default token lifetime.
const DefaultTokenLifetimeForTests = 90 * 24 * time.Hour

// The request budget holds requests back once a window is full, on the
// clock: the token route's is much smaller than the rest.
func TestCloudLimitBudget(t *testing.T) {
	clk := newTestClock()
	l := NewCloudLimit(0, clk)
	l.SetBudget(Budget{All: 5, Tokens: 2, Window: 5 * time.Minute})
	ctx := context.Background()
	start := clk.Now()
	var at []time.Duration
	for range 3 {
		if err := l.doToken(ctx, func(context.Context) error { at = append(at, clk.Now().Sub(start)); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if at[0] != 0 || at[1] != 0 || at[2] < 5*time.Minute {
		t.Errorf("token requests at %v: the third should wait for the window", at)
	}
	// Other routes count in the all-routes budget only.
	at = nil
	now := clk.Now()
	for range 2 {
		l.do(ctx, func(context.Context) error { at = append(at, clk.Now().Sub(now)); return nil })
	}
	if at[0] != 0 || at[1] != 0 {
		t.Errorf("other requests waited: %v", at)
	}
}

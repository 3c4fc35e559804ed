package main

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/photon-station/photon-station/softap"
)

func startBench(t *testing.T) *bench {
	t.Helper()
	b, err := newBench()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	return b
}

// talk runs the bench's request loop over pipes, as the node harness does,
// and returns a function that sends one request and decodes its answer.
func talk(t *testing.T, b *bench) func(request string, answer any) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		enc := json.NewEncoder(outW)
		done <- b.serve(inR, enc)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	dec := json.NewDecoder(outR)
	return func(request string, answer any) {
		t.Helper()
		if _, err := io.WriteString(inW, request+"\n"); err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(answer); err != nil {
			t.Fatalf("%s: %v", request, err)
		}
	}
}

func TestSetupNamesEveryPhotonAndTheCloud(t *testing.T) {
	b := startBench(t)
	s := b.setup
	if s.Cloud.URL == "" || s.Cloud.ClientID == "" || s.Cloud.ClientSecret == "" || s.Cloud.ProductID != productID {
		t.Fatalf("cloud setup %+v", s.Cloud)
	}
	if len(s.Photons) != 2 || s.Photons[0].Transport != "tcp" || s.Photons[1].Transport != "http" {
		t.Fatalf("photons %+v", s.Photons)
	}
	for _, p := range s.Photons {
		if _, ok := b.cloud.Device(p.ID); !ok {
			t.Errorf("the cloud does not know Photon %s", p.ID)
		}
	}
}

func TestOnlineAnswersOnceThePhotonJoinedWiFi(t *testing.T) {
	b := startBench(t)
	ask := talk(t, b)
	p := b.setup.Photons[0]

	var before State
	ask("state "+p.ID, &before)
	if before.ID != p.ID || before.Online || before.Configured != 0 {
		t.Fatalf("before setup: %+v", before)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := &softap.Client{Addr: p.Host + ":" + p.Port}
	key, err := c.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigureAP(ctx, key, softap.Credentials{SSID: ssid, Security: softap.WPA2, Password: wifiPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConnectAP(ctx); err != nil {
		t.Fatal(err)
	}

	var after State
	ask("online "+p.ID, &after)
	if !after.Online || after.ClaimError != "" || after.SSID != ssid || after.Password != wifiPassword {
		t.Fatalf("after connect-ap: %+v", after)
	}
	if d, _ := b.cloud.Device(p.ID); !d.Online {
		t.Error("the cloud does not see the Photon online")
	}
}

func TestUnknownRequestsAreAnsweredWithAnError(t *testing.T) {
	b := startBench(t)
	ask := talk(t, b)
	for _, req := range []string{"state 000000000000000000000000", "reboot " + b.setup.Photons[0].ID} {
		var answer map[string]string
		ask(req, &answer)
		if answer["error"] == "" {
			t.Errorf("%q answered %v, want an error", req, answer)
		}
	}
}

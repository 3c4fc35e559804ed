package provisioning

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/photon-station/photon-station/cloud"
	"github.com/photon-station/photon-station/cloud/cloudtest"
	"github.com/photon-station/photon-station/serialio"
	"github.com/photon-station/photon-station/serialio/serialtest"
)

// The benchmark's world: what a request, a Wi-Fi scan and a join cost.
const (
	benchLatency = 50 * time.Millisecond
	benchScan    = 1500 * time.Millisecond
	benchJoin    = 500 * time.Millisecond
)

// BenchmarkProvision provisions hubs of 1, 8 and 16 emulated Photons (the
// serialtest emulator) against cloudtest answering every request after
// 50 ms, with a 1.5 s Wi-Fi scan and a 0.5 s join, for a job that claims
// each Photon to its own shadow customer. It reports, per run, the median
// device time, the critical-path lower bound (the sequential cloud round
// trips, the scan and the join), their ratio, and cloud requests per
// device. "headless" is one provision process per Photon (its own token
// and event stream); "station" is a running bench (token and stream
// already held). scripts/bench runs it; CI runs it once, briefly.
func BenchmarkProvision(b *testing.B) {
	for _, sc := range []struct {
		mode    string
		devices int
	}{{"headless", 1}, {"station", 1}, {"station", 8}, {"station", 16}} {
		b.Run(fmt.Sprintf("%s/devices=%d", sc.mode, sc.devices), func(b *testing.B) {
			var medians, ratios, perDevice []float64
			var bound time.Duration
			for range b.N {
				r := benchRun(b, sc.mode == "headless", sc.devices)
				medians = append(medians, r.median.Seconds())
				bound = r.bound
				ratios = append(ratios, r.median.Seconds()/r.bound.Seconds())
				perDevice = append(perDevice, r.requestsPerDevice)
			}
			b.ReportMetric(median(medians), "median-s")
			b.ReportMetric(bound.Seconds(), "bound-s")
			b.ReportMetric(median(ratios), "ratio")
			b.ReportMetric(median(perDevice), "requests/device")
		})
	}
}

type benchResult struct {
	median, bound     time.Duration
	requestsPerDevice float64
}

func benchRun(b *testing.B, headless bool, n int) benchResult {
	b.Helper()
	c := cloudtest.New(cloudtest.Options{Latency: benchLatency})
	defer c.Close()
	c.AddProduct(cloudtest.Product{ID: productID, Slug: productSlug, Name: "Acme Sensor"})
	c.AddOAuthClient(cloudtest.OAuthClient{ID: clientID, Secret: clientSecret, Name: "bench", ProductID: productID})
	j, err := OpenJournal(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	prof := Profile{Name: "bench", Product: productSlug, ClientID: clientID, SSID: wifiSSID, Security: SecurityWPA2,
		Customer: CustomerEmail, CustomerPattern: "unit-{device_id}@acme.example", Channel: ChannelSerial, VerifyTimeout: time.Minute}
	if err := prof.Validate(); err != nil {
		b.Fatal(err)
	}
	api := NewCloudAPI(&cloud.Client{BaseURL: c.URL(), Timeout: 10 * time.Second})
	newPipeline := func() *Pipeline {
		return &Pipeline{Profile: prof, Credentials: Credentials{ClientSecret: clientSecret, WiFiPassword: wifiPassword},
			Cloud: api, Journal: j, Station: "bench"}
	}
	shared := newPipeline()
	if !headless {
		// A bench that is running already holds its token and stream.
		shared.init()
		if _, err := shared.Tokens.Product(context.Background()); err != nil {
			b.Fatal(err)
		}
		release := shared.Watcher.Use()
		defer release()
		if !shared.Watcher.Ready(context.Background(), 10*time.Second) {
			b.Fatal("the event stream did not open")
		}
	}
	var devs []Device
	for i := range n {
		id := c.AddDevice(cloudtest.Device{ID: fmt.Sprintf("3a001d0002473433393735%02x", i)})
		ph := serialtest.New(serialtest.Config{DeviceID: id, Password: wifiPassword, ScanDelay: benchScan, OnlineDelay: benchJoin,
			Networks: map[string]serialio.Security{wifiSSID: serialio.SecurityWPA2},
			OnOnline: func(id, code string) { c.DeviceOnline(id, code) }})
		defer ph.Close()
		devs = append(devs, Device{Slot: fmt.Sprintf("pipe%d", i), Open: func(context.Context) (DeviceChannel, error) {
			return &SerialChannel{Console: serialio.NewConsole(ph.Pipe(), serialio.WithPortName("pipe"))}, nil
		}})
	}
	c.ResetRequests()
	times := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i, dev := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := shared
			if headless {
				p = newPipeline()
			}
			start := time.Now()
			res := p.RunDevice(context.Background(), dev, nil)
			times[i] = time.Since(start)
			if res.Outcome != OutcomePass {
				b.Errorf("%s: %s (%s)", dev.Slot, res.Message, res.Details)
			}
		}()
	}
	wg.Wait()
	slices.Sort(times)
	// The critical path: (token,) the import and its look-up (beside the
	// customer and its claim code), the confirming read; the scan; the join.
	trips := 3
	if headless {
		trips++
	}
	return benchResult{median: times[n/2], bound: time.Duration(trips)*benchLatency + benchScan + benchJoin,
		requestsPerDevice: float64(len(c.Requests())) / float64(n)}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestHeaderShowsTruncatedNamesWhole: in a narrow window the bench's
// header cuts a long product and network name short; tapping the cut name
// shows it whole in a pop-up, and a name that fits opens nothing.
func TestHeaderShowsTruncatedNamesWhole(t *testing.T) {
	lightApp(t)
	q := newUIQueue(t)
	profile := lineProfile
	profile.SSID = "Customer-Site-Building-Seven-AB"
	profile.Product = "thermostats-for-the-customer-site-v2"
	b := newBench(testContext(t), newFakeStation(), newFakeLibrary(profile), nil, (&fixedClock{t: shiftStart}).now, q.do, "", nil)
	b.SetProfile(profile)
	b.refreshTop()
	w := test.NewTempWindow(t, b.Content())
	w.Resize(fyne.NewSize(1000, 700))
	var network, product *fullText
	eachVisible(w.Content(), func(o fyne.CanvasObject) bool {
		if f, ok := o.(*fullText); ok {
			switch f.label {
			case b.network:
				network = f
			case b.product:
				product = f
			}
		}
		return true
	})
	if network == nil || product == nil {
		t.Fatal("the header's product and network names are not shown")
	}
	for _, f := range []*fullText{network, product} {
		if !f.truncated() {
			t.Fatalf("%q fits %v at 1000 px: the test needs it cut short", f.label.Text, f.Size())
		}
		test.Tap(f)
		top := w.Canvas().Overlays().Top()
		if top == nil {
			t.Fatalf("tapping %q opened nothing", f.label.Text)
		}
		if got := labelTexts(top); !contains(got, f.label.Text) {
			t.Errorf("the pop-up shows %v, want the whole %q", got, f.label.Text)
		}
		if pop := f.popUp; pop.Position().X+pop.Content.Size().Width > w.Canvas().Size().Width+0.5 {
			t.Errorf("the pop-up at %v reaches past the window's edge", pop.Position())
		}
		shoot(t, "i12-header-whole-name-"+f.label.Text[:5], w.Canvas())
		w.Canvas().Overlays().Remove(top)
	}
	w.Resize(fyne.NewSize(1920, 700))
	profile.SSID, profile.Product = "Floor", "12345"
	b.SetProfile(profile)
	b.refreshTop()
	w.Content().Refresh()
	test.Tap(network)
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Errorf("tapping a network name that fits opened %v", labelTexts(top))
	}
}

// labelTexts lists the texts of the labels under o.
func labelTexts(o fyne.CanvasObject) []string {
	var out []string
	eachVisible(o, func(o fyne.CanvasObject) bool {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
		return true
	})
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

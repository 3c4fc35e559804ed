package provisioning

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHashPINIsSaltedAndChecks(t *testing.T) {
	const pin = "482913"
	h1, err := HashPIN(pin)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := HashPIN(pin)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of the same PIN are equal: no salt")
	}
	for _, h := range []string{h1, h2} {
		if strings.Contains(h, pin) {
			t.Errorf("the hash %q holds the PIN", h)
		}
		if ok, err := CheckPIN(h, pin); !ok || err != nil {
			t.Errorf("the right PIN is refused: %v %v", ok, err)
		}
		if ok, err := CheckPIN(h, "482914"); ok || err != nil {
			t.Errorf("a wrong PIN is accepted: %v %v", ok, err)
		}
	}
}

func TestCheckPINUnreadableHash(t *testing.T) {
	for _, h := range []string{"", "1234", "pbkdf2-sha256$x$AAAA$AAAA", "md5$1$AAAA$AAAA"} {
		if ok, err := CheckPIN(h, "1234"); ok || !errors.Is(err, ErrBadPINHash) {
			t.Errorf("%q: %v %v", h, ok, err)
		}
	}
}

func TestPINWaitGrows(t *testing.T) {
	var got []time.Duration
	for wrong := 0; wrong <= 12; wrong++ {
		got = append(got, PINWait(wrong))
	}
	s := time.Second
	want := []time.Duration{0, 0, 0, 0, 0, 30 * s, 60 * s, 120 * s, 240 * s, 480 * s, 900 * s, 900 * s, 900 * s}
	if !slices.Equal(got, want) {
		t.Errorf("waits after 0..12 wrong PINs = %v, want %v", got, want)
	}
}

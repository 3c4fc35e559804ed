package cloud

import "testing"

func TestShowID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"3a001d000247343339373536", "3a001d000247343339373536"},
		{" thermostat-07 ", "thermostat-07"},
		{"my-product-v1", "my-product-v1"},
		{"12345", "12345"},
		{"254406f79c1999af65a7df4388971354f85cfee9", "(a value of 40 characters)"}, // a token
		{"Summer!2024#", "(a value of 12 characters)"},                             // a password
		{"pass word", "(a value of 9 characters)"},
		{"", ""},
	} {
		if got := showID(tc.in); got != tc.want {
			t.Errorf("showID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

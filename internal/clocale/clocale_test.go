package clocale

import "testing"

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // LANGUAGE afterwards
	}{
		{"C.UTF-8 reads as English", map[string]string{"LANG": "C.UTF-8"}, "en"},
		{"POSIX with a charset", map[string]string{"LC_ALL": "POSIX.UTF-8"}, "en"},
		{"LC_ALL wins over LANG", map[string]string{"LC_ALL": "de_DE.UTF-8", "LANG": "C.UTF-8"}, ""},
		{"a real locale is kept", map[string]string{"LANG": "fr_FR.UTF-8"}, ""},
		{"LANGUAGE already set", map[string]string{"LANGUAGE": "de", "LANG": "C.UTF-8"}, "de"},
		{"plain C already reads as English", map[string]string{"LANG": "C"}, ""},
		{"nothing set", map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			apply(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
			if got := env["LANGUAGE"]; got != tc.want {
				t.Errorf("LANGUAGE = %q, want %q", got, tc.want)
			}
		})
	}
}

package fleet

import (
	"strings"
	"unicode"
)

// keyValueSettings reads libpq's key=value form (values quoted with ' or
// bare, \ escaping the next character) into its settings. It reports
// false for text that is not in that form.
func keyValueSettings(s string) (map[string]string, bool) {
	out := map[string]string{}
	i := 0
	skipSpace := func() {
		for i < len(s) && unicode.IsSpace(rune(s[i])) {
			i++
		}
	}
	for {
		skipSpace()
		if i == len(s) {
			return out, len(out) > 0
		}
		start := i
		for i < len(s) && s[i] != '=' && !unicode.IsSpace(rune(s[i])) {
			i++
		}
		key := s[start:i]
		skipSpace()
		if key == "" || i == len(s) || s[i] != '=' {
			return nil, false
		}
		i++
		skipSpace()
		var v strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, false // unterminated quote
			}
			i++
		} else {
			for ; i < len(s) && !unicode.IsSpace(rune(s[i])); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
			}
		}
		out[key] = v.String()
	}
}

package provisioning

import (
	"net/url"
	"strings"
)

// A profile is stored as one file whose name is the profile's name,
// encoded so that the file name is legal and distinct on every file system
// a station runs on:
//
//   - NTFS (Windows) forbids < > : " / \ | ? * and control characters,
//     turns "name:rest" into an alternate data stream, drops a trailing dot
//     or space, and reserves CON, PRN, AUX, NUL, COM1–9 and LPT1–9 (with any
//     extension, in any case);
//   - NTFS and macOS volumes are case-insensitive by default, so "Acme" and
//     "acme" must not map to names that differ only in case;
//   - macOS normalises Unicode in file names, so non-ASCII must not reach
//     the file name as such;
//   - a file name holds at most 255 bytes (ext4, APFS) or UTF-16 units (NTFS).
//
// The encoding therefore writes only ASCII: a–z, 0–9, '-' and '_' stand for
// themselves; a capital letter is '^' and the letter in lower case; every
// other byte (space, punctuation, UTF-8 of other scripts) is '%' and two
// capital hex digits. Since letters outside escapes are always lower case
// and hex digits always upper case, two names never encode to file names
// that differ only in case. A reserved device name gets its first letter
// escaped ("con" → "%63on").
//
// Files written before this encoding (url.PathEscape of the name, which
// kept capitals and some punctuation) are renamed to it when they are met.

// maxProfileFileBase bounds the encoded name: 255 less ".json" and the
// longest suffix the store adds beside it (".damaged-20060102T150405") and
// the temporary file's prefix and suffix.
const maxProfileFileBase = 220

const profileFileExt = ".json"

const upperHex = "0123456789ABCDEF"

// reservedDeviceNames are the names Windows keeps for devices in every
// folder, whatever the extension.
var reservedDeviceNames = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true,
	"com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true,
	"lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}

func plainFileByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

func escapeFileByte(b *strings.Builder, c byte) {
	b.WriteByte('%')
	b.WriteByte(upperHex[c>>4])
	b.WriteByte(upperHex[c&15])
}

// profileFileBase is the encoded name, without the extension.
func profileFileBase(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case plainFileByte(c):
			b.WriteByte(c)
		case 'A' <= c && c <= 'Z':
			b.WriteByte('^')
			b.WriteByte(c + 'a' - 'A')
		default:
			escapeFileByte(&b, c)
		}
	}
	base := b.String()
	if reservedDeviceNames[base] {
		var e strings.Builder
		escapeFileByte(&e, base[0])
		base = e.String() + base[1:]
	}
	return base
}

// profileFileName maps a profile name to its file name.
func profileFileName(name string) string { return profileFileBase(name) + profileFileExt }

// decodeProfileFileBase is the inverse of profileFileBase; ok is false for
// anything profileFileBase cannot have written.
func decodeProfileFileBase(base string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(base); i++ {
		c := base[i]
		switch {
		case plainFileByte(c):
			b.WriteByte(c)
		case c == '^':
			if i+1 >= len(base) || base[i+1] < 'a' || base[i+1] > 'z' {
				return "", false
			}
			i++
			b.WriteByte(base[i] - 'a' + 'A')
		case c == '%':
			if i+2 >= len(base) {
				return "", false
			}
			hi, lo := strings.IndexByte(upperHex, base[i+1]), strings.IndexByte(upperHex, base[i+2])
			if hi < 0 || lo < 0 {
				return "", false
			}
			i += 2
			b.WriteByte(byte(hi<<4 | lo))
		default:
			return "", false
		}
	}
	return b.String(), base != ""
}

// profileNameFromFile gives the profile name a file in the profile folder
// holds, in this encoding or the earlier one; current is false for a file
// that should be renamed to profileFileName(name).
func profileNameFromFile(file string) (name string, current, ok bool) {
	base, isJSON := strings.CutSuffix(file, profileFileExt)
	if !isJSON || base == "" || strings.HasPrefix(base, ".") {
		return "", false, false
	}
	if name, ok := decodeProfileFileBase(base); ok {
		return name, profileFileBase(name) == base, true
	}
	name, err := url.PathUnescape(base)
	if err != nil || name == "" {
		return "", false, false
	}
	return name, false, true
}

// legacyProfileFileName is the file name the store used before this
// encoding.
func legacyProfileFileName(name string) string { return url.PathEscape(name) + profileFileExt }

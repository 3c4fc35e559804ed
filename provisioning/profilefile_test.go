package provisioning

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// windowsLegalFile reports why a file name would be refused, changed or
// misread by NTFS, or "" when it is fine there.
func windowsLegalFile(f string) string {
	if strings.ContainsAny(f, `<>:"/\|?*`) {
		return "holds a character NTFS forbids (':' makes an alternate data stream)"
	}
	for _, r := range f {
		if r < 32 {
			return "holds a control character"
		}
	}
	if strings.HasSuffix(f, ".") || strings.HasSuffix(f, " ") {
		return "ends in a dot or space, which Windows drops"
	}
	stem, _, _ := strings.Cut(f, ".")
	if reservedDeviceNames[strings.ToLower(stem)] {
		return "is a reserved device name"
	}
	if len(f) > 255 {
		return "is longer than 255"
	}
	return ""
}

var awkwardProfileNames = []string{
	"Line 3: Acme", "CON", "con", "Con", "nul", "COM1", "com1", "lpt9", "AUX",
	"Acme", "acme", "ACME", "a%b", "x.y", "trailing.", "trailing ", ".hidden",
	"semi;colon", "what?", `quote"d`, "star*", "pipe|", "<angle>", "Ünïcode ✓",
	"ünïcode ✓", "3号线恒温器", "Tiếng Việt", "^caret", "_under", "a_b", "a b",
	"É", "é", "e\u0301",
}

// Every name gets a file name NTFS takes as it is, no two names share a
// file name even on a case-insensitive volume, and the name comes back.
func TestProfileFileNamesLegalAndDistinct(t *testing.T) {
	byFolded := map[string]string{}
	for _, name := range awkwardProfileNames {
		f := profileFileName(name)
		if why := windowsLegalFile(f); why != "" {
			t.Errorf("%q → %q %s", name, f, why)
		}
		for _, r := range f {
			if r >= utf8.RuneSelf {
				t.Errorf("%q → %q is not ASCII (macOS would normalise it)", name, f)
				break
			}
		}
		if strings.HasPrefix(f, ".") {
			t.Errorf("%q → %q is a hidden file", name, f)
		}
		folded := strings.ToLower(f)
		if other, ok := byFolded[folded]; ok {
			t.Errorf("%q and %q share the file %q on a case-insensitive volume", other, name, f)
		}
		byFolded[folded] = name
		got, current, ok := profileNameFromFile(f)
		if !ok || !current || got != name {
			t.Errorf("%q → %q → %q (current %v, ok %v)", name, f, got, current, ok)
		}
	}
}

// The longest name validation allows fits a file name, with the store's
// own suffixes, and a name that would not fit is refused by Validate.
func TestProfileNameLengthFitsAFileName(t *testing.T) {
	p := goodProfile()
	p.Name = strings.Repeat("号", 33) // 99 bytes: valid before this encoding
	if err := p.Validate(); err == nil {
		t.Fatalf("a name encoding to %d characters was accepted", len(profileFileBase(p.Name)))
	}
	p.Name = strings.Repeat("号", 24)
	if err := p.Validate(); err != nil {
		t.Fatalf("a 24-character Chinese name: %v", err)
	}
	p.Name = strings.Repeat("Ab", 50)
	if err := p.Validate(); err != nil {
		t.Fatalf("a 100-character name in Latin letters: %v", err)
	}
	s := &ProfileStore{Dir: t.TempDir()}
	if err := s.Save(p); err != nil {
		t.Fatalf("saving the longest name: %v", err)
	}
	if len(profileFileName(p.Name)+".damaged-20060102T150405") > 255 {
		t.Error("the damaged copy of the longest name would not fit a file name")
	}
}

// Names that differ only in case are two profiles, as the user sees them.
func TestProfileStoreKeepsCaseVariantsApart(t *testing.T) {
	s := &ProfileStore{Dir: t.TempDir()}
	for _, n := range []string{"Acme", "acme", "Line 3: Acme", "CON"} {
		p := goodProfile()
		p.Name = n
		p.Product = map[string]string{"Acme": "1111", "acme": "2222", "Line 3: Acme": "3333", "CON": "4444"}[n]
		if err := s.Save(p); err != nil {
			t.Fatalf("save %q: %v", n, err)
		}
	}
	names, err := s.List()
	if err != nil || strings.Join(names, "|") != "Acme|CON|Line 3: Acme|acme" {
		t.Fatalf("list: %q, %v", names, err)
	}
	for n, product := range map[string]string{"Acme": "1111", "acme": "2222", "Line 3: Acme": "3333", "CON": "4444"} {
		p, err := s.Load(n)
		if err != nil || p.Product != product {
			t.Errorf("load %q: product %q, %v", n, p.Product, err)
		}
	}
}

// A profile saved under the earlier file-name encoding is found under its
// name and moved to the current file name; nothing is listed twice.
func TestProfileStoreRenamesEarlierFileNames(t *testing.T) {
	dir := t.TempDir()
	s := &ProfileStore{Dir: dir}
	p := goodProfile()
	p.Name = "Line 3 Acme"
	if err := s.Save(p); err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(dir, legacyProfileFileName(p.Name))
	if err := os.Rename(s.path(p.Name), legacy); err != nil {
		t.Fatal(err)
	}
	other := goodProfile()
	other.Name = "Line 4"
	if err := s.Save(other); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.path(other.Name), filepath.Join(dir, legacyProfileFileName(other.Name))); err != nil {
		t.Fatal(err)
	}

	got, err := s.Load(p.Name)
	if err != nil || got.Name != p.Name {
		t.Fatalf("load of an earlier file name: %+v, %v", got, err)
	}
	if _, err := os.Stat(s.path(p.Name)); err != nil {
		t.Errorf("not moved to the current file name: %v", err)
	}
	if _, err := os.Stat(legacy); err == nil {
		t.Error("the earlier file is still there")
	}
	names, err := s.List()
	if err != nil || strings.Join(names, "|") != "Line 3 Acme|Line 4" {
		t.Fatalf("list: %q, %v", names, err)
	}
	ents, _ := os.ReadDir(dir)
	var files []string
	for _, e := range ents {
		files = append(files, e.Name())
	}
	if strings.Join(files, "|") != profileFileName("Line 3 Acme")+"|"+profileFileName("Line 4") {
		t.Errorf("folder after listing: %q", files)
	}
}

// FuzzProfileFileName: any name's file name decodes back to it and is
// legal on NTFS.
func FuzzProfileFileName(f *testing.F) {
	for _, n := range awkwardProfileNames {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" {
			return
		}
		file := profileFileName(name)
		if why := windowsLegalFile(file); why != "" && len(file) <= 255 {
			t.Fatalf("%q → %q %s", name, file, why)
		}
		got, current, ok := profileNameFromFile(file)
		if !ok || !current || got != name {
			t.Fatalf("%q → %q → %q (current %v, ok %v)", name, file, got, current, ok)
		}
		// Letters outside escapes are lower case, so folding changes a
		// file name only inside its escapes, and then it decodes to no name.
		folded := strings.ToLower(file)
		if back, _, ok := profileNameFromFile(folded); folded != file && ok && back != name && profileFileName(back) == folded {
			t.Fatalf("%q and %q would share a file on a case-insensitive volume", name, back)
		}
	})
}

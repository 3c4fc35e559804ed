package ui

import (
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateLang = flag.Bool("update-lang", false, "rewrite lang/translation/en.json from the lang.L calls under ui/")

// langKeys collects the literal first argument of every lang.L call in
// the non-test Go files under dir (recursively when deep).
func langKeys(t *testing.T, dir string, deep bool) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	walk := func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && (!deep || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "L" {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "lang" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				if err == nil {
					keys[s] = true
				}
			}
			return true
		})
		return nil
	}
	if err := filepath.WalkDir(dir, walk); err != nil {
		t.Fatal(err)
	}
	return keys
}

// reservedI18nKey are the names go-i18n reserves for message fields.
var reservedI18nKey = map[string]bool{"id": true, "description": true, "hash": true, "leftdelim": true, "rightdelim": true,
	"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true, "translation": true}

// TestEnglishComplete checks every string the screens pass to lang.L has
// its English entry, so translators have the full list to work from.
func TestEnglishComplete(t *testing.T) {
	const path = "lang/translation/en.json"
	if *updateLang {
		all := appKeys(t)
		out := map[string]any{}
		for k := range all {
			if reservedI18nKey[strings.ToLower(k)] {
				// go-i18n reads a flat "ID": "ID" as message metadata.
				out[k] = map[string]string{"other": k}
			} else {
				out[k] = k
			}
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var en map[string]any
	if err := json.Unmarshal(b, &en); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var missing []string
	for k := range appKeys(t) {
		if _, ok := en[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf("strings missing from %s (run go test ./ui -run TestEnglishComplete -update-lang) (-want +got):\n%s", path, diff)
	}
}

// appKeys are the strings of the screens (ui and below) and of the main
// package's wiring (window titles, the station's own messages).
func appKeys(t *testing.T) map[string]bool {
	keys := langKeys(t, ".", true)
	for k := range langKeys(t, "..", false) {
		keys[k] = true
	}
	return keys
}

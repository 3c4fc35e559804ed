package ui

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/photon-station/photon-station/provisioning"
)

// pathJournal is a journal that says where its file is, as
// *provisioning.Journal does.
type pathJournal struct {
	fakeJournal
	path string
}

func (j *pathJournal) Path() string { return j.path }

// menuItem finds the item labelled label in the window's menu titled menu.
func menuItem(t *testing.T, w fyne.Window, menu, label string) *fyne.MenuItem {
	t.Helper()
	for _, m := range w.MainMenu().Items {
		if m.Label != menu {
			continue
		}
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
			if it.ChildMenu != nil {
				for _, c := range it.ChildMenu.Items {
					if c.Label == label {
						return c
					}
				}
			}
		}
	}
	t.Fatalf("no %s › %s in the menu", menu, label)
	return nil
}

// overlayText is every text the top overlay (a dialog) shows.
func overlayText(c fyne.Canvas) string {
	top := c.Overlays().Top()
	if top == nil {
		return ""
	}
	sentences, _ := objectWords(top)
	return strings.Join(sentences, "\n")
}

func TestHelpAbout(t *testing.T) {
	s := newTestStation(t)
	s.view.metadata = fyne.AppMetadata{Version: "0.1.0", Build: 7}
	menuItem(t, s.win, "Help", "About Photon Station").Action()
	got := overlayText(s.win.Canvas())
	if !strings.Contains(got, "Version 0.1.0") || !strings.Contains(got, "Build 7") {
		t.Errorf("About says %q", got)
	}
	shoot(t, "help-about", s.win.Canvas())
}

func TestHelpShowsTheJournalFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal here")
	var opened []string
	openErr := error(nil)
	s := newTestStation(t, func(d *Deps) {
		d.Journal = &pathJournal{path: filepath.Join(dir, "journal.jsonl")}
	})
	s.view.openURL = func(u *url.URL) error { opened = append(opened, u.String()); return openErr }
	item := menuItem(t, s.win, "Help", "Show the journal folder")
	item.Action()
	want := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
	if len(opened) != 1 || opened[0] != want {
		t.Fatalf("opened %q, want %q", opened, want)
	}
	if got := overlayText(s.win.Canvas()); got != "" {
		t.Errorf("a dialog came up although the folder opened: %q", got)
	}
	// No file manager: the station says where the folder is.
	openErr = errors.New("exec: \"xdg-open\": executable file not found in $PATH")
	item.Action()
	got := overlayText(s.win.Canvas())
	if !strings.Contains(got, dir) || strings.Contains(got, "xdg-open") {
		t.Errorf("without a file manager the station says %q", got)
	}
	shoot(t, "help-journal-folder", s.win.Canvas())
}

func TestTextSizeSticks(t *testing.T) {
	t.Setenv(scaleEnv, "")
	s := newTestStation(t)
	a := fyne.CurrentApp()
	// Each size is named in words, with its percent.
	for _, want := range []string{"Normal (100 %)", "Large (125 %)", "Larger (150 %)", "Very large (175 %)", "Largest (200 %)"} {
		menuItem(t, s.win, "View", want)
	}
	menuItem(t, s.win, "View", "Larger (150 %)").Action()
	if got := a.Preferences().String(PrefTextSize); got != "1.5" {
		t.Errorf("the saved text size is %q", got)
	}
	if got := os.Getenv(scaleEnv); got != "1.5" {
		t.Errorf("Fyne's scale is %q after choosing 150 %%", got)
	}
	if !menuItem(t, s.win, "View", "Larger (150 %)").Checked || menuItem(t, s.win, "View", "Normal (100 %)").Checked {
		t.Error("the menu does not tick the chosen size")
	}
	// The next start takes the saved size, whatever the scale was.
	os.Setenv(scaleEnv, "1")
	w := NewMainWindow(a, Deps{Journal: &fakeJournal{records: []provisioning.Record{}}})
	defer w.Close()
	if got := os.Getenv(scaleEnv); got != "1.5" {
		t.Errorf("at start Fyne's scale is %q, want the saved 1.5", got)
	}
	// The desktop's size gives the scale back to the environment.
	menuItem(t, s.win, "View", "Desktop's size").Action()
	if got := os.Getenv(scaleEnv); got != userScaleEnv {
		t.Errorf("with the desktop's size Fyne's scale is %q, want %q", got, userScaleEnv)
	}
}

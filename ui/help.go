package ui

import (
	"fmt"
	"net/url"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"github.com/photon-station/photon-station/ui/lang"
)

// helpMenu offers About (the version and build from the app's metadata,
// which fyne package takes from FyneApp.toml) and the journal's folder.
func (v *MainView) helpMenu() *fyne.Menu {
	return fyne.NewMenu(lang.L("Help"),
		fyne.NewMenuItem(lang.L("Show the journal folder"), v.showJournalFolder),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("About Photon Station"), v.showAbout),
	)
}

// aboutText is what About says: the version and build, or that this is a
// development build when the binary was not packaged.
func aboutText(m fyne.AppMetadata) string {
	version := m.Version
	if version == "" {
		version = lang.L("development build")
	}
	text := lang.L("Version {{.Version}}", map[string]any{"Version": version})
	if m.Build > 0 {
		text += "\n" + lang.L("Build {{.Build}}", map[string]any{"Build": fmt.Sprint(m.Build)})
	}
	return text + "\n\n" + lang.L("Provisions Particle Photon Wi-Fi devices into a product and a customer's account.")
}

func (v *MainView) showAbout() {
	dialog.ShowInformation(lang.L("About Photon Station"), aboutText(v.metadata), v.Window)
}

// journalFolder is the folder of the journal file, or "" when the journal
// source does not say where it lives.
func (v *MainView) journalFolder() string {
	if p, ok := v.journal.(interface{ Path() string }); ok && p.Path() != "" {
		return filepath.Dir(p.Path())
	}
	return ""
}

// showJournalFolder opens the journal's folder in the desktop's file
// manager; when that cannot be done it says where the folder is.
func (v *MainView) showJournalFolder() {
	dir := v.journalFolder()
	if dir == "" {
		dialog.ShowInformation(lang.L("Journal folder"), lang.L("No journal is open."), v.Window)
		return
	}
	u, err := url.Parse(storage.NewFileURI(dir).String())
	if err == nil {
		err = v.openURL(u)
	}
	if err != nil {
		dialog.ShowInformation(lang.L("Journal folder"),
			lang.L("The journal is in this folder:\n{{.Folder}}", map[string]any{"Folder": dir}), v.Window)
	}
}

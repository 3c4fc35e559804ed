package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/jackc/pgx/v5"

	"github.com/photon-station/photon-station/demo"
	"github.com/photon-station/photon-station/fleet"
	"github.com/photon-station/photon-station/internal/fynetest"
	"github.com/photon-station/photon-station/internal/pgtest"
	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui"
)

// address is the bench's fleet address without its password, as a
// supervisor types it in the Station settings.
func (f *fleetServer) address() string { return f.URL("bench", "", "fleet") + "&search_path=photon" }

// perStation is how many attempts the fleet database holds per station (0
// when its tables do not exist yet).
func (f *fleetServer) perStation(t *testing.T) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.URL(pgtest.Superuser, f.Password(), "fleet")+"&search_path=photon")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	out := map[string]int{}
	rows, err := conn.Query(ctx, `SELECT station, count(*) FROM photon_station_attempts GROUP BY station`)
	if err != nil {
		return out
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		out[st] = n
	}
	return out
}

// anywhere tells whether the window or its open dialog shows s.
func (g *guiUnderTest) anywhere(s string) bool {
	if top := g.win.Canvas().Overlays().Top(); top != nil {
		for _, t := range texts(top) {
			if strings.Contains(t, s) {
				return true
			}
		}
	}
	return g.shows(s)
}

// everything is every text the window and its open dialog show.
func (g *guiUnderTest) everything() string {
	out := g.shown()
	if top := g.win.Canvas().Overlays().Top(); top != nil {
		out = append(texts(top), out...)
	}
	return strings.Join(out, "\n")
}

// openStationSettings opens Station settings from the window's menu.
func (g *guiUnderTest) openStationSettings() {
	g.t.Helper()
	for _, m := range g.win.MainMenu().Items {
		for _, it := range m.Items {
			if it.Label == "Station settings…" {
				it.Action()
				g.drain()
				return
			}
		}
	}
	g.t.Fatal("no Station settings… in the menu")
}

// saveFleet types address and password into Station settings and saves.
func (g *guiUnderTest) saveFleet(address, password string) {
	g.t.Helper()
	g.openStationSettings()
	g.typeInto(g.entryWithPlaceholder("postgres://bench@db.factory.lan:5432/fleet"), address)
	g.typeInto(g.entryWithPlaceholder("Password of the database user"), password)
	g.tapInDialog("Save")
	g.waitFor("the settings saved", func() bool { return g.win.Canvas().Overlays().Top() == nil })
}

// fastFleet makes the sender try again quickly after the database went
// away (the settings' Save starts it with these).
func fastFleet(g *guiUnderTest) {
	g.s.fleet.timeout = 5 * time.Second
	g.s.fleet.minBackoff = 50 * time.Millisecond
	g.s.fleet.maxBackoff = 500 * time.Millisecond
	g.t.Cleanup(g.s.fleet.Close) // before the journal closes
}

// TestStationSettingsBehindTheLock: while the station is locked the
// settings are shown and cannot change; unlocked, an address holding a
// password is refused, and the password typed in its field goes to the
// keyring and to no file.
func TestStationSettingsBehindTheLock(t *testing.T) {
	db := newFleetServer(t)
	g := startDemoGUI(t)
	fastFleet(g)
	prefs := fyne.CurrentApp().Preferences()

	prefs.SetBool(ui.PrefEditingLocked, true)
	g.openStationSettings()
	top := g.win.Canvas().Overlays().Top()
	if e := g.entryWithPlaceholder("postgres://bench@db.factory.lan:5432/fleet"); !e.Disabled() {
		t.Error("the fleet address can be edited while the station is locked")
	}
	if findIn(top, "Save") != nil {
		t.Error("a locked station's settings offer Save")
	}
	if !g.anywhere("Editing is locked. Unlock editing on the Profiles screen to change the station settings.") {
		t.Errorf("the locked settings do not say why; the screen shows:\n%s", g.everything())
	}
	g.tapInDialog("Close")
	prefs.SetBool(ui.PrefEditingLocked, false)

	// An address with the password in it would put it in a file.
	g.openStationSettings()
	g.typeInto(g.entryWithPlaceholder("postgres://bench@db.factory.lan:5432/fleet"), db.URL("bench", db.password, "fleet"))
	g.tapInDialog("Save")
	if !g.anywhere("The address holds a password.") || prefs.String(ui.PrefFleetURL) != "" {
		t.Errorf("an address holding a password was not refused (saved %q); the screen shows:\n%s", prefs.String(ui.PrefFleetURL), g.everything())
	}
	g.tapInDialog("Close")

	// Test connection with a wrong password says so in plain words.
	g.openStationSettings()
	g.typeInto(g.entryWithPlaceholder("postgres://bench@db.factory.lan:5432/fleet"), db.address())
	g.typeInto(g.entryWithPlaceholder("Password of the database user"), "not-"+db.password)
	g.tapInDialog("Test connection")
	g.waitFor("the test's answer", func() bool { return g.anywhere("The fleet database did not answer as it should: ") })
	if !g.anywhere("password") {
		t.Errorf("a wrong password is not named; the screen shows:\n%s", g.everything())
	}
	g.tapInDialog("Close")

	g.saveFleet(db.address(), db.password)
	if got := prefs.String(ui.PrefFleetURL); got != db.address() {
		t.Errorf("saved address = %q, want %q", got, db.address())
	}
	cfg, err := fleet.ParseURL(db.address(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pw, err := g.s.secrets.Get(context.Background(), cfg.Target(), provisioning.SecretFleetPassword); err != nil || pw != db.password {
		t.Errorf("the keyring holds %q (%v) under %s, want the typed password", pw, err, cfg.Target())
	}
	// The sender connects with the keyring's password.
	g.waitFor("the sender connected", func() bool { return tablesExist(t, db) })

	// Shown again, the password is "Stored in the keychain", never its value.
	g.openStationSettings()
	g.waitFor("the stored password noted", func() bool { return g.anywhere("Stored in the keychain") })
	for _, o := range fynetest.Objects(g.win.Canvas().Overlays().Top()) {
		if e, ok := o.(interface{ AsEntry() *widget.Entry }); ok && strings.Contains(e.AsEntry().Text, db.password) {
			t.Error("the settings show the stored password")
		}
	}
	g.tapInDialog("Close")

	// No file holds it: not the preferences, not the station's folders.
	if p, ok := prefs.(interface{ ReadValues(func(map[string]any)) }); ok {
		p.ReadValues(func(vals map[string]any) {
			for k, v := range vals {
				if s, ok := v.(string); ok && strings.Contains(s, db.password) {
					t.Errorf("preference %s holds the password", k)
				}
			}
		})
	} else {
		t.Error("the test app's preferences cannot be read back")
	}
	for _, dir := range []string{filepath.Dir(g.s.journal.Path()), fyne.CurrentApp().Storage().RootURI().Path()} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, _ := os.ReadFile(path); strings.Contains(string(b), db.password) {
				t.Errorf("%s holds the fleet password", path)
			}
			return nil
		})
	}
}

// tablesExist tells whether a station has created the fleet tables.
func tablesExist(t *testing.T, db *fleetServer) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.URL(pgtest.Superuser, db.Password(), "fleet"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'photon_station_attempts'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestBenchSendsToTheFleet: the bench's attempts reach the fleet
// database; while it is stopped the bench says how many records wait and
// why, without moving the tiles, and once it is back they are sent and the
// line empties. All stations then shows another station's attempts, and
// says so plainly when the database cannot be reached.
func TestBenchSendsToTheFleet(t *testing.T) {
	db := newFleetServer(t)
	g := startDemoGUI(t)
	fastFleet(g)
	g.saveFleet(db.address(), db.password)
	station := demo.StationName

	var notListening string
	for _, b := range g.world.Bench() {
		if b.Kind == demo.NotListening {
			notListening = b.Port.Path
		}
	}
	g.key(fyne.KeyReturn) // Start bench
	g.waitFor("every slot's result", func() bool {
		c := g.view.Bench.Counters()
		return c.Passed+c.Failed == len(g.world.Bench())
	})
	local := func() int { n, _ := g.s.journal.Count(provisioning.JournalFilter{}); return n }
	g.waitFor("every attempt in the fleet database", func() bool {
		return db.perStation(t)[station] == local() && !g.shows("wait for the fleet database") && !g.shows("waits for the fleet database")
	})
	tile := g.view.Bench.Tile(notListening)
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(tile)

	db.Stop()
	if err := g.world.HoldSetup(notListening); err != nil {
		t.Fatal(err)
	}
	retryOnTile(g, notListening)
	g.waitFor("the retried Photon to pass", func() bool { return g.phase(notListening) == ui.PhasePass })
	g.waitFor("the bench to say a record waits, and why", func() bool {
		return g.shows("1 record waits for the fleet database: ") || g.shows("records wait for the fleet database: ")
	})
	if now := fyne.CurrentApp().Driver().AbsolutePositionForObject(tile); now != at {
		t.Errorf("the waiting line moved the tiles: %v, before %v", now, at)
	}

	db.Start()
	g.waitFor("the waiting records sent after the restart", func() bool {
		return db.perStation(t)[station] == local() && !g.shows("wait for the fleet database") && !g.shows("waits for the fleet database")
	})

	// Another station's attempt, sent by that station.
	other, err := provisioning.OpenJournal(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	if err := other.Append(provisioning.Record{Attempt: "bench-2-001", Station: "bench-2", Profile: "Line 3", DeviceID: "0123456789abcdef01234567",
		Started: start, Ended: start.Add(time.Minute), Outcome: provisioning.OutcomePass}); err != nil {
		t.Fatal(err)
	}
	lookup := func(context.Context, string) (string, error) { return db.password, nil }
	cfg, err := fleet.ParseURL(db.address(), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if _, left, err := fleet.Drain(context.Background(), cfg, other); err != nil || left != 0 {
		t.Fatalf("the other station's attempt was not sent: %v, %d left", err, left)
	}

	g.view.Tabs.SelectIndex(3)
	g.drain()
	if !g.shows("This station") {
		t.Fatalf("the journal does not offer This station / All stations; the screen shows:\n%s", strings.Join(g.shown(), "\n"))
	}
	g.view.Journal.ChooseScope("All stations")
	g.waitFor("every station's attempts", func() bool { return len(g.view.Journal.Rows()) == local()+1 })
	stations := map[string]bool{}
	for _, r := range g.view.Journal.Rows() {
		stations[r.Station] = true
	}
	if !stations["bench-2"] || !stations[station] {
		t.Errorf("All stations shows stations %v, want bench-2 and %s", stations, station)
	}
	if !g.shows("Station") {
		t.Error("All stations has no Station column")
	}

	db.Stop()
	g.view.Journal.Reload()
	g.waitFor("the journal to say the fleet database cannot be reached", func() bool {
		return g.shows("The fleet database cannot be reached, so only this station's journal can be shown: ")
	})
	g.view.Journal.ChooseScope("This station")
	g.drain()
	if n := len(g.view.Journal.Rows()); n != local() {
		t.Errorf("This station shows %d attempts, want %d", n, local())
	}
}

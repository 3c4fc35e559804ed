package provisioning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// ConfigDirName is the folder under the user's config directory where the
// station keeps its profiles and journal.
const ConfigDirName = "photon-station"

// DefaultConfigDir is os.UserConfigDir()/photon-station.
func DefaultConfigDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the user config folder: %w", err)
	}
	return filepath.Join(base, ConfigDirName), nil
}

// DefaultProfileDir is where profiles live unless a ProfileStore is given
// another folder: os.UserConfigDir()/photon-station/profiles.
func DefaultProfileDir() (string, error) {
	d, err := DefaultConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "profiles"), nil
}

// JournalFile is the journal database's name in the data folder.
const JournalFile = "journal.db"

// DefaultJournalPath is where the journal lives unless told otherwise:
// DefaultDataDir()/journal.db.
func DefaultJournalPath() (string, error) {
	d, err := DefaultDataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, JournalFile), nil
}

// LegacyJournalPath is where releases before the database kept their v1
// JSON-lines journal: os.UserConfigDir()/photon-station/journal.jsonl.
func LegacyJournalPath() (string, error) {
	d, err := DefaultConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "journal.jsonl"), nil
}

// DefaultDataDir is the folder under the user's data directory where the
// station keeps what it records (the journal), apart from its settings:
// $XDG_DATA_HOME (or ~/.local/share) on Linux and other Unix systems,
// %LOCALAPPDATA% on Windows, ~/Library/Application Support on macOS.
func DefaultDataDir() (string, error) {
	var base string
	switch runtime.GOOS {
	case "windows":
		base = os.Getenv("LOCALAPPDATA")
		if base == "" {
			return "", errors.New("cannot find the user data folder: %LOCALAPPDATA% is not set")
		}
	case "darwin", "ios":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find the user data folder: %w", err)
		}
		base = filepath.Join(home, "Library", "Application Support")
	default:
		base = os.Getenv("XDG_DATA_HOME")
		if base == "" || !filepath.IsAbs(base) {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("cannot find the user data folder: %w", err)
			}
			base = filepath.Join(home, ".local", "share")
		}
	}
	return filepath.Join(base, ConfigDirName), nil
}

// ErrProfileNotFound is returned by Load for a name with no file.
var ErrProfileNotFound = errors.New("profile not found")

// ErrProfileExists is returned by Duplicate when the new name is taken.
var ErrProfileExists = errors.New("a profile with that name already exists")

// CorruptProfileError reports a profile file that cannot be read. The file
// is left exactly as it is; Path says where, so a supervisor can fix it.
type CorruptProfileError struct {
	Name string
	Path string
	Err  error
}

func (e *CorruptProfileError) Error() string {
	return fmt.Sprintf("profile %q is damaged and was not loaded (%v); fix or delete the file %s", e.Name, e.Err, e.Path)
}

func (e *CorruptProfileError) Unwrap() error { return e.Err }

// ProfileStore keeps profiles as one JSON file each in Dir. The zero value
// is not usable; use NewProfileStore. With Secrets set, Delete and Duplicate
// also delete or copy the profile's keyring entries.
type ProfileStore struct {
	Dir     string
	Secrets Secrets
}

// NewProfileStore returns a store on dir; an empty dir means
// DefaultProfileDir.
func NewProfileStore(dir string, secrets Secrets) (*ProfileStore, error) {
	if dir == "" {
		d, err := DefaultProfileDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return &ProfileStore{Dir: dir, Secrets: secrets}, nil
}

func (s *ProfileStore) path(name string) string { return filepath.Join(s.Dir, profileFileName(name)) }

// settle renames a profile's file from the earlier file-name encoding to
// the current one, when only the earlier one exists.
func (s *ProfileStore) settle(name string) error {
	legacy := filepath.Join(s.Dir, legacyProfileFileName(name))
	current := s.path(name)
	if legacy == current {
		return nil
	}
	if _, err := os.Lstat(current); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Lstat(legacy); err != nil {
		return nil
	}
	if err := os.Rename(legacy, current); err != nil {
		return fmt.Errorf("cannot rename the profile file %s to %s: %w", legacy, current, err)
	}
	return nil
}

// List returns the names of the stored profiles, sorted. A missing folder
// is an empty list. Damaged files are listed too: Load reports them.
func (s *ProfileStore) List() ([]string, error) {
	ents, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the profile folder %s: %w", s.Dir, err)
	}
	seen := map[string]bool{}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		n, current, ok := profileNameFromFile(e.Name())
		if !ok || seen[n] {
			continue
		}
		if !current {
			if err := s.settle(n); err != nil {
				return nil, err
			}
		}
		seen[n] = true
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Load reads and validates one profile. A file that is not valid JSON, or
// whose fields are invalid, gives a *CorruptProfileError (wrapping the
// ValidationError when fields are wrong); the file is never touched.
func (s *ProfileStore) Load(name string) (Profile, error) {
	if err := s.settle(name); err != nil {
		return Profile{}, err
	}
	p := s.path(name)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Profile{}, fmt.Errorf("%w: %q", ErrProfileNotFound, name)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("cannot read profile %q: %w", name, err)
	}
	var prof Profile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&prof); err != nil {
		return Profile{}, &CorruptProfileError{Name: name, Path: p, Err: err}
	}
	if prof.Name != name {
		return Profile{}, &CorruptProfileError{Name: name, Path: p,
			Err: &FieldError{Field: "name", Message: fmt.Sprintf("the file says %q but is stored as %q", prof.Name, name)}}
	}
	if err := prof.Validate(); err != nil {
		return Profile{}, &CorruptProfileError{Name: name, Path: p, Err: err}
	}
	return prof, nil
}

// Save validates and writes a profile atomically (temporary file, fsync,
// rename). A damaged file of the same name is first kept beside it as
// <name>.json.damaged-<time>, never overwritten silently.
func (s *ProfileStore) Save(p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the profile folder %s: %w", s.Dir, err)
	}
	target := s.path(p.Name)
	if _, err := s.Load(p.Name); err != nil {
		var ce *CorruptProfileError
		if errors.As(err, &ce) {
			keep := fmt.Sprintf("%s.damaged-%s", target, time.Now().UTC().Format("20060102T150405"))
			if err := os.Rename(target, keep); err != nil {
				return fmt.Errorf("cannot keep the damaged profile file aside: %w", err)
			}
		}
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(target, append(b, '\n'), 0o600)
}

// Delete removes a profile file and, with Secrets set, its secrets.
func (s *ProfileStore) Delete(ctx context.Context, name string) error {
	if err := s.settle(name); err != nil {
		return err
	}
	if err := os.Remove(s.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot delete profile %q: %w", name, err)
	}
	if s.Secrets != nil {
		for _, k := range SecretKinds {
			if err := s.Secrets.Delete(ctx, name, k); err != nil && !errors.Is(err, ErrSecretNotFound) {
				return err
			}
		}
	}
	return nil
}

// Duplicate copies profile from into a new profile named to (secrets too,
// when Secrets is set) and returns the copy.
func (s *ProfileStore) Duplicate(ctx context.Context, from, to string) (Profile, error) {
	p, err := s.Load(from)
	if err != nil {
		return Profile{}, err
	}
	if err := s.settle(to); err != nil {
		return Profile{}, err
	}
	if _, err := os.Stat(s.path(to)); err == nil {
		return Profile{}, fmt.Errorf("%w: %q", ErrProfileExists, to)
	}
	p.Name = to
	if err := s.Save(p); err != nil {
		return Profile{}, err
	}
	if s.Secrets != nil {
		for _, k := range SecretKinds {
			v, err := s.Secrets.Get(ctx, from, k)
			if errors.Is(err, ErrSecretNotFound) {
				continue
			}
			if err != nil {
				return p, err
			}
			if err := s.Secrets.Set(ctx, to, k, v); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// writeFileAtomic writes data to a temporary file in the same folder,
// fsyncs it and renames it over path, so a crash leaves either the old or
// the new file, never half of one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

package sqlschema

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"
)

// Migration is one numbered, up-only SQL file: NNN_name.sql.
type Migration struct {
	Version int
	// Name is the file name, such as "002_open_totals.sql".
	Name string
	SQL  string
}

// LoadDir reads the migrations in the folder dir of fsys, as Load does.
func LoadDir(fsys fs.FS, dir string) ([]Migration, error) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// Load reads the *.sql files at the top of fsys, in version order. Every
// name starts with a version number and an underscore; versions are unique.
func Load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(names))
	for _, name := range names {
		prefix, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %q: the name must be NNN_name.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Name: name, SQL: string(body)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %q and %q share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// Render returns the migrations as an fs.FS of up-only SQL files with the
// same names, each body passed through render; prelude, when not empty, is
// put before the first file's body.
func Render(ms []Migration, prelude string, render func(string) string) fs.FS {
	out := fstest.MapFS{}
	for i, m := range ms {
		body := render(m.SQL)
		if i == 0 && prelude != "" {
			body = prelude + "\n" + body
		}
		out[path.Clean(m.Name)] = &fstest.MapFile{Data: []byte(body), Mode: 0o444}
	}
	return out
}

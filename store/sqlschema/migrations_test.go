package sqlschema

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestLoadOrdersByVersion(t *testing.T) {
	t.Parallel()
	ms, err := Load(fstest.MapFS{
		"010_later.sql": {Data: []byte("B")},
		"002_next.sql":  {Data: []byte("A")},
		"README.md":     {Data: []byte("ignored")},
	})
	require.NoError(t, err)
	require.Equal(t, []Migration{{2, "002_next.sql", "A"}, {10, "010_later.sql", "B"}}, ms)

	_, err = Load(fstest.MapFS{"x_bad.sql": {}})
	require.ErrorContains(t, err, "NNN_name.sql")
	_, err = Load(fstest.MapFS{"001_a.sql": {}, "1_b.sql": {}})
	require.ErrorContains(t, err, "share version 1")
}

func TestRender(t *testing.T) {
	t.Parallel()
	fsys := Render([]Migration{{1, "001_a.sql", "CREATE {x};"}, {2, "002_b.sql", "ALTER {x};"}}, "-- first", func(s string) string {
		return strings.ReplaceAll(s, "{x}", "{y}")
	})
	b, err := fs.ReadFile(fsys, "001_a.sql")
	require.NoError(t, err)
	require.Equal(t, "-- first\nCREATE {y};", string(b))
	b, err = fs.ReadFile(fsys, "002_b.sql")
	require.NoError(t, err)
	require.Equal(t, "ALTER {y};", string(b))
}

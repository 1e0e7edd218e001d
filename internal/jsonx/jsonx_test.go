package jsonx

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDuplicateKey(t *testing.T) {
	t.Parallel()
	for data, want := range map[string]string{
		`{"financial_impact_eur":1,"financial_impact_eur":1000000}`: "financial_impact_eur",
		`{"a":{"b":1,"c":{"d":1,"d":2}}}`:                           "a.c.d",
		`{"items":[{"x":1},{"y":1,"y":2}]}`:                         "items[1].y",
		`[{"k":1},{"k":2,"k":3}]`:                                   "[1].k",
		`{"a":1,"b":{"a":2}}`:                                       "",
		`{"a":[1,2,{"a":3}],"c":null}`:                              "",
		`"text"`:                                                    "",
		`{}`:                                                        "",
	} {
		path, found, err := DuplicateKey([]byte(data))
		require.NoError(t, err, data)
		require.Equal(t, want != "", found, data)
		require.Equal(t, want, path, data)
	}
	for _, bad := range []string{`{"a":1`, `{"a":1} {}`, `{"a"}`, ``} {
		_, _, err := DuplicateKey([]byte(bad))
		require.Error(t, err, bad)
	}
}

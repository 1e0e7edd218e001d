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
		`{"a":1,"\u0061":2}`:                                        "a",
		`{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k3":0}`: "k3",
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

func TestCheckObject(t *testing.T) {
	t.Parallel()
	v, _, found, err := CheckObject([]byte(` {"model": {"financial_impact_eur": 1}, "financial_impact_eur" : 12.50 } `), "financial_impact_eur")
	require.NoError(t, err)
	require.False(t, found)
	require.Equal(t, "12.50", string(v))
	v, _, _, err = CheckObject([]byte(`{"other": [1, {"x": "}"}]}`), "financial_impact_eur")
	require.NoError(t, err)
	require.Nil(t, v)
	_, path, found, err := CheckObject([]byte(`{"financial_impact_eur": 1, "financial_impact_eur": 1000000}`), "financial_impact_eur")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "financial_impact_eur", path)
	for _, bad := range []string{`[]`, `{"a":1`, `{"a":1}x`, `{"a" 1}`, `{"a":1,}`} {
		_, _, _, err := CheckObject([]byte(bad), "a")
		require.Error(t, err, bad)
	}
}

// Package jsonx holds the JSON checks the root package and the HTTP adapter
// share: a JSON text whose object repeats a key means two different things
// to two readers (encoding/json keeps the last value, a raw copy keeps
// both), so such a text is refused wherever it enters.
package jsonx

import (
	"encoding/json"
	"errors"
	"strconv"
)

// DuplicateKey reports the first key an object of the JSON text data
// repeats, at any depth, as a path from the top: "financial_impact_eur",
// "labels.team", "items[2].name". It reports false when no object repeats a
// key. An error means data is not one well-formed JSON value.
func DuplicateKey(data []byte) (path string, found bool, err error) {
	s := scanner{data: data}
	if path, found, err = s.value(""); err != nil || found {
		return path, found, err
	}
	s.ws()
	if s.i != len(data) {
		return "", false, errors.New("data after the JSON value")
	}
	return "", false, nil
}

// Walk consumes the next JSON value of dec, reporting the first key an
// object in it repeats, as a path under prefix.
func Walk(dec *json.Decoder, prefix string) (path string, found bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return "", false, err
	}
	switch tok {
	case json.Delim('{'):
		seen := make(map[string]struct{})
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return "", false, err
			}
			key, _ := keyTok.(string)
			p := Join(prefix, key)
			if _, dup := seen[key]; dup {
				return p, true, nil
			}
			seen[key] = struct{}{}
			if path, found, err := Walk(dec, p); err != nil || found {
				return path, found, err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if path, found, err := Walk(dec, prefix+"["+strconv.Itoa(i)+"]"); err != nil || found {
				return path, found, err
			}
		}
	default:
		return "", false, nil
	}
	_, err = dec.Token() // the closing delimiter
	return "", false, err
}

// Join appends key to a dotted path.
func Join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

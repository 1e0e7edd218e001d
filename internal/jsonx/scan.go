package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// errSyntax is returned for text that is not one well-formed JSON value.
var errSyntax = errors.New("not well-formed JSON")

// scanner walks JSON text without allocating, for the hot path of ingest:
// every alert's two objects are checked for repeated keys and searched for
// a euro figure. It checks structure, not every detail of numbers and
// escapes; callers run json.Valid first where that matters.
type scanner struct {
	data []byte
	i    int
}

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// str reads a string at s.i and returns its raw contents (without quotes)
// and whether it holds escapes.
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	if s.i >= len(s.data) || s.data[s.i] != '"' {
		return nil, false, errSyntax
	}
	start := s.i + 1
	for j := start; j < len(s.data); j++ {
		switch s.data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			s.i = j + 1
			return s.data[start:j], escaped, nil
		}
	}
	return nil, false, errSyntax
}

// key returns the decoded form of a raw key, to compare keys as a decoder
// does ("a" and "\u0061" are the same key).
func key(raw []byte, escaped bool) string {
	if !escaped {
		return string(raw)
	}
	var k string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &k); err != nil {
		return string(raw)
	}
	return k
}

// value skips one value, reporting the first key an object in it repeats.
func (s *scanner) value(prefix string) (path string, found bool, err error) {
	s.ws()
	if s.i >= len(s.data) {
		return "", false, errSyntax
	}
	switch s.data[s.i] {
	case '{':
		return s.object(prefix, nil)
	case '[':
		s.i++
		for n := 0; ; n++ {
			s.ws()
			if s.i < len(s.data) && s.data[s.i] == ']' && n == 0 {
				s.i++
				return "", false, nil
			}
			if path, found, err := s.value(prefix + "[" + strconv.Itoa(n) + "]"); err != nil || found {
				return path, found, err
			}
			s.ws()
			if s.i >= len(s.data) {
				return "", false, errSyntax
			}
			if s.data[s.i] == ']' {
				s.i++
				return "", false, nil
			}
			if s.data[s.i] != ',' {
				return "", false, errSyntax
			}
			s.i++
		}
	case '"':
		_, _, err := s.str()
		return "", false, err
	default: // number, true, false, null
		start := s.i
	scalar:
		for ; s.i < len(s.data); s.i++ {
			switch s.data[s.i] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				break scalar
			}
		}
		if s.i == start {
			return "", false, errSyntax
		}
		return "", false, nil
	}
}

// object walks an object at s.i; fn, when set, sees each top-level key and
// the raw value that follows it.
func (s *scanner) object(prefix string, fn func(rawKey []byte, escaped bool, value []byte)) (path string, found bool, err error) {
	s.i++ // '{'
	// Keys are compared pairwise while few, which allocates nothing.
	var small [8][]byte
	keys := small[:0]
	var many map[string]struct{}
	for n := 0; ; n++ {
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == '}' && n == 0 {
			s.i++
			return "", false, nil
		}
		raw, escaped, err := s.str()
		if err != nil {
			return "", false, err
		}
		if escaped || many != nil || len(keys) == len(small) {
			if many == nil {
				many = make(map[string]struct{}, 16)
				for _, k := range keys {
					many[string(k)] = struct{}{}
				}
			}
			k := key(raw, escaped)
			if _, dup := many[k]; dup {
				return Join(prefix, k), true, nil
			}
			many[k] = struct{}{}
		} else {
			for _, k := range keys {
				if bytes.Equal(k, raw) {
					return Join(prefix, string(raw)), true, nil
				}
			}
			keys = append(keys, raw)
		}
		if path, found, done, err := s.member(prefix, raw, escaped, fn); err != nil || found || done {
			return path, found, err
		}
	}
}

// member reads the rest of an object's member after its key: the colon,
// the value (checked below, with fn called on it), and the comma or the
// closing brace, when done is true.
func (s *scanner) member(prefix string, raw []byte, escaped bool, fn func(rawKey []byte, escaped bool, value []byte)) (path string, found, done bool, err error) {
	s.ws()
	if s.i >= len(s.data) || s.data[s.i] != ':' {
		return "", false, false, errSyntax
	}
	s.i++
	s.ws()
	start := s.i
	var sub string // the path below this key, built only where objects can be
	if s.i < len(s.data) && (s.data[s.i] == '{' || s.data[s.i] == '[') {
		sub = Join(prefix, key(raw, escaped))
	}
	if path, found, err := s.value(sub); err != nil || found {
		return path, found, false, err
	}
	if fn != nil {
		fn(raw, escaped, s.data[start:s.i])
	}
	s.ws()
	if s.i >= len(s.data) {
		return "", false, false, errSyntax
	}
	if s.data[s.i] == '}' {
		s.i++
		return "", false, true, nil
	}
	if s.data[s.i] != ',' {
		return "", false, false, errSyntax
	}
	s.i++
	return "", false, false, nil
}

// CheckObject walks a JSON object: it reports the first key an object in it
// repeats (as DuplicateKey does) and, when found is false, the raw value of
// the top-level member named member ("" when absent).
func CheckObject(data []byte, member string) (value []byte, dupPath string, found bool, err error) {
	s := scanner{data: data}
	s.ws()
	if s.i >= len(data) || data[s.i] != '{' {
		return nil, "", false, errSyntax
	}
	dupPath, found, err = s.object("", func(raw []byte, escaped bool, v []byte) {
		if (!escaped && string(raw) == member) || (escaped && key(raw, escaped) == member) {
			value = v
		}
	})
	if err != nil || found {
		return nil, dupPath, found, err
	}
	s.ws()
	if s.i != len(data) {
		return nil, "", false, errSyntax
	}
	return value, "", false, nil
}

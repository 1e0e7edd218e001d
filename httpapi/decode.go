package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/jsonx"
)

// The JSON decoding rules of every body, as the replaced service (pydantic)
// applied them: unknown fields are ignored; a body that is not JSON at all —
// empty, malformed, not UTF-8 — is a 400; a body that is JSON but not what
// the route takes (not an object, a field of the wrong type, an object
// repeating a key) is a 422 naming the field.

// readBody reads a whole request body, already capped by MaxBytesReader,
// and checks that it is one JSON value in valid UTF-8.
func readBody(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err // *http.MaxBytesError → 413, or the client went away
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, notJSON("request body is empty")
	}
	if !utf8.Valid(data) {
		return nil, notJSON("request body is not valid UTF-8")
	}
	if !json.Valid(data) {
		return nil, notJSON("request body is not well-formed JSON")
	}
	return data, nil
}

// decodeObject decodes one JSON object from data into dst. data must be
// well-formed JSON (readBody checked it).
func decodeObject(data []byte, dst any) error {
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		return &apiError{status: http.StatusUnprocessableEntity, detail: "the body must be a JSON object"}
	}
	if path, dup, err := jsonx.DuplicateKey(data); err != nil {
		return notJSON("request body is not well-formed JSON")
	} else if dup {
		return invalidField(path, "is a duplicate key")
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return typeError(err)
	}
	return nil
}

// decodeJSON reads the request body and decodes it into dst.
func decodeJSON(r io.Reader, dst any) error {
	data, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeObject(data, dst)
}

// typeError maps an error of json.Unmarshal on well-formed JSON onto a 422
// naming the field.
func typeError(err error) error {
	var field *alertanalytics.FieldError
	if errors.As(err, &field) {
		return field // a type of the root package read its own field
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			return &apiError{status: http.StatusUnprocessableEntity, detail: "the body must be a JSON object"}
		}
		return invalidField(field, "must be a JSON "+jsonKind(typeErr.Type.Kind().String()))
	}
	return &apiError{status: http.StatusUnprocessableEntity, detail: "the body does not match the expected shape"}
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "string":
		return "string"
	case goKind == "slice" || goKind == "array":
		return "array"
	case goKind == "bool":
		return "boolean"
	}
	return "object"
}

// decodeBatch reads {"<key>": [...], ...} and returns the raw items. It
// counts the items while reading and stops at the first one over max, so an
// oversized batch answers 413 without being decoded whole. Other keys are
// ignored (but may not repeat).
func decodeBatch(r io.Reader, key string, max int) ([]json.RawMessage, error) {
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, &apiError{status: http.StatusUnprocessableEntity, detail: "the body must be a JSON object"}
	}
	var (
		items []json.RawMessage
		found bool
		seen  = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notJSON("request body is not well-formed JSON")
		}
		name, _ := tok.(string)
		if seen[name] {
			return nil, invalidField(name, "is a duplicate key")
		}
		seen[name] = true
		if name != key {
			if path, dup, err := jsonx.Walk(dec, name); err != nil {
				return nil, notJSON("request body is not well-formed JSON")
			} else if dup {
				return nil, invalidField(path, "is a duplicate key")
			}
			continue
		}
		found = true
		if items, err = batchItems(dec, key, max); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, invalidField(key, "is required")
	}
	return items, nil
}

// tooManyItems is the 413 for an array under key longer than max; hint,
// when set, is added to the detail.
func tooManyItems(key string, max int, hint string) error {
	limit := strconv.Itoa(max)
	detail := key + " has more than " + limit + " items"
	if hint != "" {
		detail += ": " + hint
	}
	return &apiError{status: http.StatusRequestEntityTooLarge, detail: detail,
		fields: []fieldProblem{{key, "at most " + limit + " items"}}}
}

// batchItems reads the array under key, one raw item at a time.
func batchItems(dec *json.Decoder, key string, max int) ([]json.RawMessage, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, invalidField(key, "must be a JSON array")
	}
	items := []json.RawMessage{}
	for dec.More() {
		if len(items) == max {
			return nil, tooManyItems(key, max, "")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, notJSON("request body is not well-formed JSON")
		}
		items = append(items, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, notJSON("request body is not well-formed JSON")
	}
	return items, nil
}

package alertanalytics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/jsonx"
)

// Field limits of section 3 of the specification.
const (
	maxAlertType     = 100
	maxCategory      = 100
	maxTitle         = 500
	maxMessage       = 10000
	maxService       = 100
	maxAlertJSON     = 64 << 10
	maxMetadataJSON  = 16 << 10
	maxIdempotency   = 128
	maxRequestedBy   = 200
	maxEuroCents     = 1 << 53 // keeps sums of cents exact
	maxPriorityScore = 100
)

// checkTenant refuses the nil tenant id, which no tenant has, before any
// call reaches the store.
func checkTenant(tenantID uuid.UUID) error {
	if tenantID == uuid.Nil {
		return invalid("tenant_id", "is required")
	}
	return nil
}

// joinNames lists enum values for an error message: "a, b, c".
func joinNames[T ~string](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// checkText validates a string field: valid UTF-8, no NUL, at most max
// characters, and at least one when required.
func checkText(field, v string, max int, required bool) error {
	if required && v == "" {
		return invalid(field, "is required")
	}
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8")
	}
	if strings.IndexByte(v, 0) >= 0 {
		return invalid(field, "must not contain NUL characters")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalid(field, fmt.Sprintf("is %d characters long, at most %d allowed", n, max))
	}
	return nil
}

// checkTime validates a client time: not after now + 5 minutes.
func checkTime(field string, t, now time.Time) error {
	if t.After(now.Add(maxFuture)) {
		return invalid(field, "is more than 5 minutes in the future")
	}
	if t.Year() < 1970 || t.Year() > 9999 {
		return invalid(field, "must be between 1970 and 9999")
	}
	return nil
}

// normalizeJSON returns nil for an absent or null object, and checks that
// anything else is a JSON object of at most max bytes, in valid UTF-8, where
// no object repeats a key: encoding/json would read the last value while the
// stored text keeps both, so the money and the document would disagree.
func normalizeJSON(field string, raw json.RawMessage, max int) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	if len(raw) > max {
		return nil, invalid(field, fmt.Sprintf("is %d bytes, at most %d allowed", len(raw), max))
	}
	if trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, invalid(field, "must be a JSON object")
	}
	if !utf8.Valid(trimmed) {
		return nil, invalid(field, "is not valid UTF-8")
	}
	if path, dup, err := jsonx.DuplicateKey(trimmed); err != nil {
		return nil, invalid(field, "must be a JSON object")
	} else if dup {
		return nil, invalid(jsonx.Join(field, path), "is a duplicate key")
	}
	return append(json.RawMessage(nil), trimmed...), nil
}

// euroCents reads the euro amount under key in a JSON object and returns it
// in cents, rounded half away from zero; 0 when the key is absent or null.
// The number is read as the exact decimal it is written as, so 12.345 is
// 1235 cents, not the 1234 a binary float would give.
func euroCents(field, key string, obj json.RawMessage) (int64, error) {
	if obj == nil {
		return 0, nil
	}
	value, _, _, err := jsonx.CheckObject(obj, key)
	if err != nil {
		return 0, invalid(field, "must be a JSON object")
	}
	raw := bytes.TrimSpace(value)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, nil
	}
	name := field + "." + key
	if cents, ok := plainCents(raw); ok {
		return cents, nil
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, invalid(name, "must be a finite number")
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, invalid(name, "must be a finite number")
	case f < 0:
		return 0, invalid(name, "must be ≥ 0")
	case err != nil || f > maxEuroCents/100:
		return 0, invalid(name, "is too large")
	}
	if bytes.ContainsAny(raw, "eE") {
		// Exponent notation: a binary float is as exact as the writer meant.
		return int64(math.Round(f * 100)), nil
	}
	eur, ok := new(big.Rat).SetString(string(raw))
	if !ok {
		return 0, invalid(name, "must be a finite number")
	}
	// cents = round(eur × 100) = floor((200·num + den) / (2·den)) for eur ≥ 0.
	num := new(big.Int).Mul(eur.Num(), big.NewInt(200))
	num.Add(num, eur.Denom())
	return num.Quo(num, new(big.Int).Mul(eur.Denom(), big.NewInt(2))).Int64(), nil
}

// plainCents converts the common case — digits with at most two decimals,
// no sign or exponent, like 40 or 80.25 — without allocating. It reports
// false for anything else, which takes the general path.
func plainCents(raw []byte) (int64, bool) {
	var units, cents int64
	i, digits := 0, 0
	for ; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
		units = units*10 + int64(raw[i]-'0')
		digits++
	}
	if digits == 0 || digits > 13 || (digits > 1 && raw[0] == '0') {
		return 0, false
	}
	if i == len(raw) {
		return units * 100, true
	}
	if raw[i] != '.' || len(raw)-i-1 < 1 || len(raw)-i-1 > 2 {
		return 0, false
	}
	for j, scale := i+1, int64(10); j < len(raw); j, scale = j+1, scale/10 {
		if raw[j] < '0' || raw[j] > '9' {
			return 0, false
		}
		cents += int64(raw[j]-'0') * scale
	}
	return units*100 + cents, true
}

package alertanalytics

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// rowEncoder appends export rows to a reusable line buffer, so an export
// of a million rows makes almost no garbage: each row is written without
// reflection and without a string per cell. Its output is byte for byte
// what encoding/json (HTML-safe, as an Encoder writes) and encoding/csv
// (comma, LF) write for the same row; exportrow_test.go holds it to that.
type rowEncoder struct {
	line []byte
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes with HTML escaping on.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune([]byte(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendUUID(b []byte, id uuid.UUID) []byte {
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xF])
	}
	return b
}

func appendJSONUUID(b []byte, id uuid.UUID) []byte {
	return append(appendUUID(append(b, '"'), id), '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) []byte {
	return append(t.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
}

func appendJSONTimePtr(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendJSONTime(b, *t)
}

// appendRawJSON appends a stored JSON document as encoding/json writes a
// RawMessage: compacted (whitespace outside strings dropped), with <, >,
// &, U+2028 and U+2029 escaped; null when there is none. The documents
// were checked to be JSON objects at ingest, so one pass that tracks
// strings does what json.Compact and json.HTMLEscape do, without their
// validation.
func appendRawJSON(b []byte, raw []byte) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	inString, escaped := false, false
	start := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !inString {
			switch c {
			case ' ', '\t', '\n', '\r':
				b = append(b, raw[start:i]...)
				start = i + 1
			case '"':
				inString = true
			}
			continue
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			inString = false
		case c == '<' || c == '>' || c == '&':
			b = append(b, raw[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && (raw[i+2] == 0xA8 || raw[i+2] == 0xA9):
			// U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
			b = append(b, raw[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[raw[i+2]&0xF])
			i += 2
			start = i + 1
		}
	}
	return append(b, raw[start:]...)
}

// alertJSON is a line of an alerts export: Alert as encoding/json writes
// it, and a newline.
func (e *rowEncoder) alertJSON(a *store.Alert) []byte {
	b := append(e.line[:0], `{"id":`...)
	b = appendJSONUUID(b, a.ID)
	b = appendJSONUUID(append(b, `,"tenant_id":`...), a.TenantID)
	b = appendJSONString(append(b, `,"alert_type":`...), a.AlertType)
	b = appendJSONString(append(b, `,"category":`...), a.Category)
	b = appendJSONString(append(b, `,"title":`...), a.Title)
	b = appendJSONString(append(b, `,"message":`...), a.Message)
	b = appendJSONString(append(b, `,"service":`...), a.Service)
	b = appendJSONString(append(b, `,"priority_level":`...), string(a.PriorityLevel))
	b = append(b, `,"priority_score":`...)
	if a.PriorityScore == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*a.PriorityScore), 10)
	}
	b = appendJSONString(append(b, `,"type_class":`...), string(a.TypeClass))
	b = appendJSONString(append(b, `,"status":`...), string(a.Status))
	b = appendJSONTime(append(b, `,"created_at":`...), a.CreatedAt)
	b = appendJSONTimePtr(append(b, `,"acknowledged_at":`...), a.AcknowledgedAt)
	b = appendJSONTimePtr(append(b, `,"resolved_at":`...), a.ResolvedAt)
	b = appendRawJSON(append(b, `,"business_impact":`...), a.BusinessImpact)
	b = appendRawJSON(append(b, `,"orchestrator_context":`...), a.OrchestratorContext)
	e.line = append(b, "}\n"...)
	return e.line
}

// interactionJSON is a line of an interactions export: ExportedInteraction
// as encoding/json writes it, and a newline.
func (e *rowEncoder) interactionJSON(in *store.Interaction) []byte {
	b := append(e.line[:0], `{"id":`...)
	b = appendJSONUUID(b, in.ID)
	b = appendJSONUUID(append(b, `,"alert_id":`...), in.AlertID)
	b = appendJSONUUID(append(b, `,"user_id":`...), in.UserID)
	b = appendJSONString(append(b, `,"interaction_type":`...), string(in.Type))
	b = appendJSONTime(append(b, `,"interacted_at":`...), in.InteractedAt)
	b = strconv.AppendInt(append(b, `,"response_time_seconds":`...), in.ResponseTimeSeconds, 10)
	b = appendRawJSON(append(b, `,"metadata":`...), in.Metadata)
	if in.IdempotencyKey != "" {
		b = appendJSONString(append(b, `,"idempotency_key":`...), in.IdempotencyKey)
	}
	e.line = append(b, "}\n"...)
	return e.line
}

// auditJSON is a line of an audit-log export: ExportedAuditLog as
// encoding/json writes it, and a newline.
func (e *rowEncoder) auditJSON(l *store.AuditLog) []byte {
	b := append(e.line[:0], `{"id":`...)
	b = appendJSONUUID(b, l.ID)
	b = appendJSONUUID(append(b, `,"alert_id":`...), l.AlertID)
	b = appendJSONUUID(append(b, `,"user_id":`...), l.UserID)
	b = appendJSONUUID(append(b, `,"interaction_id":`...), l.InteractionID)
	b = appendJSONString(append(b, `,"from_status":`...), string(l.From))
	b = appendJSONString(append(b, `,"to_status":`...), string(l.To))
	b = appendJSONTime(append(b, `,"changed_at":`...), l.ChangedAt)
	e.line = append(b, "}\n"...)
	return e.line
}

// appendCSVField appends one cell as encoding/csv writes it (comma, LF
// line ends), after the spreadsheet guard: a cell starting with =, +, -,
// @, a tab or a carriage return gets a leading '.
func appendCSVField[T string | []byte](b []byte, field T, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	guard := len(field) > 0 && (field[0] == '=' || field[0] == '+' || field[0] == '-' || field[0] == '@' ||
		field[0] == '\t' || field[0] == '\r')
	quote := false
	if len(field) > 0 {
		for i := 0; i < len(field); i++ {
			if c := field[i]; c == '\n' || c == '\r' || c == '"' || c == ',' {
				quote = true
				break
			}
		}
		// encoding/csv quotes a field that starts with a space (of any
		// kind) and the field \. (a PostgreSQL end-of-data marker).
		if !guard && !quote {
			r, _ := utf8.DecodeRune([]byte(field[:min(len(field), utf8.UTFMax)]))
			quote = unicode.IsSpace(r) || (len(field) == 2 && field[0] == '\\' && field[1] == '.')
		}
	}
	if !quote {
		if guard {
			b = append(b, '\'')
		}
		return append(b, field...)
	}
	b = append(b, '"')
	if guard {
		b = append(b, '\'')
	}
	start := 0
	for i := 0; i < len(field); i++ {
		if field[i] == '"' {
			b = append(b, field[start:i+1]...)
			b = append(b, '"')
			start = i + 1
		}
	}
	b = append(b, field[start:]...)
	return append(b, '"')
}

// appendCSVInt appends a number cell; a negative one starts with - and
// gets the spreadsheet guard like any other cell.
func appendCSVInt(b []byte, v int64) []byte {
	b = append(b, ',')
	if v < 0 {
		b = append(b, '\'')
	}
	return strconv.AppendInt(b, v, 10)
}

// appendCSVTime appends a time cell: RFC 3339 with milliseconds in UTC; empty for
// none.
func appendCSVTime(b []byte, t *time.Time) []byte {
	b = append(b, ',')
	if t == nil {
		return b
	}
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
}

func appendCSVUUID(b []byte, id uuid.UUID, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	return appendUUID(b, id)
}

// alertCSV is a line of an alerts export in CSV, in ExportColumns order.
func (e *rowEncoder) alertCSV(a *store.Alert) []byte {
	b := appendCSVUUID(e.line[:0], a.ID, true)
	for _, s := range [...]string{a.AlertType, a.Category, a.Title, a.Message, a.Service, string(a.PriorityLevel)} {
		b = appendCSVField(b, s, false)
	}
	if a.PriorityScore != nil {
		b = appendCSVInt(b, int64(*a.PriorityScore))
	} else {
		b = append(b, ',')
	}
	b = appendCSVField(b, string(a.TypeClass), false)
	b = appendCSVField(b, string(a.Status), false)
	b = appendCSVTime(b, &a.CreatedAt)
	b = appendCSVTime(b, a.AcknowledgedAt)
	b = appendCSVTime(b, a.ResolvedAt)
	b = appendCSVField(b, []byte(a.BusinessImpact), false)
	b = appendCSVField(b, []byte(a.OrchestratorContext), false)
	e.line = append(b, '\n')
	return e.line
}

// interactionCSV is a line of an interactions export in CSV.
func (e *rowEncoder) interactionCSV(in *store.Interaction) []byte {
	b := appendCSVUUID(e.line[:0], in.ID, true)
	b = appendCSVUUID(b, in.AlertID, false)
	b = appendCSVUUID(b, in.UserID, false)
	b = appendCSVField(b, string(in.Type), false)
	b = appendCSVTime(b, &in.InteractedAt)
	b = appendCSVInt(b, in.ResponseTimeSeconds)
	b = appendCSVField(b, []byte(in.Metadata), false)
	b = appendCSVField(b, in.IdempotencyKey, false)
	e.line = append(b, '\n')
	return e.line
}

// auditCSV is a line of an audit-log export in CSV.
func (e *rowEncoder) auditCSV(l *store.AuditLog) []byte {
	b := appendCSVUUID(e.line[:0], l.ID, true)
	b = appendCSVUUID(b, l.AlertID, false)
	b = appendCSVUUID(b, l.UserID, false)
	b = appendCSVUUID(b, l.InteractionID, false)
	b = appendCSVField(b, string(l.From), false)
	b = appendCSVField(b, string(l.To), false)
	b = appendCSVTime(b, &l.ChangedAt)
	e.line = append(b, '\n')
	return e.line
}

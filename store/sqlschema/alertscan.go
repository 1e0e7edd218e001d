package sqlschema

import (
	"fmt"
	"time"

	"github.com/alertanalytics/alertanalytics/store"
)

// AlertScan scans alert rows of AlertColumns into one store.Alert it
// keeps: the scan destinations are made once and the values the alert's
// pointers and byte slices refer to are reused from row to row, so an
// export reading a million rows through one AlertScan makes no garbage of
// its own. Its nullable destinations are database/sql Scanners, which
// pgx scans into as well. The backend supplies the two id destinations
// (Dest) and sets Alert.ID and Alert.TenantID from them after each scan,
// then calls Finish.
type AlertScan struct {
	Alert                       store.Alert
	priority, typeClass, status string
	created                     int64
	score, acked, resolved      NullInt64
	impact, context             NullText
	scoreValue                  int
	ackedAt, resolvedAt         time.Time
}

// Dest returns the scan destinations of one row in AlertColumns order,
// with id and tenant the backend's own destinations for the two uuids.
// Make it once and pass it to every scan.
func (s *AlertScan) Dest(id, tenant any) []any {
	a := &s.Alert
	return []any{id, tenant, &a.AlertType, &a.Category, &a.Title, &a.Message, &a.Service, &s.priority,
		&s.score, &s.typeClass, &s.status, &s.created, &s.acked, &s.resolved, &s.impact, &s.context,
		&a.FinancialImpactCents, &a.EstimatedSavingsCents}
}

// Finish completes the alert from the columns the last scan read and
// returns it. The alert, and what its pointers and byte slices refer to,
// is the AlertScan's: valid until its next scan.
func (s *AlertScan) Finish() *store.Alert {
	a := &s.Alert
	a.PriorityLevel = store.Priority(s.priority)
	a.TypeClass = store.TypeClass(s.typeClass)
	a.Status = store.Status(s.status)
	a.CreatedAt = time.UnixMilli(s.created).UTC()
	a.PriorityScore, a.AcknowledgedAt, a.ResolvedAt = nil, nil, nil
	if s.score.Valid {
		s.scoreValue = int(s.score.Int64)
		a.PriorityScore = &s.scoreValue
	}
	if s.acked.Valid {
		s.ackedAt = time.UnixMilli(s.acked.Int64).UTC()
		a.AcknowledgedAt = &s.ackedAt
	}
	if s.resolved.Valid {
		s.resolvedAt = time.UnixMilli(s.resolved.Int64).UTC()
		a.ResolvedAt = &s.resolvedAt
	}
	a.BusinessImpact, a.OrchestratorContext = s.impact.Bytes(), s.context.Bytes()
	return a
}

// NullInt64 is a nullable integer column.
type NullInt64 struct {
	Int64 int64
	Valid bool
}

// Scan implements sql.Scanner.
func (n *NullInt64) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		n.Int64, n.Valid = 0, false
	case int64:
		n.Int64, n.Valid = v, true
	default:
		return fmt.Errorf("sqlschema: an integer column holds %T", src)
	}
	return nil
}

// NullText is a nullable text column kept as bytes in a buffer reused
// from row to row.
type NullText struct {
	buf   []byte
	valid bool
}

// Scan implements sql.Scanner.
func (n *NullText) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		n.valid = false
	case string:
		n.buf, n.valid = append(n.buf[:0], v...), true
	case []byte:
		n.buf, n.valid = append(n.buf[:0], v...), true
	default:
		return fmt.Errorf("sqlschema: a text column holds %T", src)
	}
	return nil
}

// Bytes returns the column's text, nil when NULL; valid until the next
// scan.
func (n *NullText) Bytes() []byte {
	if !n.valid {
		return nil
	}
	return n.buf
}

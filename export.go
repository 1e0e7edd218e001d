package alertanalytics

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// ExportKind is what an export reads.
type ExportKind string

// The kinds of export.
const (
	ExportAlerts       ExportKind = "alerts"
	ExportInteractions ExportKind = "interactions"
	ExportAuditLogs    ExportKind = "audit_logs"
)

// ExportFormat is how an export is written.
type ExportFormat string

// The export formats.
const (
	// NDJSON writes one JSON object a line, with the API's keys.
	NDJSON ExportFormat = "ndjson"
	// CSV writes RFC 4180 CSV with a header row of the ExportColumns.
	CSV ExportFormat = "csv"
)

// ExportOptions selects what an export writes.
type ExportOptions struct {
	// Kind is required.
	Kind ExportKind
	// Format defaults to NDJSON.
	Format ExportFormat
	// From and To bound the rows' times (created_at, interacted_at,
	// changed_at): [From, To). From defaults to the beginning, To to now.
	From, To time.Time
}

// ExportColumns returns the fixed CSV columns of a kind, in order. JSON
// objects (business_impact, orchestrator_context, metadata) are written as
// their JSON text; times as RFC 3339 with milliseconds in UTC; absent
// values as empty cells.
func ExportColumns(kind ExportKind) []string {
	switch kind {
	case ExportAlerts:
		return []string{"id", "alert_type", "category", "title", "message", "service", "priority_level", "priority_score",
			"type_class", "status", "created_at", "acknowledged_at", "resolved_at", "business_impact", "orchestrator_context"}
	case ExportInteractions:
		return []string{"id", "alert_id", "user_id", "interaction_type", "interacted_at", "response_time_seconds",
			"metadata", "idempotency_key"}
	case ExportAuditLogs:
		return []string{"id", "alert_id", "user_id", "interaction_id", "from_status", "to_status", "changed_at"}
	}
	return nil
}

// ExportedInteraction is an interaction as an export writes it: as the
// interaction routes answer it, plus who did it and its metadata.
type ExportedInteraction struct {
	ID                  uuid.UUID       `json:"id"`
	AlertID             uuid.UUID       `json:"alert_id"`
	UserID              uuid.UUID       `json:"user_id"`
	InteractionType     InteractionType `json:"interaction_type"`
	InteractedAt        time.Time       `json:"interacted_at"`
	ResponseTimeSeconds int64           `json:"response_time_seconds"`
	Metadata            json.RawMessage `json:"metadata"`
	IdempotencyKey      string          `json:"idempotency_key,omitempty"`
}

// ExportedAuditLog is one status change as an export writes it.
type ExportedAuditLog struct {
	ID            uuid.UUID `json:"id"`
	AlertID       uuid.UUID `json:"alert_id"`
	UserID        uuid.UUID `json:"user_id"`
	InteractionID uuid.UUID `json:"interaction_id"`
	FromStatus    Status    `json:"from_status"`
	ToStatus      Status    `json:"to_status"`
	ChangedAt     time.Time `json:"changed_at"`
}

// checkExport validates and defaults export options, naming the field at
// fault ("kind", "format", "from", "to").
func (s *Service) checkExport(opts ExportOptions) (ExportOptions, error) {
	switch opts.Kind {
	case ExportAlerts, ExportInteractions, ExportAuditLogs:
	case "":
		return opts, invalid("kind", "is required: alerts, interactions or audit_logs")
	default:
		return opts, invalid("kind", "must be one of alerts, interactions, audit_logs")
	}
	switch opts.Format {
	case "":
		opts.Format = NDJSON
	case NDJSON, CSV:
	default:
		return opts, invalid("format", "must be ndjson or csv")
	}
	if opts.To.IsZero() {
		opts.To = s.now().Add(time.Millisecond)
	}
	if opts.From.IsZero() {
		opts.From = time.UnixMilli(0).UTC()
	}
	if opts.From.After(opts.To) {
		return opts, invalid("from", "must not be after to")
	}
	return opts, nil
}

// Export writes the tenant's rows of one kind whose time falls in
// [From, To), ordered by (time, id), to w, from one consistent snapshot
// of the store and with memory flat however many rows there are. NDJSON
// lines are alerts as Alert marshals them, interactions as
// ExportedInteraction, audit rows as ExportedAuditLog; CSV has the
// ExportColumns, and a cell that starts with =, +, -, @, a tab or a
// carriage return is prefixed with ' so spreadsheets never run it.
// Options are checked before anything is written: a *FieldError names
// the field at fault ("kind", "format", "from", "to") and w stays
// untouched. When w has a method Flush() error (a *bufio.Writer, or a
// writer of the caller's that extends a deadline and pushes bytes to a
// client), it is called after every chunk of rows. Cancelling ctx stops
// the read. A failure after bytes were written leaves w with a partial
// export: the caller must not present it as complete.
func (s *Service) Export(ctx context.Context, tenantID uuid.UUID, opts ExportOptions, w io.Writer) (err error) {
	ctx, end := s.span(ctx, "Export", tenantID)
	defer end(&err)
	if err := checkTenant(tenantID); err != nil {
		return err
	}
	opts, err = s.checkExport(opts)
	if err != nil {
		return err
	}
	var flush func() error
	if f, ok := w.(interface{ Flush() error }); ok {
		flush = f.Flush
	}
	e := newExportWriter(w, opts, flush)
	if err := e.header(); err != nil {
		return err
	}
	switch opts.Kind {
	case ExportAlerts:
		err = s.store.ExportAlerts(ctx, tenantID, opts.From, opts.To, func(a *store.Alert) error {
			return e.row(alertOf(*a), func() []string { return alertCells(a) })
		})
	case ExportInteractions:
		err = s.store.ExportInteractions(ctx, tenantID, opts.From, opts.To, func(in *store.Interaction) error {
			return e.row(ExportedInteraction{ID: in.ID, AlertID: in.AlertID, UserID: in.UserID, InteractionType: in.Type,
				InteractedAt: in.InteractedAt, ResponseTimeSeconds: in.ResponseTimeSeconds, Metadata: in.Metadata,
				IdempotencyKey: in.IdempotencyKey}, func() []string { return interactionCells(in) })
		})
	case ExportAuditLogs:
		err = s.store.ExportAuditLogs(ctx, tenantID, opts.From, opts.To, func(l *store.AuditLog) error {
			return e.row(ExportedAuditLog{ID: l.ID, AlertID: l.AlertID, UserID: l.UserID, InteractionID: l.InteractionID,
				FromStatus: l.From, ToStatus: l.To, ChangedAt: l.ChangedAt}, func() []string { return auditCells(l) })
		})
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", opts.Kind, err)
	}
	return e.close()
}

// exportWriter writes rows in the chosen format, flushing every chunk.
type exportWriter struct {
	format ExportFormat
	kind   ExportKind
	buf    *bufio.Writer
	json   *json.Encoder
	csv    *csv.Writer
	flush  func() error
	rows   int
}

const exportChunk = 500

func newExportWriter(w io.Writer, opts ExportOptions, flush func() error) *exportWriter {
	buf := bufio.NewWriterSize(w, 64<<10)
	e := &exportWriter{format: opts.Format, kind: opts.Kind, buf: buf, flush: flush}
	if opts.Format == CSV {
		e.csv = csv.NewWriter(buf)
	} else {
		e.json = json.NewEncoder(buf)
	}
	return e
}

func (e *exportWriter) header() error {
	if e.csv != nil {
		return e.csv.Write(ExportColumns(e.kind))
	}
	return nil
}

func (e *exportWriter) row(v any, cells func() []string) error {
	var err error
	if e.csv != nil {
		err = e.csv.Write(guardCells(cells()))
	} else {
		err = e.json.Encode(v)
	}
	if err != nil {
		return err
	}
	if e.rows++; e.rows%exportChunk == 0 {
		return e.push()
	}
	return nil
}

// push writes the buffered bytes through and calls flush.
func (e *exportWriter) push() error {
	if e.csv != nil {
		e.csv.Flush()
		if err := e.csv.Error(); err != nil {
			return err
		}
	}
	if err := e.buf.Flush(); err != nil {
		return err
	}
	if e.flush != nil {
		return e.flush()
	}
	return nil
}

func (e *exportWriter) close() error { return e.push() }

// guardCells prefixes with ' every cell a spreadsheet would read as a
// formula: one starting with =, +, -, @, a tab or a carriage return.
func guardCells(cells []string) []string {
	for i, c := range cells {
		if c != "" {
			switch c[0] {
			case '=', '+', '-', '@', '\t', '\r':
				cells[i] = "'" + c
			}
		}
	}
	return cells
}

func cellTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func cellJSON(b json.RawMessage) string { return string(b) }

func alertCells(a *store.Alert) []string {
	score := ""
	if a.PriorityScore != nil {
		score = strconv.Itoa(*a.PriorityScore)
	}
	return []string{a.ID.String(), a.AlertType, a.Category, a.Title, a.Message, a.Service, string(a.PriorityLevel), score,
		string(a.TypeClass), string(a.Status), cellTime(&a.CreatedAt), cellTime(a.AcknowledgedAt), cellTime(a.ResolvedAt),
		cellJSON(a.BusinessImpact), cellJSON(a.OrchestratorContext)}
}

func interactionCells(in *store.Interaction) []string {
	return []string{in.ID.String(), in.AlertID.String(), in.UserID.String(), string(in.Type), cellTime(&in.InteractedAt),
		strconv.FormatInt(in.ResponseTimeSeconds, 10), cellJSON(in.Metadata), in.IdempotencyKey}
}

func auditCells(l *store.AuditLog) []string {
	return []string{l.ID.String(), l.AlertID.String(), l.UserID.String(), l.InteractionID.String(), string(l.From),
		string(l.To), cellTime(&l.ChangedAt)}
}

package alertanalytics

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
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
	ctx, end := s.span(ctx, "Export", tenantID, read)
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
	csv := opts.Format == CSV
	switch opts.Kind {
	case ExportAlerts:
		err = s.store.ExportAlerts(ctx, tenantID, opts.From, opts.To, func(a *store.Alert) error {
			if csv {
				return e.row(e.enc.alertCSV(a))
			}
			return e.row(e.enc.alertJSON(a))
		})
	case ExportInteractions:
		err = s.store.ExportInteractions(ctx, tenantID, opts.From, opts.To, func(in *store.Interaction) error {
			if csv {
				return e.row(e.enc.interactionCSV(in))
			}
			return e.row(e.enc.interactionJSON(in))
		})
	case ExportAuditLogs:
		err = s.store.ExportAuditLogs(ctx, tenantID, opts.From, opts.To, func(l *store.AuditLog) error {
			if csv {
				return e.row(e.enc.auditCSV(l))
			}
			return e.row(e.enc.auditJSON(l))
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
	enc    rowEncoder
	flush  func() error
	rows   int
}

const exportChunk = 500

func newExportWriter(w io.Writer, opts ExportOptions, flush func() error) *exportWriter {
	return &exportWriter{format: opts.Format, kind: opts.Kind, buf: bufio.NewWriterSize(w, 64<<10), flush: flush}
}

// header writes the CSV header row (column names need no quoting).
func (e *exportWriter) header() error {
	if e.format != CSV {
		return nil
	}
	_, err := e.buf.WriteString(strings.Join(ExportColumns(e.kind), ",") + "\n")
	return err
}

// row writes one encoded line.
func (e *exportWriter) row(line []byte) error {
	if _, err := e.buf.Write(line); err != nil {
		return err
	}
	if e.rows++; e.rows%exportChunk == 0 {
		return e.push()
	}
	return nil
}

// push writes the buffered bytes through and calls flush.
func (e *exportWriter) push() error {
	if err := e.buf.Flush(); err != nil {
		return err
	}
	if e.flush != nil {
		return e.flush()
	}
	return nil
}

func (e *exportWriter) close() error { return e.push() }

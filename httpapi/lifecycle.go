package httpapi

import (
	"net/http"
	"time"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/wire"
)

// exportChunkDeadline is how long each chunk of an export may take to
// write: the deadline moves on with every chunk, so a long export outlives
// the server's WriteTimeout while a stalled client is still cut.
const exportChunkDeadline = 30 * time.Second

// export streams the tenant's rows as an attachment. Errors before the
// first byte are problem documents; a failure after it aborts the
// response, so the client sees a broken transfer, never a short file that
// looks complete.
func (h *handler) export(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var opts alertanalytics.ExportOptions
	for _, f := range []struct {
		name string
		dst  *string
	}{{"kind", (*string)(&opts.Kind)}, {"format", (*string)(&opts.Format)}} {
		v, _, err := queryValue(q, f.name)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &opts.From}, {"to", &opts.To}} {
		v, given, err := queryValue(q, f.name)
		if err != nil {
			return err
		}
		if given {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return invalidField(f.name, "must be an RFC 3339 date and time")
			}
			*f.dst = t.UTC()
		}
	}
	// Export checks the options before it writes: a bad one comes back
	// as a *FieldError (a 422) with nothing sent. The headers go out with
	// the first bytes.
	contentType, ext := "application/x-ndjson", "ndjson"
	if opts.Format == alertanalytics.CSV {
		contentType, ext = "text/csv; charset=utf-8", "csv"
	}
	out := &exportResponse{w: w, rc: http.NewResponseController(w), header: func(hd http.Header) {
		hd.Set("Content-Type", contentType)
		hd.Set("Content-Disposition", `attachment; filename="`+string(opts.Kind)+"-"+tenantID.String()+"."+ext+`"`)
	}}
	if err := h.svc.Export(r.Context(), tenantID, opts, out); err != nil {
		if !out.started {
			return err
		}
		h.logger.ErrorContext(r.Context(), "export failed after the first byte; aborting the response", "error", err)
		panic(http.ErrAbortHandler)
	}
	if !out.started {
		// No rows and no CSV header line: an empty export is a 200 with
		// an empty body.
		out.header(w.Header())
	}
	return nil
}

// exportResponse is the writer an export streams into: the first write
// sends the headers; every Flush (after each chunk of rows) gives the
// client a fresh write deadline and pushes the bytes out.
type exportResponse struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	header  func(http.Header)
	started bool
}

func (e *exportResponse) Write(b []byte) (int, error) {
	if !e.started && len(b) > 0 {
		e.started = true
		e.header(e.w.Header())
		_ = e.rc.SetWriteDeadline(time.Now().Add(exportChunkDeadline))
	}
	return e.w.Write(b)
}

// Flush extends the write deadline by a chunk's allowance and flushes.
func (e *exportResponse) Flush() error {
	_ = e.rc.SetWriteDeadline(time.Now().Add(exportChunkDeadline))
	return e.rc.Flush()
}

// purge applies a retention to the tenant (service callers only).
func (h *handler) purge(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := serviceTenant(r, p)
	if err != nil {
		return err
	}
	var body wire.PurgeRequest
	if err := decodeJSON(r.Body, &body); err != nil {
		return err
	}
	if body.MaxAge == nil {
		return invalidField("max_age", "is required: a Go duration such as 720h or whole days such as 400d")
	}
	maxAge, err := alertanalytics.ParseMaxAge("max_age", *body.MaxAge)
	if err != nil {
		return err
	}
	res, err := h.svc.PurgeTenant(r.Context(), tenantID, alertanalytics.Retention{MaxAge: maxAge, IncludeOpen: body.IncludeOpen,
		DryRun: body.DryRun, RequestedBy: requester(body.RequestedBy, p)})
	if err != nil {
		return err
	}
	receipts := make([]wire.RetentionReceipt, len(res.Receipts))
	for i, rc := range res.Receipts {
		receipts[i] = wire.RetentionReceiptOf(rc)
	}
	return writeJSON(w, http.StatusOK, wire.Purge{DryRun: res.DryRun, Cutoff: res.Cutoff,
		Summary: wire.PurgeSummary{Deleted: wire.CountsOf(res.Deleted), TotalDeleted: res.Deleted.Total()}, Receipts: receipts})
}

// retentionReceipts lists the tenant's retention receipts, oldest first
// (service callers only).
func (h *handler) retentionReceipts(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := serviceTenant(r, p)
	if err != nil {
		return err
	}
	receipts, err := h.svc.RetentionReceipts(r.Context(), tenantID)
	if err != nil {
		return err
	}
	out := make([]wire.RetentionReceipt, len(receipts))
	for i, rc := range receipts {
		out[i] = wire.RetentionReceiptOf(rc)
	}
	return writeJSON(w, http.StatusOK, out)
}

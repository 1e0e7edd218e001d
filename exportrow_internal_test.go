package alertanalytics

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/alertanalytics/alertanalytics/store"
)

// text draws strings that exercise every escaping rule: HTML characters,
// quotes, control characters, line and paragraph separators, spaces in
// front, formula starts, commas, invalid UTF-8.
func text() *rapid.Generator[string] {
	special := rapid.SampledFrom([]string{"<", ">", "&", `"`, `\`, "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", " ", "\u00a0", "=", "+", "-", "@", ",", "'", "é", "日本", "\xff", "\xe2\x80", `\.`, "a", "Z9"})
	return rapid.Custom(func(t *rapid.T) string {
		var b []byte
		for _, p := range rapid.SliceOfN(special, 0, 8).Draw(t, "parts") {
			b = append(b, p...)
		}
		return string(b)
	})
}

// document draws a stored JSON object, sometimes indented as a client may
// send it.
func document() *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		if rapid.Bool().Draw(t, "none") {
			return nil
		}
		m := map[string]any{}
		for i, v := range rapid.SliceOfN(text(), 0, 3).Draw(t, "values") {
			m["k"+strconv.Itoa(i)+v] = v
		}
		m["n"] = rapid.Float64Range(-1e6, 1e6).Draw(t, "n")
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if rapid.Bool().Draw(t, "indent") {
			enc.SetIndent("", "  ")
		}
		require.NoError(t, enc.Encode(m))
		return bytes.TrimSpace(buf.Bytes())
	})
}

func drawTime(t *rapid.T, label string) time.Time {
	return time.UnixMilli(rapid.Int64Range(0, 4102444800000).Draw(t, label)).UTC()
}

func drawTimePtr(t *rapid.T, label string) *time.Time {
	if rapid.Bool().Draw(t, label+" none") {
		return nil
	}
	v := drawTime(t, label)
	return &v
}

// oldCSV writes cells as encoding/csv does after the spreadsheet guard.
func oldCSV(t *rapid.T, cells ...string) string {
	for i, c := range cells {
		if c != "" {
			switch c[0] {
			case '=', '+', '-', '@', '\t', '\r':
				cells[i] = "'" + c
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	require.NoError(t, w.Write(cells))
	w.Flush()
	return buf.String()
}

func cellTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// TestRowEncoderMatchesEncodingJSONAndCSV holds the export's row encoder to
// what encoding/json and encoding/csv write for the same rows, byte for
// byte, on strings that exercise every escaping rule.
func TestRowEncoderMatchesEncodingJSONAndCSV(t *testing.T) {
	t.Parallel()
	var e rowEncoder
	rapid.Check(t, func(t *rapid.T) {
		a := store.Alert{ID: uuid.UUID(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "id")), TenantID: uuid.New(),
			AlertType: text().Draw(t, "type"), Category: text().Draw(t, "category"), Title: text().Draw(t, "title"),
			Message: text().Draw(t, "message"), Service: text().Draw(t, "service"),
			PriorityLevel: store.Priority(text().Draw(t, "priority")), TypeClass: store.TypeClass(text().Draw(t, "class")),
			Status: store.Status(text().Draw(t, "status")), CreatedAt: drawTime(t, "created"),
			AcknowledgedAt: drawTimePtr(t, "acked"), ResolvedAt: drawTimePtr(t, "resolved"),
			BusinessImpact: document().Draw(t, "impact"), OrchestratorContext: document().Draw(t, "context")}
		if rapid.Bool().Draw(t, "scored") {
			v := rapid.IntRange(-5, 100).Draw(t, "score")
			a.PriorityScore = &v
		}
		var want bytes.Buffer
		require.NoError(t, json.NewEncoder(&want).Encode(alertOf(a)))
		require.Equal(t, want.String(), string(e.alertJSON(&a)))
		score := ""
		if a.PriorityScore != nil {
			score = strconv.Itoa(*a.PriorityScore)
		}
		require.Equal(t, oldCSV(t, a.ID.String(), a.AlertType, a.Category, a.Title, a.Message, a.Service, string(a.PriorityLevel),
			score, string(a.TypeClass), string(a.Status), cellTime(&a.CreatedAt), cellTime(a.AcknowledgedAt),
			cellTime(a.ResolvedAt), string(a.BusinessImpact), string(a.OrchestratorContext)), string(e.alertCSV(&a)))

		in := store.Interaction{ID: uuid.New(), AlertID: a.ID, UserID: uuid.New(), Type: store.InteractionType(text().Draw(t, "itype")),
			InteractedAt: drawTime(t, "at"), ResponseTimeSeconds: rapid.Int64Range(0, 1e9).Draw(t, "rts"),
			Metadata: document().Draw(t, "metadata"), IdempotencyKey: text().Draw(t, "key")}
		want.Reset()
		require.NoError(t, json.NewEncoder(&want).Encode(ExportedInteraction{ID: in.ID, AlertID: in.AlertID, UserID: in.UserID,
			InteractionType: in.Type, InteractedAt: in.InteractedAt, ResponseTimeSeconds: in.ResponseTimeSeconds,
			Metadata: in.Metadata, IdempotencyKey: in.IdempotencyKey}))
		require.Equal(t, want.String(), string(e.interactionJSON(&in)))
		require.Equal(t, oldCSV(t, in.ID.String(), in.AlertID.String(), in.UserID.String(), string(in.Type), cellTime(&in.InteractedAt),
			strconv.FormatInt(in.ResponseTimeSeconds, 10), string(in.Metadata), in.IdempotencyKey), string(e.interactionCSV(&in)))

		l := store.AuditLog{ID: uuid.New(), AlertID: a.ID, UserID: in.UserID, InteractionID: in.ID,
			From: store.Status(text().Draw(t, "from")), To: store.Status(text().Draw(t, "to")), ChangedAt: drawTime(t, "changed")}
		want.Reset()
		require.NoError(t, json.NewEncoder(&want).Encode(ExportedAuditLog{ID: l.ID, AlertID: l.AlertID, UserID: l.UserID,
			InteractionID: l.InteractionID, FromStatus: l.From, ToStatus: l.To, ChangedAt: l.ChangedAt}))
		require.Equal(t, want.String(), string(e.auditJSON(&l)))
		require.Equal(t, oldCSV(t, l.ID.String(), l.AlertID.String(), l.UserID.String(), l.InteractionID.String(), string(l.From),
			string(l.To), cellTime(&l.ChangedAt)), string(e.auditCSV(&l)))
	})
}

// TestRowEncoderAllocatesNothingPerRow: once its buffers have grown, the
// encoder writes a row without a single allocation.
func TestRowEncoderAllocatesNothingPerRow(t *testing.T) {
	score := 40
	acked := time.Date(2026, 11, 2, 8, 5, 0, 0, time.UTC)
	a := store.Alert{ID: uuid.New(), TenantID: uuid.New(), AlertType: "low_stock", Category: "inventory", Title: "Flour <20 kg",
		Service: "bakery", PriorityLevel: store.PriorityCritical, PriorityScore: &score, TypeClass: store.TypeClassActionNeeded,
		Status: store.StatusAcknowledged, CreatedAt: acked.Add(-5 * time.Minute), AcknowledgedAt: &acked,
		BusinessImpact: []byte(`{"financial_impact_eur": 80.25, "note": "a & b"}`)}
	var e rowEncoder
	e.alertJSON(&a)
	e.alertCSV(&a)
	require.Zero(t, testing.AllocsPerRun(100, func() { e.alertJSON(&a) }))
	require.Zero(t, testing.AllocsPerRun(100, func() { e.alertCSV(&a) }))
}

// TestRawJSONAsEncodingJSON covers what the drawn documents cannot hold:
// a literal U+2028 and U+2029 inside a string, tabs and newlines between
// tokens, escaped quotes and backslashes before HTML characters.
func TestRawJSONAsEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		"{\"a\": \"x\u2028y\u2029z\"}",
		"{\n\t\"k\" :\r\n [1, 2,\t3] }",
		`{"q": "a \" <b> \\", "r": "\\<&>"}`,
		`{"e": "é 日本 ☃", "n": null, "t": true}`,
	} {
		var want bytes.Buffer
		require.NoError(t, json.NewEncoder(&want).Encode(json.RawMessage(doc)))
		require.Equal(t, strings.TrimSuffix(want.String(), "\n"), string(appendRawJSON(nil, []byte(doc))), doc)
	}
}

package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

// Write implements store.Store. Every write holds the tenant's
// transaction-scoped advisory lock: shared for writes, which run side by
// side, exclusive for an exclusive write (a tenant deletion), which waits
// for the tenant's writes under way and holds off new ones, so every row
// they add is either deleted by it or written after it. A write committing
// in between would leave rows whose kept totals the deletion had already
// removed.
func (s *Store) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	return wrapErr("write", s.inTenantTx(ctx, tenantID, opts.Exclusive, fn))
}

// inTenantTx runs fn in a transaction holding the tenant's transaction-
// scoped advisory lock: shared for writes, which run side by side,
// exclusive for a deletion, which waits for the writes under way and holds
// off new ones until it commits. The lock is taken in the round trip that
// begins the transaction.
func (s *Store) inTenantTx(ctx context.Context, tenantID uuid.UUID, exclusive bool, fn func(store.Tx) error) error {
	return s.inTxWith(ctx, s.tenantBegin(tenantID, exclusive), func(tx pgx.Tx) error {
		w := writeTx{s, &pipeTx{Tx: tx}}
		if err := fn(w); err != nil {
			return err
		}
		return w.tx.flush(ctx)
	})
}

// tenantBegin returns the options of a transaction that begins by taking
// the tenant's lock.
func (s *Store) tenantBegin(tenantID uuid.UUID, exclusive bool) pgx.TxOptions {
	lock := "pg_advisory_xact_lock_shared"
	if exclusive {
		lock = "pg_advisory_xact_lock"
	}
	return pgx.TxOptions{BeginQuery: fmt.Sprintf("BEGIN; %sSELECT %s(%d)", s.lockTimeout, lock, s.tenantLockKey(tenantID))}
}

// wrapErr names the backend and the operation in err; nil stays nil. A
// lock wait cut short by lock_timeout also wraps store.ErrOverloaded.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "55P03": // lock_not_available
			return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrOverloaded, err)
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrConflict, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// tenantLockKey is the key of the tenant's advisory lock in this schema.
func (s *Store) tenantLockKey(tenantID uuid.UUID) int64 {
	h := fnv.New64a()
	h.Write([]byte("alertanalytics tenant " + s.schema + " "))
	h.Write(tenantID[:])
	return int64(binary.BigEndian.Uint64(h.Sum(nil)))
}

func (w writeTx) LockAlerts(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) error {
	arr := make([][16]byte, len(ids))
	for i, id := range ids {
		arr[i] = id
	}
	_, err := w.tx.Exec(ctx, w.s.sql(`SELECT 1 FROM {schema}.alerts WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`),
		tenantID, arr)
	return err
}

// writeTx gives the write flows the statements of one PostgreSQL
// transaction.
type writeTx struct {
	s  *Store
	tx *pipeTx
}

// pipeTx is a transaction in which statements whose results the flow does
// not read (an alert's new state, an audit row) wait to travel with the
// next statement sent, saving a round trip each: the batch that locks the
// days carries them, and any other statement sends them first. They run
// in the order queued, before anything sent after them, in the same
// transaction, so an error in one still rolls back everything.
type pipeTx struct {
	pgx.Tx
	pending []statement
}

// queue holds a statement back until the next one is sent.
func (p *pipeTx) queue(sql string, args ...any) {
	p.pending = append(p.pending, statement{sql, pgArgs(args)})
}

// take returns the pending statements, leaving none.
func (p *pipeTx) take() []statement {
	out := p.pending
	p.pending = nil
	return out
}

// pgArgs passes uuid.UUID arguments as [16]byte, which pgx sends as
// binary uuids; uuid.UUID's driver.Valuer would format and parse text.
func pgArgs(args []any) []any {
	for i, a := range args {
		if u, ok := a.(uuid.UUID); ok {
			args[i] = [16]byte(u)
		}
	}
	return args
}

// batchOf queues the statements, in order, in a new batch.
func batchOf(stmts []statement) *pgx.Batch {
	b := &pgx.Batch{}
	for _, st := range stmts {
		b.Queue(st.sql, st.args...)
	}
	return b
}

// flush sends the pending statements in one batch.
func (p *pipeTx) flush(ctx context.Context) error {
	stmts := p.take()
	if len(stmts) == 0 {
		return nil
	}
	return p.Tx.SendBatch(ctx, batchOf(stmts)).Close()
}

// Exec sends the pending statements, then sql.
func (p *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := p.flush(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return p.Tx.Exec(ctx, sql, pgArgs(args)...)
}

// Query sends the pending statements, then sql.
func (p *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.Tx.Query(ctx, sql, pgArgs(args)...)
}

// QueryRow sends the pending statements and sql in one batch: one round
// trip.
func (p *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	stmts := p.take()
	if len(stmts) == 0 {
		return p.Tx.QueryRow(ctx, sql, pgArgs(args)...)
	}
	b := batchOf(stmts)
	b.Queue(sql, pgArgs(args)...)
	res := p.Tx.SendBatch(ctx, b)
	for range stmts {
		if _, err := res.Exec(); err != nil {
			res.Close()
			return errRow{err}
		}
	}
	return batchRow{row: res.QueryRow(), res: res}
}

// batchRow is the last row of a batch: scanning it closes the batch.
type batchRow struct {
	row pgx.Row
	res pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.res.Close(); err == nil {
		err = cerr
	}
	return err
}

// SendBatch sends the pending statements, then b.
func (p *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := p.flush(ctx); err != nil {
		return errBatch{err: err}
	}
	return p.Tx.SendBatch(ctx, b)
}

// errRow is a row that failed before it was asked for.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errBatch is a batch that failed before it was sent. It answers the four
// methods of pgx.BatchResults the package calls; the nil interface it
// embeds only supplies methods newer pgx releases add (v5.13's Tx, for
// batches that begin a transaction, which these never do), so the package
// builds against every pgx v5 its importers may choose.
type errBatch struct {
	pgx.BatchResults
	err error
}

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow{b.err} }
func (b errBatch) Close() error                     { return b.err }

var _ store.Tx = writeTx{}

// insertAlertsQuery inserts a whole batch in one statement from parallel
// arrays; ON CONFLICT DO NOTHING skips existing ids and repeats within the
// batch, and RETURNING names the rows that were new.
const insertAlertsQuery = `INSERT INTO {schema}.alerts (` + sqlschema.AlertColumns + `)
	SELECT id, $1::uuid, alert_type, category, title, message, service, priority_level, priority_score,
		type_class, status, created_at, acknowledged_at, resolved_at, business_impact, orchestrator_context,
		financial_impact_cents, estimated_savings_cents
	FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::integer[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[],
		$15::text[], $16::text[], $17::bigint[], $18::bigint[])
		AS u(id, alert_type, category, title, message, service, priority_level, priority_score, type_class,
			status, created_at, acknowledged_at, resolved_at, business_impact, orchestrator_context,
			financial_impact_cents, estimated_savings_cents)
	ON CONFLICT DO NOTHING
	RETURNING id`

// alertArrays holds a batch of alerts as the parallel arrays of
// insertAlertsQuery.
type alertArrays struct {
	// [16]byte, not uuid.UUID: pgx encodes it directly, while a uuid.UUID
	// would go through its driver.Valuer as text.
	ids                                           [][16]byte
	types, categories, titles, messages, services []string
	priorities, classes, statuses                 []string
	scores                                        []*int32
	created                                       []int64
	acked, resolved                               []*int64
	impacts, contexts                             []*string
	impactCents, savingsCents                     []int64
}

// newAlertArrays lays the alerts out in id order, so concurrent batches
// that share ids take the unique-index locks in the same order and cannot
// deadlock. The sort is stable: of repeated ids the first in the batch is
// still the one stored.
func newAlertArrays(alerts []store.Alert) *alertArrays {
	order := make([]int, len(alerts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return bytes.Compare(alerts[x].ID[:], alerts[y].ID[:]) })
	c := &alertArrays{}
	for _, j := range order {
		a := &alerts[j]
		c.ids = append(c.ids, a.ID)
		c.types, c.categories, c.titles = append(c.types, a.AlertType), append(c.categories, a.Category), append(c.titles, a.Title)
		c.messages, c.services = append(c.messages, a.Message), append(c.services, a.Service)
		c.priorities, c.classes, c.statuses = append(c.priorities, string(a.PriorityLevel)), append(c.classes, string(a.TypeClass)), append(c.statuses, string(a.Status))
		var score *int32
		if a.PriorityScore != nil {
			v := int32(*a.PriorityScore)
			score = &v
		}
		c.scores = append(c.scores, score)
		c.created, c.acked, c.resolved = append(c.created, ms(a.CreatedAt)), append(c.acked, nullMS(a.AcknowledgedAt)), append(c.resolved, nullMS(a.ResolvedAt))
		c.impacts, c.contexts = append(c.impacts, nullText(a.BusinessImpact)), append(c.contexts, nullText(a.OrchestratorContext))
		c.impactCents, c.savingsCents = append(c.impactCents, a.FinancialImpactCents), append(c.savingsCents, a.EstimatedSavingsCents)
	}
	return c
}

func (w writeTx) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	c := newAlertArrays(alerts)
	rows, err := w.tx.Query(ctx, w.s.sql(insertAlertsQuery), [16]byte(tenantID), c.ids, c.types, c.categories, c.titles,
		c.messages, c.services, c.priorities, c.scores, c.classes, c.statuses, c.created, c.acked, c.resolved,
		c.impacts, c.contexts, c.impactCents, c.savingsCents)
	if err != nil {
		return nil, err
	}
	inserted := make(map[uuid.UUID]bool, len(alerts))
	for rows.Next() {
		var id [16]byte
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		inserted[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The first occurrence of a new id is the one inserted.
	created := make([]bool, len(alerts))
	for i := range alerts {
		if id := alerts[i].ID; inserted[id] {
			created[i] = true
			delete(inserted, id)
		}
	}
	return created, nil
}

func (w writeTx) InteractionByKey(ctx context.Context, tenantID uuid.UUID, key string) (store.Interaction, error) {
	in, err := scanInteraction(w.tx.QueryRow(ctx, w.s.sql(`SELECT `+sqlschema.InteractionColumns+`
		FROM {schema}.alert_interactions WHERE tenant_id = $1 AND idempotency_key = $2`), tenantID, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return in, store.ErrNotFound
	}
	return in, err
}

// AlertForUpdate locks the row: concurrent interactions on one alert move
// its status one after the other, in the order they get the row.
func (w writeTx) AlertForUpdate(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	a, err := scanAlert(w.tx.QueryRow(ctx, w.s.sql(`SELECT `+sqlschema.AlertColumns+` FROM {schema}.alerts
		WHERE tenant_id = $1 AND id = $2 FOR UPDATE`), tenantID, alertID))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, store.ErrNotFound
	}
	return a, err
}

// InsertInteraction queues an interaction without an idempotency key, which
// no other transaction can have stored: it travels with the next
// statement. One with a key is sent at once, since whether it was stored
// decides what the flow does next.
func (w writeTx) InsertInteraction(ctx context.Context, in store.Interaction) (bool, error) {
	sql := w.s.sql(`INSERT INTO {schema}.alert_interactions (` + sqlschema.InteractionColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`)
	args := []any{in.ID, in.TenantID, in.AlertID, in.UserID, string(in.Type), ms(in.InteractedAt), in.ResponseTimeSeconds,
		nullText(in.Metadata), nullKey(in.IdempotencyKey), ms(in.RecordedAt)}
	if in.IdempotencyKey == "" {
		w.tx.queue(sql, args...)
		return true, nil
	}
	tag, err := w.tx.Exec(ctx, sql, args...)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// UpdateAlertState queues the update: it travels with the next statement.
func (w writeTx) UpdateAlertState(ctx context.Context, a *store.Alert) error {
	w.tx.queue(w.s.sql(`UPDATE {schema}.alerts SET status = $3, acknowledged_at = $4, resolved_at = $5
		WHERE tenant_id = $1 AND id = $2`), a.TenantID, a.ID, string(a.Status), nullMS(a.AcknowledgedAt), nullMS(a.ResolvedAt))
	return nil
}

// InsertAuditLog queues the insert: it travels with the next statement.
func (w writeTx) InsertAuditLog(ctx context.Context, l store.AuditLog) error {
	w.tx.queue(w.s.sql(`INSERT INTO {schema}.audit_logs
		(tenant_id, id, alert_id, user_id, from_status, to_status, changed_at, interaction_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`), l.TenantID, l.ID, l.AlertID, l.UserID,
		string(l.From), string(l.To), ms(l.ChangedAt), l.InteractionID)
	return nil
}

func (w writeTx) DeleteTenantRows(ctx context.Context, table store.Table, tenantID uuid.UUID) (int64, error) {
	tag, err := w.tx.Exec(ctx, w.s.sql(`DELETE FROM {schema}.`+string(table)+` WHERE tenant_id = $1`), tenantID)
	return tag.RowsAffected(), err
}

func (w writeTx) InsertDeletionReceipt(ctx context.Context, r store.DeletionReceipt) error {
	_, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.deletion_receipts
		(tenant_id, id, requested_by, alerts, alert_interactions, audit_logs, deleted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`), r.TenantID, r.ID, r.RequestedBy,
		r.Deleted.Alerts, r.Deleted.AlertInteractions, r.Deleted.AuditLogs, ms(r.DeletedAt))
	return err
}

package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

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
//
// A write costs as few round trips to the server as its statements allow:
// BEGIN, the lock timeout and the tenant's lock travel with the first
// statement that returns something, and the statements that return
// nothing travel with the next one, or with COMMIT (see pipeTx). An
// interaction on one alert, or a batch of alerts, takes two.
func (s *Store) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	return wrapErr("write", s.inTenantTx(ctx, tenantID, opts.Exclusive, fn))
}

// inTenantTx runs fn in a transaction holding the tenant's transaction-
// scoped advisory lock: shared for writes, which run side by side,
// exclusive for a deletion, which waits for the writes under way and holds
// off new ones until it commits.
func (s *Store) inTenantTx(ctx context.Context, tenantID uuid.UUID, exclusive bool, fn func(store.Tx) error) error {
	conn, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	_ = takeCommitWarning(conn.Conn().PgConn()) // a warning of an earlier transaction is not this one's
	p := &pipeTx{conn: conn, begin: s.beginStatements(tenantID, exclusive)}
	if err := fn(writeTx{s, p}); err != nil {
		return p.rollback(ctx, err)
	}
	if err := p.commit(ctx); err != nil {
		return p.rollback(ctx, err)
	}
	return nil
}

// txConn is the connection a write transaction runs on: a
// *pgxpool.Conn, or what the fault tests wrap around one. A write sends
// its statements in batches (pipeTx) and rolls back with Exec.
type txConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Conn() *pgx.Conn
	Release()
}

// acquire takes a connection from the pool for one write transaction.
func (s *Store) acquire(ctx context.Context) (txConn, error) {
	if a, ok := s.db.(interface {
		acquireTx(context.Context) (txConn, error)
	}); ok {
		return a.acquireTx(ctx)
	}
	c, err := s.db.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// beginStatements begins a write transaction: BEGIN, its settings, and
// the tenant's lock.
func (s *Store) beginStatements(tenantID uuid.UUID, exclusive bool) []statement {
	lock := "pg_advisory_xact_lock_shared"
	if exclusive {
		lock = "pg_advisory_xact_lock"
	}
	out := []statement{{sql: "BEGIN"}}
	for _, set := range s.settings {
		out = append(out, statement{sql: set})
	}
	return append(out, statement{sql: "SELECT " + lock + "($1)", args: []any{s.tenantLockKey(tenantID)}})
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
	return s.advisoryKey("alertanalytics tenant ", tenantID, "")
}

// keyLockKey is the key of the advisory lock that holds one idempotency
// key of the tenant while a transaction looks it up and stores it.
func (s *Store) keyLockKey(tenantID uuid.UUID, key string) int64 {
	return s.advisoryKey("alertanalytics key ", tenantID, key)
}

func (s *Store) advisoryKey(kind string, tenantID uuid.UUID, key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(kind + s.schema + " "))
	h.Write(tenantID[:])
	h.Write([]byte(key))
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

// pipeTx is a write transaction on one connection that sends as few
// requests as the flow allows. BEGIN and the tenant's lock wait to travel
// with the first statement sent; statements whose results the flow does
// not read (an alert's new state, an audit row, the day rows written) wait
// to travel with the next statement sent, or with COMMIT. They run in the
// order queued, before anything sent after them, in the same transaction,
// so an error in one still rolls back everything.
type pipeTx struct {
	conn txConn
	// begin is what begins the transaction, until it is sent.
	begin   []statement
	pending []statement
	// savepoint says a savepoint stands right before rows read ahead
	// without waiting, with nothing sent since but what is pending: rolled
	// back to, first of the pending statements, it lets the rows go before
	// a wait for every row of their days.
	savepoint bool
}

// queue holds a statement back until the next one is sent.
func (p *pipeTx) queue(sql string, args ...any) {
	p.pending = append(p.pending, statement{sql, pgArgs(args)})
}

// take returns the statements not sent yet, the transaction's begin
// first, leaving none.
func (p *pipeTx) take() []statement {
	out := append(p.begin, p.pending...)
	p.begin, p.pending, p.savepoint = nil, nil, false
	return out
}

// commit sends what is pending and COMMIT in one request, and fails when
// Citus warned that a worker's commit failed (see watchCommits). A
// transaction that never sent a statement has nothing to commit.
func (p *pipeTx) commit(ctx context.Context) error {
	if p.begin != nil && len(p.pending) == 0 {
		p.begin = nil
		return nil
	}
	p.queue("COMMIT")
	if err := p.flush(ctx); err != nil {
		return err
	}
	return takeCommitWarning(p.conn.Conn().PgConn())
}

// rollback ends a failed transaction, on a fresh context (the caller's
// may be why it failed), and returns err with any failure to roll back.
// A connection left inside a transaction is closed by the pool when
// released.
func (p *pipeTx) rollback(ctx context.Context, err error) error {
	if p.conn.Conn().PgConn().TxStatus() == 'I' || p.conn.Conn().IsClosed() {
		return err
	}
	rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, rbErr := p.conn.Exec(rbCtx, "ROLLBACK"); rbErr != nil {
		return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
	}
	return err
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
	return p.conn.SendBatch(ctx, batchOf(stmts)).Close()
}

// one sends the pending statements and sql in one request (see
// SendBatch).
func (p *pipeTx) one(ctx context.Context, sql string, args []any) pgx.BatchResults {
	b := &pgx.Batch{}
	b.Queue(sql, pgArgs(args)...)
	return p.SendBatch(ctx, b)
}

// Exec sends the pending statements and sql in one request.
func (p *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	res := p.one(ctx, sql, args)
	defer res.Close()
	tag, err := res.Exec()
	if err != nil {
		return tag, err
	}
	return tag, res.Close()
}

// execAll reads the results of the first n statements of a batch.
func execAll(res pgx.BatchResults, n int) error {
	for range n {
		if _, err := res.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// Query sends the pending statements and sql in one request; closing the
// rows closes the request.
func (p *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	res := p.one(ctx, sql, args)
	rows, err := res.Query()
	if err != nil {
		res.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, res: res}, nil
}

// batchRows are the rows of a batch's last statement: closing them closes
// the batch, whose error Err then reports.
type batchRows struct {
	pgx.Rows
	res    pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.res.Close()
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// QueryRow sends the pending statements and sql in one request.
func (p *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	res := p.one(ctx, sql, args)
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

// SendBatch sends the pending statements and b's in one request; the
// results of the pending ones are read before they are returned.
func (p *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	stmts := p.take()
	if len(stmts) == 0 {
		return p.conn.SendBatch(ctx, b)
	}
	all := batchOf(stmts)
	for _, q := range b.QueuedQueries {
		all.Queue(q.SQL, q.Arguments...)
	}
	res := p.conn.SendBatch(ctx, all)
	if err := execAll(res, len(stmts)); err != nil {
		res.Close()
		return errBatch{err: err}
	}
	return res
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

// InsertAlerts sends the insert and the lock of the days in one request.
func (w writeTx) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert, days []int64) ([]bool, []store.DayRow, error) {
	c := newAlertArrays(alerts)
	b := &pgx.Batch{}
	b.Queue(w.s.sql(insertAlertsQuery), [16]byte(tenantID), c.ids, c.types, c.categories, c.titles,
		c.messages, c.services, c.priorities, c.scores, c.classes, c.statuses, c.created, c.acked, c.resolved,
		c.impacts, c.contexts, c.impactCents, c.savingsCents)
	if len(days) > 0 {
		b.Queue(w.s.lockDaysQuery(false), [16]byte(tenantID), days)
	}
	res := w.tx.SendBatch(ctx, b)
	defer res.Close()
	rows, err := res.Query()
	if err != nil {
		return nil, nil, err
	}
	inserted := make(map[uuid.UUID]bool, len(alerts))
	var id [16]byte
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { inserted[id] = true; return nil }); err != nil {
		return nil, nil, err
	}
	var locked []store.DayRow
	if len(days) > 0 {
		rows, err := res.Query()
		if err != nil {
			return nil, nil, err
		}
		if locked, err = lockedDays(rows); err != nil {
			return nil, nil, err
		}
	}
	if err := res.Close(); err != nil {
		return nil, nil, err
	}
	// The first occurrence of a new id is the one inserted.
	created := make([]bool, len(alerts))
	for i := range alerts {
		if id := alerts[i].ID; inserted[id] {
			created[i] = true
			delete(inserted, id)
		}
	}
	return created, locked, nil
}

// lockAlertDaysSQL locks, without waiting, the first free row of the day
// of the alert's created_at (see lockFreeDaysSQL).
const lockAlertDaysSQL = `SELECT r.* FROM {schema}.alerts AS a CROSS JOIN LATERAL (
		SELECT ` + dayColumns + ` FROM {schema}.rollup_days
		WHERE tenant_id = $1 AND day = floor(a.created_at / 86400000.0)::bigint ORDER BY stripe LIMIT 1 FOR UPDATE SKIP LOCKED) AS r
	WHERE a.tenant_id = $1 AND a.id = $2`

// LockAlert sends, in one request: the alert's row lock and read (first,
// so concurrent interactions on one alert queue there, in the order they
// get it); the key's advisory lock and its lookup; and a savepoint and the
// lock of the alert's day rows. The savepoint lets LockDays give those
// rows back before it waits for every row of their day.
func (w writeTx) LockAlert(ctx context.Context, tenantID uuid.UUID, req store.AlertLockRequest) (store.AlertLock, error) {
	b := &pgx.Batch{}
	b.Queue(w.s.sql(`SELECT `+sqlschema.AlertColumns+` FROM {schema}.alerts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`),
		[16]byte(tenantID), [16]byte(req.AlertID))
	if req.Key != "" {
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, w.s.keyLockKey(tenantID, req.Key))
		b.Queue(w.s.sql(`SELECT `+sqlschema.InteractionColumns+` FROM {schema}.alert_interactions
			WHERE tenant_id = $1 AND idempotency_key = $2`), [16]byte(tenantID), req.Key)
	}
	if req.Days {
		b.Queue(`SAVEPOINT read_ahead`)
		b.Queue(w.s.sql(lockAlertDaysSQL), [16]byte(tenantID), [16]byte(req.AlertID))
	}
	res := w.tx.SendBatch(ctx, b)
	defer res.Close()
	var out store.AlertLock
	a, err := scanAlert(res.QueryRow())
	missing := errors.Is(err, pgx.ErrNoRows)
	if err != nil && !missing {
		return out, err
	}
	out.Alert = a
	if req.Key != "" {
		if _, err := res.Exec(); err != nil {
			return out, err
		}
		in, err := scanInteraction(res.QueryRow())
		switch {
		case err == nil:
			out.Duplicate = &in
		case !errors.Is(err, pgx.ErrNoRows):
			return out, err
		}
	}
	if req.Days {
		if _, err := res.Exec(); err != nil {
			return out, err
		}
		w.tx.savepoint = true
		rows, err := res.Query()
		if err != nil {
			return out, err
		}
		if out.Days, err = lockedDays(rows); err != nil {
			return out, err
		}
	}
	if err := res.Close(); err != nil {
		return out, err
	}
	if missing {
		out.Alert = store.Alert{}
		if out.Duplicate == nil {
			return out, store.ErrNotFound
		}
	}
	return out, nil
}

// InsertInteraction queues the insert: it travels with the next statement.
// LockAlert held its key, so no other transaction stored it meanwhile.
func (w writeTx) InsertInteraction(ctx context.Context, in store.Interaction) error {
	w.tx.queue(w.s.sql(`INSERT INTO {schema}.alert_interactions (`+sqlschema.InteractionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		in.ID, in.TenantID, in.AlertID, in.UserID, string(in.Type), ms(in.InteractedAt), in.ResponseTimeSeconds,
		nullText(in.Metadata), nullKey(in.IdempotencyKey), ms(in.RecordedAt))
	return nil
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

// DeleteTenantRows sends the deletes of every table in one request: rows
// that point at others first, then the kept totals.
func (w writeTx) DeleteTenantRows(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	var c store.TenantCounts
	tables := sqlschema.AlertTables(&c)
	b := &pgx.Batch{}
	for _, t := range tables {
		b.Queue(w.s.sql(`DELETE FROM {schema}.`+t.Table+` WHERE tenant_id = $1`), [16]byte(tenantID))
	}
	for _, st := range w.keptTotalsDeletes(tenantID) {
		b.Queue(st.sql, st.args...)
	}
	// Its digest subscriptions and their ledger go with it, uncounted.
	for _, q := range w.s.dq.DeleteTenant {
		b.Queue(q, [16]byte(tenantID))
	}
	res := w.tx.SendBatch(ctx, b)
	defer res.Close()
	for _, t := range tables {
		tag, err := res.Exec()
		if err != nil {
			return c, err
		}
		*t.Count = tag.RowsAffected()
	}
	return c, res.Close()
}

// DeleteKeptTotals queues the deletes: they travel with the next
// statement.
func (w writeTx) DeleteKeptTotals(ctx context.Context, tenantID uuid.UUID) error {
	w.tx.pending = append(w.tx.pending, w.keptTotalsDeletes(tenantID)...)
	return nil
}

// keptTotalsDeletes deletes the tenant's day rows and open totals.
func (w writeTx) keptTotalsDeletes(tenantID uuid.UUID) []statement {
	var out []statement
	for _, table := range []string{"open_totals", "rollup_days"} {
		out = append(out, statement{w.s.sql(`DELETE FROM {schema}.` + table + ` WHERE tenant_id = $1`), []any{[16]byte(tenantID)}})
	}
	return out
}

func (w writeTx) InsertDeletionReceipt(ctx context.Context, r store.DeletionReceipt) error {
	_, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.deletion_receipts
		(tenant_id, id, requested_by, alerts, alert_interactions, audit_logs, deleted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`), r.TenantID, r.ID, r.RequestedBy,
		r.Deleted.Alerts, r.Deleted.AlertInteractions, r.Deleted.AuditLogs, ms(r.DeletedAt))
	return err
}

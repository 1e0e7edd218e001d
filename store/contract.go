package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store is the contract a backend implements: what only a database can do.
// It knows no metric and no encoding. Writes run inside Write, one
// transaction each, as statements on a Tx; the root package decides what a
// write does, in which order, and how it moves the kept totals. The other
// methods are plain reads, each consistent with itself.
//
// Every method is scoped to one tenant: it never reads, counts, changes or
// deletes another tenant's rows, even when given another tenant's alert id.
//
// Error contract, for every method unless its own doc says otherwise:
//   - a row that does not exist for the tenant is an error wrapping
//     ErrNotFound (rows of other tenants do not exist for it);
//   - a cancelled or expired context returns an error wrapping ctx.Err(),
//     and a transaction it interrupts is rolled back;
//   - a lock or connection not obtained within the backend's configured
//     bound is an error wrapping ErrOverloaded, nothing written;
//   - a serialization failure or deadlock the database reports is an error
//     wrapping ErrConflict, nothing written: the caller may retry the whole
//     write;
//   - any other failure is the backend's own error, wrapped with the
//     backend's name and the operation.
//
// store/storetest checks this contract method by method and runs the
// backend through the root package's Service.
type Store interface {
	// Write runs fn in one write transaction for the tenant, committing
	// when fn returns nil and rolling back otherwise. It returns fn's
	// error, wrapped or not (errors.Is finds what it wraps, and a lock
	// timeout or serialization failure inside fn maps as the error
	// contract says), or the backend's own. No other write of the tenant
	// that opts.Exclusive asks to keep out interleaves with it: an
	// exclusive write (a tenant deletion) waits for the tenant's other
	// writes and keeps them out from its first statement until it ends (a
	// backend may take the lock with that statement, in one request); the
	// others may run side by side, and the backend takes the row locks
	// their statements need. fn may be called once only: a backend never
	// retries it.
	Write(ctx context.Context, tenantID uuid.UUID, opts WriteOptions, fn func(Tx) error) error

	// Alert returns one alert, or an error wrapping ErrNotFound.
	Alert(ctx context.Context, tenantID, alertID uuid.UUID) (Alert, error)

	// DayRows reads the parts of one window in one request: it calls days
	// with the tenant's day rows of the UTC days in [q.FromDay, q.ToDay),
	// in day then stripe order, all from one snapshot, carrying the
	// columns asked for in q.Columns (the others nil), and facts with the
	// alerts of each of q.Facts as AlertFacts reads them, with the index of
	// their range (each range from one snapshot of its own). Rows whose
	// asked columns are all empty may be left out. Each row's Stripes is
	// the number of rows of its day this call passes to days, so a reader
	// knows when a day is complete. The two callbacks may come in any
	// order; rows, alerts and bytes are valid during the call only. No
	// rows is not an error; an empty day range reads only the facts.
	DayRows(ctx context.Context, tenantID uuid.UUID, q DayQuery, days func(*DayRow) error, facts func(i int, a *Alert) error) error

	// AlertFacts calls fn for each of the tenant's alerts created in
	// [from, to), in created_at order, with the fields kept totals and
	// breakdowns are made of: ID, TenantID, AlertType, Category, Service,
	// PriorityLevel, TypeClass, Status, CreatedAt, AcknowledgedAt,
	// ResolvedAt and the two cent figures. The alert is valid during the
	// call only.
	AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*Alert) error) error

	// Interactions calls fn for each of the tenant's interactions whose
	// interacted_at falls in [from, to), in (interacted_at, id) order, all
	// from one snapshot, with TenantID, AlertID, UserID, Type,
	// InteractedAt and ResponseTimeSeconds set (ID, Metadata,
	// IdempotencyKey and RecordedAt left empty: a window of a busy tenant
	// holds hundreds of thousands, and every column read costs). The
	// interaction is valid during the call only.
	Interactions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*Interaction) error) error

	// AcknowledgedAlerts calls fn with the id of each of the tenant's
	// alerts whose acknowledged_at falls in [from, to), in no particular
	// order, all from one snapshot. With Interactions over the same range
	// it tells which acknowledgements were their alert's first without a
	// lookup per row.
	AcknowledgedAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(alertID uuid.UUID) error) error

	// ResolvedWithin calls fn for each of the tenant's alerts created in
	// [from, to) whose resolved_at comes less than within after its
	// created_at (resolved_at < created_at + within: an alert resolved
	// before its created_at too), in (created_at, id) order, all from one
	// snapshot, with the fields of AlertFacts. Alerts without a resolved_at
	// are left out. The alert is valid during the call only.
	ResolvedWithin(ctx context.Context, tenantID uuid.UUID, from, to time.Time, within time.Duration, fn func(*Alert) error) error

	// OpenTotals returns the tenant's open totals per type class, the
	// rows of a type class summed (a backend may keep several, see
	// Tx.AddOpenTotals); type classes with none are left out, in no
	// particular order.
	OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]OpenTotal, error)

	// CountTenant counts the tenant's rows in the alert, interaction and
	// audit-log tables.
	CountTenant(ctx context.Context, tenantID uuid.UUID) (TenantCounts, error)

	// DeletionReceipts returns the deletion receipts stored for the
	// tenant, oldest first.
	DeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]DeletionReceipt, error)

	// TenantIDs returns the tenants that have alerts, in byte order.
	TenantIDs(ctx context.Context) ([]uuid.UUID, error)

	// ExportAlerts, ExportInteractions and ExportAuditLogs call fn for each
	// of the tenant's rows whose time (created_at, interacted_at,
	// changed_at) falls in [from, to), ordered by (time, id), all from one
	// read transaction or statement — one snapshot — read in pages or as
	// one stream, so memory stays flat. The row is valid during the call only.
	ExportAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*Alert) error) error
	ExportInteractions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*Interaction) error) error
	ExportAuditLogs(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*AuditLog) error) error

	// CountPurge counts what a retention run with the receipt's cutoff and
	// IncludeOpen would delete: the alerts Tx.PurgeCandidates would pick,
	// with their interactions and audit rows. It deletes nothing.
	CountPurge(ctx context.Context, r RetentionReceipt) (TenantCounts, error)

	// RetentionReceipts returns the tenant's retention receipts, oldest
	// first.
	RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]RetentionReceipt, error)
}

// DayQuery says what Store.DayRows reads: the kept day rows of a range of
// days, and the alerts of the time ranges where a window cuts a day's
// buckets, which the day rows cannot answer.
type DayQuery struct {
	// FromDay and ToDay bound the UTC days [FromDay, ToDay) read.
	FromDay, ToDay int64
	// Columns are the day-row columns read.
	Columns DayColumns
	// Facts are the time ranges whose alerts are read too.
	Facts []TimeRange
}

// TimeRange is the half-open range of times [From, To).
type TimeRange struct{ From, To time.Time }

// WriteOptions says how Store.Write isolates one write from the tenant's
// others.
type WriteOptions struct {
	// Exclusive keeps every other write of the tenant out for the whole
	// transaction: a tenant deletion sets it, so no write lands between
	// its deletes.
	Exclusive bool
}

// Tx is the statements of one write transaction, as Store.Write hands
// them to fn. Arguments arrive validated and complete (times in UTC
// milliseconds; every tenantID argument and TenantID field is the tenant
// of the Write, which the root package's write flows guarantee: they never
// pass another); a Tx trusts them. Each method follows Store's error contract; a failed
// statement leaves the transaction to be rolled back by Write. A Tx is
// used by one goroutine and never after fn returns. Slices passed in stay
// the caller's: a Tx reads them during the call and keeps none of them;
// slices and rows it returns are the caller's to keep. Where an order
// ties (alerts created in the same millisecond, interactions at the same
// instant) the id decides, in byte order.
//
// Round trips. A database across a network makes each request wait for
// its answer, so a Tx may hold back a statement whose method returns only
// an error (UpdateAlertState, InsertInteraction, InsertAuditLog,
// AddOpenTotals, WriteDays, DeleteKeptTotals, InsertDeletionReceipt,
// SaveRetentionReceipt, AddRetentionCounts) and send it, in the order
// called, with the next request that returns something, or with the
// commit. Its failure then
// surfaces from that later call, or from Write, and the transaction is
// rolled back all the same. The methods that return rows do what a write
// needs to read in one request each: InsertAlerts locks the day rows of
// the days it is told, and LockAlert reads an alert, an interaction by
// key and the alert's day rows together. Beginning the transaction may
// travel with its first request too.
type Tx interface {
	// InsertAlerts inserts the alerts the tenant does not have yet and
	// reports, per alert, whether it was inserted. An existing id is left
	// unchanged and reported false; of ids repeated within the slice the
	// first is inserted. In the same request it locks and returns the
	// tenant's day rows of days (ascending; nil for none) as LockDays
	// with wait false does: the days whose kept totals the ingest will
	// change.
	InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []Alert, days []int64) (created []bool, locked []DayRow, err error)

	// LockAlerts locks the tenant's alerts with the ids given (ascending,
	// distinct), in that order, until the transaction ends, where the
	// backend locks rows; ids without an alert are skipped. A flow that
	// changes several alerts calls it first, so concurrent transactions
	// take their alert locks in one order and never wait on each other in
	// a cycle. A backend that serialises its writes does nothing.
	LockAlerts(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) error

	// LockAlert reads what recording an interaction on one alert needs,
	// in one request: the alert, locked until the transaction ends where
	// the backend locks rows; with a Key, the tenant's interaction stored
	// with that key, if any, and the key held until the transaction ends,
	// so that no other transaction stores an interaction with it
	// meanwhile; and with Days, the tenant's day rows of the UTC day of the
	// alert's created_at (DayOf), as LockDays with wait false returns
	// them. A missing alert is an error wrapping ErrNotFound unless an
	// interaction with the key was found.
	LockAlert(ctx context.Context, tenantID uuid.UUID, req AlertLockRequest) (AlertLock, error)

	// InsertInteraction stores the interaction. Its idempotency key, if
	// any, was held by LockAlert in this transaction and found unused.
	InsertInteraction(ctx context.Context, in Interaction) error

	// UpdateAlertState writes the alert's Status, AcknowledgedAt and
	// ResolvedAt; the alert exists (LockAlert returned it).
	UpdateAlertState(ctx context.Context, a *Alert) error

	// InsertAuditLog writes one audit-log row.
	InsertAuditLog(ctx context.Context, l AuditLog) error

	// AddOpenTotals adds the changes (signed) to the tenant's open totals,
	// in the order given. A backend whose writers run side by side may add
	// each change to any row of its type class that no other transaction
	// holds, or to a new one; OpenTotals sums them.
	AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []OpenTotal) error

	// LockDays returns the tenant's day rows of the days given (ascending),
	// with every column, in day then stripe order, locked until the
	// transaction ends where the backend locks rows. With wait, every
	// committed row of those days, waiting for concurrent writers;
	// without, of each day at most one row that no other transaction holds
	// now, never waiting (none when every row is held: the caller then
	// adds a new row). A backend that serialises its writes returns every
	// row either way. Stripes is not set. The rows are the
	// caller's to keep.
	LockDays(ctx context.Context, tenantID uuid.UUID, days []int64, wait bool) ([]DayRow, error)

	// WriteDays applies changes to the tenant's day rows: each row of
	// Update replaces the row of its day and stripe, which LockDays
	// returned in this transaction; each row of Insert is a new row (a
	// stripe id that exists already is an error, never an overwrite); each
	// key of Drop deletes its row, which LockDays returned too. A backend
	// that keeps one row a day may store Update and Insert alike.
	WriteDays(ctx context.Context, tenantID uuid.UUID, changes DayChanges) error

	// DeleteTenantRows deletes every alert, interaction and audit row of
	// the tenant and every kept total (day rows and open totals), and
	// returns how many alerts, interactions and audit rows there were. Its
	// deletion and retention receipts stay.
	DeleteTenantRows(ctx context.Context, tenantID uuid.UUID) (TenantCounts, error)

	// DeleteKeptTotals deletes the tenant's kept totals (day rows and open
	// totals) and leaves its alerts, interactions and audit rows: a
	// rebuild of the totals writes them afresh.
	DeleteKeptTotals(ctx context.Context, tenantID uuid.UUID) error

	// InsertDeletionReceipt stores a deletion receipt.
	InsertDeletionReceipt(ctx context.Context, r DeletionReceipt) error

	// AlertFacts is Store.AlertFacts over every alert of the tenant,
	// inside the transaction.
	AlertFacts(ctx context.Context, tenantID uuid.UUID, fn func(*Alert) error) error

	// PurgeCandidates returns, with the fields of AlertFacts and locked
	// where the backend locks rows, up to limit of the alerts a retention
	// run purges: the receipt tenant's alerts created before its cutoff,
	// closed unless IncludeOpen, in (created_at, id) order.
	PurgeCandidates(ctx context.Context, r RetentionReceipt, limit int) ([]Alert, error)

	// DeleteAlertRows deletes the alerts with their interactions and
	// audit rows, and returns how many rows of each it deleted.
	DeleteAlertRows(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (TenantCounts, error)

	// SaveRetentionReceipt stores the receipt, replacing the one with its
	// id.
	SaveRetentionReceipt(ctx context.Context, r RetentionReceipt) error

	// AddRetentionCounts adds counts to the stored receipt with r's id.
	AddRetentionCounts(ctx context.Context, r RetentionReceipt, c TenantCounts) error
}

// AlertLockRequest says what Tx.LockAlert reads.
type AlertLockRequest struct {
	// AlertID is the alert to lock and return.
	AlertID uuid.UUID
	// Key is the idempotency key to look up and hold; "" for none.
	Key string
	// Days asks for the day rows of the alert's created_at day.
	Days bool
}

// AlertLock is what Tx.LockAlert read.
type AlertLock struct {
	// Alert is the locked alert; the zero Alert when it is missing and
	// Duplicate is set.
	Alert Alert
	// Duplicate is the interaction stored with the request's key, nil when
	// there is none (or no key was given).
	Duplicate *Interaction
	// Days holds the day rows asked for with Days, the caller's to keep.
	Days []DayRow
}

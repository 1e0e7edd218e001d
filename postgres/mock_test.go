package postgres

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pashagolub/pgxmock/v3"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/store"
)

// These tests drive the failure paths a live server cannot easily produce.
// Each lists every statement it expects; ExpectationsWereMet fails the test
// when a rollback the code owes is missing, or a commit happens that must not.

func newMockStore(t *testing.T) (*Store, pgxmock.PgxPoolIface) {
	t.Helper()
	mock, err := pgxmock.NewPool()
	require.NoError(t, err)
	t.Cleanup(mock.Close)
	st, err := newStore(mock, Config{})
	require.NoError(t, err)
	return st, mock
}

func q(s string) string { return regexp.QuoteMeta(s) }

// anyArgs matches n arguments of any value.
func anyArgs(n int) []any {
	args := make([]any, n)
	for i := range args {
		args[i] = pgxmock.AnyArg()
	}
	return args
}

func interactionFor(alertID uuid.UUID) store.Interaction {
	at := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	return store.Interaction{ID: uuid.New(), AlertID: alertID, UserID: uuid.New(), Type: store.InteractionAcknowledged,
		InteractedAt: at, RecordedAt: at}
}

// expectAlertRow expects the locking read of an alert, scoped to its tenant.
func expectAlertRow(mock pgxmock.PgxPoolIface, tenant, alert uuid.UUID) {
	mock.ExpectQuery(q(`SELECT status, created_at, acknowledged_at, resolved_at`)).WithArgs(tenant, alert).
		WillReturnRows(pgxmock.NewRows([]string{"status", "created_at", "acknowledged_at", "resolved_at", "type_class", "financial_impact_cents"}).
			AddRow("active", int64(1777881600000), nil, nil, "action_needed", int64(0)))
}

func TestMockBatchFailureRollsBack(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	boom := errors.New("connection reset by peer")
	tenant, first, second := uuid.New(), uuid.New(), uuid.New()

	mock.ExpectBegin()
	mock.ExpectExec(q(`ORDER BY id FOR UPDATE`)).WithArgs(tenant, pgxmock.AnyArg()).WillReturnResult(pgxmock.NewResult("SELECT", 2))
	// The first item is written in full…
	expectAlertRow(mock, tenant, first)
	mock.ExpectExec(q(`INSERT INTO "alertanalytics".alert_interactions`)).WithArgs(anyArgs(10)...).WillReturnResult(pgxmock.NewResult("INSERT", 1))
	mock.ExpectExec(q(`UPDATE "alertanalytics".alerts SET status`)).WithArgs(anyArgs(5)...).WillReturnResult(pgxmock.NewResult("UPDATE", 1))
	mock.ExpectExec(q(`INSERT INTO "alertanalytics".audit_logs`)).WithArgs(anyArgs(8)...).WillReturnResult(pgxmock.NewResult("INSERT", 1))
	// …the second fails half-way: everything is rolled back.
	expectAlertRow(mock, tenant, second)
	mock.ExpectExec(q(`INSERT INTO "alertanalytics".alert_interactions`)).WithArgs(anyArgs(10)...).WillReturnError(boom)
	mock.ExpectRollback()

	res, err := st.RecordInteractions(context.Background(), tenant, []store.Interaction{
		interactionFor(first), interactionFor(second),
	})
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "postgres: record interactions: item 1")
	require.Nil(t, res)
	require.NoError(t, mock.ExpectationsWereMet())
}

func TestMockInsertAlertsFailureRollsBack(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	boom := errors.New("disk full")
	mock.ExpectBegin()
	mock.ExpectQuery(q(`INSERT INTO "alertanalytics".alerts`)).WithArgs(anyArgs(18)...).WillReturnError(boom)
	mock.ExpectRollback()
	_, err := st.InsertAlerts(context.Background(), uuid.New(), []store.Alert{{ID: uuid.New(), CreatedAt: time.Now()}})
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "postgres: insert alerts")
	require.NoError(t, mock.ExpectationsWereMet())
}

func TestMockDeletionFailureRollsBack(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	boom := errors.New("statement timeout")
	tenant := uuid.New()
	mock.ExpectBegin()
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".audit_logs`)).WithArgs(tenant).WillReturnResult(pgxmock.NewResult("DELETE", 12))
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".alert_interactions`)).WithArgs(tenant).WillReturnError(boom)
	mock.ExpectRollback()
	_, err := st.DeleteTenant(context.Background(), store.DeletionReceipt{ID: uuid.New(), TenantID: tenant, RequestedBy: "t"})
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "postgres: delete tenant: delete alert_interactions")
	require.NoError(t, mock.ExpectationsWereMet())
}

func TestMockReceiptFailureRollsBack(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	boom := errors.New("permission denied")
	tenant := uuid.New()
	mock.ExpectBegin()
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".audit_logs`)).WithArgs(tenant).WillReturnResult(pgxmock.NewResult("DELETE", 1))
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".alert_interactions`)).WithArgs(tenant).WillReturnResult(pgxmock.NewResult("DELETE", 1))
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".alerts`)).WithArgs(tenant).WillReturnResult(pgxmock.NewResult("DELETE", 1))
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".open_totals`)).WithArgs(tenant).WillReturnResult(pgxmock.NewResult("DELETE", 3))
	mock.ExpectExec(q(`INSERT INTO "alertanalytics".deletion_receipts`)).WithArgs(anyArgs(7)...).WillReturnError(boom)
	mock.ExpectRollback()
	_, err := st.DeleteTenant(context.Background(), store.DeletionReceipt{ID: uuid.New(), TenantID: tenant, RequestedBy: "t"})
	require.ErrorIs(t, err, boom)
	require.NoError(t, mock.ExpectationsWereMet())
}

func TestMockCommitFailure(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	boom := errors.New("serialization failure")
	tenant, alert := uuid.New(), uuid.New()
	mock.ExpectBegin()
	expectAlertRow(mock, tenant, alert)
	mock.ExpectExec(q(`INSERT INTO "alertanalytics".alert_interactions`)).WithArgs(anyArgs(10)...).WillReturnResult(pgxmock.NewResult("INSERT", 1))
	mock.ExpectExec(q(`UPDATE "alertanalytics".alerts SET status`)).WithArgs(anyArgs(5)...).WillReturnResult(pgxmock.NewResult("UPDATE", 1))
	mock.ExpectExec(q(`INSERT INTO "alertanalytics".audit_logs`)).WithArgs(anyArgs(8)...).WillReturnResult(pgxmock.NewResult("INSERT", 1))
	mock.ExpectCommit().WillReturnError(boom)
	_, err := st.RecordInteractions(context.Background(), tenant, []store.Interaction{interactionFor(alert)})
	require.ErrorIs(t, err, boom)
	require.NoError(t, mock.ExpectationsWereMet())
}

func TestMockNoRowsIsNotFound(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	tenant, alert := uuid.New(), uuid.New()
	mock.ExpectQuery(q(`FROM "alertanalytics".alerts`)).WithArgs(tenant, alert).WillReturnRows(pgxmock.NewRows([]string{"id"}))
	_, err := st.Alert(context.Background(), tenant, alert)
	require.ErrorIs(t, err, store.ErrNotFound)

	// Inside a batch an unknown alert is that item's ErrNotFound; the rest commits.
	mock.ExpectBegin()
	mock.ExpectQuery(q(`SELECT status, created_at`)).WithArgs(tenant, alert).
		WillReturnRows(pgxmock.NewRows([]string{"status", "created_at", "acknowledged_at", "resolved_at", "type_class", "financial_impact_cents"}))
	mock.ExpectCommit()
	res, err := st.RecordInteractions(context.Background(), tenant, []store.Interaction{interactionFor(alert)})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, store.ErrNotFound)
	require.NoError(t, mock.ExpectationsWereMet())
}

func TestMockCancelledContextStopsTheWork(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tenant := uuid.New()
	mock.ExpectBegin()
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".audit_logs`)).WithArgs(tenant).WillReturnResult(pgxmock.NewResult("DELETE", 1))
	// The caller gives up while the second statement runs.
	mock.ExpectExec(q(`DELETE FROM "alertanalytics".alert_interactions`)).WithArgs(tenant).
		WillReturnResult(pgxmock.NewResult("DELETE", 1)).WillDelayFor(10 * time.Second)
	mock.ExpectRollback()
	time.AfterFunc(20*time.Millisecond, cancel)
	began := time.Now()
	_, err := st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.New(), TenantID: tenant, RequestedBy: "t"})
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(began), 5*time.Second, "the work stops when the context ends")
	// The alerts were never deleted, no receipt written, nothing committed.
	require.NoError(t, mock.ExpectationsWereMet())
}

// pgxmock/v3 builds only against pgx up to v5.10, so .ci/run leaves this
// file out of its run of the PostgreSQL suite on the newest pgx.

//go:build !alertanalytics_newest_pgx

package postgres

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/pashagolub/pgxmock/v3"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// These tests check how the store answers failures of the pool itself,
// whatever SQL it sends: the matcher accepts any statement text, so a
// rewrite of a query does not break them. Failures inside transactions are
// covered against a real server in faults_test.go.

func newMockStore(t *testing.T) (*Store, pgxmock.PgxPoolIface) {
	t.Helper()
	anySQL := pgxmock.QueryMatcherFunc(func(string, string) error { return nil })
	mock, err := pgxmock.NewPool(pgxmock.QueryMatcherOption(anySQL))
	require.NoError(t, err)
	t.Cleanup(mock.Close)
	st, err := newStore(mock, Config{})
	require.NoError(t, err)
	return st, mock
}

func TestMockAcquireFailureWritesNothing(t *testing.T) {
	t.Parallel()
	ctx, tenant := context.Background(), uuid.New()
	for name, write := range map[string]func(st *Store) error{
		"insert alerts": func(st *Store) error {
			_, err := writeflow.Store{Store: st}.InsertAlerts(ctx, tenant, []store.Alert{{ID: uuid.New(), TenantID: tenant}})
			return err
		},
		"record interactions": func(st *Store) error {
			_, err := writeflow.Store{Store: st}.RecordInteractions(ctx, tenant, []store.Interaction{{ID: uuid.New(), AlertID: uuid.New()}})
			return err
		},
		"delete tenant": func(st *Store) error {
			_, err := writeflow.Store{Store: st}.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.New(), TenantID: tenant, RequestedBy: "t"})
			return err
		},
	} {
		// The mock pool cannot hand out a connection: every write fails
		// at its start, naming the backend, and sends nothing.
		st, mock := newMockStore(t)
		err := write(st)
		require.ErrorContains(t, err, "postgres: write", name)
		require.ErrorContains(t, err, "Acquire", name)
		require.NoError(t, mock.ExpectationsWereMet(), name)
	}
}

func TestMockNoRowsIsNotFound(t *testing.T) {
	t.Parallel()
	st, mock := newMockStore(t)
	tenant, alert := uuid.New(), uuid.New()
	mock.ExpectQuery("").WithArgs(tenant, alert).WillReturnRows(pgxmock.NewRows([]string{"id"}))
	_, err := st.Alert(context.Background(), tenant, alert)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, mock.ExpectationsWereMet())
}

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/benchtest"
	"github.com/alertanalytics/alertanalytics/internal/pgstore"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/store"
)

// BenchmarkPostgres runs the shared benchmarks on the test database:
//
//	ALERTANALYTICS_TEST_POSTGRES_URL=... go test -run '^$' -bench . -benchmem ./postgres
func BenchmarkPostgres(b *testing.B) {
	pool := pgtest.Pool(b)
	benchtest.Run(b, benchtest.Backend{
		NewStore: func(b *testing.B) store.Store { return pgstore.NewStore(b) },
		CountWindow: func(ctx context.Context, s store.Store, tenantID uuid.UUID, from, to time.Time) (int64, error) {
			var n int64
			err := pool.QueryRow(ctx, `SELECT count(*) FROM "`+pgstore.SchemaOf(s)+`".alerts
				WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3`, tenantID, from.UnixMilli(), to.UnixMilli()).Scan(&n)
			return n, err
		},
	})
}

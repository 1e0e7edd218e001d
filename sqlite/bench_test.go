package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/benchtest"
	"github.com/alertanalytics/alertanalytics/store"
)

// BenchmarkSQLite runs the shared benchmarks on a WAL database file:
//
//	go test -run '^$' -bench . -benchmem ./sqlite
func BenchmarkSQLite(b *testing.B) {
	benchtest.Run(b, benchtest.Backend{
		NewStore: func(b *testing.B) store.Store {
			st, err := Open(filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			if err := st.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			return st
		},
		CountWindow: func(ctx context.Context, s store.Store, tenantID uuid.UUID, from, to time.Time) (int64, error) {
			var n int64
			err := s.(*Store).reader.QueryRowContext(ctx, `SELECT count(*) FROM alertanalytics_alerts
				WHERE tenant_id = ? AND created_at >= ? AND created_at < ?`, tenantID[:], ms(from), ms(to)).Scan(&n)
			return n, err
		},
	})
}

package alertanalytics_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/store"
)

// TestDeliveryKilledMidSend: a process claims a delivery and sends it; the
// receiver has it, and the process is killed (SIGKILL) before it can
// record the outcome. Another process takes the delivery over once the
// claim's lease runs out and sends it again with the same delivery id:
// delivered, twice on the wire, one id.
func TestDeliveryKilledMidSend(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			if backend == "postgres" {
				pgtest.Pool(t) // skips, or fails in CI, without a database
			}
			target := filepath.Join(t.TempDir(), "killed.db")
			if backend == "postgres" {
				target = pgtest.Schema(t, pgtest.Pool(t))
			}
			ctx := context.Background()
			st, closeStore, err := crashStore(ctx, backend, target)
			require.NoError(t, err)
			t.Cleanup(closeStore)
			svc := alertanalytics.New(st, alertanalytics.Config{AllowPrivateWebhooks: true})
			tenant := uuid.New()

			// The first request: the test kills the sender, then answers
			// (into a connection nobody reads any more).
			first := make(chan struct{})
			killed := make(chan struct{})
			var once sync.Once
			rcv, url := newReceiver(t, func(n int) int {
				if n == 1 {
					once.Do(func() { close(first) })
					<-killed
				}
				return http.StatusOK
			})
			sub, err := svc.CreateSubscription(ctx, tenant, weeklyWebhook(t, url))
			require.NoError(t, err)
			dueNow(t, st, tenant, sub.ID)

			child := crashChildCmd(backend, "deliver", target, tenant)
			require.NoError(t, child.Start())
			select {
			case <-first:
			case <-time.After(30 * time.Second):
				_ = child.Process.Kill()
				t.Fatal("the child never sent")
			}
			require.NoError(t, child.Process.Signal(os.Kill))
			_ = child.Wait()
			awaitServerDone(t, backend, tenant)
			close(killed)
			ledger, err := svc.Deliveries(ctx, tenant, 0)
			require.NoError(t, err)
			require.Equal(t, store.DeliverySending, ledger[0].Status, "the killed process never recorded it")
			require.Equal(t, "doomed", ledger[0].Owner)

			opts := fast()
			opts.Owner = "survivor"
			run(t, svc, opts, delivered(t, svc, tenant, 1))
			got := rcv.receipts()
			require.Len(t, got, 2, "at least once on the wire: sent again after the kill")
			require.Equal(t, got[0].id, got[1].id, "with the same delivery id")
			require.Equal(t, []string{"1", "2"}, []string{got[0].attempt, got[1].attempt})
			ledger, err = svc.Deliveries(ctx, tenant, 0)
			require.NoError(t, err)
			require.Equal(t, 2, ledger[0].Attempts)
			require.Equal(t, got[0].id, ledger[0].ID.String())
		})
	}
}

// dueNow makes a subscription due at once, as if its hour had come.
func dueNow(t *testing.T, st store.Store, tenant, id uuid.UUID) {
	ds := st.(store.DeliveryStore)
	sub, err := ds.Subscription(context.Background(), tenant, id)
	require.NoError(t, err)
	sub.NextDue = time.Now().Add(-time.Second).UTC().Truncate(time.Millisecond)
	require.NoError(t, ds.PutSubscription(context.Background(), sub))
}

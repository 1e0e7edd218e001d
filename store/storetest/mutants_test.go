package storetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/storetest"
)

// mutantEnv names the environment variable that makes TestMutantSuite run
// the suite over one mutant; unset, that test does nothing.
const mutantEnv = "STORETEST_MUTANT"

// mutant is an SQLite store with one method of the contract broken the way
// a backend author might break it: a plausible bug, not a crash.
type mutant struct {
	store.Store
	store.DeliveryStore
	name string
}

// mutantTx is a transaction of a mutant.
type mutantTx struct {
	store.Tx
	name string
}

// skipFirst calls fn for every row but the first.
func skipFirst[T any](fn func(T) error) func(T) error {
	first := true
	return func(v T) error {
		if first {
			first = false
			return nil
		}
		return fn(v)
	}
}

func (m mutant) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	if m.name == "Write" { // commits what fn wrote before it failed, and hides the failure
		return m.Store.Write(ctx, tenantID, opts, func(tx store.Tx) error { _ = fn(mutantTx{tx, m.name}); return nil })
	}
	return m.Store.Write(ctx, tenantID, opts, func(tx store.Tx) error { return fn(mutantTx{tx, m.name}) })
}

func (m mutant) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	a, err := m.Store.Alert(ctx, tenantID, alertID)
	if m.name == "Alert" { // loses the resolve time
		a.ResolvedAt = nil
	}
	return a, err
}

func (m mutant) DayRows(ctx context.Context, tenantID uuid.UUID, q store.DayQuery, days func(*store.DayRow) error, facts func(int, *store.Alert) error) error {
	switch m.name {
	case "DayRows": // reads the day rows, forgets the facts asked with them
		q.Facts = nil
	case "DayRows/first day": // drops the rows of the range's first day
		q.FromDay++
	}
	return m.Store.DayRows(ctx, tenantID, q, days, facts)
}

func (m mutant) AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	if m.name == "AlertFacts" {
		fn = skipFirst(fn)
	}
	return m.Store.AlertFacts(ctx, tenantID, from, to, fn)
}

func (m mutant) Interactions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	if m.name == "Interactions" {
		fn = skipFirst(fn)
	}
	return m.Store.Interactions(ctx, tenantID, from, to, fn)
}

func (m mutant) AcknowledgedAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(uuid.UUID) error) error {
	if m.name == "AcknowledgedAlerts" {
		fn = skipFirst(fn)
	}
	return m.Store.AcknowledgedAlerts(ctx, tenantID, from, to, fn)
}

func (m mutant) ResolvedWithin(ctx context.Context, tenantID uuid.UUID, from, to time.Time, within time.Duration, fn func(*store.Alert) error) error {
	if m.name == "ResolvedWithin" { // a bound one millisecond too wide
		within += time.Millisecond
	}
	return m.Store.ResolvedWithin(ctx, tenantID, from, to, within, fn)
}

func (m mutant) OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]store.OpenTotal, error) {
	out, err := m.Store.OpenTotals(ctx, tenantID)
	if m.name == "OpenTotals" && len(out) > 0 {
		out = out[1:]
	}
	return out, err
}

func (m mutant) CountTenant(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	c, err := m.Store.CountTenant(ctx, tenantID)
	if m.name == "CountTenant" {
		c.AuditLogs = 0
	}
	return c, err
}

func (m mutant) DeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.DeletionReceipt, error) {
	out, err := m.Store.DeletionReceipts(ctx, tenantID)
	if m.name == "DeletionReceipts" {
		slices.Reverse(out)
		if len(out) == 1 {
			out = nil
		}
	}
	return out, err
}

func (m mutant) TenantIDs(ctx context.Context) ([]uuid.UUID, error) {
	out, err := m.Store.TenantIDs(ctx)
	if m.name == "TenantIDs" {
		slices.Reverse(out)
	}
	return out, err
}

func (m mutant) ExportAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	if m.name == "ExportAlerts" {
		fn = skipFirst(fn)
	}
	return m.Store.ExportAlerts(ctx, tenantID, from, to, fn)
}

func (m mutant) ExportInteractions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	if m.name == "ExportInteractions" {
		fn = skipFirst(fn)
	}
	return m.Store.ExportInteractions(ctx, tenantID, from, to, fn)
}

func (m mutant) ExportAuditLogs(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.AuditLog) error) error {
	if m.name == "ExportAuditLogs" {
		fn = skipFirst(fn)
	}
	return m.Store.ExportAuditLogs(ctx, tenantID, from, to, fn)
}

func (m mutant) CountPurge(ctx context.Context, r store.RetentionReceipt) (store.TenantCounts, error) {
	if m.name == "CountPurge" { // counts open alerts whatever was asked
		r.IncludeOpen = true
	}
	return m.Store.CountPurge(ctx, r)
}

func (m mutant) RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.RetentionReceipt, error) {
	out, err := m.Store.RetentionReceipts(ctx, tenantID)
	if m.name == "RetentionReceipts" {
		for i := range out {
			out[i].FinishedAt = time.Time{}
		}
	}
	return out, err
}

func (t mutantTx) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert, days []int64) ([]bool, []store.DayRow, error) {
	created, locked, err := t.Tx.InsertAlerts(ctx, tenantID, alerts, days)
	if t.name == "Tx.InsertAlerts" { // reports every alert new
		for i := range created {
			created[i] = true
		}
	}
	return created, locked, err
}

func (t mutantTx) LockAlert(ctx context.Context, tenantID uuid.UUID, req store.AlertLockRequest) (store.AlertLock, error) {
	if t.name == "Tx.LockAlert" { // never finds the key
		req.Key = ""
	}
	return t.Tx.LockAlert(ctx, tenantID, req)
}

func (t mutantTx) InsertInteraction(ctx context.Context, in store.Interaction) error {
	if t.name == "Tx.InsertInteraction" {
		in.Metadata = nil
	}
	return t.Tx.InsertInteraction(ctx, in)
}

func (t mutantTx) UpdateAlertState(ctx context.Context, a *store.Alert) error {
	if t.name == "Tx.UpdateAlertState" {
		b := *a
		b.AcknowledgedAt = nil
		a = &b
	}
	return t.Tx.UpdateAlertState(ctx, a)
}

func (t mutantTx) InsertAuditLog(ctx context.Context, l store.AuditLog) error {
	if t.name == "Tx.InsertAuditLog" {
		return nil
	}
	return t.Tx.InsertAuditLog(ctx, l)
}

func (t mutantTx) AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error {
	if t.name == "Tx.AddOpenTotals" {
		changes = changes[:1]
	}
	return t.Tx.AddOpenTotals(ctx, tenantID, changes)
}

func (t mutantTx) LockDays(ctx context.Context, tenantID uuid.UUID, days []int64, wait bool) ([]store.DayRow, error) {
	rows, err := t.Tx.LockDays(ctx, tenantID, days, wait)
	if t.name == "Tx.LockDays" && len(rows) > 0 { // loses the last day's row
		rows = rows[:len(rows)-1]
	}
	return rows, err
}

func (t mutantTx) WriteDays(ctx context.Context, tenantID uuid.UUID, ch store.DayChanges) error {
	if t.name == "Tx.WriteDays" { // writes the new rows, not the changed ones
		ch.Update = nil
	}
	return t.Tx.WriteDays(ctx, tenantID, ch)
}

func (t mutantTx) DeleteTenantRows(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	c, err := t.Tx.DeleteTenantRows(ctx, tenantID)
	if t.name == "Tx.DeleteTenantRows" {
		c.Alerts = 0
	}
	return c, err
}

func (t mutantTx) DeleteKeptTotals(ctx context.Context, tenantID uuid.UUID) error {
	if t.name == "Tx.DeleteKeptTotals" {
		return nil
	}
	return t.Tx.DeleteKeptTotals(ctx, tenantID)
}

func (t mutantTx) InsertDeletionReceipt(ctx context.Context, r store.DeletionReceipt) error {
	if t.name == "Tx.InsertDeletionReceipt" {
		return nil
	}
	return t.Tx.InsertDeletionReceipt(ctx, r)
}

func (t mutantTx) AlertFacts(ctx context.Context, tenantID uuid.UUID, fn func(*store.Alert) error) error {
	if t.name == "Tx.AlertFacts" {
		fn = skipFirst(fn)
	}
	return t.Tx.AlertFacts(ctx, tenantID, fn)
}

func (t mutantTx) PurgeCandidates(ctx context.Context, r store.RetentionReceipt, limit int) ([]store.Alert, error) {
	if t.name == "Tx.PurgeCandidates" {
		r.IncludeOpen = true
	}
	return t.Tx.PurgeCandidates(ctx, r, limit)
}

func (t mutantTx) DeleteAlertRows(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (store.TenantCounts, error) {
	c, err := t.Tx.DeleteAlertRows(ctx, tenantID, ids)
	if t.name == "Tx.DeleteAlertRows" {
		c.AuditLogs = 0
	}
	return c, err
}

func (t mutantTx) SaveRetentionReceipt(ctx context.Context, r store.RetentionReceipt) error {
	if t.name == "Tx.SaveRetentionReceipt" {
		r.FinishedAt = time.Time{}
	}
	return t.Tx.SaveRetentionReceipt(ctx, r)
}

func (t mutantTx) AddRetentionCounts(ctx context.Context, r store.RetentionReceipt, c store.TenantCounts) error {
	if t.name == "Tx.AddRetentionCounts" {
		return nil
	}
	return t.Tx.AddRetentionCounts(ctx, r, c)
}

// mutants names every mutant (33): one per method of the contract, two
// for DayRows, none for Tx.LockAlerts. Tx.LockAlerts has none: on SQLite, whose single writer keeps
// every other writer out, doing nothing is what it does. Nor has
// WriteDays' Drop: SQLite keeps one row a day, dropped only once empty,
// and reads leave empty rows out.
func mutants() []string {
	return []string{"Write", "Alert", "DayRows", "DayRows/first day", "AlertFacts", "Interactions", "AcknowledgedAlerts",
		"ResolvedWithin", "OpenTotals", "CountTenant", "DeletionReceipts", "TenantIDs", "ExportAlerts", "ExportInteractions",
		"ExportAuditLogs", "CountPurge", "RetentionReceipts",
		"Tx.InsertAlerts", "Tx.LockAlert", "Tx.InsertInteraction", "Tx.UpdateAlertState", "Tx.InsertAuditLog",
		"Tx.AddOpenTotals", "Tx.LockDays", "Tx.WriteDays", "Tx.DeleteTenantRows", "Tx.DeleteKeptTotals", "Tx.InsertDeletionReceipt",
		"Tx.AlertFacts", "Tx.PurgeCandidates", "Tx.DeleteAlertRows", "Tx.SaveRetentionReceipt", "Tx.AddRetentionCounts",
		"PutSubscription", "Subscription", "Subscriptions", "DeleteSubscription", "DueSubscriptions", "ScheduleDelivery",
		"DueDeliveries", "ClaimDelivery", "FinishDelivery", "Deliveries"}
}

// TestMutantSuite runs the suite over the mutant STORETEST_MUTANT names;
// TestSuiteKillsMutants runs it in a process of its own for each mutant.
func TestMutantSuite(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		return // not a mutant's process: nothing to run
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := sqlite.OpenMemory()
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		require.NoError(t, st.Migrate(context.Background()))
		return mutant{Store: st, DeliveryStore: st, name: name}
	})
}

// TestSuiteKillsMutants: the suite fails for every mutant. Each runs the
// whole suite over SQLite in a process of its own (this test binary, with
// STORETEST_MUTANT set), which must exit with a test failure.
func TestSuiteKillsMutants(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		return
	}
	if testing.Short() {
		t.Skip("each mutant runs the whole suite in a process of its own")
	}
	if raceDetector {
		// Under the race detector the 43 runs of the suite take longer
		// than go test's ten minutes; .ci/run runs this test without it.
		t.Skip("run without -race: go test -run TestSuiteKillsMutants ./store/storetest")
	}
	for _, name := range mutants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMutantSuite$", "-test.count=1", "-test.failfast")
			cmd.Env = append(os.Environ(), mutantEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "the suite passed over mutant %s:\n%s", name, tail(out))
			require.Contains(t, string(out), "--- FAIL", "mutant %s: the process failed, but not a test:\n%s", name, tail(out))
		})
	}
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

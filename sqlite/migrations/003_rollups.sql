-- Kept totals per tenant, so the analytics read a window's buckets and days
-- instead of its alerts, kept in the transaction of every write that
-- changes them; the migration that adds them fills them from the existing
-- alerts. rollups: the counters of each 15-minute UTC bucket of created_at
-- (bucket = Unix milliseconds / 900000). rollup_categories: the alerts per
-- category of each bucket. rollup_times: each UTC day's times to
-- acknowledge and to resolve, packed sorted by the library.
CREATE TABLE alertanalytics_rollups (
    tenant_id BLOB NOT NULL,
    bucket INTEGER NOT NULL,
    alerts INTEGER NOT NULL DEFAULT 0,
    critical INTEGER NOT NULL DEFAULT 0,
    important INTEGER NOT NULL DEFAULT 0,
    standard INTEGER NOT NULL DEFAULT 0,
    info INTEGER NOT NULL DEFAULT 0,
    action_needed INTEGER NOT NULL DEFAULT 0,
    prevented_issue INTEGER NOT NULL DEFAULT 0,
    trend_warning INTEGER NOT NULL DEFAULT 0,
    escalation INTEGER NOT NULL DEFAULT 0,
    information INTEGER NOT NULL DEFAULT 0,
    resolved INTEGER NOT NULL DEFAULT 0,
    open INTEGER NOT NULL DEFAULT 0,
    dismissed INTEGER NOT NULL DEFAULT 0,
    prevented_savings_cents INTEGER NOT NULL DEFAULT 0,
    acknowledged INTEGER NOT NULL DEFAULT 0,
    acknowledge_seconds INTEGER NOT NULL DEFAULT 0,
    resolved_at INTEGER NOT NULL DEFAULT 0,
    resolve_seconds INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket)
) WITHOUT ROWID;

CREATE TABLE alertanalytics_rollup_categories (
    tenant_id BLOB NOT NULL,
    bucket INTEGER NOT NULL,
    category TEXT NOT NULL,
    alerts INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, bucket, category)
) WITHOUT ROWID;

CREATE TABLE alertanalytics_rollup_times (
    tenant_id BLOB NOT NULL,
    day INTEGER NOT NULL,
    acknowledge_times BLOB NOT NULL,
    resolve_times BLOB NOT NULL,
    PRIMARY KEY (tenant_id, day)
) WITHOUT ROWID;

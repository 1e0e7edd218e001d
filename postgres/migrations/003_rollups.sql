-- Kept totals per tenant, so the analytics read a window's buckets and days
-- instead of its alerts, kept in the transaction of every write that
-- changes them; the migration that adds them fills them from the existing
-- alerts. rollups: the counters of each 15-minute UTC bucket of created_at
-- (bucket = Unix milliseconds / 900000). rollup_categories: the alerts per
-- category of each bucket. rollup_times: each UTC day's times to
-- acknowledge and to resolve, packed sorted by the library.
CREATE TABLE {schema}.rollups (
    tenant_id uuid NOT NULL,
    bucket bigint NOT NULL,
    alerts bigint NOT NULL DEFAULT 0,
    critical bigint NOT NULL DEFAULT 0,
    important bigint NOT NULL DEFAULT 0,
    standard bigint NOT NULL DEFAULT 0,
    info bigint NOT NULL DEFAULT 0,
    action_needed bigint NOT NULL DEFAULT 0,
    prevented_issue bigint NOT NULL DEFAULT 0,
    trend_warning bigint NOT NULL DEFAULT 0,
    escalation bigint NOT NULL DEFAULT 0,
    information bigint NOT NULL DEFAULT 0,
    resolved bigint NOT NULL DEFAULT 0,
    open bigint NOT NULL DEFAULT 0,
    dismissed bigint NOT NULL DEFAULT 0,
    prevented_savings_cents bigint NOT NULL DEFAULT 0,
    acknowledged bigint NOT NULL DEFAULT 0,
    acknowledge_seconds bigint NOT NULL DEFAULT 0,
    resolved_at bigint NOT NULL DEFAULT 0,
    resolve_seconds bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket)
);

CREATE TABLE {schema}.rollup_categories (
    tenant_id uuid NOT NULL,
    bucket bigint NOT NULL,
    category text NOT NULL,
    alerts bigint NOT NULL,
    PRIMARY KEY (tenant_id, bucket, category)
);

CREATE TABLE {schema}.rollup_times (
    tenant_id uuid NOT NULL,
    day bigint NOT NULL,
    acknowledge_times bytea NOT NULL,
    resolve_times bytea NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

-- Per-tenant rollups of 15-minute UTC buckets of created_at, kept in the
-- transaction of every write that changes them, so the analytics read a
-- window's buckets instead of its alerts. The parts are encoded by the
-- library (counters, category counts, packed sorted response times); the
-- migration that adds the table fills it from the existing alerts.
CREATE TABLE {schema}.rollups (
    tenant_id         uuid   NOT NULL,
    bucket            bigint NOT NULL,
    counts            bytea  NOT NULL,
    categories        bytea  NOT NULL,
    acknowledge_times bytea  NOT NULL,
    resolve_times     bytea  NOT NULL,
    PRIMARY KEY (tenant_id, bucket)
);

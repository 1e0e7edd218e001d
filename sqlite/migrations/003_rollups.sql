-- Per-tenant rollups of 15-minute UTC buckets of created_at, kept in the
-- transaction of every write that changes them, so the analytics read a
-- window's buckets instead of its alerts. The parts are encoded by the
-- library (counters, category counts, packed sorted response times); the
-- migration that adds the table fills it from the existing alerts.
CREATE TABLE alertanalytics_rollups (
    tenant_id         BLOB    NOT NULL,
    bucket            INTEGER NOT NULL,
    counts            BLOB    NOT NULL,
    categories        BLOB    NOT NULL,
    acknowledge_times BLOB    NOT NULL,
    resolve_times     BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, bucket)
) WITHOUT ROWID;

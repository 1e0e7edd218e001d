-- The kept totals of 003 in one row per tenant and UTC day instead of one
-- row per 15-minute bucket and category: a tenant whose alerts are sparse
-- wrote about a row per alert, and a 30-day window read thousands. Each
-- column holds what the library encodes: counts, the counters of each of
-- the day's 96 buckets that has alerts (bucket = Unix milliseconds /
-- 900000); categories, the alerts per category and bucket; kinds, per
-- kind of alert (alert_type, service) and bucket the alerts, those acted
-- on and those dismissed;
-- acknowledge_times and resolve_times, the day's response times packed
-- sorted; groups, per category, service and alert type the alerts,
-- resolved and open per bucket and the response times, for breakdowns;
-- stripe, see 006. Migrate fills the table from the existing alerts.
CREATE TABLE {schema}.rollup_days (
    tenant_id uuid NOT NULL,
    day bigint NOT NULL,
    stripe bigint NOT NULL DEFAULT 0,
    counts bytea NOT NULL,
    categories bytea NOT NULL,
    kinds bytea NOT NULL,
    acknowledge_times bytea NOT NULL,
    resolve_times bytea NOT NULL,
    groups bytea NOT NULL,
    PRIMARY KEY (tenant_id, day, stripe)
);

DROP TABLE IF EXISTS {schema}.rollups;
DROP TABLE IF EXISTS {schema}.rollup_categories;
DROP TABLE IF EXISTS {schema}.rollup_times;

-- alerts_export (tenant_id, created_at, id) of 004 serves every window read
-- alerts_window served; one index fewer to maintain on ingest.
DROP INDEX IF EXISTS {schema}.alerts_window;

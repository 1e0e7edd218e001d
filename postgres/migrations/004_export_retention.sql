-- Export reads each table in (time, id) order; a purge deletes an alert's
-- audit rows by alert. Retention receipts outlive the rows they count.
CREATE INDEX alerts_export ON {schema}.alerts (tenant_id, created_at, id);
CREATE INDEX alert_interactions_time ON {schema}.alert_interactions (tenant_id, interacted_at, id);
CREATE INDEX audit_logs_time ON {schema}.audit_logs (tenant_id, changed_at, id);
CREATE INDEX audit_logs_alert ON {schema}.audit_logs (tenant_id, alert_id);

CREATE TABLE {schema}.retention_receipts (
    tenant_id          uuid    NOT NULL,
    id                 uuid    NOT NULL,
    requested_by       text    NOT NULL,
    cutoff             bigint  NOT NULL,
    include_open       boolean NOT NULL,
    alerts             bigint  NOT NULL,
    alert_interactions bigint  NOT NULL,
    audit_logs         bigint  NOT NULL,
    started_at         bigint  NOT NULL,
    finished_at        bigint,
    PRIMARY KEY (tenant_id, id)
);

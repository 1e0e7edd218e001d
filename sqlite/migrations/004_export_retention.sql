-- Export reads each table in (time, id) order; a purge deletes an alert's
-- audit rows by alert. Retention receipts outlive the rows they count.
CREATE INDEX alertanalytics_alert_interactions_time ON alertanalytics_alert_interactions (tenant_id, interacted_at, id);
CREATE INDEX alertanalytics_audit_logs_time ON alertanalytics_audit_logs (tenant_id, changed_at, id);
CREATE INDEX alertanalytics_audit_logs_alert ON alertanalytics_audit_logs (tenant_id, alert_id);

CREATE TABLE alertanalytics_retention_receipts (
    tenant_id          BLOB    NOT NULL,
    id                 BLOB    NOT NULL,
    requested_by       TEXT    NOT NULL,
    cutoff             INTEGER NOT NULL,
    include_open       INTEGER NOT NULL,
    alerts             INTEGER NOT NULL,
    alert_interactions INTEGER NOT NULL,
    audit_logs         INTEGER NOT NULL,
    started_at         INTEGER NOT NULL,
    finished_at        INTEGER,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

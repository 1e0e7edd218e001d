-- Alerts are clustered by (tenant_id, created_at, id): every window metric is
-- one range scan over the table itself. Small, hot columns come first so a
-- scan reads them without touching overflow pages.
CREATE TABLE alertanalytics_alerts (
    tenant_id               BLOB    NOT NULL,
    created_at              INTEGER NOT NULL, -- Unix milliseconds, UTC
    id                      BLOB    NOT NULL,
    priority_level          TEXT    NOT NULL,
    type_class              TEXT    NOT NULL,
    status                  TEXT    NOT NULL,
    acknowledged_at         INTEGER,
    resolved_at             INTEGER,
    financial_impact_cents  INTEGER NOT NULL DEFAULT 0,
    estimated_savings_cents INTEGER NOT NULL DEFAULT 0,
    category                TEXT    NOT NULL,
    alert_type              TEXT    NOT NULL,
    priority_score          INTEGER,
    service                 TEXT    NOT NULL DEFAULT '',
    title                   TEXT    NOT NULL DEFAULT '',
    message                 TEXT    NOT NULL DEFAULT '',
    business_impact         TEXT,
    orchestrator_context    TEXT,
    PRIMARY KEY (tenant_id, created_at, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX alertanalytics_alerts_id ON alertanalytics_alerts (tenant_id, id);

CREATE TABLE alertanalytics_alert_interactions (
    tenant_id             BLOB    NOT NULL,
    id                    BLOB    NOT NULL,
    alert_id              BLOB    NOT NULL,
    user_id               BLOB    NOT NULL,
    interaction_type      TEXT    NOT NULL,
    interacted_at         INTEGER NOT NULL,
    response_time_seconds INTEGER NOT NULL,
    metadata              TEXT,
    idempotency_key       TEXT,
    recorded_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX alertanalytics_alert_interactions_idempotency
    ON alertanalytics_alert_interactions (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE INDEX alertanalytics_alert_interactions_alert ON alertanalytics_alert_interactions (tenant_id, alert_id);

CREATE TABLE alertanalytics_audit_logs (
    tenant_id      BLOB    NOT NULL,
    id             BLOB    NOT NULL,
    alert_id       BLOB    NOT NULL,
    user_id        BLOB    NOT NULL,
    from_status    TEXT    NOT NULL,
    to_status      TEXT    NOT NULL,
    changed_at     INTEGER NOT NULL,
    interaction_id BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

-- Receipts outlive the tenant's data: they hold counts, never payload.
CREATE TABLE alertanalytics_deletion_receipts (
    tenant_id          BLOB    NOT NULL,
    id                 BLOB    NOT NULL,
    requested_by       TEXT    NOT NULL,
    alerts             INTEGER NOT NULL,
    alert_interactions INTEGER NOT NULL,
    audit_logs         INTEGER NOT NULL,
    deleted_at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

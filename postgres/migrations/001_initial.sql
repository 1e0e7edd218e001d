-- Every primary key and index leads with tenant_id, so the tables can be
-- distributed by tenant_id (Citus) without change. Times are bigint Unix
-- milliseconds, UTC.
CREATE TABLE {schema}.alerts (
    tenant_id               uuid    NOT NULL,
    id                      uuid    NOT NULL,
    created_at              bigint  NOT NULL,
    priority_level          text    NOT NULL,
    type_class              text    NOT NULL,
    status                  text    NOT NULL,
    acknowledged_at         bigint,
    resolved_at             bigint,
    financial_impact_cents  bigint  NOT NULL DEFAULT 0,
    estimated_savings_cents bigint  NOT NULL DEFAULT 0,
    category                text    NOT NULL,
    alert_type              text    NOT NULL,
    priority_score          integer,
    service                 text    NOT NULL DEFAULT '',
    title                   text    NOT NULL DEFAULT '',
    message                 text    NOT NULL DEFAULT '',
    business_impact         text,
    orchestrator_context    text,
    PRIMARY KEY (tenant_id, id)
);

-- Window metrics are index-only scans of one tenant's created_at range.
CREATE INDEX alerts_window ON {schema}.alerts (tenant_id, created_at)
    INCLUDE (priority_level, type_class, status, acknowledged_at, resolved_at, estimated_savings_cents, category);

CREATE TABLE {schema}.alert_interactions (
    tenant_id             uuid    NOT NULL,
    id                    uuid    NOT NULL,
    alert_id              uuid    NOT NULL,
    user_id               uuid    NOT NULL,
    interaction_type      text    NOT NULL,
    interacted_at         bigint  NOT NULL,
    response_time_seconds bigint  NOT NULL,
    metadata              text,
    idempotency_key       text,
    recorded_at           bigint  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE UNIQUE INDEX alert_interactions_idempotency ON {schema}.alert_interactions (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE INDEX alert_interactions_alert ON {schema}.alert_interactions (tenant_id, alert_id);

CREATE TABLE {schema}.audit_logs (
    tenant_id      uuid    NOT NULL,
    id             uuid    NOT NULL,
    alert_id       uuid    NOT NULL,
    user_id        uuid    NOT NULL,
    from_status    text    NOT NULL,
    to_status      text    NOT NULL,
    changed_at     bigint  NOT NULL,
    interaction_id uuid    NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Receipts outlive the tenant's data: they hold counts, never payload.
CREATE TABLE {schema}.deletion_receipts (
    tenant_id          uuid    NOT NULL,
    id                 uuid    NOT NULL,
    requested_by       text    NOT NULL,
    alerts             bigint  NOT NULL,
    alert_interactions bigint  NOT NULL,
    audit_logs         bigint  NOT NULL,
    deleted_at         bigint  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

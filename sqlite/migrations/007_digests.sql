-- Digest subscriptions and their delivery ledger. Times are milliseconds
-- since the Unix epoch, 0 for none; recipients one address a line. The
-- delivery loop finds due subscriptions by next_due and due deliveries by
-- status and next attempt, across tenants.
CREATE TABLE alertanalytics_digest_subscriptions (
    tenant_id  BLOB    NOT NULL,
    id         BLOB    NOT NULL,
    weekly     INTEGER NOT NULL,
    weekday    INTEGER NOT NULL,
    minute     INTEGER NOT NULL,
    zone       TEXT    NOT NULL,
    days       INTEGER NOT NULL,
    channel    TEXT    NOT NULL,
    format     TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    recipients TEXT    NOT NULL,
    next_due   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX alertanalytics_digest_subscriptions_due ON alertanalytics_digest_subscriptions (next_due, id);

CREATE TABLE alertanalytics_digest_deliveries (
    tenant_id       BLOB    NOT NULL,
    id              BLOB    NOT NULL,
    subscription_id BLOB    NOT NULL,
    period          INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    owner           TEXT    NOT NULL,
    lease_until     INTEGER NOT NULL,
    last_error      TEXT    NOT NULL,
    delivered_at    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, subscription_id, period)
) WITHOUT ROWID;
CREATE INDEX alertanalytics_digest_deliveries_due ON alertanalytics_digest_deliveries (status, next_attempt_at, id);
CREATE INDEX alertanalytics_digest_deliveries_period ON alertanalytics_digest_deliveries (tenant_id, period);

-- Digest subscriptions and their delivery ledger. Times are milliseconds
-- since the Unix epoch, 0 for none; recipients one address a line. The
-- delivery loop finds due subscriptions by next_due and due deliveries by
-- status and next attempt, across tenants.
CREATE TABLE {schema}.digest_subscriptions (
    tenant_id  uuid    NOT NULL,
    id         uuid    NOT NULL,
    weekly     boolean NOT NULL,
    weekday    bigint  NOT NULL,
    minute     bigint  NOT NULL,
    zone       text    NOT NULL,
    days       bigint  NOT NULL,
    channel    text    NOT NULL,
    format     text    NOT NULL,
    url        text    NOT NULL,
    secret     text    NOT NULL,
    recipients text    NOT NULL,
    next_due   bigint  NOT NULL,
    created_at bigint  NOT NULL,
    updated_at bigint  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX digest_subscriptions_due ON {schema}.digest_subscriptions (next_due, id);

CREATE TABLE {schema}.digest_deliveries (
    tenant_id       uuid    NOT NULL,
    id              uuid    NOT NULL,
    subscription_id uuid    NOT NULL,
    period          bigint  NOT NULL,
    status          text    NOT NULL,
    attempts        bigint  NOT NULL,
    next_attempt_at bigint  NOT NULL,
    owner           text    NOT NULL,
    lease_until     bigint  NOT NULL,
    last_error      text    NOT NULL,
    delivered_at    bigint  NOT NULL,
    created_at      bigint  NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, subscription_id, period)
);
CREATE INDEX digest_deliveries_due ON {schema}.digest_deliveries (status, next_attempt_at, id);
CREATE INDEX digest_deliveries_period ON {schema}.digest_deliveries (tenant_id, period);

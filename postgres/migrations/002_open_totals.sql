-- Open-alert totals per tenant and type class, kept in the transactions that
-- open (ingest) and close (resolve, dismiss) alerts, so the dashboard's
-- open figures read at most five rows however many alerts are open.
CREATE TABLE {schema}.open_totals (
    tenant_id              uuid   NOT NULL,
    type_class             text   NOT NULL,
    alerts                 bigint NOT NULL,
    financial_impact_cents bigint NOT NULL,
    PRIMARY KEY (tenant_id, type_class)
);

INSERT INTO {schema}.open_totals (tenant_id, type_class, alerts, financial_impact_cents)
SELECT tenant_id, type_class, count(*), sum(financial_impact_cents)
FROM {schema}.alerts
WHERE status IN ('active', 'acknowledged', 'snoozed')
GROUP BY tenant_id, type_class;

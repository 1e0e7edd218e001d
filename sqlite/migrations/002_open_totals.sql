-- Open-alert totals per tenant and type class, kept in the transactions that
-- open (ingest) and close (resolve, dismiss) alerts, so the dashboard's
-- open figures read at most five rows however many alerts are open.
CREATE TABLE alertanalytics_open_totals (
    tenant_id              BLOB    NOT NULL,
    type_class             TEXT    NOT NULL,
    alerts                 INTEGER NOT NULL,
    financial_impact_cents INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, type_class)
) WITHOUT ROWID;

INSERT INTO alertanalytics_open_totals (tenant_id, type_class, alerts, financial_impact_cents)
SELECT tenant_id, type_class, count(*), sum(financial_impact_cents)
FROM alertanalytics_alerts
WHERE status IN ('active', 'acknowledged', 'snoozed')
GROUP BY tenant_id, type_class;

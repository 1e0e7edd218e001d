-- The people insight reads a window's interactions from one index that
-- carries every column it needs (no lookup into the table per row), and
-- the window's first acknowledgements from the alerts' acknowledged_at.
-- The wider interactions index keeps the (tenant_id, interacted_at, id)
-- order export reads in, so it replaces the narrower one.
CREATE INDEX alertanalytics_alert_interactions_people ON alertanalytics_alert_interactions
    (tenant_id, interacted_at, id, interaction_type, user_id, alert_id, response_time_seconds);
DROP INDEX alertanalytics_alert_interactions_time;
CREATE INDEX alertanalytics_alerts_acknowledged ON alertanalytics_alerts (tenant_id, acknowledged_at);

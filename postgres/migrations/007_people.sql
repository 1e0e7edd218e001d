-- The people insight reads a window's interactions from one index that
-- carries every column it needs (an index-only scan), and the window's
-- first acknowledgements from the alerts' acknowledged_at. The covering
-- index keeps the (tenant_id, interacted_at, id) order export reads in, so
-- it replaces the narrower one.
CREATE INDEX alert_interactions_people ON {schema}.alert_interactions (tenant_id, interacted_at, id)
    INCLUDE (interaction_type, user_id, alert_id, response_time_seconds);
DROP INDEX {schema}.alert_interactions_time;
CREATE INDEX alerts_acknowledged ON {schema}.alerts (tenant_id, acknowledged_at);

-- Stripes: a tenant's kept totals may be held as several rows, so its
-- concurrent writers do not wait for one another's commits. A writer adds
-- to whichever row of its day or type class no other transaction holds,
-- or to a new row with a stripe of its own; readers sum the rows, and a
-- writer that finds several free rows of a day folds them into one. The
-- rows kept so far become stripe 0. (005 creates rollup_days with the
-- column already, since Migrate fills that table in 005's transaction
-- with the statements of today's writes; a schema that applied an earlier
-- 005 gains it here.)
ALTER TABLE {schema}.rollup_days ADD COLUMN IF NOT EXISTS stripe bigint NOT NULL DEFAULT 0;
ALTER TABLE {schema}.rollup_days DROP CONSTRAINT rollup_days_pkey;
ALTER TABLE {schema}.rollup_days ADD PRIMARY KEY (tenant_id, day, stripe);

ALTER TABLE {schema}.open_totals ADD COLUMN stripe bigint NOT NULL DEFAULT 0;
ALTER TABLE {schema}.open_totals DROP CONSTRAINT open_totals_pkey;
ALTER TABLE {schema}.open_totals ADD PRIMARY KEY (tenant_id, type_class, stripe);

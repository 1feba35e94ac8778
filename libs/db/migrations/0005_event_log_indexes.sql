-- Indexes no statement used, which every event insert maintained: after full tools/bench runs
-- pg_stat_user_indexes counted 0 scans of each (BENCHMARKS.md, step 14).
-- * The GIN index on audience: readers walk the organization's events in position order
--   (event_log_organization_order) and filter the audience on the way; the planner never
--   chose the GIN index for `ORDER BY position LIMIT n`.
-- * The primary key on id: events are found by position, which is unique and becomes the
--   primary key; id was the reading order before positions existed (migration 0003).
DROP INDEX event_log_audience;
ALTER TABLE event_log DROP CONSTRAINT event_log_pkey;
ALTER TABLE event_log ADD CONSTRAINT event_log_pkey PRIMARY KEY USING INDEX event_log_order;
ALTER TABLE event_log DROP COLUMN id;

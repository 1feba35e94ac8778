-- Who an event is for, beyond its organization: e.g. {"owner:erin@acme.example",
-- "function:engineering"} on a task event, so WatchTasks reads only its owner's events.
ALTER TABLE event_log ADD COLUMN audience text[] NOT NULL DEFAULT '{}';
CREATE INDEX event_log_audience ON event_log USING gin (audience);
-- Service accounts read every organization's log in order.
CREATE INDEX event_log_global_position ON event_log (txid, id);

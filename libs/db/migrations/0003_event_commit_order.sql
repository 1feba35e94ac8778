-- Event log positions in commit order. Transaction ids are handed out when a transaction first
-- locks or writes a row, not when it commits: two updates of one resource can commit in one
-- order with their ids in the other, so reading in (txid, id) order delivered a resource's
-- changes out of order. Instead each writing transaction takes the next position from the
-- single row of event_log_head, whose row lock it holds until it commits: positions are then
-- assigned in commit order, without gaps, and a reader that has seen position p has already
-- seen every committed position below p.
CREATE TABLE event_log_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  position  bigint  NOT NULL
);

ALTER TABLE event_log ADD COLUMN position bigint;
UPDATE event_log SET position = ordered.position
FROM (SELECT id, row_number() OVER (ORDER BY txid, id) AS position FROM event_log) AS ordered
WHERE event_log.id = ordered.id;
ALTER TABLE event_log ALTER COLUMN position SET NOT NULL;
INSERT INTO event_log_head (position) SELECT coalesce(max(position), 0) FROM event_log;

ALTER TABLE event_log DROP COLUMN txid;  -- drops the (txid, id) indexes with it
CREATE UNIQUE INDEX event_log_order ON event_log (position);
CREATE INDEX event_log_organization_order ON event_log (organization, position);

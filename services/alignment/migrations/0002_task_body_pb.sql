-- Tasks are the high-volume table: one strategy change writes hundreds of them at once, and
-- ListTasks reads them a page at a time. From this migration on, a task is stored as
-- serialized protobuf (body_pb) instead of its protobuf JSON mapping: protobuf's JSON printer
-- and parser cost 30-90 us per task where binary costs 1-4 us, and PostgreSQL's jsonb input
-- and compression were a large part of a fan-out's write time (BENCHMARKS.md). Rows written
-- before keep their JSON body and are read from it. People read tasks through the API or the
-- CLI; what SQL needs to select tasks is in plain columns.
ALTER TABLE tasks ADD COLUMN body_pb bytea;
ALTER TABLE tasks ALTER COLUMN body DROP NOT NULL;
ALTER TABLE tasks ADD CONSTRAINT tasks_have_a_body CHECK (body IS NOT NULL OR body_pb IS NOT NULL);
-- lz4 compresses large values several times faster than the default pglz.
ALTER TABLE tasks ALTER COLUMN body_pb SET COMPRESSION lz4;

-- Columns for what queries select by and that lived only in the JSON body: the owner a task
-- is escalated to (WatchTasks of that owner) and the change that triggered it (operators and
-- the tests' exactly-once checks).
ALTER TABLE tasks ADD COLUMN escalated_to text NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN trigger_subject text NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN trigger_revision bigint NOT NULL DEFAULT 0;
UPDATE tasks SET escalated_to = coalesce(body->>'escalated_to', ''),
                 trigger_subject = coalesce(body->'trigger'->>'subject', ''),
                 trigger_revision = coalesce((body->'trigger'->>'revision')::bigint, 0);

-- The unresolved tasks of an offering, which every trigger locks to supersede them: a few rows
-- among all the offering's tasks (thousands once its segment has changed a thousand times).
-- Without it the lookup read every task of the offering, and a steady stream of changes to one
-- segment slowed down as its superseded tasks piled up (BENCHMARKS.md, latency).
CREATE INDEX tasks_unresolved ON tasks (organization, offering, function_id, id)
  WHERE state IN ('OPEN', 'ACKNOWLEDGED');

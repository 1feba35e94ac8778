-- A task's uid is a random (version 4) UUID the service makes, and no statement looks a task
-- up by it: the unique index on it was one of the eight that each of a fan-out's 500 task
-- inserts and 500 supersessions maintained, with 0 scans after full tools/bench runs
-- (BENCHMARKS.md, step 14). Tasks are found by (organization, task_id).
ALTER TABLE tasks DROP CONSTRAINT tasks_uid_key;

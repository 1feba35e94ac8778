-- A binary copy of each task: the resource as serialized protobuf, next to the JSON `body`
-- (which stays for people reading the database and for SQL). Parsing protobuf's JSON mapping
-- took half of alignmentd's CPU on ListTasks (BENCHMARKS.md); the binary copy is what the
-- service reads. Rows written before this migration have it NULL and are read from `body`.
ALTER TABLE tasks ADD COLUMN body_pb bytea;

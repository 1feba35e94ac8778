-- From this migration on, markets and segments are stored as serialized protobuf (body_pb)
-- instead of their protobuf JSON mapping, as tasks are since alignment migration 0002:
-- protobuf's JSON parser was the largest part of segmentd's own CPU time on GetSegment
-- (BENCHMARKS.md). Rows written before keep their JSON body and are read from it. People read
-- markets and segments through the API or the CLI; what queries filter, order and constrain
-- on stays in plain columns.
ALTER TABLE markets ADD COLUMN body_pb bytea;
ALTER TABLE markets ALTER COLUMN body DROP NOT NULL;
ALTER TABLE markets ADD CONSTRAINT markets_have_a_body
  CHECK (body IS NOT NULL OR body_pb IS NOT NULL);

ALTER TABLE segments ADD COLUMN body_pb bytea;
ALTER TABLE segments ALTER COLUMN body DROP NOT NULL;
ALTER TABLE segments ADD CONSTRAINT segments_have_a_body
  CHECK (body IS NOT NULL OR body_pb IS NOT NULL);

-- Events of large resources (a task changed carries the task before and after) pass
-- PostgreSQL's 2 kB compression threshold; lz4 compresses them several times faster than the
-- default pglz, which showed at the top of PostgreSQL's profile during a fan-out.
ALTER TABLE event_log ALTER COLUMN event SET COMPRESSION lz4;

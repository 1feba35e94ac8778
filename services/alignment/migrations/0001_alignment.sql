-- Functions, commitments, re-evaluation tasks, and the bookkeeping of the subscriptions to
-- the segment and offering event logs. `body` columns hold the resource as protobuf JSON.

CREATE TABLE functions (
  id           bigserial   PRIMARY KEY,
  organization text        NOT NULL,
  function_id  text        NOT NULL,
  uid          uuid        NOT NULL UNIQUE,
  version      bigint      NOT NULL,
  body         jsonb       NOT NULL,
  create_time  timestamptz NOT NULL,
  update_time  timestamptz NOT NULL,
  UNIQUE (organization, function_id)
);

CREATE TABLE commitments (
  id           bigserial   PRIMARY KEY,
  organization text        NOT NULL,
  offering     text        NOT NULL,  -- offering resource name
  function_id  text        NOT NULL,
  uid          uuid        NOT NULL UNIQUE,
  version      bigint      NOT NULL,
  body         jsonb       NOT NULL,
  create_time  timestamptz NOT NULL,
  update_time  timestamptz NOT NULL,
  UNIQUE (organization, offering, function_id)
);

-- One task per (offering, function, triggering event): the unique key is what makes
-- at-least-once delivery create exactly one set of tasks.
CREATE TABLE tasks (
  id               bigserial   PRIMARY KEY,
  organization     text        NOT NULL,
  task_id          text        NOT NULL,
  uid              uuid        NOT NULL UNIQUE,
  offering         text        NOT NULL,
  function_id      text        NOT NULL,
  owner            text        NOT NULL,
  state            text        NOT NULL,
  segment          text        NOT NULL,
  segment_revision bigint      NOT NULL,
  trigger_source   text        NOT NULL,
  trigger_event_id text        NOT NULL,
  due_time         timestamptz NOT NULL,
  escalated        boolean     NOT NULL DEFAULT false,
  version          bigint      NOT NULL,
  body             jsonb       NOT NULL,
  create_time      timestamptz NOT NULL,
  update_time      timestamptz NOT NULL,
  UNIQUE (organization, task_id),
  UNIQUE (organization, offering, function_id, trigger_source, trigger_event_id)
);
CREATE INDEX tasks_by_owner ON tasks (organization, owner, id);
CREATE INDEX tasks_by_offering ON tasks (organization, offering, function_id, id);
CREATE INDEX tasks_overdue ON tasks (due_time) WHERE state IN ('OPEN', 'ACKNOWLEDGED')
                                                  AND NOT escalated;

-- Events already processed, by (source, id): replays change nothing.
CREATE TABLE inbox (
  source         text        NOT NULL,
  event_id       text        NOT NULL,
  process_time   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, event_id)
);

-- Where each subscription resumes: advanced in the transaction that processes an event.
CREATE TABLE subscription_cursors (
  subscription text        PRIMARY KEY,
  cursor       text        NOT NULL,
  update_time  timestamptz NOT NULL DEFAULT now()
);

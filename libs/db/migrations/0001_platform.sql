-- Tables every Throughline service has in its own schema.

-- AIP-155 request ids: the first response of each (organization, method, request_id).
CREATE TABLE idempotency_keys (
  organization text        NOT NULL,
  method       text        NOT NULL,
  request_id   text        NOT NULL,
  fingerprint  text        NOT NULL,
  response     bytea,
  create_time  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization, method, request_id)
);

-- The transactional outbox: one row per event, written in the transaction of the change.
-- Readers order by (txid, id) and read only rows whose transaction id is below the xmin of
-- their snapshot, i.e. rows whose transaction can no longer be in flight. bigserial ids alone
-- become visible out of order; a (txid, id) cursor below xmin never skips a committed row.
CREATE TABLE event_log (
  id           bigserial   PRIMARY KEY,
  txid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
  organization text        NOT NULL,
  event_id     uuid        NOT NULL UNIQUE,
  type         text        NOT NULL,
  subject      text        NOT NULL,
  event        bytea       NOT NULL,  -- serialized io.cloudevents.v1.CloudEvent
  create_time  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_position ON event_log (organization, txid, id);

-- Offerings and their decisions. As in the segment service, `body` is the whole resource as
-- protobuf JSON; the columns are what queries filter, order and constrain on.

CREATE TABLE offerings (
  id             bigserial   PRIMARY KEY,
  organization   text        NOT NULL,
  offering_id    text        NOT NULL,
  uid            uuid        NOT NULL UNIQUE,
  target_segment text        NOT NULL,
  revision       bigint      NOT NULL,
  body           jsonb       NOT NULL,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  UNIQUE (organization, offering_id)
);
CREATE INDEX offerings_page ON offerings (organization, id);
CREATE INDEX offerings_by_target ON offerings (organization, target_segment, id);

CREATE TABLE decisions (
  id              bigserial   PRIMARY KEY,
  organization    text        NOT NULL,
  offering_id     text        NOT NULL,
  decision_id     text        NOT NULL,
  uid             uuid        NOT NULL UNIQUE,
  state           text        NOT NULL,
  owning_function text        NOT NULL,
  version         bigint      NOT NULL,
  body            jsonb       NOT NULL,
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  UNIQUE (organization, offering_id, decision_id),
  FOREIGN KEY (organization, offering_id) REFERENCES offerings (organization, offering_id)
);
CREATE INDEX decisions_page ON decisions (organization, offering_id, id);

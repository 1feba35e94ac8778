-- Markets and segments. Each row keeps the whole resource as its protobuf JSON mapping in
-- `body` (readable with psql); the columns beside it are what queries filter, order and
-- constrain on. `id` orders pagination; resource ids are unique per organization.

CREATE TABLE markets (
  id           bigserial   PRIMARY KEY,
  organization text        NOT NULL,
  market_id    text        NOT NULL,
  uid          uuid        NOT NULL UNIQUE,
  decision     text        NOT NULL,
  version      bigint      NOT NULL,
  body         jsonb       NOT NULL,
  create_time  timestamptz NOT NULL,
  update_time  timestamptz NOT NULL,
  UNIQUE (organization, market_id)
);
CREATE INDEX markets_page ON markets (organization, id);

CREATE TABLE segments (
  id           bigserial   PRIMARY KEY,
  organization text        NOT NULL,
  market_id    text        NOT NULL,
  segment_id   text        NOT NULL,
  uid          uuid        NOT NULL UNIQUE,
  targeting    text        NOT NULL,
  revision     bigint      NOT NULL,
  body         jsonb       NOT NULL,
  create_time  timestamptz NOT NULL,
  update_time  timestamptz NOT NULL,
  UNIQUE (organization, market_id, segment_id),
  FOREIGN KEY (organization, market_id) REFERENCES markets (organization, market_id)
);
CREATE INDEX segments_page ON segments (organization, id);
CREATE INDEX segments_by_market ON segments (organization, market_id, id);
CREATE INDEX segments_by_targeting ON segments (organization, targeting, id);

CREATE SCHEMA IF NOT EXISTS registry;

-- Subgraphs agencies registered. The gateway signs requests to each with its secret; built-in subgraphs are owned
-- by 'system' and get their secrets from SUBGRAPH_SECRETS instead.
CREATE TABLE registry.subgraphs (
  name           text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{1,39}$'),
  owner          text NOT NULL,
  signing_secret text,
  registered_at  timestamptz NOT NULL DEFAULT now()
);

-- Immutable versions of the supergraph: each holds the whole set of subgraphs it was composed from. A rollback is
-- a new version with an earlier version's set, so history is never rewritten.
CREATE TABLE registry.supergraph_versions (
  version        integer PRIMARY KEY CHECK (version > 0),
  supergraph_sdl text NOT NULL,
  subgraphs      jsonb NOT NULL,
  action         text NOT NULL CHECK (action IN ('BOOTSTRAP', 'PUBLISH', 'ROLLBACK', 'REMOVE')),
  subject        text NOT NULL,
  actor          text NOT NULL,
  forced         boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now()
);

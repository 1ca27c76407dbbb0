-- Each gateway replica following the registry says which version it serves, and beats while it runs: a replica not
-- heard from for live_ms (its REPLICA_LIVE_MS) is taken for dead. Rows of replicas long gone are pruned by the next
-- replica that starts.
CREATE TABLE registry.gateway_replicas (
  replica_id     text PRIMARY KEY,
  host           text NOT NULL,
  pid            integer NOT NULL,
  served_version integer NOT NULL,
  live_ms        integer NOT NULL CHECK (live_ms > 0),
  started_at     timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now()
);

-- Versions a replica refused (its health check of the version's subgraphs failed), with the reason; it tries each
-- again with backoff, so a refusal lasts only until the version is served.
CREATE TABLE registry.version_refusals (
  replica_id      text NOT NULL REFERENCES registry.gateway_replicas ON DELETE CASCADE,
  version         integer NOT NULL,
  reason          text NOT NULL,
  attempts        integer NOT NULL DEFAULT 1,
  last_refused_at timestamptz NOT NULL DEFAULT now(),
  next_retry_at   timestamptz NOT NULL,
  PRIMARY KEY (replica_id, version)
);

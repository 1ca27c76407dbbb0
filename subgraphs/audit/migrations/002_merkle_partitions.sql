-- A Merkle tree over the records (RFC 6962), signed checkpoints of it, archives of removed months, and the records
-- partitioned by month so that retention removes whole partitions.

-- Every perfect subtree of the tree: level 0 holds the leaf hash of record seq = idx + 1, level l the hash of the
-- 2^l leaves from idx * 2^l on. Proofs read O(log n) of these rows; the primary key also keeps seq unique.
CREATE TABLE audit.tree_nodes (
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
  idx   bigint NOT NULL CHECK (idx >= 0),
  hash  text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (level, idx)
);

-- Signed checkpoints, kept here for convenience (proofs are made against them); verification trusts only the copies
-- held by witnesses outside the database.
CREATE TABLE audit.checkpoints (
  tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash text NOT NULL CHECK (root_hash ~ '^[0-9a-f]{64}$'),
  at        timestamptz NOT NULL,
  key_id    text NOT NULL,
  signature text NOT NULL
);

-- Months removed by retention: where their records went and the signed state the remaining log continues from.
CREATE TABLE audit.archives (
  last_seq    bigint PRIMARY KEY,
  first_seq   bigint NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  manifest    jsonb NOT NULL
);

CREATE TRIGGER tree_nodes_append_only BEFORE UPDATE OR DELETE ON audit.tree_nodes FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER tree_nodes_no_truncate BEFORE TRUNCATE ON audit.tree_nodes FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON audit.checkpoints FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON audit.checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER archives_append_only BEFORE UPDATE OR DELETE ON audit.archives FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER archives_no_truncate BEFORE TRUNCATE ON audit.archives FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The records, partitioned by the month of `at` (UTC). The existing table is renamed, its rows copied into the
-- partitioned one, and dropped.
ALTER TABLE audit.records RENAME TO records_unpartitioned;
ALTER TABLE audit.records_unpartitioned RENAME CONSTRAINT records_pkey TO records_unpartitioned_pkey;
DROP INDEX audit.records_subjects_idx;
DROP INDEX audit.records_client_idx;
DROP INDEX audit.records_at_idx;

CREATE TABLE audit.records (
  seq            bigint NOT NULL CHECK (seq > 0),
  request_id     text NOT NULL,
  at             timestamptz NOT NULL,
  principal      text NOT NULL,
  client_id      text,
  officer        text,
  purpose        text,
  case_number    text,
  operation_name text,
  operation_hash text,
  coordinates    text[] NOT NULL,
  subjects       text[] NOT NULL,
  outcome        text NOT NULL CHECK (outcome IN ('OK', 'PARTIAL', 'DENIED', 'UNAUTHENTICATED', 'REJECTED', 'INVALID', 'FAILED')),
  error_codes    text[] NOT NULL,
  subgraphs      text[] NOT NULL,
  duration_ms    integer NOT NULL,
  previous_hash  text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
  hash           text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  -- Salts the subject commitments in the record's Merkle leaf (see chain.ts); null for records written before.
  subject_salt   text CHECK (subject_salt ~ '^[0-9a-f]{32}$'),
  PRIMARY KEY (seq, at)
) PARTITION BY RANGE (at);
CREATE INDEX records_subjects_idx ON audit.records USING gin (subjects);
CREATE INDEX records_client_idx ON audit.records (client_id, seq);
CREATE INDEX records_at_idx ON audit.records (at);

-- Row triggers on the parent are cloned onto every partition; TRUNCATE triggers are not, so each partition gets its own.
CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON audit.records FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON audit.records FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The partition of the month that `month` falls in (UTC), created with its TRUNCATE guard unless it exists.
CREATE FUNCTION audit.ensure_month_partition(month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  first date := make_date(extract(year FROM month)::int, extract(month FROM month)::int, 1);
  name text := 'records_' || to_char(first, 'YYYY_MM');
BEGIN
  IF to_regclass('audit.' || name) IS NULL THEN
    EXECUTE format('CREATE TABLE audit.%I PARTITION OF audit.records FOR VALUES FROM (%L) TO (%L)', name,
      first::text || ' 00:00:00+00', (first + interval '1 month')::date::text || ' 00:00:00+00');
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON audit.%I FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', name || '_no_truncate', name);
  END IF;
  RETURN name;
END
$$;

DO $$
DECLARE
  month date;
BEGIN
  FOR month IN SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC')::date FROM audit.records_unpartitioned LOOP
    PERFORM audit.ensure_month_partition(month);
  END LOOP;
END
$$;
INSERT INTO audit.records (seq, request_id, at, principal, client_id, officer, purpose, case_number, operation_name, operation_hash,
    coordinates, subjects, outcome, error_codes, subgraphs, duration_ms, previous_hash, hash)
  SELECT seq, request_id, at, principal, client_id, officer, purpose, case_number, operation_name, operation_hash,
    coordinates, subjects, outcome, error_codes, subgraphs, duration_ms, previous_hash, hash
    FROM audit.records_unpartitioned;
DROP TABLE audit.records_unpartitioned;

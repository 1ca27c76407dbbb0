CREATE SCHEMA IF NOT EXISTS audit;

-- One record per operation the gateway answered (or refused), in one hash chain: each record's hash is
-- sha256(previous hash + canonical record), so an edit, deletion or reordering breaks the chain at that record.
CREATE TABLE audit.records (
  seq            bigint PRIMARY KEY CHECK (seq > 0),
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
  hash           text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX records_subjects_idx ON audit.records USING gin (subjects);
CREATE INDEX records_client_idx ON audit.records (client_id, seq);
CREATE INDEX records_at_idx ON audit.records (at);

-- Append-only: the database itself refuses to change or remove a record.
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.records is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON audit.records
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON audit.records
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

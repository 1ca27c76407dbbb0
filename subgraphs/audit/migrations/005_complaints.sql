-- A citizen's objection to a read of their data (khiếu nại), and what auditors did about it. Every step is also an
-- operation the gateway records in the hash-chained log; these tables hold the working state of the queue.
CREATE TABLE audit.complaints (
  id          bigserial PRIMARY KEY,
  -- The record objected to (checked when the complaint is made). No foreign key: the log must stay a table that
  -- nothing else holds on to, so that its append-only triggers are the only thing that refuses a TRUNCATE.
  record_seq  bigint NOT NULL,
  personal_id text NOT NULL,
  reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  status      text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
  opened_at   timestamptz NOT NULL DEFAULT now(),
  closed_at   timestamptz,
  closed_by   text,
  resolution  text,
  -- One open complaint per read and citizen: reporting again adds nothing.
  CONSTRAINT complaints_closed_check CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX complaints_open_idx ON audit.complaints (record_seq, personal_id) WHERE status = 'OPEN';
CREATE INDEX complaints_status_idx ON audit.complaints (status, id);

CREATE TABLE audit.complaint_notes (
  complaint_id bigint NOT NULL REFERENCES audit.complaints (id),
  at           timestamptz NOT NULL DEFAULT now(),
  -- The principal and officer who wrote it, as the gateway forwarded them.
  author       text NOT NULL,
  note         text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000)
);
CREATE INDEX complaint_notes_idx ON audit.complaint_notes (complaint_id, at);

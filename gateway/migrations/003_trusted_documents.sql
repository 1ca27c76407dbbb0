-- Operations a client registered in advance (persisted, "trusted" documents), by the SHA-256 of their text. A client
-- marked trusted_documents_only may run nothing else.
ALTER TABLE access.clients ADD COLUMN trusted_documents_only boolean NOT NULL DEFAULT false;

CREATE TABLE access.trusted_documents (
  client_id text NOT NULL REFERENCES access.clients ON DELETE CASCADE,
  sha256    text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  document  text NOT NULL,
  added_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, sha256)
);
CREATE INDEX trusted_documents_sha256_idx ON access.trusted_documents (sha256);

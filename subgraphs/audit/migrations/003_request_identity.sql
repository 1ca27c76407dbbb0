-- The record's request_id is the gateway's own; what the client called its request is kept beside it. key_id names
-- the API key a client used (or presented, valid but refused). details holds, as a JSON object, what an
-- administrative change did, or what a request sent that a record cannot hold as it was (malformed personal IDs:
-- their count and SHA-256).
ALTER TABLE audit.records
  ADD COLUMN client_request_id text,
  ADD COLUMN key_id            text,
  ADD COLUMN details           text;

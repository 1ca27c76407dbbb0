-- A revoked grant is kept with the time it was revoked, so that what a client could read at any moment stays known
-- (the audit log records who revoked it); only grants not revoked allow anything. One live grant per client,
-- purpose and coordinate; a coordinate granted again after a revocation is a new row.
ALTER TABLE access.grants ADD COLUMN revoked_at timestamptz;
ALTER TABLE access.grants DROP CONSTRAINT grants_pkey;
CREATE UNIQUE INDEX grants_live_idx ON access.grants (client_id, purpose, coordinate) WHERE revoked_at IS NULL;
CREATE INDEX grants_client_idx ON access.grants (client_id, purpose);

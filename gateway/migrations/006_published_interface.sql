-- The access module's published interface: the only part of the access schema that other owners may read (the audit
-- subgraph names the agency and the purpose of each read it shows a citizen; the registry checks who is changing a
-- subgraph). They name these views, never the tables behind them, so the tables stay free to change as long as these
-- columns keep their meaning. test/unit/table-ownership.test.ts holds every owner to this.

-- Every client, disabled ones included (a read made by a client since disabled still shows who made it).
CREATE VIEW access.client_directory AS
  SELECT client_id, name, role, disabled_at IS NULL AS active FROM access.clients;

-- The purposes a request may name, with their catalogue names.
CREATE VIEW access.purpose_directory AS
  SELECT code, name FROM access.purposes;

-- Registry actions (check, publish, rollback, remove) are requests like any other, for their own purpose.
ALTER TABLE access.purposes DROP CONSTRAINT purposes_kind_check;
ALTER TABLE access.purposes ADD CONSTRAINT purposes_kind_check CHECK (kind IN ('PROCEDURE', 'AUDIT', 'DEVELOPMENT', 'REGISTRY'));
INSERT INTO access.purposes (code, name, kind) VALUES ('REGISTRY', 'Publishing and managing subgraphs', 'REGISTRY');

-- Fresh facts: every change to a person's documents or dossiers is announced on channel once_entity_change, at
-- commit, so that the subgraphs drop that person's cached entity ('procedures:citizen') at once instead of after
-- ENTITY_CACHE_TTL_S. Statement-level triggers: a bulk load (the seed) announces once, as "everything changed".
CREATE FUNCTION procedures.announce_changed_citizens(keys text[]) RETURNS void LANGUAGE sql AS $$
  SELECT pg_notify('once_entity_change', json_build_object('namespace', 'procedures:citizen', 'keys', keys)::text)
$$;

CREATE FUNCTION procedures.documents_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM changed_rows) > 200 THEN
    PERFORM procedures.announce_changed_citizens(NULL);
  ELSE
    -- A dossier's view shows its result document: the applicant's entity changes with the holder's.
    PERFORM procedures.announce_changed_citizens(ARRAY(
      SELECT holder_id FROM changed_rows
      UNION SELECT d.applicant_id FROM changed_rows c JOIN procedures.dossiers d ON d.dossier_code = c.dossier_code));
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION procedures.dossiers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM changed_rows) > 200 THEN
    PERFORM procedures.announce_changed_citizens(NULL);
  ELSE
    PERFORM procedures.announce_changed_citizens(ARRAY(SELECT DISTINCT applicant_id FROM changed_rows));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER documents_inserted AFTER INSERT ON procedures.issued_documents REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.documents_changed();
CREATE TRIGGER documents_updated_from AFTER UPDATE ON procedures.issued_documents REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.documents_changed();
CREATE TRIGGER documents_updated_to AFTER UPDATE ON procedures.issued_documents REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.documents_changed();
CREATE TRIGGER documents_deleted AFTER DELETE ON procedures.issued_documents REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.documents_changed();

CREATE TRIGGER dossiers_inserted AFTER INSERT ON procedures.dossiers REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.dossiers_changed();
CREATE TRIGGER dossiers_updated_from AFTER UPDATE ON procedures.dossiers REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.dossiers_changed();
CREATE TRIGGER dossiers_updated_to AFTER UPDATE ON procedures.dossiers REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.dossiers_changed();
CREATE TRIGGER dossiers_deleted AFTER DELETE ON procedures.dossiers REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION procedures.dossiers_changed();

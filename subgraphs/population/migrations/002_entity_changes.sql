-- Fresh facts: every change to a citizen (a death, a new name, a birth) is announced on channel once_entity_change,
-- at commit, so that the subgraphs drop the cached entities ('population:citizen') it touches at once instead of
-- after ENTITY_CACHE_TTL_S: the person's own, and their parents' (whose children are listed with them).
-- Statement-level triggers: a bulk load (the seed) announces once, as "everything changed".
CREATE FUNCTION population.citizens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  keys text[];
BEGIN
  IF (SELECT count(*) FROM changed_rows) <= 200 THEN
    keys := ARRAY(SELECT personal_id FROM changed_rows
                  UNION SELECT father_id FROM changed_rows WHERE father_id IS NOT NULL
                  UNION SELECT mother_id FROM changed_rows WHERE mother_id IS NOT NULL);
  END IF;
  PERFORM pg_notify('once_entity_change', json_build_object('namespace', 'population:citizen', 'keys', keys)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER citizens_inserted AFTER INSERT ON population.citizens REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION population.citizens_changed();
CREATE TRIGGER citizens_updated_from AFTER UPDATE ON population.citizens REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION population.citizens_changed();
CREATE TRIGGER citizens_updated_to AFTER UPDATE ON population.citizens REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION population.citizens_changed();
CREATE TRIGGER citizens_deleted AFTER DELETE ON population.citizens REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION population.citizens_changed();

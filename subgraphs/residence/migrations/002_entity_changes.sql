-- Fresh facts: every change to a household, its members or a residence record is announced on channel
-- once_entity_change, at commit, so that the subgraphs drop the cached entities it touches at once instead of after
-- ENTITY_CACHE_TTL_S: the household ('residence:household') and every member of it, since a person's residence
-- entity embeds their household and its members ('residence:citizen'). A bulk load (the seed) announces once, as
-- "everything changed". (Numbered 002 beside 002_views.sql: it does not depend on the views.)
CREATE FUNCTION residence.announce_changes(households text[], citizens text[], everything boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF everything THEN
    PERFORM pg_notify('once_entity_change', json_build_object('namespace', 'residence:household', 'keys', NULL)::text);
    PERFORM pg_notify('once_entity_change', json_build_object('namespace', 'residence:citizen', 'keys', NULL)::text);
    RETURN;
  END IF;
  PERFORM pg_notify('once_entity_change', json_build_object('namespace', 'residence:household', 'keys', households)::text);
  PERFORM pg_notify('once_entity_change', json_build_object('namespace', 'residence:citizen', 'keys', ARRAY(
    SELECT unnest(citizens)
    UNION SELECT m.personal_id FROM residence.household_members m WHERE m.household_id = ANY(households)))::text);
END
$$;

-- households and household_members: the changed households, and the people named in the changed rows.
CREATE FUNCTION residence.households_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'households' THEN
    PERFORM residence.announce_changes(ARRAY(SELECT household_id FROM changed_rows), ARRAY(SELECT head_id FROM changed_rows),
                                       (SELECT count(*) FROM changed_rows) > 200);
  ELSE
    PERFORM residence.announce_changes(ARRAY(SELECT DISTINCT household_id FROM changed_rows), ARRAY(SELECT personal_id FROM changed_rows),
                                       (SELECT count(*) FROM changed_rows) > 200);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION residence.records_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM residence.announce_changes('{}', ARRAY(SELECT DISTINCT personal_id FROM changed_rows), (SELECT count(*) FROM changed_rows) > 200);
  RETURN NULL;
END
$$;

CREATE TRIGGER households_inserted AFTER INSERT ON residence.households REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();
CREATE TRIGGER households_updated_from AFTER UPDATE ON residence.households REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();
CREATE TRIGGER households_updated_to AFTER UPDATE ON residence.households REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();
CREATE TRIGGER households_deleted AFTER DELETE ON residence.households REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();

CREATE TRIGGER members_inserted AFTER INSERT ON residence.household_members REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();
CREATE TRIGGER members_updated_from AFTER UPDATE ON residence.household_members REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();
CREATE TRIGGER members_updated_to AFTER UPDATE ON residence.household_members REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();
CREATE TRIGGER members_deleted AFTER DELETE ON residence.household_members REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.households_changed();

CREATE TRIGGER records_inserted AFTER INSERT ON residence.residence_records REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.records_changed();
CREATE TRIGGER records_updated_from AFTER UPDATE ON residence.residence_records REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.records_changed();
CREATE TRIGGER records_updated_to AFTER UPDATE ON residence.residence_records REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.records_changed();
CREATE TRIGGER records_deleted AFTER DELETE ON residence.residence_records REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION residence.records_changed();

-- Read shapes for the subgraph: one row per household with its current members, one per residence record,
-- each with its address as a JSON object, so that a batch of citizens is answered by one statement.
CREATE VIEW residence.household_view AS
SELECT h.household_id AS "householdId",
       h.residence_file_number AS "residenceFileNumber",
       h.head_id AS "headId",
       json_build_object('detail', h.address_detail, 'commune', h.address_commune, 'district', h.address_district,
                         'province', h.address_province, 'scheme', h.address_scheme) AS address,
       (SELECT coalesce(json_agg(json_build_object('personalId', m.personal_id, 'relationshipToHead', m.relationship,
                                                   'since', m.joined_on)
                                 ORDER BY m.relationship <> 'HEAD', m.joined_on, m.personal_id), '[]'::json)
          FROM residence.household_members m
         WHERE m.household_id = h.household_id AND m.left_on IS NULL) AS members
  FROM residence.households h;

CREATE VIEW residence.record_view AS
SELECT r.record_id AS "recordId",
       r.personal_id AS "personalId",
       r.kind,
       r.household_id AS "householdId",
       json_build_object('detail', r.address_detail, 'commune', r.address_commune, 'district', r.address_district,
                         'province', r.address_province, 'scheme', r.address_scheme) AS address,
       r.registered_on AS "registeredOn",
       r.valid_until AS "validUntil",
       r.deregistered_on AS "deregisteredOn",
       r.deregistration_reason AS "deregistrationReason",
       r.registered_by AS "registeredBy"
  FROM residence.residence_records r;

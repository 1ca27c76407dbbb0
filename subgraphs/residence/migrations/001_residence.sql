CREATE SCHEMA IF NOT EXISTS residence;

-- An address as written at the time: district is set only under the three-level scheme (before 2025-07-01).
CREATE TYPE residence.address_scheme AS ENUM ('THREE_LEVEL', 'TWO_LEVEL');

CREATE TABLE residence.households (
  household_id          text PRIMARY KEY,
  residence_file_number text NOT NULL UNIQUE,
  head_id               text NOT NULL CHECK (head_id ~ '^[0-9]{12}$'),
  address_detail        text NOT NULL,
  address_commune       text NOT NULL,
  address_district      text,
  address_province      text NOT NULL,
  address_scheme        residence.address_scheme NOT NULL,
  CHECK ((address_scheme = 'THREE_LEVEL') = (address_district IS NOT NULL))
);

CREATE TABLE residence.household_members (
  household_id   text NOT NULL REFERENCES residence.households,
  personal_id    text NOT NULL CHECK (personal_id ~ '^[0-9]{12}$'),
  relationship   text NOT NULL,
  joined_on      date NOT NULL,
  left_on        date,
  PRIMARY KEY (household_id, personal_id, joined_on),
  CHECK (left_on IS NULL OR left_on >= joined_on)
);
-- A person belongs to at most one household at a time.
CREATE UNIQUE INDEX household_members_current_idx ON residence.household_members (personal_id) WHERE left_on IS NULL;

CREATE TABLE residence.residence_records (
  record_id             text PRIMARY KEY,
  personal_id           text NOT NULL CHECK (personal_id ~ '^[0-9]{12}$'),
  kind                  text NOT NULL CHECK (kind IN ('PERMANENT', 'TEMPORARY', 'TEMPORARY_ABSENCE')),
  household_id          text REFERENCES residence.households,
  address_detail        text NOT NULL,
  address_commune       text NOT NULL,
  address_district      text,
  address_province      text NOT NULL,
  address_scheme        residence.address_scheme NOT NULL,
  registered_on         date NOT NULL,
  valid_until           date,
  deregistered_on       date,
  deregistration_reason text,
  registered_by         text NOT NULL,
  CHECK ((address_scheme = 'THREE_LEVEL') = (address_district IS NOT NULL)),
  CHECK ((deregistered_on IS NULL) = (deregistration_reason IS NULL)),
  CHECK (kind = 'PERMANENT' OR valid_until IS NOT NULL)
);
CREATE INDEX residence_records_person_idx ON residence.residence_records (personal_id, registered_on);
-- At most one permanent residence in force per person.
CREATE UNIQUE INDEX residence_records_permanent_idx ON residence.residence_records (personal_id)
  WHERE kind = 'PERMANENT' AND deregistered_on IS NULL;

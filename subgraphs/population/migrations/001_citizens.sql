CREATE SCHEMA IF NOT EXISTS population;

CREATE TABLE population.citizens (
  personal_id              text PRIMARY KEY CHECK (personal_id ~ '^[0-9]{12}$'),
  full_name                text NOT NULL,
  other_names              text[] NOT NULL DEFAULT '{}',
  date_of_birth            date NOT NULL,
  sex                      text NOT NULL CHECK (sex IN ('MALE', 'FEMALE')),
  place_of_birth           text NOT NULL,
  place_of_birth_registration text NOT NULL,
  hometown                 text NOT NULL,
  ethnicity                text NOT NULL,
  religion                 text NOT NULL,
  nationality              text NOT NULL DEFAULT 'Việt Nam',
  blood_type               text CHECK (blood_type IN ('A', 'B', 'AB', 'O')),
  marital_status           text NOT NULL CHECK (marital_status IN ('SINGLE', 'MARRIED', 'DIVORCED', 'WIDOWED')),
  old_id_number            text CHECK (old_id_number ~ '^[0-9]{9}$'),
  id_card_issued_on        date,
  id_card_issued_by        text,
  id_card_expires_on       date,
  phone                    text,
  email                    text,
  occupation               text,
  life_status              text NOT NULL DEFAULT 'ALIVE' CHECK (life_status IN ('ALIVE', 'DECEASED', 'MISSING')),
  date_of_death            date,
  missing_since            date,
  father_id                text,
  mother_id                text,
  spouse_id                text,
  updated_at               timestamptz NOT NULL DEFAULT now(),
  CHECK ((life_status = 'DECEASED') = (date_of_death IS NOT NULL)),
  CHECK ((life_status = 'MISSING') = (missing_since IS NOT NULL)),
  CHECK ((id_card_issued_on IS NULL) = (id_card_issued_by IS NULL))
);

CREATE INDEX citizens_father_idx ON population.citizens (father_id) WHERE father_id IS NOT NULL;
CREATE INDEX citizens_mother_idx ON population.citizens (mother_id) WHERE mother_id IS NOT NULL;

import type { Queryable } from '../../platform';
import type { BloodType, LifeStatus, MaritalStatus, Sex } from './generated/resolvers-types';

/** One row of population.citizens, with the IDs of the person's children. */
export interface CitizenRecord {
  personalId: string;
  fullName: string;
  otherNames: string[];
  dateOfBirth: string;
  sex: Sex;
  placeOfBirth: string;
  placeOfBirthRegistration: string;
  hometown: string;
  ethnicity: string;
  religion: string;
  nationality: string;
  bloodType: BloodType | null;
  maritalStatus: MaritalStatus;
  oldIdNumber: string | null;
  idCardIssuedOn: string | null;
  idCardIssuedBy: string | null;
  idCardExpiresOn: string | null;
  phone: string | null;
  email: string | null;
  occupation: string | null;
  lifeStatus: LifeStatus;
  dateOfDeath: string | null;
  missingSince: string | null;
  fatherId: string | null;
  motherId: string | null;
  spouseId: string | null;
  childIds: string[];
}

const SELECT_CITIZENS = `
  SELECT c.personal_id AS "personalId", c.full_name AS "fullName", c.other_names AS "otherNames",
         c.date_of_birth AS "dateOfBirth", c.sex, c.place_of_birth AS "placeOfBirth",
         c.place_of_birth_registration AS "placeOfBirthRegistration", c.hometown, c.ethnicity, c.religion,
         c.nationality, c.blood_type AS "bloodType", c.marital_status AS "maritalStatus",
         c.old_id_number AS "oldIdNumber", c.id_card_issued_on AS "idCardIssuedOn",
         c.id_card_issued_by AS "idCardIssuedBy", c.id_card_expires_on AS "idCardExpiresOn", c.phone, c.email,
         c.occupation, c.life_status AS "lifeStatus", c.date_of_death AS "dateOfDeath",
         c.missing_since AS "missingSince", c.father_id AS "fatherId", c.mother_id AS "motherId",
         c.spouse_id AS "spouseId",
         ARRAY(SELECT k.personal_id FROM population.citizens k
               WHERE k.father_id = c.personal_id OR k.mother_id = c.personal_id
               ORDER BY k.date_of_birth, k.personal_id) AS "childIds"
  FROM population.citizens c
  WHERE c.personal_id = ANY($1::text[])`;

export interface CitizenRepository {
  /** The citizens among `personalIds` that exist, in no particular order: one statement whatever the count. */
  findByIds: (personalIds: readonly string[]) => Promise<CitizenRecord[]>;
}

export function createCitizenRepository(db: Queryable): CitizenRepository {
  return {
    findByIds: (personalIds) => db.query<CitizenRecord>(SELECT_CITIZENS, [personalIds]),
  };
}

import type { Queryable } from '../../platform';
import type { AddressScheme, RelationshipToHead, ResidenceKind } from './generated/resolvers-types';

export interface CitizenKey {
  personalId: string;
}

export interface AddressRecord {
  detail: string;
  commune: string;
  district: string | null;
  province: string;
  scheme: AddressScheme;
}

export interface MemberRecord {
  personalId: string;
  relationshipToHead: RelationshipToHead;
  since: string;
}

export interface HouseholdRecord {
  householdId: string;
  residenceFileNumber: string;
  headId: string;
  address: AddressRecord;
  /** Current members, the head first. */
  members: MemberRecord[];
}

export interface ResidenceRecordRow {
  recordId: string;
  personalId: string;
  kind: ResidenceKind;
  householdId: string | null;
  address: AddressRecord;
  registeredOn: string;
  validUntil: string | null;
  deregisteredOn: string | null;
  deregistrationReason: string | null;
  registeredBy: string;
}

/** Everything this subgraph holds about one person. */
export interface CitizenResidence {
  personalId: string;
  household: HouseholdRecord | null;
  relationshipToHead: RelationshipToHead | null;
  /** Oldest first. */
  records: ResidenceRecordRow[];
}

const SELECT_CITIZEN_RESIDENCE = `
  SELECT p.id AS "personalId",
         to_json(hv) AS household,
         m.relationship AS "relationshipToHead",
         (SELECT coalesce(json_agg(rv ORDER BY rv."registeredOn", rv."recordId"), '[]'::json)
            FROM residence.record_view rv WHERE rv."personalId" = p.id) AS records
    FROM unnest($1::text[]) AS p(id)
    LEFT JOIN residence.household_members m ON m.personal_id = p.id AND m.left_on IS NULL
    LEFT JOIN residence.household_view hv ON hv."householdId" = m.household_id`;

const SELECT_HOUSEHOLDS = `SELECT * FROM residence.household_view WHERE "householdId" = ANY($1::text[])`;

export interface ResidenceRepository {
  /** One row per asked ID, whether or not the person has residence data: one statement whatever the count. */
  findByCitizens: (personalIds: readonly string[]) => Promise<CitizenResidence[]>;
  findHouseholds: (householdIds: readonly string[]) => Promise<HouseholdRecord[]>;
}

export function createResidenceRepository(db: Queryable): ResidenceRepository {
  return {
    findByCitizens: (personalIds) => db.query<CitizenResidence>(SELECT_CITIZEN_RESIDENCE, [personalIds]),
    findHouseholds: (householdIds) => db.query<HouseholdRecord>(SELECT_HOUSEHOLDS, [householdIds]),
  };
}

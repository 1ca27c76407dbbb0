import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residence } from '../../subgraphs/residence';
import { one, openTestDatabase } from '../helpers/database';
import { subgraphHarness } from '../helpers/subgraph';

const db = openTestDatabase();
const subgraph = subgraphHarness(residence, db);
afterAll(() => db.close());

/** A person who moved: a closed three-level registration, then a current permanent one. */
let mover: string;
let householdId: string;
let members: string[];

beforeAll(async () => {
  mover = await one(
    db,
    `SELECT personal_id AS value FROM residence.residence_records WHERE kind = 'PERMANENT'
    GROUP BY personal_id HAVING count(*) >= 2 AND count(*) FILTER (WHERE deregistered_on IS NULL) = 1 ORDER BY 1 LIMIT 1`,
  );
  householdId = await one(
    db,
    `SELECT household_id AS value FROM residence.household_members WHERE left_on IS NULL
    GROUP BY household_id HAVING count(*) >= 3 ORDER BY 1 LIMIT 1`,
  );
  members = (
    await db.query<{ id: string }>('SELECT DISTINCT personal_id AS id FROM residence.household_members WHERE left_on IS NULL ORDER BY 1 LIMIT 100')
  ).map((row) => row.id);
});

const ENTITY_FIELDS = `personalId relationshipToHead household { householdId head { personalId } members { relationshipToHead citizen { personalId } } }
  permanentResidence { kind current address { scheme } } residenceHistory { kind registeredOn deregisteredOn deregistrationReason current address { scheme district text } }`;

describe('residence subgraph', () => {
  it('keeps the residence history oldest first, with the old three-level address and the reason it ended', async () => {
    const result = await subgraph.execute(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { ${ENTITY_FIELDS} } } }`, {
      r: [{ __typename: 'Citizen', personalId: mover }],
    });
    expect(result.errors).toBeUndefined();
    const citizen = result.data?._entities[0];
    const permanent = citizen.residenceHistory.filter((record: { kind: string }) => record.kind === 'PERMANENT');
    expect(permanent[0]).toMatchObject({ current: false, deregistrationReason: 'Chuyển đến nơi thường trú mới', address: { scheme: 'THREE_LEVEL' } });
    expect(permanent[0].address.district).toEqual(expect.any(String));
    expect(permanent.at(-1)).toMatchObject({ current: true, deregisteredOn: null });
    expect(citizen.permanentResidence).toMatchObject({ kind: 'PERMANENT', current: true });
    const dates = citizen.residenceHistory.map((record: { registeredOn: string }) => record.registeredOn);
    expect(dates).toEqual([...dates].sort());
  });

  it('lists a household with its head first and every member related to the head', async () => {
    const result = await subgraph.execute(
      `query ($id: ID!) { household(householdId: $id) { residenceFileNumber address { scheme text } head { personalId } members { relationshipToHead citizen { personalId } } } }`,
      { id: householdId },
    );
    const household = result.data?.household;
    expect(household.members.length).toBeGreaterThanOrEqual(3);
    expect(household.members[0]).toEqual({ relationshipToHead: 'HEAD', citizen: { personalId: household.head.personalId } });
    expect(household.members.slice(1).every((member: { relationshipToHead: string }) => member.relationshipToHead !== 'HEAD')).toBe(true);
    expect(household.address.scheme).toBe('TWO_LEVEL');
  });

  it('answers a residence confirmation from this subgraph alone', async () => {
    const result = await subgraph.execute(
      `query ($id: ID!) { residenceConfirmation(personalId: $id) { citizen { personalId } permanentResidence { address { text } } household { householdId } relationshipToHead asOf } }`,
      { id: mover },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.residenceConfirmation).toMatchObject({ citizen: { personalId: mover }, permanentResidence: { address: { text: expect.any(String) } } });
    expect(Date.parse(result.data?.residenceConfirmation.asOf)).not.toBeNaN();
  });

  it('confirms nothing for an unknown person and rejects a malformed ID', async () => {
    expect((await subgraph.execute(`{ residenceConfirmation(personalId: "001090999999") { asOf } }`)).data).toEqual({ residenceConfirmation: null });
    const bad = await subgraph.execute(`{ residenceConfirmation(personalId: "0010909") { asOf } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resolves household, residence and history of 100 citizens with one statement', async () => {
    subgraph.queries.reset();
    const result = await subgraph.execute(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { ${ENTITY_FIELDS} } } }`, {
      r: members.map((personalId) => ({ __typename: 'Citizen', personalId })),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.every((citizen: { household: unknown }) => citizen.household !== null)).toBe(true);
    expect(subgraph.queries.count).toBe(1);
  });
});

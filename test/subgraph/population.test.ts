import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { population } from '../../subgraphs/population';
import { one, openTestDatabase } from '../helpers/database';
import { subgraphHarness } from '../helpers/subgraph';

const db = openTestDatabase();
const subgraph = subgraphHarness(population, db);
afterAll(() => db.close());

let parent: string;
let someIds: string[];

beforeAll(async () => {
  parent = await one(
    db,
    `SELECT p.personal_id AS value FROM population.citizens p WHERE p.sex = 'MALE'
    AND (SELECT count(*) FROM population.citizens c WHERE c.father_id = p.personal_id) >= 2 AND p.id_card_issued_on IS NOT NULL ORDER BY 1 LIMIT 1`,
  );
  someIds = (await db.query<{ id: string }>('SELECT personal_id AS id FROM population.citizens ORDER BY personal_id LIMIT 100')).map((row) => row.id);
});

describe('population subgraph', () => {
  it('returns a citizen with identity card, spouse and children oldest first', async () => {
    const result = await subgraph.execute(
      `query ($id: ID!) { citizen(personalId: $id) { personalId sex identityCard { number issuedOn } spouse { spouse { personalId } } children { dateOfBirth father { personalId } } } }`,
      { id: parent },
    );
    expect(result.errors).toBeUndefined();
    const citizen = result.data?.citizen;
    expect(citizen).toMatchObject({ personalId: parent, sex: 'MALE', identityCard: { number: parent } });
    expect(citizen.spouse.spouse.personalId).toBe(parent);
    expect(citizen.children.length).toBeGreaterThanOrEqual(2);
    expect(citizen.children.every((child: { father: { personalId: string } }) => child.father.personalId === parent)).toBe(true);
    const births = citizen.children.map((child: { dateOfBirth: string }) => child.dateOfBirth);
    expect(births).toEqual([...births].sort());
  });

  it('answers null, not an error, for a well-formed ID nobody has', async () => {
    const result = await subgraph.execute(`{ citizen(personalId: "001090999999") { fullName } }`);
    expect(result).toEqual({ data: { citizen: null } });
  });

  it('rejects a malformed ID with BAD_USER_INPUT naming the rule', async () => {
    const result = await subgraph.execute(`{ citizen(personalId: "003090123456") { fullName } }`);
    expect(result.errors?.[0]).toMatchObject({
      message: 'personalId "003090123456" is not a valid personal ID: digits 1-3 "003" are not a province code of Circular 07/2016',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('returns citizens in the order asked, null where unknown, and names a bad ID by its index', async () => {
    const asked = [someIds[1], '001090999999', someIds[0]];
    const result = await subgraph.execute(`query ($ids: [ID!]!) { citizens(personalIds: $ids) { personalId } }`, { ids: asked });
    expect(result.data?.citizens).toEqual([{ personalId: someIds[1] }, null, { personalId: someIds[0] }]);

    const bad = await subgraph.execute(`query ($ids: [ID!]!) { citizens(personalIds: $ids) { personalId } }`, { ids: [someIds[0], 'abc'] });
    expect(bad.errors?.[0]?.message).toMatch(/^personalIds\[1\] "abc" is not a valid personal ID/);
  });

  it('refuses more IDs than MAX_CITIZENS_PER_QUERY', async () => {
    const result = await subgraph.execute(`query ($ids: [ID!]!) { citizens(personalIds: $ids) { personalId } }`, { ids: Array(101).fill(someIds[0]) });
    expect(result.errors?.[0]).toMatchObject({ message: 'personalIds has 101 IDs; at most 100 may be asked at once', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('loads 100 citizens and their parents and children with one statement per level', async () => {
    subgraph.queries.reset();
    const result = await subgraph.execute(`query ($ids: [ID!]!) { citizens(personalIds: $ids) { fullName father { fullName } children { fullName } } }`, {
      ids: someIds,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.citizens).toHaveLength(100);
    expect(subgraph.queries.count).toBe(2);
  });

  it('resolves 100 entity references with one statement', async () => {
    subgraph.queries.reset();
    const representations = someIds.map((personalId) => ({ __typename: 'Citizen', personalId }));
    const result = await subgraph.execute(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { personalId fullName } } }`, {
      r: representations,
    });
    expect(result.data?._entities.map((entity: { personalId: string }) => entity.personalId)).toEqual(someIds);
    expect(subgraph.queries.count).toBe(1);
  });
});

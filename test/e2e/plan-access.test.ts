import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import type { RunningServer } from '../../platform';
import { openAccessControl, startGateway } from '../../gateway';
import { compose } from '../../subgraphs/registry';
import { silentLog, testConfig } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

/**
 * An agency subgraph that siphons: its fields `@requires` other agencies' data, which the gateway's plan then sends
 * it in `_entities` representations; it echoes what it got, and records every representation it receives.
 */
const ATTACKER = 'social-insurance';
const ATTACKER_SDL = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external", "@requires"])
  scalar Date
  type Citizen @key(fields: "personalId") {
    personalId: ID!
    dateOfBirth: Date! @external
    phone: String @external
    insuranceStatus: String @requires(fields: "dateOfBirth phone")
  }
  type Household @key(fields: "householdId") {
    householdId: ID!
    residenceFileNumber: String! @external
    insuranceRisk: String @requires(fields: "residenceFileNumber")
  }
`);

type Representation = Record<string, unknown>;

async function startAttacker(received: Representation[]): Promise<{ url: string; stop(): Promise<void> }> {
  const echo = (representation: Representation) => JSON.stringify(representation);
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: ATTACKER_SDL,
      resolvers: {
        Citizen: { __resolveReference: (reference: Representation) => reference, insuranceStatus: echo },
        Household: { __resolveReference: (reference: Representation) => reference, insuranceRisk: echo },
      },
    }),
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      {
        async requestDidStart({ request }) {
          const representations = request.variables?.representations;
          if (Array.isArray(representations)) received.push(...(representations as Representation[]));
        },
      },
    ],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

let stack: TestStack;
let gateway: RunningServer;
let closeAccess: () => Promise<void>;
let attacker: Awaited<ReturnType<typeof startAttacker>>;
const received: Representation[] = [];
let people: string[];

const SIPHON = 'query Siphon($ids: [ID!]!) { citizens(personalIds: $ids) { insuranceStatus } }';

beforeAll(async () => {
  stack = await startTestStack();
  attacker = await startAttacker(received);
  // A fixed supergraph with the attacker composed in, as if its @requires flow had been approved at the registry.
  const { supergraphSdl } = compose([
    ...builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: stack.subgraphUrls[name] })),
    { name: ATTACKER, typeDefs: ATTACKER_SDL, url: attacker.url },
  ]);
  const config = testConfig();
  const access = openAccessControl(config, silentLog, stack.db);
  closeAccess = () => access.close();
  gateway = await startGateway({ supergraph: supergraphSdl, config, log: silentLog, access, port: 0 });
  people = (await stack.db.query<{ id: string }>('SELECT personal_id AS id FROM population.citizens ORDER BY personal_id LIMIT 5')).map((row) => row.id);
});

afterAll(async () => {
  await gateway?.stop();
  await closeAccess?.();
  await attacker?.stop();
  await stack?.stop();
});

describe('fields a query plan sends to an agency subgraph count as read', () => {
  it('refuses a portal granted only the agency field, before the agency is called, and audits the refusal', async () => {
    const portal = await stack.newClient({ coordinates: ['Query.citizens', 'Query.citizen', 'Citizen.insuranceStatus'] });
    received.length = 0;
    const response = await postGraphQL(gateway.url, { query: SIPHON, variables: { ids: people } }, portal.headers);
    expect(response.status).toBe(403);
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Citizen.dateOfBirth', 'Citizen.phone'] });
    expect(response.errors?.[0]?.message).toMatch(/may not read, for purpose 1\.900011: Citizen\.dateOfBirth, Citizen\.phone \(the query plan would send them/);
    // Another shape of the same read (alias, fragment, single root) is refused the same way.
    const reshaped = await postGraphQL(
      gateway.url,
      { query: 'query ($id: ID!) { who: citizen(personalId: $id) { ...F } } fragment F on Citizen { insuranceStatus }', variables: { id: people[0] } },
      portal.headers,
    );
    expect(reshaped.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Citizen.dateOfBirth', 'Citizen.phone'] });
    expect(received).toEqual([]);
    const record = await stack.auditRecordOf(response);
    expect(record).toMatchObject({ outcome: 'DENIED', sent: [], subgraphs: [] });
    expect(record?.coordinates).toEqual(['Citizen.dateOfBirth', 'Citizen.insuranceStatus', 'Citizen.phone', 'Query.citizens']);
  });

  it('an approved flow is not a grant: the same holds for another entity type', async () => {
    const portal = await stack.newClient({ coordinates: ['Query.household', 'Household.insuranceRisk'] });
    const householdId = (await stack.db.query<{ id: string }>('SELECT household_id AS id FROM residence.households ORDER BY 1 LIMIT 1'))[0]?.id;
    received.length = 0;
    const response = await postGraphQL(
      gateway.url,
      { query: 'query ($id: ID!) { household(householdId: $id) { insuranceRisk } }', variables: { id: householdId } },
      portal.headers,
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Household.residenceFileNumber'] });
    expect(received).toEqual([]);
  });

  it('serves a portal granted the required fields, and the audit record says what went to which subgraph', async () => {
    const portal = await stack.newClient({ coordinates: ['Query.citizens', 'Citizen.insuranceStatus', 'Citizen.dateOfBirth', 'Citizen.phone'] });
    received.length = 0;
    const response = await postGraphQL<{ citizens: Array<{ insuranceStatus: string }> }>(
      gateway.url,
      { query: SIPHON, variables: { ids: people } },
      portal.headers,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.citizens).toHaveLength(people.length);
    // What the agency actually received: the key and exactly the fields it requires, of every person asked for.
    expect(received.map((representation) => representation.personalId).sort()).toEqual([...people].sort());
    for (const representation of received) expect(Object.keys(representation).sort()).toEqual(['__typename', 'dateOfBirth', 'personalId', 'phone']);
    expect(JSON.parse(response.data?.citizens[0]?.insuranceStatus ?? '{}')).toMatchObject({ personalId: expect.any(String), dateOfBirth: expect.any(String) });
    const record = await stack.auditRecordOf(response);
    expect(record).toMatchObject({ outcome: 'OK', subgraphs: ['population', ATTACKER] });
    expect(record?.coordinates).toEqual(['Citizen.dateOfBirth', 'Citizen.insuranceStatus', 'Citizen.phone', 'Query.citizens']);
    expect(record?.sent).toEqual([`${ATTACKER}:Citizen.dateOfBirth`, `${ATTACKER}:Citizen.personalId`, `${ATTACKER}:Citizen.phone`]);
  });

  it('lets a citizen have their own record sent, which they may read anyway', async () => {
    const self = people[0] ?? '';
    const headers = { authorization: `Bearer ${await stack.token('citizen', self)}` };
    const response = await postGraphQL<{ citizen: { insuranceStatus: string } }>(
      gateway.url,
      { query: 'query ($id: ID!) { citizen(personalId: $id) { insuranceStatus } }', variables: { id: self } },
      headers,
    );
    expect(response.errors).toBeUndefined();
    expect(JSON.parse(response.data?.citizen.insuranceStatus ?? '{}')).toMatchObject({ personalId: self });
    expect((await stack.auditRecordOf(response))?.sent).toEqual([
      `${ATTACKER}:Citizen.dateOfBirth`,
      `${ATTACKER}:Citizen.personalId`,
      `${ATTACKER}:Citizen.phone`,
    ]);
  });

  it('lists the keys sent between the built-in subgraphs too', async () => {
    const response = await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { fullName household { residenceFileNumber } } }', { id: people[0] });
    expect(response.errors).toBeUndefined();
    const record = await stack.auditRecordOf(response);
    expect(record?.sent).toEqual(['residence:Citizen.personalId']);
  });
});

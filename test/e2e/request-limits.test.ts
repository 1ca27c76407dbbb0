import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spreadPersonalIds } from '../../subgraphs/population';
import { builtInSubgraphs } from '../../subgraphs';
import type { RunningServer } from '../../platform';
import { openAccessControl, operationCost, startGateway } from '../../gateway';
import { composeSupergraph } from '../../subgraphs/registry';
import { silentLog, testConfig } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';
import { startTcpProxy, type TcpProxy } from '../../bench';

/** The flood of issue 11: within depth and alias limits, 29 aliases of citizens(100 IDs) with households, members and documents. */
const FLOOD_FIELDS = 'fullName dateOfBirth household { members { relationshipToHead citizen { fullName dateOfBirth } } } documents { number issuedOn }';
const flood = (aliases: number) =>
  `query ($ids: [ID!]!) { ${Array.from({ length: aliases }, (_, index) => `a${index}: citizens(personalIds: $ids) { ${FLOOD_FIELDS} }`).join(' ')} }`;
const NAME = 'query ($id: ID!) { citizen(personalId: $id) { fullName documents { number } } }';

let stack: TestStack;
let ids: string[];
/** The procedures subgraph, slowed down: requests stay in flight long enough to overlap. */
let slow: TcpProxy;
let gateway: RunningServer;
let access: ReturnType<typeof openAccessControl>;
beforeAll(async () => {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  stack = await startTestStack({ MAX_RESPONSE_BYTES: '20000' });
  ids = await spreadPersonalIds(stack.db, 100);
  slow = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(stack.subgraphUrls.procedures).port) });
  slow.delay(400);
  const urls = { ...stack.subgraphUrls, procedures: slow.through(stack.subgraphUrls.procedures) };
  const config = testConfig({ MAX_CONCURRENT_PER_PRINCIPAL: '2' });
  access = openAccessControl(config, silentLog, stack.db);
  gateway = await startGateway({
    supergraph: composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: urls[name] }))),
    config,
    log: silentLog,
    access,
    port: 0,
  });
});
afterAll(async () => {
  await gateway?.stop(100);
  await access?.close();
  await slow?.close();
  await stack?.stop();
});

async function auditedAs(requestId: string | null): Promise<{ outcome: string; error_codes: string[] } | undefined> {
  const [record] = await stack.db.query<{ outcome: string; error_codes: string[] }>('SELECT outcome, error_codes FROM audit.records WHERE request_id = $1', [
    requestId,
  ]);
  return record;
}

describe('request limits that count what a request really costs', () => {
  it('refuses the flood of issue 11 by its cost with list sizes (COST_LIMIT_EXCEEDED), before any subgraph is asked, and audits it', async () => {
    stack.queries.population.reset();
    const response = await stack.graphql(flood(29), { ids });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', maxCost: 50_000, cost: expect.any(Number) });
    expect(response.errors?.[0]?.extensions?.cost).toBeGreaterThan(29 * 100 * 10);
    expect(response.errors?.[0]?.message).toMatch(/^Operation costs \d+, more than the limit of 50000 \(MAX_COST\)/);
    expect(stack.queries.population.count).toBe(0);
    expect(await auditedAs(response.headers.get('x-request-id'))).toEqual({ outcome: 'INVALID', error_codes: ['COST_LIMIT_EXCEEDED'] });
  });

  it('counts a list argument given inline as by variable, and `first`, and lets a single copy of the flood through', async () => {
    const costOf = (query: string, variables: Record<string, unknown> = {}) => {
      const document = parse(query);
      const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
      if (!operation) throw new Error('no operation');
      return operationCost(stack.apiSchema, document, operation, variables, 10);
    };
    const three = ids.slice(0, 3);
    const byVariable = costOf('query ($ids: [ID!]!) { citizens(personalIds: $ids) { fullName household { members { relationshipToHead } } } }', { ids: three });
    expect(byVariable).toBe(1 + 3 * (1 + 1 + 1 * (1 + 10 * 1)));
    expect(costOf(`{ citizens(personalIds: ${JSON.stringify(three)}) { fullName household { members { relationshipToHead } } } }`)).toBe(byVariable);
    expect(costOf('{ auditRecords(first: 50) { records { seq outcome } } }')).toBe(1 + 1 + 50 * 2);
    const single = await stack.graphql<{ a0: unknown[] }>(flood(1), { ids: ids.slice(0, 20) });
    expect(single.errors).toBeUndefined();
    expect(single.data?.a0).toHaveLength(20);
  });

  it('refuses an answer larger than MAX_RESPONSE_BYTES with RESPONSE_TOO_LARGE, and audits the refusal, not the data', async () => {
    const response = await stack.graphql(flood(1), { ids });
    expect(response.status).toBe(413);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: 'RESPONSE_TOO_LARGE' },
      message: expect.stringMatching(/more than the limit of 20000 \(MAX_RESPONSE_BYTES\)/),
    });
    expect(await auditedAs(response.headers.get('x-request-id'))).toEqual({ outcome: 'INVALID', error_codes: ['RESPONSE_TOO_LARGE'] });
  });

  it('lets one principal run at most MAX_CONCURRENT_PER_PRINCIPAL operations at once (CONCURRENCY_LIMITED, Retry-After), others unaffected', async () => {
    const other = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName', 'Citizen.documents', 'IssuedDocument.number'] });
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => postGraphQL(gateway.url, { query: NAME, variables: { id: ids[0] } }, stack.portal.headers)),
    );
    const limited = responses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(responses.filter((response) => response.status === 200 && !response.errors).length).toBeGreaterThanOrEqual(2);
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
    expect(limited[0]?.errors?.[0]).toMatchObject({
      extensions: { code: 'CONCURRENCY_LIMITED' },
      message: expect.stringMatching(/^client:test-portal-\w+ already has 2 requests running/),
    });
    const afterwards = await Promise.all(
      [stack.portal.headers, other.headers].map((headers) => postGraphQL(gateway.url, { query: NAME, variables: { id: ids[0] } }, headers)),
    );
    for (const response of afterwards) expect(response.errors).toBeUndefined();
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import type { RunningServer } from '../../platform';
import { composeSupergraph } from '../../subgraphs/registry';
import { startGateway } from '../../gateway';
import { one, silentLog, testConfig } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let id: string;
beforeAll(async () => {
  stack = await startTestStack();
  id = await one<string>(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 LIMIT 1');
});
afterAll(() => stack?.stop());

const DOCUMENTS = 'query ($id: ID!) { citizen(personalId: $id) { fullName documents { number } } }';
const NAME = 'query ($id: ID!) { citizen(personalId: $id) { fullName } }';

/** The bare gateway (no access control) over the stack's subgraphs, with procedures replaced by a server that never answers. */
async function withHangingProcedures(overrides: Record<string, string>, use: (gatewayUrl: string) => Promise<void>): Promise<void> {
  const hanging: Server = createServer(() => {});
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const urls = { ...stack.subgraphUrls, procedures: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql` };
  const supergraphSdl = composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: urls[name] })));
  let gateway: RunningServer | undefined;
  try {
    gateway = await startGateway({ supergraph: supergraphSdl, config: testConfig(overrides), log: silentLog, access: null, port: 0 });
    await use(gateway.url);
  } finally {
    await gateway?.stop(100);
    hanging.closeAllConnections();
    hanging.close();
  }
}

describe('a subgraph that fails', () => {
  it('that hangs is abandoned after SUBGRAPH_TIMEOUT_MS, named, and the other subgraphs still answer', async () => {
    await withHangingProcedures({ SUBGRAPH_TIMEOUT_MS: '300' }, async (url) => {
      const response = await postGraphQL<{ citizen: { fullName: string; documents: unknown[] } | null }>(url, { query: DOCUMENTS, variables: { id } });
      expect(response.errors?.[0]).toEqual({
        message: 'Subgraph procedures did not answer within 300 ms (SUBGRAPH_TIMEOUT_MS)',
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'procedures' },
      });
      const unaffected = await postGraphQL<{ citizen: { fullName: string } }>(url, { query: NAME, variables: { id } });
      expect(unaffected.data?.citizen.fullName).toEqual(expect.any(String));
    });
  });

  it('that makes requests pile up gets the gateway to refuse those past MAX_IN_FLIGHT at once, and to admit them again after', async () => {
    await withHangingProcedures({ SUBGRAPH_TIMEOUT_MS: '1000', MAX_IN_FLIGHT: '2' }, async (url) => {
      const stuck = [1, 2].map(() => postGraphQL(url, { query: DOCUMENTS, variables: { id } }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = await postGraphQL(url, { query: NAME, variables: { id } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.errors?.[0]).toEqual({
        message: 'Server is at its limit of 2 requests in flight (MAX_IN_FLIGHT); retry shortly',
        extensions: { code: 'OVERLOADED' },
      });
      for (const response of await Promise.all(stuck)) expect(response.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
      const admitted = await postGraphQL<{ citizen: { fullName: string } }>(url, { query: NAME, variables: { id } });
      expect(admitted.data?.citizen.fullName).toEqual(expect.any(String));
    });
  });

  it('that is down is named, without its address', async () => {
    await stack.stopSubgraph('procedures');
    const response = await stack.graphql(DOCUMENTS, { id });
    expect(response.status).toBe(200);
    expect(response.errors?.[0]).toEqual({
      message: 'Subgraph procedures could not be reached (ECONNREFUSED)',
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'procedures' },
    });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import type { RunningServer } from '../../subgraphs/common/http-server';
import { composeSupergraph } from '../../gateway/compose';
import { startGateway } from '../../gateway/server';
import { one, silentLog, testConfig } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let id: string;
beforeAll(async () => {
  stack = await startTestStack();
  id = await one<string>(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 LIMIT 1');
});
afterAll(() => stack?.stop());

describe('a subgraph that fails', () => {
  it('that hangs is abandoned after SUBGRAPH_TIMEOUT_MS, named, and the other subgraphs still answer', async () => {
    const hanging: Server = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql`;
    const urls = { ...stack.subgraphUrls, procedures: hangingUrl };
    const supergraphSdl = composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: urls[name] })));
    let gateway: RunningServer | undefined;
    try {
      // The bare gateway (no access control): this test is about the data source's timeout.
      gateway = await startGateway({ supergraph: supergraphSdl, config: testConfig({ SUBGRAPH_TIMEOUT_MS: '300' }), log: silentLog, access: null, port: 0 });
      const response = await postGraphQL<{ citizen: { fullName: string; documents: unknown[] } | null }>(gateway.url, {
        query: 'query ($id: ID!) { citizen(personalId: $id) { fullName documents { number } } }',
        variables: { id },
      });
      expect(response.errors?.[0]).toEqual({
        message: 'Subgraph procedures did not answer within 300 ms (SUBGRAPH_TIMEOUT_MS)',
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'procedures' },
      });
      const unaffected = await postGraphQL<{ citizen: { fullName: string } }>(gateway.url, { query: 'query ($id: ID!) { citizen(personalId: $id) { fullName } }', variables: { id } });
      expect(unaffected.data?.citizen.fullName).toEqual(expect.any(String));
    } finally {
      await gateway?.stop(100);
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('that is down is named, without its address', async () => {
    await stack.stopSubgraph('procedures');
    const response = await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { fullName documents { number } } }', { id });
    expect(response.status).toBe(200);
    expect(response.errors?.[0]).toEqual({
      message: 'Subgraph procedures could not be reached (ECONNREFUSED)',
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'procedures' },
    });
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import type { RunningServer } from '../../platform';
import { openAccessControl, startGateway } from '../../gateway';
import { composeSupergraph } from '../../subgraphs/registry';
import { one, silentLog, testConfig } from '../helpers/database';
import { postGraphQL, startTestStack, type GraphQLResponse, type TestStack } from '../helpers/stack';
import { startTcpProxy } from '../../bench';

/** The name comes from population, the documents from procedures (non-null: a failure there nulls `papers` only). */
const DOCUMENTS = 'query ($id: ID!) { person: citizen(personalId: $id) { fullName } papers: citizen(personalId: $id) { documents { number } } }';
type Documents = { person: { fullName: string } | null; papers: { documents: Array<{ number: string }> } | null };

let stack: TestStack;
let id: string;
beforeAll(async () => {
  // Checked when an ApolloGateway is built: no usage reports (nor cloud metadata probes) leave the machine.
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  stack = await startTestStack();
  id = await one<string>(stack.db, 'SELECT holder_id AS value FROM procedures.issued_documents ORDER BY 1 LIMIT 1');
});
afterAll(() => stack?.stop());

/** A gateway with access control and audit, over the stack's subgraphs with procedures at `proceduresUrl`. */
async function withProceduresAt(
  proceduresUrl: string,
  use: (ask: () => Promise<GraphQLResponse<Documents>>, gatewayUrl: string) => Promise<void>,
  overrides: Record<string, string> = {},
): Promise<void> {
  const urls = { ...stack.subgraphUrls, procedures: proceduresUrl };
  const supergraph = composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: urls[name] })));
  const config = testConfig(overrides);
  const access = openAccessControl(config, silentLog, stack.db);
  let gateway: RunningServer | undefined;
  try {
    gateway = await startGateway({ supergraph, config, log: silentLog, access, port: 0 });
    const url = gateway.url;
    await use(() => postGraphQL<Documents>(url, { query: DOCUMENTS, variables: { id } }, stack.portal.headers), url);
  } finally {
    await gateway?.stop(100);
    await access.close();
  }
}

/** What the portal must never see of a subgraph: its address, its body, its own authentication error. */
function expectNothingLeaked(response: GraphQLResponse<Documents>, address: string): void {
  const text = JSON.stringify(response);
  expect(text).not.toContain(address);
  expect(text).not.toMatch(/UNAUTHENTICATED|secret-internal|relation "|stacktrace|"response"/);
}

/** A stand-in procedures subgraph that answers as `answer` says. */
async function fakeSubgraph(
  answer: (request: IncomingMessage, response: ServerResponse, body: string) => void,
): Promise<{ url: string; address: string; requests: () => number; close(): void }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests += 1;
      answer(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${address}/graphql`,
    address,
    requests: () => requests,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

describe('a subgraph that fails is named, never leaked', () => {
  const cases: Array<{ name: string; answer: Parameters<typeof fakeSubgraph>[0]; code: string; message: RegExp }> = [
    {
      name: 'answers 503 (starting)',
      answer: (_, response) => json(response, 503, { errors: [{ message: 'secret-internal starting' }] }),
      code: 'SUBGRAPH_UNAVAILABLE',
      message: /^Subgraph procedures answered HTTP 503$/,
    },
    {
      name: 'answers 401 (its own secret or clock is wrong)',
      answer: (_, response) =>
        json(response, 401, { errors: [{ message: 'Request refused: secret-internal signature', extensions: { code: 'UNAUTHENTICATED' } }] }),
      code: 'SUBGRAPH_UNAVAILABLE',
      message: /^Subgraph procedures answered HTTP 401$/,
    },
    {
      name: 'answers 200 with HTML',
      answer: (_, response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>secret-internal page</html>');
      },
      code: 'SUBGRAPH_UNAVAILABLE',
      message: /^Subgraph procedures gave a malformed answer$/,
    },
    {
      name: 'answers 200 with broken JSON',
      answer: (_, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"data": {"secret-internal');
      },
      code: 'SUBGRAPH_UNAVAILABLE',
      message: /^Subgraph procedures gave a malformed answer$/,
    },
    {
      name: 'answers its own unexpected GraphQL error',
      answer: (_, response) =>
        json(response, 200, {
          data: { _entities: [null] },
          errors: [{ message: 'relation "procedures.x" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        }),
      code: 'SUBGRAPH_ERROR',
      message: /^Subgraph procedures failed to answer part of the request$/,
    },
    {
      name: 'trickles its body past SUBGRAPH_TIMEOUT_MS (each byte within undici’s idle timers)',
      answer: (_, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => (response.writableEnded ? clearInterval(timer) : response.write(' ')), 100);
        response.on('close', () => clearInterval(timer));
      },
      code: 'SUBGRAPH_UNAVAILABLE',
      message: /^Subgraph procedures did not answer within 500 ms \(SUBGRAPH_TIMEOUT_MS\)$/,
    },
  ];
  for (const { name, answer, code, message } of cases) {
    it(`that ${name}: ${code} with serviceName, the other subgraphs' data, and an audit record`, async () => {
      const fake = await fakeSubgraph(answer);
      try {
        await withProceduresAt(
          fake.url,
          async (ask) => {
            const response = await ask();
            expect(response.status).toBe(200);
            expect(response.data?.person?.fullName).toEqual(expect.any(String));
            expect(response.errors).toEqual([
              expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code, serviceName: 'procedures' }) }),
            ]);
            expectNothingLeaked(response, fake.address);
            const requestId = response.headers.get('x-request-id');
            const [record] = await stack.db.query<{ outcome: string; error_codes: string[] }>(
              'SELECT outcome, error_codes FROM audit.records WHERE request_id = $1',
              [requestId],
            );
            expect(record).toEqual({ outcome: 'PARTIAL', error_codes: [code] });
          },
          { SUBGRAPH_TIMEOUT_MS: '500' },
        );
      } finally {
        fake.close();
      }
    });
  }

  it('that resets the connection of a read is asked once more, and the portal gets the data', async () => {
    const real = new URL(stack.subgraphUrls.procedures);
    const fake = await fakeSubgraph((request, response, body) => {
      if (fake.requests() === 1) return void request.socket.resetAndDestroy();
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host' && entry[0] !== 'content-length',
        ),
      );
      void fetch(real, { method: 'POST', headers, body }).then(async (answer) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(await answer.text());
      });
    });
    try {
      await withProceduresAt(fake.url, async (ask) => {
        const response = await ask();
        expect(response.errors).toBeUndefined();
        expect(response.data?.papers?.documents.length).toBeGreaterThan(0);
        expect(fake.requests()).toBe(2);
      });
    } finally {
      fake.close();
    }
  });

  it('that is cut is skipped by its circuit breaker (no more connections tried), and used again once it is back', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(stack.subgraphUrls.procedures).port) });
    try {
      await withProceduresAt(proxy.through(stack.subgraphUrls.procedures), async (ask, gatewayUrl) => {
        expect((await ask()).errors).toBeUndefined();
        proxy.cut();
        const failures = [];
        for (let index = 0; index < 8; index += 1) failures.push(await ask());
        for (const response of failures) {
          expect(response.data?.person?.fullName).toEqual(expect.any(String));
          expect(response.errors?.[0]?.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'procedures' });
          expectNothingLeaked(response, `127.0.0.1:${proxy.port}`);
        }
        expect(failures.at(-1)?.errors?.[0]?.message).toBe('Subgraph procedures is unavailable: it failed repeatedly and is tried again shortly');
        const health = (await (await fetch(new URL('/health', gatewayUrl))).json()) as { openCircuits: string[] };
        expect(health.openCircuits).toEqual(['procedures']);
        const triedWhileOpen = proxy.connections;
        await ask();
        expect(proxy.connections).toBe(triedWhileOpen);
        proxy.restore();
        let recovered: GraphQLResponse<Documents> | undefined;
        for (let attempt = 0; attempt < 40 && !recovered; attempt += 1) {
          const response = await ask();
          if (!response.errors) recovered = response;
          else await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(recovered?.data?.papers?.documents.length).toBeGreaterThan(0);
      });
    } finally {
      await proxy.close();
    }
  });
});

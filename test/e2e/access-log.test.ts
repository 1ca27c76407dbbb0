import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTracing, type Tracing } from '../../platform';
import { one } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

type Line = Record<string, unknown>;
const lines: Line[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
    done();
  },
});

let tracing: Tracing | null;
let stack: TestStack;
let subject: string;
let fullName: string;

const PROFILE = `query Profile($id: ID!) { citizen(personalId: $id) { personalId fullName dateOfBirth } }`;

beforeAll(async () => {
  tracing = await startTracing({ service: 'once-test', exporter: new InMemorySpanExporter() });
  stack = await startTestStack({}, { log: pino({ level: 'info' }, sink) });
  [subject, fullName] = await stack.db
    .query<{ id: string; name: string }>('SELECT personal_id AS id, full_name AS name FROM population.citizens ORDER BY 1 LIMIT 1')
    .then(([row]) => [row?.id ?? '', row?.name ?? '']);
});
afterAll(async () => {
  await stack?.stop();
  await tracing?.stop();
});

/** The access lines of one request (the gateway's and its subgraphs'), once all are written. */
async function accessLines(requestId: string, count: number): Promise<Line[]> {
  return vi.waitFor(() => {
    const found = lines.filter((line) => line.msg === 'access' && line.requestId === requestId);
    expect(found.length).toBeGreaterThanOrEqual(count);
    return found;
  });
}

describe('the access log', () => {
  it('has one info line per request with who, why, what and how it ended, and none of the response', async () => {
    const response = await stack.graphql(PROFILE, { id: subject });
    expect(response.data?.citizen.fullName).toBe(fullName);
    const requestId = response.headers.get('x-request-id') ?? '';
    const [gateway, ...others] = (await accessLines(requestId, 2)).filter((line) => line.subgraph === undefined);
    expect(others).toEqual([]);
    const traceId = await one<string>(stack.db, 'SELECT trace_id AS value FROM audit.records WHERE request_id = $1', [requestId]);
    expect(gateway).toMatchObject({
      level: 30,
      requestId,
      traceId,
      client: stack.portal.clientId,
      purpose: '1.900011',
      operationName: 'Profile',
      operationHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      outcome: 'OK',
      status: 200,
      ms: expect.any(Number),
      // The body as sent, which is the JSON of the data and a newline.
      bytes: Buffer.byteLength(JSON.stringify({ data: response.data })) + 1,
      remoteAddress: expect.stringMatching(/127\.0\.0\.1$/),
      method: 'POST',
      path: '/graphql',
    });
    const text = JSON.stringify(gateway);
    for (const secret of [subject, fullName, String(response.data?.citizen.dateOfBirth), 'CASE-1', 'officer-1']) expect(text).not.toContain(secret);
  });

  it('has a line from each subgraph the request reached, under the same request and trace id', async () => {
    const response = await stack.graphql(PROFILE, { id: subject });
    const requestId = response.headers.get('x-request-id') ?? '';
    const found = await accessLines(requestId, 2);
    const gateway = found.find((line) => line.subgraph === undefined);
    const population = found.find((line) => line.subgraph === 'population');
    expect(population).toMatchObject({ traceId: gateway?.traceId, client: stack.portal.clientId, purpose: '1.900011', outcome: 'OK', status: 200 });
    expect(JSON.stringify(population)).not.toContain(subject);
  });

  it('logs an unauthenticated attempt with its remote address', async () => {
    const response = await postGraphQL(stack.gatewayUrl, { query: PROFILE, variables: { id: subject } }, { 'x-api-key': 'once_forged_key' });
    expect(response.status).toBe(401);
    const [line] = await accessLines(response.headers.get('x-request-id') ?? '', 1);
    expect(line).toMatchObject({
      client: 'anonymous',
      outcome: 'REFUSED',
      code: 'UNAUTHENTICATED',
      status: 401,
      remoteAddress: expect.stringMatching(/127\.0\.0\.1$/),
    });
    expect(JSON.stringify(line)).not.toContain(subject);
  });

  it('names a citizen by kind only, never by personal ID', async () => {
    const token = await stack.token('citizen', subject);
    const response = await postGraphQL(stack.gatewayUrl, { query: 'query Mine { myAccessHistory { events { at } } }' }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    const line = (await accessLines(response.headers.get('x-request-id') ?? '', 2)).find((each) => each.subgraph === undefined);
    expect(line).toMatchObject({ client: 'citizen', operationName: 'Mine', status: 200 });
    expect(JSON.stringify(lines.filter((each) => each.requestId === line?.requestId))).not.toContain(subject);
  });
});

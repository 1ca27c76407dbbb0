import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient, disableClient, grant, issueApiKey, listGrants, revokeApiKey, gatewayMigrations, reachableCoordinates } from '../../gateway';
import { migrate } from '../../platform';
import { verifyChain } from '../../subgraphs/audit';
import { one, scratchDatabase } from '../helpers/database';
import { postGraphQL, startTestStack, type TestClient, type TestStack } from '../helpers/stack';

/** What the log holds about one request, found by the id the gateway answered with. */
interface RecordRow {
  principal: string;
  client_id: string | null;
  key_id: string | null;
  client_request_id: string | null;
  outcome: string;
  error_codes: string[];
  subjects: string[];
  officer: string | null;
  purpose: string | null;
  case_number: string | null;
  operation_name: string | null;
  coordinates: string[];
  details: string | null;
}

const NAME = 'query ($id: ID!) { citizen(personalId: $id) { fullName } }';
const MAX_BODY_BYTES = 8_192;
const MAX_DEPTH = 5;

let stack: TestStack;
let portal: TestClient;
let subject: string;

beforeAll(async () => {
  stack = await startTestStack({ MAX_BODY_BYTES: String(MAX_BODY_BYTES), MAX_DEPTH: String(MAX_DEPTH), ACCESS_CACHE_MS: '0' });
  portal = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName', 'Query.procedures', 'Procedure.code'] });
  subject = await one(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 LIMIT 1');
});
afterAll(() => stack?.stop());

function recordsOf(requestId: string | null): Promise<RecordRow[]> {
  return stack.db.query<RecordRow>(
    `SELECT principal, client_id, key_id, client_request_id, outcome, error_codes, subjects, officer, purpose, case_number, operation_name, coordinates, details
       FROM audit.records WHERE request_id = $1`,
    [requestId],
  );
}

/** A raw HTTP request to the gateway's origin; the gateway's own request id comes back in x-request-id. */
async function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await fetch(new URL(path, stack.gatewayUrl), {
    method: init.method ?? 'POST',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    errors: (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors,
  };
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

describe('hostile personal IDs', () => {
  const HOSTILE = ['\u0000', '\ud800', randomBytes(1_800).toString('hex')];

  it('fail no other request, and each attack has its own record with the inputs counted and hashed, not stored', async () => {
    const citizen = await stack.token('citizen', subject);
    const attackers = [
      { authorization: `Bearer ${citizen}` },
      portal.headers,
      (await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] })).headers,
    ];
    const others = await Promise.all([0, 1, 2].map(() => stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] })));
    // Each attack three times, spread among 200 other requests sent at once (all within MAX_IN_FLIGHT), so that attacks share group commits.
    const attacks = [0, 1, 2].flatMap(() => attackers.flatMap((headers) => HOSTILE.map((id) => ({ headers, id }))));
    const sent = Array.from({ length: 200 }, (_, index) => stack.graphql(NAME, { id: subject }, others[index % others.length]?.headers));
    const attacking = attacks.map(({ headers, id }) => stack.graphql(NAME, { id }, headers));
    const [attacked, answered] = await Promise.all([Promise.all(attacking), Promise.all(sent)]);
    expect(answered.filter((response) => response.status !== 200 || !response.data?.citizen).map((response) => response.errors?.[0]?.extensions?.code)).toEqual(
      [],
    );
    for (const [index, response] of attacked.entries()) {
      const attack = attacks[index];
      expect(response.errors?.[0]?.extensions?.code).not.toBe('AUDIT_UNAVAILABLE');
      const records = await recordsOf(response.headers.get('x-request-id'));
      expect(records).toHaveLength(1);
      expect(records[0]?.subjects).toEqual([]);
      expect(JSON.parse(records[0]?.details ?? '{}')).toEqual({ rejectedSubjects: { count: 1, sha256: [sha256(attack?.id ?? '')] } });
    }
    expect((await verifyChain(stack.db, { publicKey: null, witnesses: [] })).ok).toBe(true);
  });

  it('keeps a hostile operation name and request id as escaped, capped text', async () => {
    const response = await postGraphQL(
      stack.gatewayUrl,
      { query: NAME, variables: { id: subject }, operationName: `\u0000${'x'.repeat(3_000)}` },
      { ...portal.headers, 'x-request-id': 'r'.repeat(3_000) },
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    const [record] = await recordsOf(response.headers.get('x-request-id'));
    expect(record?.operation_name).toMatch(/^\\u0000x{249}…$/);
    expect(record?.client_request_id).toBe(`${'r'.repeat(127)}…`);
  });
});

describe('every request that reaches the gateway has exactly one record', () => {
  const query = '{ procedures { code } }';
  const json = { 'content-type': 'application/json' };

  const refusals: Array<{
    name: string;
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    status: number;
    outcome: string;
    code: string;
  }> = [
    { name: 'a batched array', headers: json, body: JSON.stringify([{ query }, { query }]), status: 400, outcome: 'INVALID', code: 'BAD_REQUEST' },
    { name: 'a body that is not JSON', headers: json, body: '{"query": ', status: 400, outcome: 'INVALID', code: 'BAD_REQUEST' },
    {
      name: 'a text/plain body',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query }),
      status: 400,
      outcome: 'INVALID',
      code: 'BAD_REQUEST',
    },
    { name: 'a query that is not a string', headers: json, body: JSON.stringify({ query: 42 }), status: 400, outcome: 'INVALID', code: 'BAD_REQUEST' },
    { name: 'an empty object', headers: json, body: '{}', status: 400, outcome: 'INVALID', code: 'BAD_REQUEST' },
    {
      name: 'variables that are not an object',
      headers: json,
      body: JSON.stringify({ query, variables: [1] }),
      status: 400,
      outcome: 'INVALID',
      code: 'BAD_REQUEST',
    },
    {
      name: 'extensions that are not an object',
      headers: json,
      body: JSON.stringify({ query, extensions: 5 }),
      status: 400,
      outcome: 'INVALID',
      code: 'BAD_REQUEST',
    },
    {
      name: 'a body over MAX_BODY_BYTES',
      headers: json,
      body: JSON.stringify({ query, variables: { pad: 'x'.repeat(MAX_BODY_BYTES) } }),
      status: 413,
      outcome: 'INVALID',
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a GET without the preflight header',
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent(query)}`,
      status: 400,
      outcome: 'INVALID',
      code: 'BAD_REQUEST',
    },
    {
      name: 'a browser GET, which gets no landing page',
      method: 'GET',
      path: '/graphql',
      headers: { accept: 'text/html' },
      status: 400,
      outcome: 'INVALID',
      code: 'BAD_REQUEST',
    },
    { name: 'an unknown path', path: '/nowhere', headers: json, body: JSON.stringify({ query }), status: 404, outcome: 'INVALID', code: 'BAD_REQUEST' },
  ];

  it.each(refusals)(
    '$name: $status $code, recorded as $outcome and naming the client',
    async ({ path = '/graphql', method, headers = {}, body, status, outcome, code }) => {
      const clientRequestId = `probe-${randomBytes(4).toString('hex')}`;
      const response = await send(path, {
        ...(method ? { method } : {}),
        headers: { ...headers, ...portal.headers, 'x-request-id': clientRequestId },
        ...(body === undefined ? {} : { body }),
      });
      expect(response.status).toBe(status);
      expect(response.errors?.[0]?.extensions?.code).toBe(code);
      expect(response.requestId).not.toBe(clientRequestId);
      expect(await recordsOf(response.requestId)).toEqual([
        expect.objectContaining({
          client_id: portal.clientId,
          client_request_id: clientRequestId,
          outcome,
          error_codes: [code],
          officer: 'officer-1',
          purpose: '1.900011',
          case_number: 'CASE-1',
        }),
      ]);
    },
  );

  it('gives each request an id of the gateway, keeping the id the client chose beside it even when it repeats one', async () => {
    const responses = await Promise.all([0, 1].map(() => stack.graphql(NAME, { id: subject }, { ...portal.headers, 'x-request-id': 'same-id' })));
    const ids = responses.map((response) => response.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(await recordsOf(id)).toEqual([expect.objectContaining({ client_request_id: 'same-id', outcome: 'OK' })]);
  });

  it('names the client and key of a disabled client and of a revoked key, but nobody for a forged key', async () => {
    const disabled = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    await disableClient(stack.db, disabled.clientId);
    const revoked = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    const revokedKeyId = revoked.apiKey.split('_')[1] ?? '';
    await revokeApiKey(stack.db, revokedKeyId);
    const forged = `${portal.apiKey.slice(0, -4)}AAAA`;
    const [byDisabled, byRevoked, byForged] = await Promise.all(
      [disabled.headers, revoked.headers, { ...portal.headers, 'x-api-key': forged }].map(async (headers) => {
        const response = await stack.graphql(NAME, { id: subject }, headers);
        expect(response.status).toBe(401);
        return response.headers.get('x-request-id');
      }),
    );
    expect(await recordsOf(byDisabled ?? null)).toEqual([
      expect.objectContaining({
        principal: `client:${disabled.clientId}`,
        client_id: disabled.clientId,
        key_id: disabled.apiKey.split('_')[1],
        outcome: 'UNAUTHENTICATED',
        error_codes: ['UNAUTHENTICATED'],
      }),
    ]);
    expect(await recordsOf(byRevoked ?? null)).toEqual([
      expect.objectContaining({ client_id: revoked.clientId, key_id: revokedKeyId, outcome: 'UNAUTHENTICATED' }),
    ]);
    expect(await recordsOf(byForged ?? null)).toEqual([
      expect.objectContaining({ principal: 'anonymous', client_id: null, key_id: null, outcome: 'UNAUTHENTICATED' }),
    ]);
  });

  it('takes the subjects from the arguments of an operation that fails validation or is too deep', async () => {
    const invalid = await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { noSuchField } }', { id: subject }, portal.headers);
    expect(invalid.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const deep = await stack.graphql(
      `{ citizen(personalId: "${subject}") { household { members { citizen { household { members { relationshipToHead } } } } } } }`,
      {},
      portal.headers,
    );
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    for (const response of [invalid, deep])
      expect(await recordsOf(response.headers.get('x-request-id'))).toEqual([expect.objectContaining({ outcome: 'INVALID', subjects: [subject] })]);
  });

  it('records an unknown operation name as INVALID, not DENIED, with its subjects', async () => {
    const response = await postGraphQL(
      stack.gatewayUrl,
      { query: `query Known { citizen(personalId: "${subject}") { fullName } }`, operationName: 'Unknown' },
      portal.headers,
    );
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([{ message: 'The document has no operation named "Unknown"', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }]);
    expect(await recordsOf(response.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({ outcome: 'INVALID', error_codes: ['OPERATION_RESOLUTION_FAILURE'], subjects: [subject] }),
    ]);
  });
});

/** A request whose body is still arriving holds a slot of MAX_IN_FLIGHT until `release`, which resolves with its status. */
function holdSlot(url: string, headers: Record<string, string>): { release(): Promise<number> } {
  const body = JSON.stringify({ query: '{ procedures { code } }' });
  const held = httpRequest(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  });
  const status = new Promise<number>((resolve) => held.on('response', (response) => resolve(response.statusCode ?? 0)));
  held.write(body.slice(0, 5));
  return {
    release() {
      held.end(body.slice(5));
      return status;
    },
  };
}

describe('overload', () => {
  let small: TestStack;
  beforeAll(async () => {
    small = await startTestStack({ MAX_IN_FLIGHT: '1' });
  });
  afterAll(() => small?.stop());

  it('records a 503 OVERLOADED refusal once, naming the client', async () => {
    const held = holdSlot(small.gatewayUrl, small.portal.headers);
    let refused: Awaited<ReturnType<typeof postGraphQL>> | undefined;
    for (let attempt = 0; attempt < 100 && !refused; attempt += 1) {
      const response = await postGraphQL(small.gatewayUrl, { query: '{ procedures { code } }' }, { ...small.portal.headers, 'x-request-id': 'overload-probe' });
      if (response.status === 503) refused = response;
    }
    expect(await held.release()).toBe(200);
    expect(refused?.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
    const records = await small.db.query<RecordRow>('SELECT client_id, outcome, error_codes FROM audit.records WHERE request_id = $1', [
      refused?.headers.get('x-request-id'),
    ]);
    expect(records).toEqual([{ client_id: small.portal.clientId, outcome: 'REJECTED', error_codes: ['OVERLOADED'] }]);
  });
});

describe('a flood from one credential', () => {
  let small: TestStack;
  beforeAll(async () => {
    small = await startTestStack({ MAX_IN_FLIGHT: '3', MAX_IN_FLIGHT_PER_CREDENTIAL: '2' });
  });
  afterAll(() => small?.stop());

  it('takes at most MAX_IN_FLIGHT_PER_CREDENTIAL slots (429 CONCURRENCY_LIMITED, recorded), leaving the others theirs', async () => {
    const other = await small.newClient({ coordinates: ['Query.procedures', 'Procedure.code'] });
    const held = [holdSlot(small.gatewayUrl, small.portal.headers), holdSlot(small.gatewayUrl, small.portal.headers)];
    let limited: Awaited<ReturnType<typeof postGraphQL>> | undefined;
    for (let attempt = 0; attempt < 100 && !limited; attempt += 1) {
      const response = await postGraphQL(small.gatewayUrl, { query: '{ procedures { code } }' }, small.portal.headers);
      if (response.status === 429) limited = response;
    }
    expect(limited?.headers.get('retry-after')).toBe('1');
    expect(limited?.errors?.[0]).toEqual({
      message: 'This credential already has 2 requests in flight, its limit (MAX_IN_FLIGHT_PER_CREDENTIAL); retry when one has finished',
      extensions: { code: 'CONCURRENCY_LIMITED' },
    });
    // The third slot is still free for another client.
    const served = await postGraphQL(small.gatewayUrl, { query: '{ procedures { code } }' }, other.headers);
    expect(served.status).toBe(200);
    expect(served.errors).toBeUndefined();
    for (const status of await Promise.all(held.map((slot) => slot.release()))) expect(status).toBe(200);
    const records = await small.db.query<RecordRow>('SELECT client_id, outcome, error_codes FROM audit.records WHERE request_id = $1', [
      limited?.headers.get('x-request-id'),
    ]);
    expect(records).toEqual([{ client_id: small.portal.clientId, outcome: 'REJECTED', error_codes: ['CONCURRENCY_LIMITED'] }]);
    // Its slots are given back: the same credential is admitted again.
    expect((await postGraphQL(small.gatewayUrl, { query: '{ procedures { code } }' }, small.portal.headers)).status).toBe(200);
  });
});

describe('administration', () => {
  const cliAs = (actor: string, ...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args, '--actor', actor], {
      env: { ...process.env, DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
  const cli = (...args: string[]) => cliAs('nguyen-van-a', ...args);
  const adminRecords = (clientId: string) =>
    stack.db.query<RecordRow>(
      `SELECT principal, client_id, key_id, officer, purpose, operation_name, coordinates, details FROM audit.records WHERE principal = 'operator:nguyen-van-a' AND details::json->>'clientId' = $1 ORDER BY seq`,
      [clientId],
    );

  it('records every change with its actor and details, keeps revoked grants, and leaves a log that verifies', async () => {
    const clientId = `admin-${randomBytes(3).toString('hex')}`;
    expect(cli('clients', 'add', clientId, '--name', 'Cổng thử', '--role', 'PORTAL').status).toBe(0);
    const { keyId, apiKey } = await issueApiKey(stack.db, clientId, { actor: 'nguyen-van-a' });
    expect(
      cli('grant', clientId, '--purpose', '1.900011', '--fields', 'Query.citizen,Citizen.fullName,Citizen.dateOfBirth', '--basis', 'Thông tư tuyển sinh')
        .status,
    ).toBe(0);
    const revoked = cli('revoke', clientId, '--purpose', '1.900011', '--fields', 'Citizen.dateOfBirth');
    expect(revoked.stdout).toMatch(/^revoked 1 grant\(s\)$/m);
    await expect(
      grant(stack.db, { clientId, purpose: '9.999999', coordinates: ['Query.citizen'], legalBasis: 'x' }, { actor: 'nguyen-van-a' }),
    ).rejects.toThrow('no purpose "9.999999"');

    expect(await adminRecords(clientId)).toEqual([
      expect.objectContaining({
        operation_name: 'createClient',
        officer: 'nguyen-van-a',
        client_id: null,
        details: JSON.stringify({ clientId, name: 'Cổng thử', role: 'PORTAL', mayIntrospect: false, trustedDocumentsOnly: false, rateLimitPerMinute: null }),
      }),
      expect.objectContaining({ operation_name: 'issueApiKey', key_id: keyId, details: JSON.stringify({ clientId }) }),
      expect.objectContaining({
        operation_name: 'grant',
        purpose: '1.900011',
        coordinates: ['Citizen.dateOfBirth', 'Citizen.fullName', 'Query.citizen'],
        details: JSON.stringify({ clientId, legalBasis: 'Thông tư tuyển sinh' }),
      }),
      expect.objectContaining({ operation_name: 'revokeGrants', purpose: '1.900011', coordinates: ['Citizen.dateOfBirth'] }),
    ]);

    const grants = await stack.db.query<{ coordinate: string; revoked: boolean }>(
      'SELECT coordinate, revoked_at IS NOT NULL AS revoked FROM access.grants WHERE client_id = $1 ORDER BY coordinate',
      [clientId],
    );
    expect(grants).toEqual([
      { coordinate: 'Citizen.dateOfBirth', revoked: true },
      { coordinate: 'Citizen.fullName', revoked: false },
      { coordinate: 'Query.citizen', revoked: false },
    ]);
    expect((await listGrants(stack.db, clientId)).map((row) => row.coordinate)).toEqual(['Citizen.fullName', 'Query.citizen']);
    const headers = { 'x-api-key': apiKey, 'x-once-officer': 'o', 'x-once-purpose': '1.900011', 'x-once-case': 'c' };
    const denied = await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { dateOfBirth } }', { id: subject }, headers);
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Citizen.dateOfBirth'] });
    // Granted again, it is a new grant beside the revoked one.
    await grant(stack.db, { clientId, purpose: '1.900011', coordinates: ['Citizen.dateOfBirth'], legalBasis: 'again' }, { actor: 'nguyen-van-a' });
    expect((await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { dateOfBirth } }', { id: subject }, headers)).errors).toBeUndefined();
    expect(
      await stack.db.query('SELECT count(*)::int AS count FROM access.grants WHERE client_id = $1 AND coordinate = $2', [clientId, 'Citizen.dateOfBirth']),
    ).toEqual([{ count: 2 }]);

    const verify = cli('audit', 'verify');
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^audit log intact: \d+ record\(s\) checked$/m);
  }, 90_000);

  it('refuses a change by nobody, and makes none', async () => {
    const clientId = `admin-${randomBytes(3).toString('hex')}`;
    const refused = cliAs(' ', 'clients', 'add', clientId, '--name', 'x', '--role', 'PORTAL');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^an administrative change needs the name of who makes it$/m);
    expect(await stack.db.query('SELECT 1 FROM access.clients WHERE client_id = $1', [clientId])).toEqual([]);
  }, 30_000);

  it('with an audit database of its own, commits the record there, and makes no change whose record cannot be written', async () => {
    const log = await scratchDatabase();
    try {
      for (const set of gatewayMigrations) await migrate(log.db, set.name, set.migrations);
      const recorded = `admin-${randomBytes(3).toString('hex')}`;
      await createClient(stack.db, { clientId: recorded, name: 'x', role: 'PORTAL' }, { actor: 'a', auditLog: log.db });
      expect(await log.db.query(`SELECT principal, operation_name FROM audit.records WHERE details::json->>'clientId' = $1`, [recorded])).toEqual([
        { principal: 'operator:a', operation_name: 'createClient' },
      ]);
      expect(await stack.db.query(`SELECT 1 FROM audit.records WHERE details::json->>'clientId' = $1`, [recorded])).toEqual([]);
      expect((await verifyChain(log.db, { publicKey: null, witnesses: [] })).ok).toBe(true);

      await log.db.exec('DROP SCHEMA audit CASCADE');
      const unrecorded = `admin-${randomBytes(3).toString('hex')}`;
      await expect(createClient(stack.db, { clientId: unrecorded, name: 'x', role: 'PORTAL' }, { actor: 'a', auditLog: log.db })).rejects.toThrow(/audit/);
      expect(await stack.db.query('SELECT 1 FROM access.clients WHERE client_id = $1', [unrecorded])).toEqual([]);
    } finally {
      await log.drop();
    }
  });
});

describe("an auditor's search about a citizen", () => {
  it("shows in that citizen's access history, with the audit purpose and case", async () => {
    const person = await one<string>(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 OFFSET 7 LIMIT 1');
    const auditor = await stack.newClient({ role: 'AUDITOR', purpose: 'AUDIT', coordinates: reachableCoordinates(stack.apiSchema, ['Query.auditRecords']) });
    const search = await stack.graphql(
      'query ($id: ID!) { auditRecords(filter: { subject: $id }) { records { seq } } }',
      { id: person },
      { ...auditor.headers, 'x-once-case': 'THANH-TRA-2026-07' },
    );
    expect(search.errors).toBeUndefined();
    const history = await stack.graphql<{ myAccessHistory: { events: Array<Record<string, unknown>> } }>(
      '{ myAccessHistory { events { agency officer procedureCode procedureName caseNumber fields } } }',
      {},
      { authorization: `Bearer ${await stack.token('citizen', person)}` },
    );
    expect(history.data?.myAccessHistory.events[0]).toEqual({
      agency: 'Test AUDITOR',
      officer: 'officer-1',
      procedureCode: 'AUDIT',
      procedureName: 'Review of the access log',
      caseNumber: 'THANH-TRA-2026-07',
      fields: ['AuditRecord.seq', 'AuditRecordPage.records', 'Query.auditRecords'],
    });
  });
});

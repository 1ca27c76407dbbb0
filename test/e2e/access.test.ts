import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTrustedDocuments, createClient, disableClient, grant, issueApiKey, revokeApiKey, RateLimiter } from '../../gateway';
import { openRedis } from '../../platform';
import { one, silentLog } from '../helpers/database';
import { postGraphQL, startTestStack, type TestClient, type TestStack } from '../helpers/stack';
import { testEnv } from '../helpers/test-env';

let stack: TestStack;
/** Granted Query.citizen, Citizen.personalId and Citizen.fullName for enrolment (1.900011), nothing else. */
let namesOnly: TestClient;
let subject: string;
let other: string;
let father: string;

beforeAll(async () => {
  stack = await startTestStack();
  namesOnly = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.personalId', 'Citizen.fullName'] });
  [subject, father] = await stack.db
    .query<{ child: string; father: string }>(
      `SELECT personal_id AS child, father_id AS father FROM population.citizens WHERE father_id IS NOT NULL ORDER BY 1 LIMIT 1`,
    )
    .then(([row]) => [row?.child ?? '', row?.father ?? '']);
  other = await one(stack.db, 'SELECT personal_id AS value FROM population.citizens WHERE personal_id <> $1 AND personal_id <> $2 ORDER BY 1 DESC LIMIT 1', [
    subject,
    father,
  ]);
});
afterAll(() => stack?.stop());

const NAME = 'query ($id: ID!) { citizen(personalId: $id) { fullName } }';

async function records(clientOrPrincipal: { clientId?: string; principal?: string }) {
  return stack.db.query<{
    outcome: string;
    coordinates: string[];
    subjects: string[];
    subgraphs: string[];
    purpose: string;
    officer: string;
    case_number: string;
    error_codes: string[];
  }>(
    `SELECT outcome, coordinates, subjects, subgraphs, purpose, officer, case_number, error_codes FROM audit.records
      WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR principal = $2) ORDER BY seq`,
    [clientOrPrincipal.clientId ?? null, clientOrPrincipal.principal ?? null],
  );
}

describe('who is asking', () => {
  it('refuses a request without credentials, and says how to authenticate', async () => {
    const response = await postGraphQL(stack.gatewayUrl, { query: NAME, variables: { id: subject } });
    expect(response.status).toBe(401);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/^No credentials/) });
  });

  it.each([
    ['a malformed API key', { 'x-api-key': 'not-a-key' }, /API key is malformed/],
    ['an unknown API key', { 'x-api-key': `once_aaaaaaaaaaaa_${'A'.repeat(43)}` }, /API key is not valid/],
    ['an unknown scheme', { authorization: 'Basic dXNlcjpwYXNz' }, /Authorization must be/],
  ])('refuses %s', async (_, headers, message) => {
    const response = await postGraphQL(stack.gatewayUrl, { query: NAME, variables: { id: subject } }, headers);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.message).toMatch(message);
  });

  it('refuses a forged token, an expired token and a token of another audience', async () => {
    const { 'x-api-key': _, ...purpose } = namesOnly.headers;
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ once_kind: 'client' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject(namesOnly.clientId)
      .setIssuer('once')
      .setAudience('once-gateway')
      .setExpirationTime('5m')
      .sign(privateKey);
    const expired = await stack.token('client', namesOnly.clientId, -60);
    const [validHeader = '', validPayload = ''] = (await stack.token('client', namesOnly.clientId)).split('.');
    const otherAudience = `${validHeader}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(validPayload, 'base64url').toString()), aud: 'elsewhere' })).toString('base64url')}.AAAA`;
    for (const [token, reason] of [
      [forged, /signature verification failed|no applicable key/i],
      [expired, /it has expired/],
      [otherAudience, /signature verification failed|"aud"/i],
    ] as const) {
      const response = await postGraphQL(stack.gatewayUrl, { query: NAME, variables: { id: subject } }, { ...purpose, authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.message).toMatch(reason);
    }
  });

  it('accepts a valid client token as well as an API key', async () => {
    const { 'x-api-key': _, ...purpose } = namesOnly.headers;
    const token = await stack.token('client', namesOnly.clientId);
    const response = await postGraphQL(stack.gatewayUrl, { query: NAME, variables: { id: subject } }, { ...purpose, authorization: `Bearer ${token}` });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ citizen: { fullName: expect.any(String) } });
  });

  it('refuses a revoked key and a disabled client', async () => {
    const revoked = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    await revokeApiKey(stack.db, revoked.apiKey.split('_')[1] ?? '');
    const disabled = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    await disableClient(stack.db, disabled.clientId);
    // The access cache keeps a lookup for ACCESS_CACHE_MS; these clients were never looked up, so nothing is stale.
    expect((await stack.graphql(NAME, { id: subject }, revoked.headers)).errors?.[0]?.message).toMatch(/has been revoked/);
    expect((await stack.graphql(NAME, { id: subject }, disabled.headers)).errors?.[0]?.message).toMatch(/is disabled/);
  });
});

describe('for what', () => {
  it('requires officer, procedure and case, naming what is missing', async () => {
    const response = await stack.graphql(NAME, { id: subject }, { 'x-api-key': namesOnly.apiKey, 'x-once-purpose': '1.900011' });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: 'PURPOSE_REQUIRED' },
      message: expect.stringMatching(/^Missing or malformed x-once-officer, x-once-case/),
    });
  });

  it('refuses a purpose that is not in the catalogue', async () => {
    const response = await stack.graphql(NAME, { id: subject }, { ...namesOnly.headers, 'x-once-purpose': '9.999999' });
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: 'UNKNOWN_PURPOSE' },
      message: 'x-once-purpose "9.999999" is not a procedure of the catalogue nor an internal purpose',
    });
  });

  it('grants per purpose: the same client is denied for a procedure it was not granted', async () => {
    const response = await stack.graphql(NAME, { id: subject }, { ...namesOnly.headers, 'x-once-purpose': '1.900005' });
    expect(response.status).toBe(403);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Citizen.fullName', 'Query.citizen'] });
  });
});

describe('what they may read', () => {
  it('returns granted coordinates and refuses the whole operation for one that is not, listing it', async () => {
    expect((await stack.graphql(NAME, { id: subject }, namesOnly.headers)).data?.citizen.fullName).toEqual(expect.any(String));
    for (const counter of Object.values(stack.queries)) counter.reset();
    const response = await stack.graphql(
      'query ($id: ID!) { citizen(personalId: $id) { fullName phone household { householdId } } }',
      { id: subject },
      namesOnly.headers,
    );
    expect(response.status).toBe(403);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]).toMatchObject({
      message: `Client "${namesOnly.clientId}" may not read, for purpose 1.900011: Citizen.household, Citizen.phone, Household.householdId`,
      extensions: { code: 'FORBIDDEN', denied: ['Citizen.household', 'Citizen.phone', 'Household.householdId'] },
    });
    expect(Object.values(stack.queries).every((counter) => counter.count === 0)).toBe(true);
  });

  it.each([
    ['an alias', 'query ($id: ID!) { citizen(personalId: $id) { fullName name: phone } }'],
    ['a fragment', 'query ($id: ID!) { citizen(personalId: $id) { ...Contact } } fragment Contact on Citizen { fullName phone }'],
    ['an inline fragment', 'query ($id: ID!) { citizen(personalId: $id) { ... on Citizen { phone } } }'],
    [
      'a nested fragment chain',
      'query ($id: ID!) { ...Root } fragment Root on Query { citizen(personalId: $id) { ...A } } fragment A on Citizen { ...B } fragment B on Citizen { phone }',
    ],
    ['@skip(if: true)', 'query ($id: ID!) { citizen(personalId: $id) { fullName phone @skip(if: true) } }'],
    ['@include with a variable', 'query ($id: ID!, $no: Boolean = false) { citizen(personalId: $id) { fullName phone @include(if: $no) } }'],
  ])('cannot be bypassed with %s', async (_, query) => {
    const response = await stack.graphql(query, { id: subject }, namesOnly.headers);
    expect(response.status).toBe(403);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Citizen.phone'] });
  });

  it('refuses batched requests outright', async () => {
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...namesOnly.headers },
      body: JSON.stringify([
        { query: NAME, variables: { id: subject } },
        { query: 'query ($id: ID!) { citizen(personalId: $id) { phone } }', variables: { id: subject } },
      ]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('"phone"');
  });

  it('allows introspection only to clients granted it', async () => {
    const schemaQuery = '{ __schema { queryType { name } } }';
    const denied = await stack.graphql(schemaQuery, {}, { ...namesOnly.headers, 'x-once-purpose': 'DEVELOPMENT' });
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['__schema'] });
    const typeProbe = await stack.graphql('{ __type(name: "Citizen") { fields { name } } }', {}, namesOnly.headers);
    expect(typeProbe.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooling = await stack.newClient({ purpose: 'DEVELOPMENT', coordinates: [], mayIntrospect: true });
    expect((await stack.graphql(schemaQuery, {}, tooling.headers)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('does not expose the federation entry point _entities through the gateway', async () => {
    const response = await stack.graphql('{ _entities(representations: [{ __typename: "Citizen", personalId: "x" }]) { __typename } }', {}, namesOnly.headers);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('trusted documents (persisted operations)', () => {
  const REGISTERED = 'query Enrolment($id: ID!) { citizen(personalId: $id) { fullName } }';
  const sha256 = createHash('sha256').update(REGISTERED).digest('hex');
  const byHash = (hash: string) => ({ variables: { id: subject }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

  it('runs a registered operation sent by its hash alone, found in PostgreSQL by any replica', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'], trustedDocumentsOnly: true });
    expect(await addTrustedDocuments(stack.db, client.clientId, [REGISTERED])).toEqual([sha256]);
    const response = await postGraphQL(stack.gatewayUrl, byHash(sha256), client.headers);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ citizen: { fullName: expect.any(String) } });
  });

  it('refuses, for a trusted-documents-only client, any operation it did not register, even one within its grants', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName', 'Citizen.dateOfBirth'], trustedDocumentsOnly: true });
    await addTrustedDocuments(stack.db, client.clientId, [REGISTERED]);
    const other = await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { fullName dateOfBirth } }', { id: subject }, client.headers);
    expect(other.status).toBe(403);
    expect(other.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringMatching(/runs only its trusted documents, and operation [0-9a-f]{64} is not one of them$/),
    });
    const unknown = await postGraphQL(stack.gatewayUrl, byHash('0'.repeat(64)), client.headers);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses to register a document that does not parse', async () => {
    await expect(addTrustedDocuments(stack.db, namesOnly.clientId, ['query {'])).rejects.toThrow(/^not a GraphQL document: Syntax Error/);
  });
});

describe('subgraphs', () => {
  const body = JSON.stringify({ query: '{ citizen(personalId: "001090123456") { fullName } }' });

  it('refuse a direct, unsigned call', async () => {
    const response = await postGraphQL(stack.subgraphUrls.population, body);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
      message: expect.stringMatching(/only the gateway may call a subgraph/),
    });
  });

  it('refuse a forged signature and a replayed old one', async () => {
    const now = String(Date.now());
    const forged = await postGraphQL(stack.subgraphUrls.population, body, {
      'x-once-timestamp': now,
      'x-once-signature': `v1=${createHmac('sha256', 'guess').update(body).digest('hex')}`,
    });
    expect(forged.errors?.[0]?.message).toMatch(/signature does not match/);
    const old = await postGraphQL(stack.subgraphUrls.population, body, { 'x-once-timestamp': String(Date.now() - 3_600_000), 'x-once-signature': 'v1=00' });
    expect(old.errors?.[0]?.message).toMatch(/outside the accepted window/);
  });
});

describe('citizens', () => {
  const bearer = async (personalId: string) => ({ authorization: `Bearer ${await stack.token('citizen', personalId)}` });

  it('read their own record, and of the people it names only ID and name', async () => {
    const response = await stack.graphql(
      'query ($id: ID!) { citizen(personalId: $id) { fullName phone documents { type } father { personalId fullName } } }',
      { id: subject },
      await bearer(subject),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.citizen.father).toEqual({ personalId: father, fullName: expect.any(String) });
  });

  it('cannot read another citizen, nor more than the name of a relative', async () => {
    const headers = await bearer(subject);
    const another = await stack.graphql(NAME, { id: other }, headers);
    expect(another.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Query.citizen'] });
    const relative = await stack.graphql(
      'query ($id: ID!) { citizen(personalId: $id) { father { phone household { householdId } } } }',
      { id: subject },
      headers,
    );
    expect(relative.errors?.[0]?.extensions?.denied).toEqual(['Citizen.household', 'Citizen.phone']);
    const list = await stack.graphql('query ($ids: [ID!]!) { citizens(personalIds: $ids) { fullName } }', { ids: [subject] }, headers);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const audit = await stack.graphql('{ auditRecords { records { seq } } }', {}, headers);
    expect(audit.errors?.[0]?.extensions?.denied).toContain('Query.auditRecords');
  });

  it('see which agency read their data, when, for which procedure and case', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName', 'Citizen.dateOfBirth'] });
    await stack.graphql(
      'query ($id: ID!) { citizen(personalId: $id) { fullName dateOfBirth } }',
      { id: other },
      { ...client.headers, 'x-once-case': 'HS-2026-42' },
    );
    const response = await stack.graphql(
      '{ myAccessHistory(first: 5) { events { agency procedureCode procedureName caseNumber officer fields } } }',
      {},
      await bearer(other),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.myAccessHistory.events[0]).toEqual({
      agency: 'Test PORTAL',
      procedureCode: '1.900011',
      procedureName: 'Tuyển sinh vào lớp 1',
      caseNumber: 'HS-2026-42',
      officer: 'officer-1',
      fields: ['Citizen.dateOfBirth', 'Citizen.fullName', 'Query.citizen'],
    });
  });
});

describe('the audit record of every operation', () => {
  it('records an allowed read with purpose, coordinates, subjects and subgraphs', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName', 'Citizen.documents', 'IssuedDocument.type'] });
    await stack.graphql('query Look($id: ID!) { citizen(personalId: $id) { fullName documents { type } } }', { id: subject }, client.headers);
    expect(await records({ clientId: client.clientId })).toEqual([
      {
        outcome: 'OK',
        coordinates: ['Citizen.documents', 'Citizen.fullName', 'IssuedDocument.type', 'Query.citizen'],
        subjects: [subject],
        subgraphs: ['population', 'procedures'],
        purpose: '1.900011',
        officer: 'officer-1',
        case_number: 'CASE-1',
        error_codes: [],
      },
    ]);
  });

  it('records denied, invalid and refused requests too', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { phone } }', { id: subject }, client.headers);
    await stack.graphql('query { citizen(personalId: "12") { fullName } }', {}, client.headers);
    await stack.graphql(NAME, { id: subject }, { ...client.headers, 'x-once-purpose': '0.000000' });
    const outcomes = (await records({ clientId: client.clientId })).map((record) => [record.outcome, record.error_codes, record.subgraphs]);
    expect(outcomes).toEqual([
      ['DENIED', ['FORBIDDEN'], []],
      ['INVALID', ['BAD_USER_INPUT'], ['population']],
      ['REJECTED', ['UNKNOWN_PURPOSE'], []],
    ]);
  });
});

describe('rate limits', () => {
  it('refuses a client past its own requests per minute with 429 RATE_LIMITED and Retry-After, audits it, and leaves others alone', async () => {
    const clientId = `test-rate-${randomBytes(4).toString('hex')}`;
    await createClient(stack.db, { clientId, name: 'Rate-limited portal', role: 'PORTAL', rateLimitPerMinute: 3 });
    await grant(stack.db, { clientId, purpose: '1.900011', coordinates: ['Query.citizen', 'Citizen.fullName'], legalBasis: 'test' });
    const headers = { 'x-api-key': (await issueApiKey(stack.db, clientId)).apiKey, 'x-once-officer': 'o', 'x-once-purpose': '1.900011', 'x-once-case': 'c' };
    // Windows are whole minutes: a boundary may fall between two requests, but not twice within this test.
    const answered = [];
    let refused;
    while (!refused && answered.length < 7) {
      const response = await postGraphQL(stack.gatewayUrl, { query: NAME, variables: { id: subject } }, headers);
      if (response.status === 429) refused = response;
      else answered.push(response);
    }
    expect(answered.length).toBeGreaterThanOrEqual(3);
    expect(answered.length).toBeLessThanOrEqual(6);
    for (const response of answered) expect(response.data).toEqual({ citizen: { fullName: expect.any(String) } });
    expect(refused?.data).toBeUndefined();
    expect(refused?.errors?.[0]).toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
      message: expect.stringMatching(new RegExp(`^client:${clientId} sent more than its 3 requests this minute; retry in \\d+ s$`)),
    });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await records({ clientId })).at(-1)).toMatchObject({ outcome: 'REJECTED', error_codes: ['RATE_LIMITED'] });
    expect((await stack.graphql(NAME, { id: subject }, namesOnly.headers)).errors).toBeUndefined();
  });

  it('counts a principal once across replicas in Redis, per minute, and per replica while Redis is unreachable', async () => {
    const redisUrl = testEnv.TEST_REDIS_URL;
    const clients = [openRedis(redisUrl, silentLog, 'test'), openRedis(redisUrl, silentLog, 'test'), openRedis('redis://127.0.0.1:1', silentLog, 'test')];
    const [first, second, offline] = clients.map((client) => new RateLimiter(client)) as [RateLimiter, RateLimiter, RateLimiter];
    try {
      const principal = `client:test-${randomBytes(4).toString('hex')}`;
      const minute = 60_000 * Math.floor(Date.now() / 60_000);
      const decisions = [];
      for (const limiter of [first, second, first, second]) decisions.push(await limiter.take(principal, 3, minute + 15_000));
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
      expect(decisions[3]?.retryAfterS).toBe(45);
      expect((await second.take(principal, 3, minute + 60_000)).allowed).toBe(true);
      const offlineDecisions = [];
      for (let index = 0; index < 3; index += 1) offlineDecisions.push((await offline.take(principal, 2, minute)).allowed);
      expect(offlineDecisions).toEqual([true, true, false]);
    } finally {
      for (const client of clients) client.disconnect();
    }
  });
});

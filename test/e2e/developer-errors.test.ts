import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableCoordinates } from '../../gateway';
import { postGraphQL, startTestStack, type TestClient, type TestStack } from '../helpers/stack';

/** The errors a portal developer meets in the first hour: each says what is wrong, with a stable code, and leaks nothing. */
let stack: TestStack;
let auditor: TestClient;
let citizenId: string;
beforeAll(async () => {
  // Development mode: the one in which stack traces would show, had the error not been classified.
  stack = await startTestStack({ NODE_ENV: 'development' });
  auditor = await stack.newClient({ role: 'AUDITOR', purpose: 'AUDIT', coordinates: reachableCoordinates(stack.apiSchema, ['Query.auditRecords']) });
  const [child] = await stack.db.query<{ id: string }>(
    'SELECT personal_id AS id FROM population.citizens WHERE father_id IS NOT NULL ORDER BY personal_id LIMIT 1',
  );
  citizenId = child?.id ?? '';
});
afterAll(() => stack?.stop());

function expectNoLeak(errors: unknown): void {
  const text = JSON.stringify(errors);
  expect(text).not.toContain('stacktrace');
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toContain('node_modules');
}

describe('errors a portal developer meets', () => {
  it('a persisted query whose hash is not the SHA-256 of its text is BAD_REQUEST, not an internal error', async () => {
    const query = '{ procedures { code } }';
    const wrong = createHash('sha256').update(`${query} `).digest('hex');
    const response = await postGraphQL(stack.gatewayUrl, { query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } }, stack.portal.headers);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } });
    expectNoLeak(response.errors);
    const version = await postGraphQL(stack.gatewayUrl, { query, extensions: { persistedQuery: { version: 2, sha256Hash: wrong } } }, stack.portal.headers);
    expect(version.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('a persisted query the gateway does not know is PERSISTED_QUERY_NOT_FOUND', async () => {
    const response = await postGraphQL(stack.gatewayUrl, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }, stack.portal.headers);
    expect(response.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expectNoLeak(response.errors);
  });

  it('a malformed DateTime in an auditor filter is BAD_USER_INPUT naming the value, without the subgraph URL', async () => {
    const literal = await stack.graphql('{ auditRecords(filter: { from: "yesterday" }) { records { seq } } }', {}, auditor.headers);
    expect(literal.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(literal.errors?.[0]?.message).toContain('DateTime must be an ISO 8601 timestamp; got "yesterday"');
    expectNoLeak(literal.errors);
    const variable = await stack.graphql(
      'query ($filter: AuditFilter) { auditRecords(filter: $filter) { records { seq } } }',
      { filter: { from: '2026-13-45T99:00:00Z' } },
      auditor.headers,
    );
    expect(variable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(variable.errors?.[0]?.message).toContain('"filter.from"');
    expectNoLeak(variable.errors);
  });

  it('an operation deeper than MAX_DEPTH says its depth and the limit, as a validation error naming the setting', async () => {
    const deep = `{ citizen(personalId: "${citizenId}") { ${'father { '.repeat(12)}fullName${' }'.repeat(12)} } }`;
    const response = await stack.graphql(deep);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.message).toBe('The operation is over a limit of the gateway: Query depth limit of 12 exceeded, found 14 (MAX_DEPTH)');
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'MAX_DEPTH' });
    expect(response.errors?.[0]?.message).not.toContain('Syntax Error');
  });

  it('too many aliases names MAX_ALIASES', async () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: procedures { code }`).join(' ');
    const response = await stack.graphql(`{ ${aliases} }`);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'MAX_ALIASES' });
  });

  it("a citizen refused a relative's field is told it is another person's, and extensions.denied keeps the coordinate", async () => {
    const token = await stack.token('citizen', citizenId);
    const response = await stack.graphql(
      `{ citizen(personalId: "${citizenId}") { fullName father { fullName dateOfBirth } } }`,
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(403);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: ['Citizen.dateOfBirth'] });
    expect(response.errors?.[0]?.message).toContain('Citizen.dateOfBirth of another person (a relative or household member)');
    expect(response.data ?? null).toBeNull();
  });
});

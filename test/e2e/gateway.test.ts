import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { one } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let subject: string;
let hundred: string[];

beforeAll(async () => {
  stack = await startTestStack();
  // A living person in a household of three or more, holding a reusable birth certificate.
  subject = await one(
    stack.db,
    `SELECT m.personal_id AS value FROM residence.household_members m
    JOIN procedures.issued_documents d ON d.holder_id = m.personal_id AND d.document_type = 'BIRTH_CERTIFICATE' AND d.copy_reusable AND d.revoked_on IS NULL
    WHERE m.left_on IS NULL AND (SELECT count(*) FROM residence.household_members o WHERE o.household_id = m.household_id AND o.left_on IS NULL) >= 3
    ORDER BY 1 LIMIT 1`,
  );
  hundred = (await stack.db.query<{ id: string }>('SELECT personal_id AS id FROM residence.household_members WHERE left_on IS NULL ORDER BY 1 LIMIT 100')).map(
    (row) => row.id,
  );
});
afterAll(() => stack?.stop());

const PROFILE = `query Profile($id: ID!) {
  citizen(personalId: $id) {
    personalId fullName dateOfBirth
    household { residenceFileNumber address { text } members { relationshipToHead citizen { personalId fullName dateOfBirth } } }
    permanentResidence { address { text scheme } registeredOn }
    documents { type number electronicCopy { reusable } }
    documentCheck(required: [BIRTH_CERTIFICATE, LAND_USE_RIGHT_CERTIFICATE]) { complete missing requirements { type status mustAskCitizen document { number holder { fullName } } } }
  }
}`;

describe('the supergraph over real HTTP', () => {
  it('joins population, residence and procedures in one query', async () => {
    const response = await stack.graphql(PROFILE, { id: subject });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    const citizen = response.data?.citizen;
    const [name] = await stack.db.query<{ full_name: string }>('SELECT full_name FROM population.citizens WHERE personal_id = $1', [subject]);
    expect(citizen.fullName).toBe(name?.full_name);
    expect(citizen.permanentResidence.address.text).toEqual(expect.any(String));
    expect(citizen.documents.length).toBeGreaterThan(0);
  });

  it('resolves household members as citizens from the population subgraph', async () => {
    const { data } = await stack.graphql(PROFILE, { id: subject });
    const members = data?.citizen.household.members as Array<{ relationshipToHead: string; citizen: { personalId: string; fullName: string | null } }>;
    expect(members.length).toBeGreaterThanOrEqual(3);
    expect(members.map((member) => member.citizen.personalId)).toContain(subject);
    const names = await stack.db.query<{ id: string; name: string }>(
      'SELECT personal_id AS id, full_name AS name FROM population.citizens WHERE personal_id = ANY($1)',
      [members.map((m) => m.citizen.personalId)],
    );
    expect(Object.fromEntries(members.map((m) => [m.citizen.personalId, m.citizen.fullName]))).toEqual(Object.fromEntries(names.map((n) => [n.id, n.name])));
  });

  it('answers the once-only question: the reusable birth certificate is not asked for, the rest is', async () => {
    const { data } = await stack.graphql(PROFILE, { id: subject });
    const check = data?.citizen.documentCheck;
    expect(check.requirements[0]).toMatchObject({
      type: 'BIRTH_CERTIFICATE',
      status: 'HELD_REUSABLE',
      mustAskCitizen: false,
      document: { holder: { fullName: data?.citizen.fullName } },
    });
    // Land certificates exist at most as scans, which are not legally valid copies: always asked for.
    expect(check.requirements[1]).toMatchObject({ type: 'LAND_USE_RIGHT_CERTIFICATE', mustAskCitizen: true });
    expect(check.missing).toEqual(['LAND_USE_RIGHT_CERTIFICATE']);
  });

  it('serves a residence confirmation from the residence subgraph alone', async () => {
    for (const counter of Object.values(stack.queries)) counter.reset();
    const response = await stack.graphql(
      `query ($id: ID!) { residenceConfirmation(personalId: $id) { permanentResidence { address { text } } household { householdId } relationshipToHead } }`,
      { id: subject },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.residenceConfirmation.household).not.toBeNull();
    expect([stack.queries.population.count, stack.queries.residence.count, stack.queries.procedures.count]).toEqual([0, 1, 0]);
  });

  it('costs one SQL statement per subgraph per plan step for 100 citizens', async () => {
    const query = `query ($ids: [ID!]!) { citizens(personalIds: $ids) { fullName
      household { members { citizen { fullName } } } permanentResidence { registeredOn }
      documents { number } documentCheck(required: [BIRTH_CERTIFICATE]) { complete } } }`;
    const counts = async (ids: string[]) => {
      for (const counter of Object.values(stack.queries)) counter.reset();
      const response = await stack.graphql(query, { ids });
      expect(response.errors).toBeUndefined();
      expect(response.data?.citizens).toHaveLength(ids.length);
      return { population: stack.queries.population.count, residence: stack.queries.residence.count, procedures: stack.queries.procedures.count };
    };
    // Plan: population (citizens) -> residence (household, residence) and procedures -> population (members' names).
    const expected = { population: 2, residence: 1, procedures: 1 };
    expect(await counts(hundred)).toEqual(expected);
    expect(await counts(hundred.slice(0, 3))).toEqual(expected);
  });

  it('reports its supergraph version on /health and on every response', async () => {
    const health = await fetch(stack.gatewayUrl.replace('/graphql', '/health'));
    const body = (await health.json()) as { status: string; supergraph: string };
    expect(health.status).toBe(200);
    expect(body).toEqual({
      status: 'ready',
      supergraph: expect.stringMatching(/^[0-9a-f]{12}$/),
      queryPlans: expect.objectContaining({ cached: expect.any(Number), hits: expect.any(Number), misses: expect.any(Number), warming: expect.any(Boolean) }),
      executor: { mode: 'once', served: expect.any(Number), fallbacks: expect.any(Object) },
      openCircuits: [],
    });
    const response = await stack.graphql('{ __typename }');
    expect(response.headers.get('x-once-supergraph')).toBe(body.supergraph);
  });

  it('answers with a request id of its own whatever the client sent, while a subgraph takes a well-formed one', async () => {
    const answered = await postGraphQL(stack.gatewayUrl, { query: '{ __typename }' }, { ...stack.portal.headers, 'x-request-id': 'portal-abc.123' });
    expect(answered.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await postGraphQL(stack.subgraphUrls.population, { query: '{ __typename }' }, { 'x-request-id': 'gateway-abc.123' });
    expect(echoed.headers.get('x-request-id')).toBe('gateway-abc.123');
    const replaced = await postGraphQL(stack.subgraphUrls.population, { query: '{ __typename }' }, { 'x-request-id': 'x'.repeat(300) });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('bad input through the gateway', () => {
  it('rejects a malformed personal ID with BAD_USER_INPUT and the broken rule', async () => {
    const response = await stack.graphql(PROFILE, { id: '001790123456' });
    expect(response.data?.citizen).toBeNull();
    expect(response.errors?.[0]).toMatchObject({
      message: 'personalId "001790123456" is not a valid personal ID: digit 4 "7" is not a century/sex digit (0-5)',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('answers null for a well-formed unknown ID', async () => {
    const response = await stack.graphql('{ citizen(personalId: "001090999999") { fullName household { householdId } } }');
    expect(response).toMatchObject({ status: 200, data: { citizen: null } });
    expect(response.errors).toBeUndefined();
  });

  it('names an unknown field', async () => {
    const response = await stack.graphql('{ citizen(personalId: "001090999999") { salary } }');
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({
      message: 'Cannot query field "salary" on type "Citizen".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('names an unknown document type', async () => {
    const response = await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { documentCheck(required: [PASSPORT]) { complete } } }', { id: subject });
    expect(response.errors?.[0]?.message).toMatch(/Value "PASSPORT" does not exist in "DocumentType" enum/);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects a body that is not JSON', async () => {
    const response = await postGraphQL(stack.gatewayUrl, '{"query": ', stack.portal.headers);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/^Request body is not valid JSON/) });
  });

  it('rejects a body over MAX_BODY_BYTES without reading it all', async () => {
    const response = await postGraphQL(stack.gatewayUrl, { query: `{ __typename }${' '.repeat(1_100_000)}` }, stack.portal.headers);
    expect(response.status).toBe(413);
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: 'PAYLOAD_TOO_LARGE' },
      message: 'Request body is larger than the limit of 1048576 bytes (MAX_BODY_BYTES)',
    });
  });

  it.each([
    [
      'too deep',
      `{ citizen(personalId: "001090123456") { ${'father { '.repeat(13)}fullName${' }'.repeat(13)} } }`,
      /^The operation is over a limit of the gateway: Query depth limit of 12 exceeded, found \d+ \(MAX_DEPTH\)$/,
    ],
    [
      'too many aliases',
      `{ ${Array.from({ length: 40 }, (_, index) => `a${index}: citizen(personalId: "001090123456") { fullName }`).join(' ')} }`,
      /^The operation is over a limit of the gateway: Aliases limit of 30 exceeded, found 40 \(MAX_ALIASES\)$/,
    ],
    [
      'too long',
      `{ citizen(personalId: "001090123456") { ${'fullName '.repeat(3_500)} } }`,
      /^Syntax Error: Document contains more tha[nt] 3000 tokens\. Parsing aborted\.$/,
    ],
  ])('refuses an operation that is %s, before any subgraph is called', async (_, query, message) => {
    for (const counter of Object.values(stack.queries)) counter.reset();
    const response = await stack.graphql(query);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toMatch(/^GRAPHQL_(VALIDATION|PARSE)_FAILED$/);
    expect(response.errors?.[0]?.message).toMatch(message);
    expect(Object.values(stack.queries).every((counter) => counter.count === 0)).toBe(true);
  });

  it('does not suggest field names a probe could learn the schema from', async () => {
    const response = await stack.graphql('{ citizen(personalId: "001090123456") { fullNam } }');
    expect(response.errors?.[0]?.message).toBe('Cannot query field "fullNam" on type "Citizen". [Suggestion hidden]?');
  });

  it('rejects a syntax error with GRAPHQL_PARSE_FAILED', async () => {
    const response = await stack.graphql('{ citizen(personalId: ');
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

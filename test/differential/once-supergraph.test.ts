import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ClientRecord, newTrail, type GatewayContext, type Principal, SubgraphDataSource, SubgraphPools } from '../../gateway';
import { persistedDocuments } from '../../operations';
import { compose } from '../../subgraphs/registry';
import { CircuitBreaker } from '../../platform';
import { builtInSubgraphs } from '../../subgraphs';
import { one, silentLog, testConfig } from '../helpers/database';
import { ENROLMENT, startTestStack, type TestStack } from '../helpers/stack';
import { expectSameAnswer, startDifferential, type Differential } from './harness';
import { operations } from './operations';
import { DIFFERENTIAL_RUNS, DIFFERENTIAL_SEED } from './settings';

/**
 * Once's supergraph: the built-in subgraphs as real HTTP servers over the run's PostgreSQL database, every fetch
 * signed by the gateway's data source. Besides the answers, the audit trail (subgraphs called, subjects returned)
 * must come out the same from both executors.
 */
let stack: TestStack;
let pools: SubgraphPools;
let healthy: Differential<GatewayContext>;
let degraded: Differential<GatewayContext>;
let subject: string;
let household: string;
let dossier: string;
let neighbours: string[];
/** A read of `subject`'s data by the portal, in the audit log: what the subject may object to. */
let readSeq: number;
/** Request contexts of the callers beside the portal (the differentials' default). */
let callers: Record<'auditor' | 'agency' | 'citizen', () => GatewayContext>;

const ROOTS = ['citizen', 'citizens', 'household', 'residenceConfirmation', 'procedureRecord', 'procedures'];

function client(clientId: string, role: ClientRecord['role']): Principal {
  return {
    kind: 'client',
    client: { clientId, name: `Differential ${role}`, role, mayIntrospect: false, trustedDocumentsOnly: false, rateLimitPerMinute: null, disabled: false },
  };
}

/** As the gateway builds it for a caller that sent no request id of its own; a citizen states no purpose. */
function context(principal: Principal, purpose: string | null = ENROLMENT): GatewayContext {
  return {
    requestId: randomUUID(),
    clientRequestId: null,
    principal,
    purpose: purpose === null ? null : { officer: 'officer-1', code: purpose, caseNumber: 'CASE-1' },
    trail: newTrail(),
  };
}

/**
 * Both executors share these data sources, so a breaker that opened after the one executor's failures would answer the
 * other's requests differently: the comparison keeps every circuit closed.
 */
function neverOpens(name: string): CircuitBreaker {
  return new CircuitBreaker({ name: `subgraph ${name}`, failureThreshold: Number.MAX_SAFE_INTEGER, cooldownMs: 10, log: silentLog });
}

/** Both gateways over the stack's subgraphs; `down` names subgraphs whose address refuses connections. */
async function differentialOver(down: readonly string[]): Promise<Differential<GatewayContext>> {
  const config = testConfig();
  const urls = Object.fromEntries(builtInSubgraphs.map(({ name }) => [name, down.includes(name) ? 'http://127.0.0.1:9/graphql' : stack.subgraphUrls[name]]));
  const { supergraphSdl } = compose(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: urls[name] as string })));
  const services = Object.fromEntries(
    builtInSubgraphs.map(({ name }) => [
      name,
      new SubgraphDataSource({
        name,
        url: urls[name] as string,
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        secret: config.SUBGRAPH_SECRETS[name],
        pools,
        breaker: neverOpens(name),
        log: silentLog,
      }),
    ]),
  );
  return startDifferential({ supergraphSdl, services, context: () => context(client(stack.portal.clientId, 'PORTAL')) });
}

beforeAll(async () => {
  stack = await startTestStack();
  pools = new SubgraphPools({ connections: 8, timeoutMs: 10_000 });
  subject = await one(
    stack.db,
    `SELECT m.personal_id AS value FROM residence.household_members m
    WHERE m.left_on IS NULL AND (SELECT count(*) FROM residence.household_members o WHERE o.household_id = m.household_id AND o.left_on IS NULL) >= 3
    AND EXISTS (SELECT 1 FROM procedures.issued_documents d WHERE d.holder_id = m.personal_id) ORDER BY 1 LIMIT 1`,
  );
  household = await one(stack.db, 'SELECT household_id AS value FROM residence.household_members WHERE personal_id = $1', [subject]);
  dossier = await one(stack.db, 'SELECT dossier_code AS value FROM procedures.dossiers ORDER BY 1 LIMIT 1');
  neighbours = (await stack.db.query<{ id: string }>('SELECT personal_id AS id FROM residence.household_members ORDER BY 1 LIMIT 4')).map((row) => row.id);
  await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { fullName } }', { id: subject });
  readSeq = await one(stack.db, `SELECT max(seq)::int AS value FROM audit.records WHERE client_id = $1 AND subjects @> ARRAY[$2::text] AND outcome = 'OK'`, [
    stack.portal.clientId,
    subject,
  ]);
  const auditor = await stack.newClient({ role: 'AUDITOR', purpose: 'AUDIT', coordinates: [] });
  const agency = await stack.newClient({ role: 'AGENCY', coordinates: [] });
  callers = {
    auditor: () => context(client(auditor.clientId, 'AUDITOR'), 'AUDIT'),
    agency: () => context(client(agency.clientId, 'AGENCY')),
    citizen: () => context({ kind: 'citizen', personalId: subject }, null),
  };
  healthy = await differentialOver([]);
  degraded = await differentialOver(['procedures']);
});
afterAll(async () => {
  await healthy?.stop();
  await degraded?.stop();
  await pools?.close();
  await stack?.stop();
});

const PROFILE = `query Profile($id: ID!) {
  citizen(personalId: $id) {
    personalId fullName dateOfBirth
    household { residenceFileNumber address { text } members { relationshipToHead citizen { personalId fullName dateOfBirth } } }
    permanentResidence { address { text scheme } registeredOn }
    documents { type number electronicCopy { reusable } }
    documentCheck(required: [BIRTH_CERTIFICATE, LAND_USE_RIGHT_CERTIFICATE]) { complete missing requirements { type status mustAskCitizen document { number holder { fullName } } } }
  }
}`;

/** Who sends an operation of operations/ other than a portal (as test/e2e/typed-operations.test.ts sends them). */
const SENDERS: Partial<Record<string, keyof typeof callers>> = { AuditSearch: 'auditor', VerifyAuditLog: 'auditor', MyAccessHistory: 'citizen' };
const REPORT =
  'mutation ($seq: Int!) { reportAccess(recordSeq: $seq, reason: "I applied for nothing") { id recordSeq personalId reason status notes { note } } }';
const REGISTER = 'mutation ($name: String!) { registerSubgraph(name: $name) { name owner signingSecret } }';

async function expectAlike(differential: Differential<GatewayContext>, query: string, variables?: Record<string, unknown>, caller?: () => GatewayContext) {
  const { once, apollo } = await differential.run(query, variables, caller);
  expectSameAnswer(once.result, apollo.result, query);
  expect([...once.context.trail.subgraphs].sort(), 'subgraphs called').toEqual([...apollo.context.trail.subgraphs].sort());
  expect([...once.context.trail.subjects].sort(), 'subjects read').toEqual([...apollo.context.trail.subjects].sort());
  return once;
}

describe("Once's and Apollo's executors on Once's supergraph", () => {
  it('answer a citizen profile across population, residence and procedures alike, with the same audit trail', async () => {
    const once = await expectAlike(healthy, PROFILE, { id: subject });
    expect(once.result.errors).toBeUndefined();
    expect(once.context.trail.subgraphs).toEqual(new Set(['population', 'residence', 'procedures']));
    expect(once.context.trail.subjects.has(subject)).toBe(true);
  });

  it('answer a batch with an unknown and a malformed ID alike', async () => {
    await expectAlike(healthy, 'query ($ids: [ID!]!) { citizens(personalIds: $ids) { personalId fullName household { householdId } } }', {
      ids: [...neighbours, '001099000000'],
    });
    const once = await expectAlike(healthy, '{ citizens(personalIds: ["12ab"]) { personalId } }');
    expect(once.result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answer alike when a subgraph cannot be reached: the same errors, the same nulls', async () => {
    const once = await expectAlike(degraded, PROFILE, { id: subject });
    expect(once.result.errors?.map((error) => error.extensions?.code)).toContain('SUBGRAPH_UNAVAILABLE');
    await expectAlike(
      degraded,
      `{ procedureRecord(dossierCode: "${dossier}") { dossierCode } household(householdId: "${household}") { householdId members { citizen { fullName } } } }`,
    );
  });

  it('answer every operation of operations/ alike, each sent by the kind of caller that sends it', async () => {
    const values: Record<string, unknown> = { id: subject, first: 5, filter: { subject }, fromSeq: 1, toSeq: 50 };
    // ResidenceConfirmation states the moment it answers at (asOf): both executors' answers are given at the same one.
    vi.setSystemTime(new Date());
    try {
      for (const text of Object.values(persistedDocuments)) {
        const operation = getOperationAST(parse(text));
        const name = operation?.name?.value ?? '';
        const declared = (operation?.variableDefinitions ?? []).map(({ variable }) => variable.name.value);
        const variables = Object.fromEntries(declared.filter((variable) => variable in values).map((variable) => [variable, values[variable]]));
        const sender = SENDERS[name];
        const once = await expectAlike(healthy, text, variables, sender && callers[sender]);
        expect(once.result.errors, name).toBeUndefined();
        expect(Object.values(once.result.data ?? {}), name).not.toContain(null);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('answer a mutation alike: a citizen objecting to a read of their data (the same complaint both times), a portal refused', async () => {
    const once = await expectAlike(healthy, REPORT, { seq: readSeq }, callers.citizen);
    expect(once.result.data?.reportAccess).toMatchObject({ recordSeq: readSeq, personalId: subject, status: 'OPEN' });
    const refused = await expectAlike(healthy, REPORT, { seq: readSeq });
    expect(refused.result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('answer the registry alike: its lists (empty: this stack serves a fixed supergraph) and registrations, refused or not', async () => {
    const lists =
      '{ subgraphs { name url owner } supergraphHistory(first: 3) { version action subject subgraphs } gatewayReplicas { replicaId servedVersion } }';
    const agency = await expectAlike(healthy, lists, undefined, callers.agency);
    expect(agency.result.errors).toBeUndefined();
    const portal = await expectAlike(healthy, lists);
    expect(portal.result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    // Refused either way, so that nothing is written and both executors meet the same registry.
    const invalid = await expectAlike(healthy, REGISTER, { name: 'Not A Name' }, callers.agency);
    expect(invalid.result.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const forbidden = await expectAlike(healthy, REGISTER, { name: 'differential' });
    expect(forbidden.result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('answer mutations of two subgraphs in one request alike, one fetch after the other: the refused non-null field nulls the data', async () => {
    const both = `mutation ($seq: Int!, $name: String!) {
      reportAccess(recordSeq: $seq, reason: "I applied for nothing") { id status }
      registerSubgraph(name: $name) { name }
    }`;
    const once = await expectAlike(healthy, both, { seq: readSeq, name: 'differential' }, callers.citizen);
    expect(once.result.data).toBeNull();
    expect(once.context.trail.subgraphs).toEqual(new Set(['audit', 'registry']));
  });

  it(`answer ${DIFFERENTIAL_RUNS} random operations alike (seed ${DIFFERENTIAL_SEED})`, async () => {
    const ids = fc.constantFrom(subject, ...neighbours, '001099000000', 'not-an-id');
    const space = {
      schema: stack.apiSchema,
      roots: ROOTS,
      exclude: ['ResidenceConfirmation.asOf'],
      maxDepth: 5,
      arguments: {
        'Query.citizen': ids.map((id) => `(personalId: "${id}")`),
        'Query.citizens': fc.subarray([subject, ...neighbours, '001099000000'], { minLength: 1 }).map((list) => `(personalIds: ${JSON.stringify(list)})`),
        'Query.household': fc.constantFrom(household, 'HH-UNKNOWN').map((id) => `(householdId: "${id}")`),
        'Query.residenceConfirmation': ids.map((id) => `(personalId: "${id}")`),
        'Query.procedureRecord': fc.constantFrom(dossier, 'NONE').map((code) => `(dossierCode: "${code}")`),
        'Citizen.documentCheck': fc.constantFrom('(required: [BIRTH_CERTIFICATE])', '(required: [BIRTH_CERTIFICATE, LAND_USE_RIGHT_CERTIFICATE])'),
      },
    };
    const servedBefore = healthy.stats().served;
    await fc.assert(
      fc.asyncProperty(operations(space), fc.boolean(), async ({ query, variables }, procedureDown) => {
        await expectAlike(procedureDown ? degraded : healthy, query, variables);
      }),
      { seed: DIFFERENTIAL_SEED, numRuns: DIFFERENTIAL_RUNS },
    );
    expect(healthy.stats().fallbacks).toEqual({});
    expect(degraded.stats().fallbacks).toEqual({});
    expect(healthy.stats().served - servedBefore).toBeGreaterThan(DIFFERENTIAL_RUNS * 0.3);
  }, 600_000);
});

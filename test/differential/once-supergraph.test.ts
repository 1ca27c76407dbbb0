import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientRecord, newTrail, type GatewayContext, SubgraphDataSource, SubgraphPools } from '../../gateway';
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

const ROOTS = ['citizen', 'citizens', 'household', 'residenceConfirmation', 'procedureRecord', 'procedures'];

function context(clientId: string): GatewayContext {
  const client: ClientRecord = {
    clientId,
    name: 'Differential portal',
    role: 'PORTAL',
    mayIntrospect: false,
    trustedDocumentsOnly: false,
    rateLimitPerMinute: null,
    disabled: false,
  };
  // As the gateway builds it for a portal that sent no request id of its own.
  const built = {
    requestId: randomUUID(),
    clientRequestId: null,
    principal: { kind: 'client' as const, client },
    purpose: { officer: 'officer-1', code: ENROLMENT, caseNumber: 'CASE-1' },
    trail: newTrail(),
  };
  return built;
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
  return startDifferential({ supergraphSdl, services, context: () => context(stack.portal.clientId) });
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

async function expectAlike(differential: Differential<GatewayContext>, query: string, variables?: Record<string, unknown>) {
  const { once, apollo } = await differential.run(query, variables);
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

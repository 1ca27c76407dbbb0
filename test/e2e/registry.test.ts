import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { type RunningServer, migrate, createRedisClient } from '../../platform';
import { socialInsurance, seedBooks } from '../../subgraphs/social-insurance';
import { generatedCitizens, seedDatabase } from '../../subgraphs/seed';
import { reachableCoordinates, gatewayMigrations, type QueryPlanStats } from '../../gateway';
import { scratchDatabase, TEST_SECRETS } from '../helpers/database';
import { serveSubgraph } from '../helpers/subgraph';
import { postGraphQL, startTestStack, type TestClient, type TestStack } from '../helpers/stack';
import { testEnv } from '../helpers/test-env';

const REDIS_URL = testEnv.TEST_REDIS_URL;
const REGISTRY_ROOTS = [
  'Query.subgraphs',
  'Query.supergraphHistory',
  'Query.checkSubgraph',
  'Mutation.registerSubgraph',
  'Mutation.publishSubgraph',
  'Mutation.rollbackSubgraph',
  'Mutation.rollbackSupergraph',
  'Mutation.removeSubgraph',
];
const PUBLISH = `mutation ($input: SubgraphInput!, $force: Boolean) { publishSubgraph(input: $input, force: $force) { version { version action subject subgraphs } report { ok changes { level path usedByOperations } } } }`;
const INSURANCE = 'query ($id: ID!) { citizen(personalId: $id) { fullName socialInsurance { status contributionMonths } } }';
/** The generated people: the population agency's citizens and those the social insurance agency keeps books for. */
const SEED = { citizens: 300, seed: 5 };
const NAME = 'query ($id: ID!) { citizen(personalId: $id) { fullName } }';

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
/** Hosts the subgraphs (the registry among them) and a gateway of its own. */
let pollingStack: TestStack;
/** Two gateway processes told of new versions through Redis, and a third that, with Redis unreachable, must poll. */
let gateways: Array<{ url: string; child: ChildProcess }> = [];
let pollingGateway: { url: string; child: ChildProcess };
let insurance: RunningServer | undefined;
let agency: TestClient;
let otherAgency: TestClient;
let admin: TestClient;
let portal: TestClient;
let insured: string;
let insuranceSdl: string;

/** A gateway process following the registry: through Redis, or (Redis unreachable) by polling every 300 ms. */
function startGatewayProcess(redis: 'notified' | 'down'): Promise<{ url: string; child: ChildProcess }> {
  const follow = redis === 'notified' ? { REDIS_URL, SUPERGRAPH_POLL_MS: '600000' } : { REDIS_URL: 'redis://127.0.0.1:1', SUPERGRAPH_POLL_MS: '300' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      DATABASE_URL: scratch.url,
      ...follow,
      JWKS_FILE: inject('jwksFile'),
      SUBGRAPH_SECRETS: TEST_SECRETS,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.includes('"gateway ready"'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child });
    });
    child.on('exit', (code, signal) => reject(new Error(`gateway exited with ${code ?? String(signal)}`)));
  });
}

/** Asks until `accept` holds, or gives up after `deadlineMs`; returns how long it took. */
async function until(deadlineMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (await probe()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`not reached within ${deadlineMs} ms`);
}

const servesInsurance = (url: string) => async () =>
  (await postGraphQL<{ citizen: { socialInsurance: unknown } }>(url, { query: INSURANCE, variables: { id: insured } }, portal.headers)).data?.citizen
    ?.socialInsurance != null;
const versionOf = async (url: string) =>
  Number(((await fetch(url.replace('/graphql', '/health')).then((response) => response.json())) as { version: unknown }).version);

beforeAll(async () => {
  scratch = await scratchDatabase();
  for (const set of [...builtInSubgraphs, ...gatewayMigrations, socialInsurance]) await migrate(scratch.db, set.name, set.migrations);
  await seedDatabase(scratch.db, SEED);
  await seedBooks(scratch.db, generatedCitizens(SEED), 100);
  insured = (await scratch.db.query<{ id: string }>('SELECT personal_id AS id FROM social_insurance.books ORDER BY 1 LIMIT 1'))[0]?.id ?? '';
  pollingStack = await startTestStack({ DATABASE_URL: scratch.url, REDIS_URL, SUPERGRAPH_POLL_MS: '600000' }, { registry: true });
  const registryCoordinates = reachableCoordinates(pollingStack.apiSchema, REGISTRY_ROOTS);
  agency = await pollingStack.newClient({ role: 'AGENCY', purpose: 'REGISTRY', coordinates: registryCoordinates });
  otherAgency = await pollingStack.newClient({ role: 'AGENCY', purpose: 'REGISTRY', coordinates: registryCoordinates });
  admin = await pollingStack.newClient({ role: 'ADMIN', purpose: 'REGISTRY', coordinates: registryCoordinates });
  // New fields start denied: the portal is granted the social insurance fields explicitly, before they exist.
  portal = await pollingStack.newClient({
    coordinates: ['Query.citizen', 'Citizen.fullName', 'Citizen.socialInsurance', 'SocialInsuranceBook.status', 'SocialInsuranceBook.contributionMonths'],
  });
  gateways = await Promise.all([startGatewayProcess('notified'), startGatewayProcess('notified')]);
  pollingGateway = await startGatewayProcess('down');
  insuranceSdl = print(socialInsurance.typeDefs);
});

afterAll(async () => {
  for (const { child } of [...gateways, pollingGateway]) child?.kill('SIGTERM');
  await insurance?.stop();
  await pollingStack?.stop();
  await scratch?.drop();
});

describe('an agency publishing its subgraph at runtime', () => {
  it('registers a name and gets the secret its subgraph verifies the gateway with', async () => {
    const response = await pollingStack.graphql<{ registerSubgraph: { name: string; owner: string; signingSecret: string } }>(
      'mutation { registerSubgraph(name: "social-insurance") { name owner signingSecret } }',
      {},
      agency.headers,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.registerSubgraph).toMatchObject({
      name: 'social-insurance',
      owner: agency.clientId,
      signingSecret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const secret = response.data?.registerSubgraph.signingSecret ?? '';
    insurance = await serveSubgraph(socialInsurance, { db: scratch.db, databaseUrl: scratch.url, secret });
    const taken = await pollingStack.graphql('mutation { registerSubgraph(name: "social-insurance") { name } }', {}, otherAgency.headers);
    expect(taken.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: `Subgraph name "social-insurance" is taken (owner: ${agency.clientId})`,
    });
  });

  it('refuses SDL that does not parse or compose, with codes and locations, and leaves the live graph as it was', async () => {
    const before = await versionOf(gateways[0]?.url ?? '');
    const broken = await pollingStack.graphql(
      PUBLISH,
      { input: { name: 'social-insurance', url: insurance?.url, sdl: 'type Query { oops: }' } },
      agency.headers,
    );
    expect(broken.errors?.[0]?.extensions).toMatchObject({
      code: 'SCHEMA_CHECK_FAILED',
      report: { compositionErrors: [{ code: 'INVALID_GRAPHQL', locations: ['social-insurance/schema.graphql:1:20'] }] },
    });
    const clash = insuranceSdl.replace(
      'type Citizen @key(fields: "personalId") {\n  personalId: ID!',
      'type Citizen @key(fields: "personalId") {\n  personalId: Int!',
    );
    const refused = await pollingStack.graphql(PUBLISH, { input: { name: 'social-insurance', url: insurance?.url, sdl: clash } }, agency.headers);
    expect(refused.errors?.[0]?.message).toMatch(
      /^Publish of social-insurance refused: it does not compose with the live graph into a supergraph the gateways load: \[FIELD_TYPE_MISMATCH\]/,
    );
    expect(refused.errors?.[0]?.extensions?.report.compositionErrors[0].locations).toContainEqual(
      expect.stringMatching(/^social-insurance\/schema\.graphql:\d+:\d+$/),
    );
    expect(await versionOf(gateways[0]?.url ?? '')).toBe(before);
    expect((await postGraphQL(gateways[0]?.url ?? '', { query: NAME, variables: { id: insured } }, portal.headers)).data).toEqual({
      citizen: { fullName: expect.any(String) },
    });
  });

  it('refuses a URL that does not serve the SDL being published', async () => {
    const response = await pollingStack.graphql(
      PUBLISH,
      { input: { name: 'social-insurance', url: pollingStack.subgraphUrls.population, sdl: insuranceSdl } },
      agency.headers,
    );
    expect(response.errors?.[0]?.extensions?.report.serviceProblem).toBe(
      'not GraphQL: the routing URL did not answer `{ _service { sdl } }` as a subgraph does',
    );
  });

  it('does not let another agency publish over it', async () => {
    const response = await pollingStack.graphql(PUBLISH, { input: { name: 'social-insurance', url: insurance?.url, sdl: insuranceSdl } }, otherAgency.headers);
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: `Subgraph "social-insurance" belongs to client "${agency.clientId}"; client "${otherAgency.clientId}" may not change it`,
    });
  });

  it('publishes, and both gateway processes and a polling gateway serve the new field, with no request lost under load', async () => {
    const before = await versionOf(gateways[0]?.url ?? '');
    const load = continuousLoad([...gateways, pollingGateway].map((gateway) => gateway.url));
    const response = await pollingStack.graphql(PUBLISH, { input: { name: 'social-insurance', url: insurance?.url, sdl: insuranceSdl } }, agency.headers);
    expect(response.errors).toBeUndefined();
    expect(response.data?.publishSubgraph.version).toMatchObject({ version: before + 1, action: 'PUBLISH', subject: 'social-insurance' });
    const waited = await Promise.all([...gateways, pollingGateway].map((gateway) => gateway.url).map((url) => until(15_000, servesInsurance(url))));
    const result = await load.stop();
    console.info(
      `publish -> served: ${waited.map((ms) => `${ms} ms`).join(', ')} (two Redis-notified gateway processes, then one polling every 300 ms with Redis down); ${result.ok} requests during the swap, ${result.failed} failed`,
    );
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(0);
    for (const { url } of gateways) expect(await versionOf(url)).toBe(before + 1);
  });

  it('refuses a breaking change to a field that operations use, naming it', async () => {
    for (let index = 0; index < 3; index += 1) await postGraphQL(gateways[0]?.url ?? '', { query: INSURANCE, variables: { id: insured } }, portal.headers);
    const withoutMonths = insuranceSdl.replace(/\s+"Months of contributions to date\."\s+contributionMonths: Int!/, '');
    expect(withoutMonths).not.toContain('contributionMonths');
    const check = await pollingStack.graphql(
      'query ($input: SubgraphInput!) { checkSubgraph(input: $input) { ok breakingChangesInUse changes { level path usedByOperations } } }',
      { input: { name: 'social-insurance', url: insurance?.url, sdl: withoutMonths } },
      agency.headers,
    );
    expect(check.data?.checkSubgraph.ok).toBe(false);
    expect(check.data?.checkSubgraph.changes).toContainEqual({
      level: 'BREAKING',
      path: 'SocialInsuranceBook.contributionMonths',
      usedByOperations: expect.any(Number),
    });
    const used = check.data?.checkSubgraph.changes.find((change: { path: string }) => change.path === 'SocialInsuranceBook.contributionMonths');
    expect(used.usedByOperations).toBeGreaterThanOrEqual(3);
    const publish = await pollingStack.graphql(PUBLISH, { input: { name: 'social-insurance', url: insurance?.url, sdl: withoutMonths } }, agency.headers);
    expect(publish.errors?.[0]?.extensions?.code).toBe('SCHEMA_CHECK_FAILED');
    const forced = await pollingStack.graphql(
      PUBLISH,
      { input: { name: 'social-insurance', url: insurance?.url, sdl: withoutMonths }, force: true },
      agency.headers,
    );
    expect(forced.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: 'Only an administrator may force a publish past breaking changes' });
  });

  it('rolls back, and every gateway returns to the previous schema', async () => {
    const history = await pollingStack.graphql<{ supergraphHistory: Array<{ version: number; action: string; subgraphs: string[] }> }>(
      '{ supergraphHistory(first: 5) { version action subgraphs } }',
      {},
      agency.headers,
    );
    const previous = history.data?.supergraphHistory.find((version) => !version.subgraphs.includes('social-insurance'));
    const rollback =
      'mutation ($to: Int!, $force: Boolean) { rollbackSubgraph(name: "social-insurance", toVersion: $to, force: $force) { version action subgraphs } }';
    // Rolling back removes fields the portal reads: the usage check of a publish refuses it unless an administrator forces.
    const unforced = await pollingStack.graphql(rollback, { to: previous?.version }, agency.headers);
    expect(unforced.errors?.[0]?.extensions?.code).toBe('SCHEMA_CHECK_FAILED');
    expect(unforced.errors?.[0]?.message).toMatch(
      /^Removal of social-insurance refused: breaking changes hit fields that operations used in the last days: .*Citizen\.socialInsurance \(\d+ operations/,
    );
    const load = continuousLoad([...gateways, pollingGateway].map((gateway) => gateway.url));
    const response = await pollingStack.graphql(rollback, { to: previous?.version, force: true }, admin.headers);
    expect(response.errors).toBeUndefined();
    expect(response.data?.rollbackSubgraph.subgraphs).not.toContain('social-insurance');
    await Promise.all([...gateways, pollingGateway].map((gateway) => gateway.url).map((url) => until(15_000, async () => !(await servesInsurance(url)()))));
    const result = await load.stop();
    expect(result.failed).toBe(0);
    const gone = await postGraphQL(gateways[1]?.url ?? '', { query: INSURANCE, variables: { id: insured } }, portal.headers);
    expect(gone.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a rollback to a version whose subgraph fails the health check the gateways run, even forced', async () => {
    const before = await versionOf(gateways[0]?.url ?? '');
    const history = await pollingStack.graphql<{ supergraphHistory: Array<{ version: number; subgraphs: string[] }> }>(
      '{ supergraphHistory(first: 10) { version subgraphs } }',
      {},
      admin.headers,
    );
    const to = history.data?.supergraphHistory.find((version) => version.subgraphs.includes('social-insurance'))?.version ?? 0;
    await insurance?.stop();
    for (const force of [false, true]) {
      const response = await pollingStack.graphql(
        'mutation ($to: Int!, $force: Boolean) { rollbackSupergraph(toVersion: $to, force: $force) { version } }',
        { to, force },
        admin.headers,
      );
      expect(response.errors?.[0]?.extensions?.code, force ? 'forced' : 'unforced').toBe('SCHEMA_CHECK_FAILED');
      expect(response.errors?.[0]?.message).toMatch(
        new RegExp(
          `^Rollback of the supergraph to version ${to} refused: the gateways would not serve it, as their health check fails for \\[social-insurance\\]: `,
        ),
      );
    }
    expect((await pollingStack.graphql('{ supergraphHistory(first: 1) { version } }', {}, admin.headers)).data?.supergraphHistory).toEqual([
      { version: before },
    ]);
    for (const { url } of [...gateways, pollingGateway]) expect(await versionOf(url)).toBe(before);
    expect(
      (await postGraphQL<{ citizen: unknown }>(gateways[0]?.url ?? '', { query: NAME, variables: { id: insured } }, portal.headers)).data?.citizen,
    ).toBeTruthy();
  });

  it('plans the operations in use and the trusted documents for a new version before their first request', async () => {
    const planStats = async () =>
      (await fetch(pollingStack.gatewayUrl.replace('/graphql', '/health')).then((response) => response.json())) as {
        version: number;
        queryPlans: QueryPlanStats;
      };
    const named = `query Named_${randomBytes(4).toString('hex')}($id: ID!) { citizen(personalId: $id) { fullName } }`;
    const trusted = `query Trusted_${randomBytes(4).toString('hex')}($id: ID!) { citizen(personalId: $id) { fullName socialInsurance { status } } }`;
    await scratch.db.query('INSERT INTO access.trusted_documents (client_id, sha256, document) VALUES ($1, $2, $3)', [
      portal.clientId,
      createHash('sha256').update(trusted).digest('hex'),
      trusted,
    ]);
    expect((await postGraphQL(pollingStack.gatewayUrl, { query: named, variables: { id: insured } }, portal.headers)).errors).toBeUndefined();
    const before = await planStats();

    const [registered] = await scratch.db.query<{ secret: string }>("SELECT signing_secret AS secret FROM registry.subgraphs WHERE name = 'social-insurance'");
    insurance = await serveSubgraph(socialInsurance, { db: scratch.db, databaseUrl: scratch.url, secret: String(registered?.secret) });
    const published = await pollingStack.graphql(PUBLISH, { input: { name: 'social-insurance', url: insurance.url, sdl: insuranceSdl } }, agency.headers);
    expect(published.errors).toBeUndefined();
    await until(15_000, async () => {
      const stats = await planStats();
      return stats.version > before.version && !stats.queryPlans.warming && stats.queryPlans.lastWarm !== null;
    });
    const warmed = await planStats();
    // Both operations were planned against the new version (the trusted one under both keys a client may send).
    expect(warmed.queryPlans.lastWarm?.planned).toBeGreaterThanOrEqual(3);
    for (const query of [named, trusted]) {
      const response = await postGraphQL<{ citizen: { fullName: string } }>(pollingStack.gatewayUrl, { query, variables: { id: insured } }, portal.headers);
      expect(response.data?.citizen.fullName).toEqual(expect.any(String));
    }
    const after = await planStats();
    expect(after.queryPlans.misses).toBe(warmed.queryPlans.misses);
    expect(after.queryPlans.hits).toBe(warmed.queryPlans.hits + 2);
  });
});

describe('automatic persisted queries', () => {
  it('are shared by the gateway replicas through Redis', async () => {
    // Redis outlives test runs: a fresh operation name keeps this run's query unknown until it registers it.
    const query = `query Insured_${randomBytes(4).toString('hex')}($id: ID!) { citizen(personalId: $id) { fullName } }`;
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const [first, second] = gateways.map((gateway) => gateway.url);
    const unknown = await postGraphQL(second ?? '', { variables: { id: insured }, extensions: { persistedQuery } }, portal.headers);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await postGraphQL(first ?? '', { query, variables: { id: insured }, extensions: { persistedQuery } }, portal.headers);
    expect(registered.data).toEqual({ citizen: { fullName: expect.any(String) } });
    const byHash = await postGraphQL(second ?? '', { variables: { id: insured }, extensions: { persistedQuery } }, portal.headers);
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual(registered.data);
  });

  it('keep a trusted document read from PostgreSQL in Redis, for every replica', async () => {
    const query = `query Registered_${randomBytes(4).toString('hex')}($id: ID!) { citizen(personalId: $id) { fullName } }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    await scratch.db.query('INSERT INTO access.trusted_documents (client_id, sha256, document) VALUES ($1, $2, $3)', [portal.clientId, sha256Hash, query]);
    const redis = createRedisClient(REDIS_URL, { purpose: 'registry test reader', whileDown: 'wait' });
    try {
      expect(await redis.get(`once:apq:${sha256Hash}`)).toBeNull();
      const response = await postGraphQL(
        gateways[0]?.url ?? '',
        { variables: { id: insured }, extensions: { persistedQuery: { version: 1, sha256Hash } } },
        portal.headers,
      );
      expect(response.data).toEqual({ citizen: { fullName: expect.any(String) } });
      expect(await redis.get(`once:apq:${sha256Hash}`)).toBe(query);
      expect(await redis.ttl(`once:apq:${sha256Hash}`)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});

/** Requests against every gateway, one after another per worker, until stopped; counts what did not come back whole. */
function continuousLoad(urls: string[]) {
  let running = true;
  let ok = 0;
  let failed = 0;
  const workers = urls.flatMap((url) =>
    Array.from({ length: 4 }, async () => {
      while (running) {
        const response = await postGraphQL<{ citizen: { fullName: string } }>(url, { query: NAME, variables: { id: insured } }, portal.headers).catch(
          () => null,
        );
        if (response?.status === 200 && response.data?.citizen?.fullName && !response.errors) ok += 1;
        else failed += 1;
      }
    }),
  );
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return { ok, failed };
    },
  };
}

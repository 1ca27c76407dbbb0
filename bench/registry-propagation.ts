import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import pg from 'pg';
import { builtInSubgraphs } from '../subgraphs';
import { openPostgres, createLogger, migrate } from '../platform';
import { openSubgraphServices, startSubgraph } from '../subgraphs/kit';
import { entryOf, registryDeps, syncBuiltIns, apiSchemaOf } from '../subgraphs/registry';
import { socialInsurance, seedBooks } from '../subgraphs/social-insurance';
import { generatedCitizens, seedDatabase } from '../subgraphs/seed';
import { allInOneConfig, createClient, failingHealthChecks, grant, issueApiKey, reachableCoordinates, gatewayMigrations } from '../gateway';
import { gatewayNodeArgs, startChild } from './child';
import { PORTAL_MIX, PORTAL_ROOTS } from './portal-mix';

/**
 * Time from a publish (or rollback) being committed to every gateway replica serving it: two gateway processes
 * notified through Redis, and one with Redis unreachable that polls PostgreSQL every SUPERGRAPH_POLL_MS. Then the
 * first request of each portal operation after the change, on the first replica (plans warmed on load) and on the
 * second (QUERY_PLAN_WARM_OPERATIONS=0: planned on first use), against the same operation's next request.
 * `npm run bench:registry`; uses its own database (created and dropped).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
/** The generated people: the population agency's citizens and those the social insurance agency keeps books for. */
const SEED = { citizens: 500, seed: 9 };
const POLL_MS = 1_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger('bench', 'warn', 2);
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
const name = `once_bench_registry_${randomBytes(3).toString('hex')}`;
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${name}`;

const secrets: Record<string, string> = Object.fromEntries(
  [...builtInSubgraphs, socialInsurance].map(({ name: subgraph }) => [subgraph, randomBytes(24).toString('hex')]),
);
const secretList = Object.entries(secrets)
  .map(([subgraph, secret]) => `${subgraph}=${secret}`)
  .join(',');
const config = allInOneConfig.load({ DATABASE_URL, SUBGRAPH_SECRETS: secretList, REDIS_URL, LOG_LEVEL: 'warn', NODE_ENV: 'production' });
const db = openPostgres(DATABASE_URL, 8, log);
for (const set of [...builtInSubgraphs, ...gatewayMigrations, socialInsurance]) await migrate(db, set.name, set.migrations);
await seedDatabase(db, SEED);
await seedBooks(db, generatedCitizens(SEED), 200);
const platform = openSubgraphServices(config, db, log, failingHealthChecks);
const servers = [];
for (const module of [...builtInSubgraphs, socialInsurance])
  servers.push({ module, server: await startSubgraph(module, { deps: { db, config, platform }, port: 0, log }) });
const live = await syncBuiltIns(
  registryDeps(config, platform),
  servers.filter(({ module }) => module !== socialInsurance).map(({ module, server }) => entryOf(module, server.url)),
);
await db.query(`INSERT INTO registry.subgraphs (name, owner, signing_secret) VALUES ('social-insurance', 'bench-agency', $1)`, [secrets['social-insurance']]);
const insuranceUrl = servers.find(({ module }) => module === socialInsurance)?.server.url ?? '';

await createClient(db, { clientId: 'bench-agency', name: 'Bench agency', role: 'AGENCY' });
await grant(db, {
  clientId: 'bench-agency',
  purpose: 'REGISTRY',
  coordinates: reachableCoordinates(apiSchemaOf(live), ['Mutation.publishSubgraph', 'Mutation.rollbackSubgraph', 'Mutation.removeSubgraph']),
  legalBasis: 'bench',
});
const agencyKey = (await issueApiKey(db, 'bench-agency')).apiKey;
await createClient(db, { clientId: 'bench-portal', name: 'Bench portal', role: 'PORTAL' });
await grant(db, {
  clientId: 'bench-portal',
  purpose: '1.900011',
  coordinates: [...reachableCoordinates(apiSchemaOf(live), PORTAL_ROOTS), 'Citizen.socialInsurance', 'SocialInsuranceBook.status'],
  legalBasis: 'bench',
});
const portalKey = (await issueApiKey(db, 'bench-portal')).apiKey;
const insured = (await db.query<{ id: string }>('SELECT personal_id AS id FROM social_insurance.books ORDER BY 1 LIMIT 1'))[0]?.id;

const env = { DATABASE_URL, SUBGRAPH_SECRETS: secretList, NODE_ENV: 'production' };
const gateways = [
  {
    label: 'Redis-notified #1',
    child: await startChild(
      'gateway/main.ts',
      [],
      { ...env, REDIS_URL, SUPERGRAPH_POLL_MS: '600000', PORT: '0', LOG_LEVEL: 'info' },
      undefined,
      gatewayNodeArgs(),
    ),
  },
  {
    label: 'Redis-notified #2',
    child: await startChild(
      'gateway/main.ts',
      [],
      { ...env, REDIS_URL, SUPERGRAPH_POLL_MS: '600000', PORT: '0', LOG_LEVEL: 'info', QUERY_PLAN_WARM_OPERATIONS: '0' },
      undefined,
      gatewayNodeArgs(),
    ),
  },
  {
    label: `polling ${POLL_MS} ms, Redis down`,
    child: await startChild(
      'gateway/main.ts',
      [],
      { ...env, REDIS_URL: 'redis://127.0.0.1:1', SUPERGRAPH_POLL_MS: String(POLL_MS), PORT: '0', LOG_LEVEL: 'info' },
      undefined,
      gatewayNodeArgs(),
    ),
  },
];

const headers = (key: string, purpose: string) => ({
  'content-type': 'application/json',
  'x-api-key': key,
  'x-once-officer': 'bench',
  'x-once-purpose': purpose,
  'x-once-case': 'BENCH',
});
const serves = async (url: string) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: headers(portalKey, '1.900011'),
    body: JSON.stringify({ query: `{ citizen(personalId: "${String(insured)}") { socialInsurance { status } } }` }),
  });
  const body = (await response.json()) as { data?: { citizen?: { socialInsurance?: unknown } } };
  return body.data?.citizen?.socialInsurance != null;
};
const gatewayUrl = (index: number) => String(gateways[index]?.child.ready.url);
/** Milliseconds for one portal operation through replica `index`; throws unless it answered with data. */
const timed = async (index: number, query: string) => {
  const started = performance.now();
  const response = await fetch(gatewayUrl(index), {
    method: 'POST',
    headers: headers(portalKey, '1.900011'),
    body: JSON.stringify({ query, variables: { id: insured } }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`portal operation failed: ${JSON.stringify(body.errors)}`);
  return performance.now() - started;
};
const planCache = async (index: number) =>
  ((await (await fetch(gatewayUrl(index).replace('/graphql', '/health'))).json()) as { queryPlans: { warming: boolean; misses: number } }).queryPlans;
/** First and second request of each portal operation after a change, per compared replica (#1 warms, #2 does not). */
const firstRequests = [0, 1].map(() => ({ first: [] as number[], next: [] as number[], planned: 0 }));
for (const index of [0, 1]) for (const query of PORTAL_MIX) await timed(index, query);

const samples: number[][] = gateways.map(() => []);
for (let round = 0; round < ROUNDS; round += 1) {
  const adding = round % 2 === 0;
  const mutation = adding
    ? {
        query: 'mutation ($input: SubgraphInput!) { publishSubgraph(input: $input) { version { version } } }',
        variables: { input: { name: 'social-insurance', url: insuranceUrl, sdl: print(socialInsurance.typeDefs) } },
      }
    : { query: 'mutation { removeSubgraph(name: "social-insurance") { version } }', variables: {} };
  const result = (await (await fetch(gatewayUrl(0), { method: 'POST', headers: headers(agencyKey, 'REGISTRY'), body: JSON.stringify(mutation) })).json()) as {
    errors?: unknown;
  };
  if (result.errors) throw new Error(`round ${round}: ${JSON.stringify(result.errors)}`);
  const committed = performance.now();
  await Promise.all(
    gateways.map(async (_, index) => {
      while ((await serves(gatewayUrl(index))) !== adding) await new Promise((resolve) => setTimeout(resolve, 5));
      samples[index]?.push(performance.now() - committed);
    }),
  );
  for (const [index, times] of firstRequests.entries()) {
    while ((await planCache(index)).warming) await new Promise((resolve) => setTimeout(resolve, 5));
    const { misses } = await planCache(index);
    for (const query of PORTAL_MIX) {
      times.first.push(await timed(index, query));
      times.next.push(await timed(index, query));
    }
    times.planned += (await planCache(index)).misses - misses;
  }
}

for (const { child } of gateways) await child.stop();
for (const { server } of servers) await server.stop();
await platform.close();
await db.close();
await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
process.stdout.write(
  [
    `Publish/remove answered -> served by each gateway replica, ${ROUNDS} changes (alternating publish and remove)`,
    '| replica | median ms | p90 ms | max ms |',
    '|---|---|---|---|',
    ...gateways.map(
      ({ label }, index) =>
        `| ${label} | ${quantile(samples[index] ?? [], 0.5).toFixed(0)} | ${quantile(samples[index] ?? [], 0.9).toFixed(0)} | ${Math.max(...(samples[index] ?? [])).toFixed(0)} |`,
    ),
    `every replica, slowest of the three per change: median ${quantile(samples[0]?.map((_, round) => Math.max(...samples.map((column) => column[round] ?? 0))) ?? [], 0.5).toFixed(0)} ms, max ${Math.max(...samples.flat()).toFixed(0)} ms`,
    '',
    `First request of each portal operation after a change (${ROUNDS} changes x ${PORTAL_MIX.length} operations), once the replica has loaded it`,
    '| replica | first request median ms | first p90 ms | next request median ms | requests that had to plan |',
    '|---|---|---|---|---|',
    ...firstRequests.map(
      ({ first, next, planned }, index) =>
        `| ${index === 0 ? '#1, plans warmed on load' : '#2, QUERY_PLAN_WARM_OPERATIONS=0'} | ${quantile(first, 0.5).toFixed(1)} | ${quantile(first, 0.9).toFixed(1)} | ${quantile(next, 0.5).toFixed(1)} | ${planned} of ${first.length + next.length} |`,
    ),
    '',
  ].join('\n'),
);

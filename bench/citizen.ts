import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { builtInSubgraphs } from '../subgraphs';
import { openPostgres, createLogger } from '../platform';
import { spreadPersonalIds } from '../subgraphs/population';
import { createClient, grant, issueApiKey, reachableCoordinates } from '../gateway';
import { compose } from '../subgraphs/registry';
import { ensureBenchDatabase } from './bench-database';
import { gatewayNodeArgs, startChild } from './child';
import { runLoad } from './load';
import { PORTAL_MIX as MIX, PORTAL_ROOTS } from './portal-mix';

/**
 * The citizen workload: a portal's mix (profile with household members; residence confirmation; documentCheck) for
 * random citizens of a 1,000,000-citizen database, through the gateway with access control and audit on and off,
 * side by side, alternating so that drift hits both; also SQL statements per request. `npm run bench:citizen`.
 * BENCH_DATABASE_URL (default .../once_bench) is created and seeded with BENCH_CITIZENS (default 1,000,000) if empty.
 * BENCH_ROUNDS (default 2) alternating off/on rounds. BENCH_MODES (default off,on) picks the modes of each round;
 * `on-apollo-executor` is access on with @apollo/gateway's plan executor (GATEWAY_EXECUTOR=apollo), for comparison.
 */
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/once_bench';
const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 1_000_000);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const MODES = (process.env.BENCH_MODES ?? 'off,on').split(',');
/** Each mode as the gateway runs it: access control and audit, and the plan executor. */
const GATEWAY_MODES: Record<string, { access: 'on' | 'off'; executor: 'once' | 'apollo'; label: string }> = {
  off: { access: 'off', executor: 'once', label: 'off (bare gateway)' },
  on: { access: 'on', executor: 'once', label: 'policy + audit on' },
  'on-apollo-executor': { access: 'on', executor: 'apollo', label: "policy + audit on, Apollo's executor" },
};
for (const mode of MODES) if (!GATEWAY_MODES[mode]) throw new Error(`unknown BENCH_MODES entry "${mode}": off, on or on-apollo-executor`);
const log = createLogger('bench', 'info', 2);

const SETTLE_MS = 11_000;

/** Transactions PostgreSQL has counted in the benchmark database; each subgraph statement is one. */
async function transactions(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const result = await client.query<{ count: string }>('SELECT xact_commit + xact_rollback AS count FROM pg_stat_database WHERE datname = current_database()');
  await client.end();
  return Number(result.rows[0]?.count ?? 0);
}

interface Measurement {
  mode: string;
  rps: number;
  p50: number;
  p99: number;
  valid: number;
  invalid: number;
  cpuPerThousand: number;
  peakRssMb: number;
  /** SQL statements per request (access off only: with it on, audit groups add their own transactions). */
  sqlPerRequest: number | null;
}

await ensureBenchDatabase(DATABASE_URL, { citizens: CITIZENS, seed: 1 }, log);
const secrets = builtInSubgraphs.map(({ name }) => `${name}=${randomBytes(24).toString('hex')}`).join(',');
// The subgraphs' entity cache: in Redis (BENCH_REDIS_URL, default the local one), or off with BENCH_ENTITY_CACHE_TTL_S=0.
const ENTITY_CACHE_TTL_S = process.env.BENCH_ENTITY_CACHE_TTL_S ?? '60';
const common = {
  DATABASE_URL,
  SUBGRAPH_SECRETS: secrets,
  DATABASE_POOL_SIZE: '20',
  NODE_ENV: 'production',
  REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  ENTITY_CACHE_TTL_S,
  ...(process.env.AUDIT_FLUSH_MS ? { AUDIT_FLUSH_MS: process.env.AUDIT_FLUSH_MS } : {}),
};
const subgraphs = await startChild('bench/serve-subgraphs.ts', [], common, '1');
const { supergraphSdl, apiSchema } = compose(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: String(subgraphs.ready[name]) })));
const folder = mkdtempSync(join(tmpdir(), 'once-bench-'));
writeFileSync(join(folder, 'supergraph.graphql'), supergraphSdl);

const db = openPostgres(DATABASE_URL, 2, log);
const clientId = `bench-${randomBytes(3).toString('hex')}`;
// Its rate limit is counted on every request (in Redis) but set above what the benchmark can send.
await createClient(db, { clientId, name: 'Benchmark portal', role: 'PORTAL', rateLimitPerMinute: 100_000_000 });
await grant(db, { clientId, purpose: '1.900011', coordinates: reachableCoordinates(apiSchema, PORTAL_ROOTS), legalBasis: 'benchmark' });
const { apiKey } = await issueApiKey(db, clientId);
const ids = await spreadPersonalIds(db, 2000);
await db.close();
const headers = { 'x-api-key': apiKey, 'x-once-officer': 'bench', 'x-once-purpose': '1.900011', 'x-once-case': 'BENCH-1' };

const measurements: Measurement[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  for (const mode of MODES) {
    const { access, executor } = GATEWAY_MODES[mode] as { access: string; executor: string };
    const gateway = await startChild(
      'bench/serve-gateway.ts',
      ['--access', access],
      { ...common, SUPERGRAPH: join(folder, 'supergraph.graphql'), GATEWAY_EXECUTOR: executor },
      '0',
      gatewayNodeArgs(),
    );
    const url = String(gateway.ready.url);
    const load = (seconds: number) =>
      runLoad({
        url,
        connections: CONNECTIONS,
        seconds,
        headers,
        body: (n) => JSON.stringify({ query: MIX[n % MIX.length], variables: { id: ids[Math.floor(n / MIX.length) % ids.length] } }),
        accept: (status, body) => status === 200 && !body.includes('"errors"') && body.startsWith('{"data":{') && !body.startsWith('{"data":{"citizen":null'),
      });
    await load(WARMUP_S);
    const before = mode === 'off' ? await transactions() : 0;
    const cpuBefore = gateway.cpuSeconds();
    const { rps, p50, p99, valid, invalid } = await load(DURATION_S);
    const cpu = gateway.cpuSeconds() - cpuBefore;
    const sqlPerRequest = mode === 'off' ? ((await transactions()) - before) / Math.max(valid + invalid, 1) : null;
    measurements.push({
      mode,
      rps,
      p50,
      p99,
      valid,
      invalid,
      cpuPerThousand: (cpu / Math.max(valid, 1)) * 1000,
      peakRssMb: gateway.peakRssMb(),
      sqlPerRequest,
    });
    log.info(measurements.at(-1), `round ${round + 1}, ${mode}`);
    await gateway.stop();
  }
}
await subgraphs.stop();

const mean = (mode: string, key: Exclude<keyof Measurement, 'mode' | 'sqlPerRequest'>) => {
  const rows = measurements.filter((row) => row.mode === mode);
  return rows.reduce((sum, row) => sum + row[key], 0) / rows.length;
};
const sql = measurements.flatMap((row) => (row.sqlPerRequest === null ? [] : [row.sqlPerRequest]));
const row = (mode: string) =>
  `| ${GATEWAY_MODES[mode]?.label ?? mode} | ${mean(mode, 'rps').toFixed(0)} | ${mean(mode, 'p50').toFixed(1)} | ${mean(mode, 'p99').toFixed(1)} | ${mean(mode, 'cpuPerThousand').toFixed(2)} | ${Math.max(...measurements.filter((m) => m.mode === mode).map((m) => m.peakRssMb)).toFixed(0)} | ${mean(mode, 'invalid').toFixed(0)} |`;
process.stdout.write(
  [
    `Citizen workload (profile / residence confirmation / documentCheck, ${ids.length} random citizens, entity cache ${ENTITY_CACHE_TTL_S === '0' ? 'off' : `in Redis, ${ENTITY_CACHE_TTL_S} s`}): ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s warm-up, ${ROUNDS} rounds alternating, gateway pinned to CPU 0, subgraphs to CPU 1`,
    '| mode | valid req/s | p50 ms | p99 ms | gateway CPU s / 1000 req | peak RSS MB | invalid responses |',
    '|---|---|---|---|---|---|---|',
    ...MODES.map(row),
    ...(MODES.includes('on') && MODES.includes('off')
      ? [
          `throughput with policy + audit: ${((mean('on', 'rps') / mean('off', 'rps')) * 100).toFixed(1)}% of the bare gateway (cost ${((1 - mean('on', 'rps') / mean('off', 'rps')) * 100).toFixed(1)}%)`,
        ]
      : []),
    ...(MODES.includes('on') && MODES.includes('on-apollo-executor')
      ? [
          `gateway CPU per request, Once's executor vs Apollo's (access on): ${(mean('on', 'cpuPerThousand') / mean('on-apollo-executor', 'cpuPerThousand')).toFixed(2)}x`,
        ]
      : []),
    ...(MODES.includes('off') ? [`SQL statements per request (access off): ${(sql.reduce((a, b) => a + b, 0) / Math.max(sql.length, 1)).toFixed(2)}`] : []),
    '',
  ].join('\n'),
);

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInSubgraphs } from '../subgraphs';
import { openPostgres, createLogger } from '../platform';
import { spreadPersonalIds } from '../subgraphs/population';
import { createClient, grant, issueApiKey, reachableCoordinates } from '../gateway';
import { compose } from '../subgraphs/registry';
import { ensureBenchDatabase } from './bench-database';
import { gatewayNodeArgs, startChild, type Child } from './child';
import { PORTAL_MIX, PORTAL_ROOTS } from './portal-mix';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/**
 * `npm run bench:faults`: the citizen mix on two gateway replicas (`gateway/main.ts`, as `npm run gateway` runs it)
 * while PostgreSQL is cut for 5 s, Redis for 15 s, the procedures subgraph for 10 s, and one replica gets SIGTERM.
 * Every part reaches PostgreSQL, Redis and procedures through TCP proxies of the benchmark's own, so the shared
 * servers are never stopped. Per phase: answers OK / partial (some subgraph missing) / 503 / other (resets, 500s),
 * answers with data but no audit record (must be 0), throughput, p99, and seconds until answers were all OK again.
 * Last, the flood of issue 11 (400 concurrent copies of 29 aliases of citizens(100 IDs)) from another portal beside
 * the mix, with the codes the flood gets and how fast /health answers meanwhile. Then the same mix on a fresh
 * deployment without REDIS_URL, the reference of the Redis target (throughput while Redis is cut at least 80% of it).
 * BENCH_DATABASE_URL (default .../once_bench_faults, seeded with BENCH_CITIZENS, default 20,000, when empty),
 * BENCH_CONNECTIONS (default 16).
 */
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/once_bench_faults';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const log = createLogger('bench', 'info', 2);

type Kind = 'ok' | 'subgraph' | 'unavailable' | 'other';
interface Sample {
  started: number;
  ms: number;
  kind: Kind;
  /** The error codes, or the connection error, of an answer that is not OK. */
  codes: string[];
  requestId: string | null;
  hasData: boolean;
}

/** One fault: what is done at its start and end, and how long it lasts; the phase after it shows the recovery. */
interface Phase {
  name: string;
  seconds: number;
  begin?: () => void;
  end?: () => void;
}

function classify(status: number, body: string): { kind: Kind; hasData: boolean; codes: string[] } {
  const parsed = JSON.parse(body) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> };
  const hasData = Object.values(parsed.data ?? {}).some((value) => value !== null);
  const codes = (parsed.errors ?? []).map((error) => String(error.extensions?.code));
  if (status === 200 && codes.length === 0 && hasData) return { kind: 'ok', hasData, codes };
  // The answer names the subgraph that failed; what the other subgraphs had is in it (when the query needs them).
  if (status === 200 && codes.length > 0 && codes.every((code) => code === 'SUBGRAPH_UNAVAILABLE' || code === 'SUBGRAPH_ERROR'))
    return { kind: 'subgraph', hasData, codes };
  if (status === 503) return { kind: 'unavailable', hasData, codes };
  return { kind: 'other', hasData, codes: codes.length > 0 ? codes : [`HTTP ${status}`] };
}

/**
 * From the end of a fault (`from`) to the first second in which every answer started was OK: answers cut at the
 * moment of the fault's end or still waiting for a circuit to close count, a lone failure seconds later does not.
 */
function secondsToRecover(samples: readonly Sample[], from: number): number | null {
  const last = Math.max(from, ...samples.map((sample) => sample.started));
  for (let start = from; start < last; start += 100) {
    const window = samples.filter((sample) => sample.started >= start && sample.started < start + 1_000);
    if (window.length > 0 && window.every((sample) => sample.kind === 'ok')) return (start - from) / 1000;
  }
  return null;
}

/** `CODE xN, ...` of the answers that were not OK. */
function codeTally(samples: readonly Sample[]): string {
  const counts = new Map<string, number>();
  for (const code of samples.flatMap((sample) => sample.codes)) counts.set(code, (counts.get(code) ?? 0) + 1);
  return counts.size === 0 ? 'all OK' : [...counts].map(([code, count]) => `${code} x${count}`).join(', ');
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
};

await ensureBenchDatabase(DATABASE_URL, { citizens: CITIZENS, seed: 11 }, log);
const secrets = builtInSubgraphs.map(({ name }) => `${name}=${randomBytes(24).toString('hex')}`).join(',');
const postgres = await startTcpProxy({ host: new URL(DATABASE_URL).hostname, port: Number(new URL(DATABASE_URL).port || 5432) });
const redis = await startTcpProxy({ host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) });
const common = {
  DATABASE_URL: postgres.through(DATABASE_URL),
  SUBGRAPH_SECRETS: secrets,
  NODE_ENV: 'production',
  APOLLO_TELEMETRY_DISABLED: '1',
  ENTITY_CACHE_TTL_S: '60',
};

/** The built-in subgraphs (procedures behind a proxy of the benchmark's) and two gateway replicas as `npm run gateway` runs them. */
async function deploy(env: Record<string, string>) {
  const subgraphs = await startChild('bench/serve-subgraphs.ts', [], env);
  const procedures: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(String(subgraphs.ready.procedures)).port) });
  const urls: Record<string, string> = { ...(subgraphs.ready as Record<string, string>), procedures: procedures.through(String(subgraphs.ready.procedures)) };
  const { supergraphSdl, apiSchema } = compose(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: String(urls[name]) })));
  const folder = mkdtempSync(join(tmpdir(), 'once-bench-faults-'));
  writeFileSync(join(folder, 'supergraph.graphql'), supergraphSdl);
  const gatewayEnv = { ...env, SUPERGRAPH: join(folder, 'supergraph.graphql'), PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_READY_DELAY_MS: '1000' };
  const replicas: Child[] = await Promise.all([0, 1].map(() => startChild('gateway/main.ts', [], gatewayEnv, undefined, gatewayNodeArgs())));
  return {
    apiSchema,
    procedures,
    replicas,
    urls: replicas.map((replica) => String(replica.ready.url)),
    async stop() {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await subgraphs.stop();
      await procedures.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

const deployment = await deploy({ ...common, REDIS_URL: redis.through(REDIS_URL) });
const { procedures, replicas } = deployment;
const db = openPostgres(DATABASE_URL, 2, log);
/** A portal client of the benchmark's own, granted the portal roots: the headers of its requests. */
async function benchPortal(name: string): Promise<Record<string, string>> {
  const clientId = `bench-faults-${randomBytes(3).toString('hex')}`;
  await createClient(db, { clientId, name, role: 'PORTAL', rateLimitPerMinute: 100_000_000 });
  await grant(db, { clientId, purpose: '1.900011', coordinates: reachableCoordinates(deployment.apiSchema, PORTAL_ROOTS), legalBasis: 'benchmark' });
  const { apiKey } = await issueApiKey(db, clientId);
  return { 'content-type': 'application/json', 'x-api-key': apiKey, 'x-once-officer': 'bench', 'x-once-purpose': '1.900011', 'x-once-case': 'BENCH-FAULTS' };
}
const headers = await benchPortal('Fault benchmark portal');
/** The flood comes from another portal: what it does to the mix's portal is what the last phase shows. */
const floodHeaders = await benchPortal('Fault benchmark flooding portal');
const ids = await spreadPersonalIds(db, 2000);

/** The replicas the mix is sent to, and the load balancer's view: those whose /ready said 200 at the last look (every 250 ms). */
let replicaUrls = deployment.urls;
let ready = [...replicaUrls];
const prober = setInterval(() => {
  void Promise.all(
    replicaUrls.map((url) =>
      fetch(new URL('/ready', url)).then(
        (response) => response.status === 200,
        () => false,
      ),
    ),
  ).then((states) => {
    ready = replicaUrls.filter((_, index) => states[index]);
  });
}, 250);

const samples: Sample[] = [];
let running = true;
let sent = 0;
const t0 = performance.now();
const worker = async () => {
  while (running) {
    const n = sent++;
    const url = ready[n % Math.max(ready.length, 1)] ?? replicaUrls[0] ?? '';
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: PORTAL_MIX[n % PORTAL_MIX.length], variables: { id: ids[Math.floor(n / PORTAL_MIX.length) % ids.length] } }),
      });
      const { kind, hasData, codes } = classify(response.status, await response.text());
      samples.push({ started: started - t0, ms: performance.now() - started, kind, codes, requestId: response.headers.get('x-request-id'), hasData });
    } catch (error) {
      const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
      samples.push({
        started: started - t0,
        ms: performance.now() - started,
        kind: 'other',
        codes: [cause?.code ?? 'fetch failed'],
        requestId: null,
        hasData: false,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

/** The flood of issue 11: within the depth and alias limits, 29 aliases of citizens(100 IDs) with households and documents. */
const FLOOD = `query ($ids: [ID!]!) { ${Array.from({ length: 29 }, (_, index) => `a${index}: citizens(personalIds: $ids) { fullName dateOfBirth household { members { relationshipToHead citizen { fullName } } } documents { number issuedOn } }`).join(' ')} }`;
const floodCodes: string[] = [];
const healthMs: number[] = [];
let flooding = false;
const flooder = async () => {
  while (flooding) {
    try {
      const response = await fetch(replicaUrls[0] ?? '', {
        method: 'POST',
        headers: floodHeaders,
        body: JSON.stringify({ query: FLOOD, variables: { ids: ids.slice(0, 100) } }),
      });
      floodCodes.push(...classify(response.status, await response.text()).codes);
    } catch (error) {
      floodCodes.push(((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? 'fetch failed');
    }
  }
};
const healthProbe = async () => {
  while (flooding) {
    const started = performance.now();
    await fetch(new URL('/health', replicaUrls[0])).then(
      (response) => response.text(),
      () => '',
    );
    healthMs.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
let floodLoad: Array<Promise<void>> = [];

const phases: Phase[] = [
  { name: 'warm-up', seconds: 4 },
  { name: 'baseline', seconds: 5 },
  { name: 'PostgreSQL cut', seconds: 5, begin: () => postgres.cut(), end: () => postgres.restore() },
  { name: 'after PostgreSQL', seconds: 5 },
  { name: 'Redis cut', seconds: 15, begin: () => redis.cut(), end: () => redis.restore() },
  { name: 'after Redis', seconds: 4 },
  { name: 'procedures cut', seconds: 10, begin: () => procedures.cut(), end: () => procedures.restore() },
  { name: 'after procedures', seconds: 4 },
  { name: 'replica SIGTERM', seconds: 6, begin: () => void replicas[1]?.process.kill('SIGTERM') },
  {
    name: 'flood (400 concurrent)',
    seconds: 6,
    begin: () => {
      flooding = true;
      floodLoad = [healthProbe(), ...Array.from({ length: 400 }, flooder)];
    },
    end: () => {
      flooding = false;
    },
  },
];
const bounds: Array<{ name: string; from: number; to: number }> = [];
/** Runs the phases one after the other under the mix, from CONNECTIONS connections. */
async function underLoad(list: readonly Phase[]): Promise<void> {
  running = true;
  const load = Array.from({ length: CONNECTIONS }, worker);
  for (const phase of list) {
    const from = performance.now() - t0;
    phase.begin?.();
    log.info({ phase: phase.name, seconds: phase.seconds }, 'phase');
    await new Promise((resolve) => setTimeout(resolve, phase.seconds * 1000));
    phase.end?.();
    bounds.push({ name: phase.name, from, to: performance.now() - t0 });
  }
  running = false;
  await Promise.all([...load, ...floodLoad]);
}
await underLoad(phases);
const terminated = replicas[1]?.process.exitCode;

// The Redis target's reference: the same mix on a deployment that has no REDIS_URL at all (in-process caches and limits).
await deployment.stop();
const withoutRedis = await deploy(common);
replicaUrls = withoutRedis.urls;
ready = [...replicaUrls];
await underLoad([
  { name: 'warm-up, no REDIS_URL', seconds: 4 },
  { name: 'no REDIS_URL', seconds: 15 },
]);
clearInterval(prober);

const withData = samples.filter((sample) => sample.hasData && sample.requestId).map((sample) => sample.requestId as string);
const recorded = new Set(
  (await db.query<{ id: string }>('SELECT request_id AS id FROM audit.records WHERE request_id = ANY($1::text[])', [withData])).map((row) => row.id),
);
const unrecorded = (sample: Sample) => sample.hasData && (!sample.requestId || !recorded.has(sample.requestId));

const rows = bounds.map(({ name, from, to }, index) => {
  const inPhase = samples.filter((sample) => sample.started >= from && sample.started < to);
  const count = (kind: Kind) => inPhase.filter((sample) => sample.kind === kind).length;
  // Recovery from the fault of the phase before, within the fault run (the reference deployment starts afresh).
  const previous = index < phases.length ? phases[index - 1] : undefined;
  const recovery = previous?.end ? secondsToRecover(inPhase, from) : null;
  const seconds = (to - from) / 1000;
  return `| ${name} | ${seconds.toFixed(1)} | ${count('ok')} | ${count('subgraph')} | ${count('unavailable')} | ${count('other')} | ${inPhase.filter(unrecorded).length} | ${(inPhase.length / seconds).toFixed(0)} | ${percentile(
    inPhase.map((sample) => sample.ms),
    99,
  ).toFixed(0)} | ${previous?.end ? (recovery === null ? 'not within the phase' : recovery.toFixed(1)) : ''} |`;
});
/** Answers per second started in the named phase. */
function rate(name: string): number {
  const bound = bounds.find((phase) => phase.name === name);
  if (!bound) return 0;
  return samples.filter((sample) => sample.started >= bound.from && sample.started < bound.to).length / ((bound.to - bound.from) / 1000);
}
process.stdout.write(
  [
    `Faults under the citizen mix: 2 gateway replicas, ${CONNECTIONS} connections, ${CITIZENS} citizens, entity cache in Redis; replica 2 exit code after SIGTERM: ${String(terminated)}`,
    '| phase | s | OK | SUBGRAPH_* | 503 | other | data without record | req/s | p99 ms | s to recover |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...bounds.map(
      ({ name, from, to }) => `${name}: ${codeTally(samples.filter((sample) => sample.started >= from && sample.started < to && sample.kind !== 'ok'))}`,
    ),
    `Redis cut ${rate('Redis cut').toFixed(0)} req/s against ${rate('no REDIS_URL').toFixed(0)} req/s for the same mix with no REDIS_URL: ${(rate('Redis cut') / rate('no REDIS_URL')).toFixed(2)} (target: at least 0.80)`,
    `flood answers: ${[...floodCodes.reduce((counts, code) => counts.set(code, (counts.get(code) ?? 0) + 1), new Map<string, number>())].map(([code, count]) => `${code} x${count}`).join(', ')}; /health during the flood: ${healthMs.length} answers, p50 ${percentile(healthMs, 50).toFixed(0)} ms, p99 ${percentile(healthMs, 99).toFixed(0)} ms, max ${Math.max(0, ...healthMs).toFixed(0)} ms`,
    '',
  ].join('\n'),
);

await db.close();
await withoutRedis.stop();
for (const proxy of [postgres, redis]) await proxy.close();

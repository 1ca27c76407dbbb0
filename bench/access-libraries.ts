import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AccessStore, RateLimiter } from '../gateway';
import { createLogger, openRedis, type Queryable } from '../platform';

/**
 * The access cache lookup and the rate-limit check on the libraries (lru-cache, rate-limiter-flexible) against the
 * hand-written versions they replaced, side by side in one process. The old code is not kept in the repository: it is
 * exported from BENCH_BASELINE_COMMIT with `git archive` into a temporary folder and imported from there.
 * `npm run bench:access-libraries`; needs Redis at BENCH_REDIS_URL (default the local one).
 */
const BASELINE_COMMIT = process.env.BENCH_BASELINE_COMMIT ?? '6f005ae';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 500_000);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const ROUNDS = 5;
const log = createLogger('bench', 'warn');

const baselineDir = mkdtempSync(join(tmpdir(), 'once-baseline-'));
const archive = execFileSync('git', ['archive', BASELINE_COMMIT, 'gateway/access', 'subgraphs/common'], {
  cwd: resolve(import.meta.dirname, '..'),
  maxBuffer: 64 * 1024 * 1024,
});
execFileSync('tar', ['-x', '-C', baselineDir], { input: archive });
symlinkSync(resolve(import.meta.dirname, '../node_modules'), join(baselineDir, 'node_modules'));
const subjects = [
  {
    label: `hand-written (${BASELINE_COMMIT})`,
    ...((await import(join(baselineDir, 'gateway/access/store.ts'))) as { AccessStore: typeof AccessStore }),
    ...((await import(join(baselineDir, 'gateway/access/rate-limit.ts'))) as { RateLimiter: typeof RateLimiter }),
    ...((await import(join(baselineDir, 'subgraphs/common/redis.ts'))) as { openRedis: typeof openRedis }),
  },
  { label: 'libraries (this tree)', AccessStore, RateLimiter, openRedis },
];

/** Best of ROUNDS: wall and CPU microseconds per operation of `count` operations run `concurrency` at a time. */
async function measure(count: number, concurrency: number, operation: (index: number) => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  let best = { wall: Infinity, cpu: Infinity };
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await operation(next++);
      }),
    );
    const used = process.cpuUsage(cpu);
    best = { wall: Math.min(best.wall, ((performance.now() - started) * 1000) / count), cpu: Math.min(best.cpu, (used.user + used.system) / count) };
  }
  return best;
}

/** Answers every client lookup at once: the cache is measured, not PostgreSQL. */
const database: Queryable = {
  query: async <Row>() =>
    [{ clientId: 'c', name: 'C', role: 'PORTAL', mayIntrospect: false, trustedDocumentsOnly: false, rateLimitPerMinute: null, disabled: false }] as Row[],
};
const CLIENTS = Array.from({ length: 1_000 }, (_, index) => `client-${index}`);

const rows: string[] = [];
const row = (what: string, label: string, result: { wall: number; cpu: number }) =>
  rows.push(`| ${what} | ${label} | ${result.wall.toFixed(2)} | ${result.cpu.toFixed(2)} |`);
try {
  for (const subject of subjects) {
    const store = new subject.AccessStore(database, 60_000);
    for (const client of CLIENTS) await store.client(client);
    row('access cache hit (1,000 clients)', subject.label, await measure(LOOKUPS, 1, (index) => store.client(CLIENTS[index % CLIENTS.length] ?? '')));
  }
  const run = randomBytes(4).toString('hex');
  for (const subject of subjects) {
    const inProcess = new subject.RateLimiter(null);
    row('rate-limit check, in process', subject.label, await measure(CHECKS * 10, 1, (index) => inProcess.take(`client:bench-${run}-${index % 1_000}`, 1e9)));
  }
  for (const concurrency of [1, 50]) {
    for (const subject of subjects) {
      const redis = subject.openRedis(REDIS_URL, log, 'bench');
      try {
        const limiter = new subject.RateLimiter(redis);
        await limiter.take(`client:bench-${run}-warm`, 1e9);
        row(
          `rate-limit check in Redis, ${concurrency} at a time`,
          subject.label,
          await measure(CHECKS, concurrency, (index) => limiter.take(`client:bench-${run}-${index % 1_000}`, 1e9)),
        );
      } finally {
        redis.disconnect();
      }
    }
  }
} finally {
  rmSync(baselineDir, { recursive: true, force: true });
}
process.stdout.write(
  [
    `Access cache and rate limiter, hand-written (${BASELINE_COMMIT}) against the libraries; best of ${ROUNDS} rounds, microseconds per operation`,
    '| operation | implementation | wall µs | CPU µs |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'),
);

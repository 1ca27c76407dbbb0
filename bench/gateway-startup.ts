import { readFileSync } from 'node:fs';
import pg from 'pg';
import { built, freePort, RELEASE_DIST, startProcess, waitHealthy } from '../deploy';
import { median } from './planners';

/**
 * Start-up time and memory of the gateway process, from the release build (`node dist/gateway/main.js`, as
 * `npm run gateway` runs it) and from the sources through tsx (as it ran before), alternating so that drift hits both.
 * Start-up: from spawn until /health answers 200. Memory: the process's peak resident set (VmHWM) once ready, and its
 * resident set 3 s later. The gateway serves the committed supergraph file, over its own database on the local
 * PostgreSQL (created, migrated beforehand so that no round pays for it, and dropped). `npm run build && npm run bench:startup`; BENCH_ROUNDS (default 3).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'once_bench_startup';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

function memoryMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

const MODES = {
  dist: ['--max-old-space-size=512', built(RELEASE_DIST, 'gateway/main.js')],
  tsx: ['--max-old-space-size=512', '--import', 'tsx', 'gateway/main.ts'],
} as const;
type Mode = keyof typeof MODES;

await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
await admin(`CREATE DATABASE ${DATABASE}`);
const migrate = startProcess('migrate', process.execPath, [built(RELEASE_DIST, 'deploy/migrate.js')], {
  LOG_LEVEL: 'warn',
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DATABASE}`,
});
if ((await migrate.exited) !== 0) throw new Error(`migrations failed:\n${migrate.output()}`);
const results: Record<Mode, { ms: number; peakMb: number; settledMb: number }[]> = { dist: [], tsx: [] };
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const mode of Object.keys(MODES) as Mode[]) {
      const port = await freePort();
      const started = performance.now();
      const gateway = startProcess(`gateway (${mode})`, process.execPath, [...MODES[mode], '--supergraph', 'schema/supergraph.graphql'], {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DATABASE}`,
      });
      try {
        await waitHealthy(`http://127.0.0.1:${port}/health`, gateway);
        const ms = performance.now() - started;
        const pid = gateway.child.pid as number;
        const peakMb = memoryMb(pid, 'VmHWM');
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        results[mode].push({ ms, peakMb, settledMb: memoryMb(pid, 'VmRSS') });
        process.stderr.write(`round ${round + 1} ${mode}: ${ms.toFixed(0)} ms, peak ${peakMb.toFixed(0)} MB\n`);
      } finally {
        await gateway.stop();
      }
    }
  }
} finally {
  await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
}

const row = (mode: Mode, label: string) => {
  const rows = results[mode];
  return `| ${label} | ${median(rows.map((r) => r.ms)).toFixed(0)} | ${Math.min(...rows.map((r) => r.ms)).toFixed(0)} | ${median(rows.map((r) => r.peakMb)).toFixed(0)} | ${median(rows.map((r) => r.settledMb)).toFixed(0)} |`;
};
process.stdout.write(
  [
    `Gateway start-up, ${ROUNDS} rounds alternating, medians (min for the fastest start)`,
    '| gateway | start-up ms (median) | start-up ms (min) | peak RSS MB at ready | RSS MB 3 s later |',
    '|---|---|---|---|---|',
    row('dist', '`node dist/gateway/main.js` (release build)'),
    row('tsx', '`node --import tsx gateway/main.ts` (before)'),
    '',
  ].join('\n'),
);

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gatewayNodeArgs, startChild } from '../child';
import { runLoad } from '../load';
import { GATEWAYS_BENCHMARK_FILES } from './files';

/**
 * The public gateways benchmark, side by side: each gateway in turn on CPU 0, the four subgraphs on CPU 1, the same
 * supergraph and query, 50 connections, warm-up then a fixed duration. A response counts only if it is HTTP 200,
 * without errors, and has exactly the expected data (checked in full once per gateway, then by size). `npm run
 * bench:standard`; BENCH_GATEWAYS picks gateways (default: apollo,once,once-1g,hive,hive-rust; also once-2w and
 * once-apollo-executor).
 */
const DIR = process.env.GATEWAYS_BENCHMARK_DIR ?? GATEWAYS_BENCHMARK_FILES;
const GATEWAYS = (process.env.BENCH_GATEWAYS ?? 'apollo,once,once-1g,hive,hive-rust').split(',');
/**
 * Ours: as `npm run gateway` starts it; `-2w` with two worker processes on both CPUs (the subgraphs keep CPU 1 too);
 * `-1g` with GATEWAY_HEAP_MB=1024; `-apollo-executor` with @apollo/gateway's plan executor (GATEWAY_EXECUTOR=apollo).
 */
const OURS: Record<string, { workers: string; heapMb?: string; executor?: 'apollo' }> = {
  once: { workers: '1' },
  'once-2w': { workers: '2' },
  'once-1g': { workers: '1', heapMb: '1024' },
  'once-apollo-executor': { workers: '1', executor: 'apollo' },
};
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PORT = Number(process.env.BENCH_SUBGRAPHS_PORT ?? 4200);

const query = readFileSync(join(DIR, 'query.graphql'), 'utf8');
const folder = mkdtempSync(join(tmpdir(), 'once-standard-'));
const supergraphFile = join(folder, 'supergraph.graphql');
writeFileSync(supergraphFile, readFileSync(join(DIR, 'supergraph.graphql'), 'utf8').replaceAll('127.0.0.1:4200', `127.0.0.1:${PORT}`));
const body = JSON.stringify({ query });

interface Row {
  gateway: string;
  rps: number;
  p50: number;
  p99: number;
  cpuPerThousand: number;
  peakRssMb: number;
  invalid: number;
}

const subgraphs = await startChild('bench/standard/subgraphs.ts', [], { BENCH_SUBGRAPHS_PORT: String(PORT), GATEWAYS_BENCHMARK_DIR: DIR }, '1');
let reference: unknown;
const rows: Row[] = [];
for (const gateway of GATEWAYS) {
  const ours = OURS[gateway];
  const child = ours
    ? await startChild(
        'bench/standard/gateway.ts',
        ['once'],
        {
          SUPERGRAPH: supergraphFile,
          NODE_ENV: 'production',
          BENCH_WORKERS: ours.workers,
          GATEWAY_EXECUTOR: ours.executor ?? 'once',
          // The public query's lists take no size argument: counted at ASSUMED_LIST_SIZE per level it costs about
          // 103,000, above the default limit set for portals' citizen queries. The other gateways limit no cost.
          MAX_COST: '1000000',
        },
        ours.workers === '2' ? '0,1' : '0',
        gatewayNodeArgs(ours.heapMb),
      )
    : await startChild('bench/standard/gateway.ts', [gateway], { SUPERGRAPH: supergraphFile, NODE_ENV: 'production' }, '0');
  const url = String(child.ready.url);
  const first = await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
  const parsed = JSON.parse(first) as { data?: unknown; errors?: unknown };
  reference ??= parsed.data;
  const problem =
    parsed.errors || !parsed.data
      ? `${gateway} answered the benchmark query with errors: ${first.slice(0, 500)}`
      : !isDeepStrictEqual(parsed.data, reference) && `${gateway} returned different data than the first gateway`;
  if (problem) {
    // Nothing of the benchmark's may outlive it.
    await Promise.all([child.stop(), subgraphs.stop()]);
    throw new Error(problem);
  }
  const size = first.length;
  const load = (seconds: number) =>
    runLoad({
      url,
      connections: CONNECTIONS,
      seconds,
      body: () => body,
      accept: (status, text) => status === 200 && text.length === size && !text.includes('"errors"'),
    });
  await load(WARMUP_S);
  const cpuBefore = child.cpuSeconds();
  const result = await load(DURATION_S);
  const cpu = child.cpuSeconds() - cpuBefore;
  rows.push({
    gateway,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    cpuPerThousand: (cpu / Math.max(result.valid, 1)) * 1000,
    peakRssMb: child.peakRssMb(),
    invalid: result.invalid,
  });
  process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  await child.stop();
}
await subgraphs.stop();

const stock = rows.find((row) => row.gateway === 'apollo');
const ratio = (value: number, base: number | undefined) => (base ? `${(value / base).toFixed(2)}x` : 'n/a');
process.stdout.write(
  [
    `Standard workload (gateways benchmark), ${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s warm-up, gateway on CPU 0, subgraphs on CPU 1`,
    '| gateway | valid req/s | vs stock | p50 ms | p99 ms | CPU s / 1000 req | vs stock | peak RSS MB | invalid |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.gateway} | ${row.rps.toFixed(0)} | ${ratio(row.rps, stock?.rps)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.cpuPerThousand.toFixed(2)} | ${ratio(row.cpuPerThousand, stock?.cpuPerThousand)} | ${row.peakRssMb.toFixed(0)} | ${row.invalid} |`,
    ),
    '',
  ].join('\n'),
);

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { persistedDocuments } from '../operations';
import { median, PLANNERS, timed } from './planners';
import { PORTAL_MIX } from './portal-mix';
import { GATEWAYS_BENCHMARK_FILES } from './standard/files';

/**
 * How long `@apollo/query-planner` takes to plan cold: building the planner for a supergraph (what every supergraph
 * load costs), then each operation's first plan on a fresh planner, and again once the planner has planned it (the
 * planner keeps no plan cache: the gateway's plan cache is what makes the second request cheap). Once's supergraph
 * (schema/supergraph.graphql) with the portal mix and every operation of operations/, and the gateways benchmark's
 * with its query. `npm run bench:planner`; BENCH_ROUNDS (default 5) fresh planners per operation; the first round is
 * also the first plan of the process (JIT cold). Hive Router's planner (Rust, N-API) is timed the same way beside it.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DIR = process.env.GATEWAYS_BENCHMARK_DIR ?? GATEWAYS_BENCHMARK_FILES;

const once = readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8');
const workloads = [
  { name: 'Once (portal mix)', sdl: once, operations: PORTAL_MIX },
  { name: 'Once (operations/)', sdl: once, operations: Object.values(persistedDocuments) },
  { name: 'gateways benchmark', sdl: readFileSync(join(DIR, 'supergraph.graphql'), 'utf8'), operations: [readFileSync(join(DIR, 'query.graphql'), 'utf8')] },
];

const lines = [
  '| supergraph | operation | planner | planner built (ms, first / median) | first plan (ms, first / median) | same plan again (ms, median) |',
  '|---|---|---|---|---|---|',
];
const row = (name: string, label: string, planner: string, built: number[], first: number[], again: number[]) =>
  `| ${name} | ${label} | ${planner} | ${built[0]?.toFixed(1) ?? '-'} / ${median(built).toFixed(1)} | ${first[0]?.toFixed(1) ?? '-'} / ${median(first).toFixed(1)} | ${median(again).toFixed(1)} |`;
for (const { name, sdl, operations } of workloads) {
  for (const [index, text] of operations.entries()) {
    const label = /query (\w+)/.exec(text)?.[1] ?? `#${index + 1}`;
    for (const [plannerName, build] of Object.entries(PLANNERS)) {
      const built: number[] = [];
      const first: number[] = [];
      const again: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const [planner, buildMs] = timed(() => build(sdl));
        built.push(buildMs);
        first.push(timed(() => planner.plan(text))[1]);
        again.push(timed(() => planner.plan(text))[1]);
      }
      lines.push(row(name, label, plannerName, built, first, again));
    }
    process.stderr.write(`${name} ${label} done\n`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);

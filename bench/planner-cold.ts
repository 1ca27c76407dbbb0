import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { QueryPlanner as RustQueryPlanner } from '@graphql-hive/router-query-planner';
import { parse } from 'graphql';
import { PORTAL_MIX } from './portal-mix';

/**
 * How long `@apollo/query-planner` takes to plan cold: building the planner for a supergraph (what every supergraph
 * load costs), then each operation's first plan on a fresh planner, and again once the planner has planned it (the
 * planner keeps no plan cache: the gateway's plan cache is what makes the second request cheap). Once's supergraph
 * (schema/supergraph.graphql) with the portal mix, and the gateways benchmark's with its query. `npm run
 * bench:planner`; BENCH_ROUNDS (default 5) fresh planners per operation; the first round is also the first
 * plan of the process (JIT cold). Hive Router's planner (Rust, N-API) is timed the same way beside it.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DIR = process.env.GATEWAYS_BENCHMARK_DIR ?? new URL('../../shared/bench/gateways-benchmark/', import.meta.url).pathname;

const workloads = [
  { name: 'Once (portal mix)', sdl: readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8'), operations: PORTAL_MIX },
  { name: 'gateways benchmark', sdl: readFileSync(join(DIR, 'supergraph.graphql'), 'utf8'), operations: [readFileSync(join(DIR, 'query.graphql'), 'utf8')] },
];

const time = <T>(work: () => T): [T, number] => {
  const started = performance.now();
  const result = work();
  return [result, performance.now() - started];
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const lines = [
  '| supergraph | operation | planner | planner built (ms, first / median) | first plan (ms, first / median) | same plan again (ms, median) |',
  '|---|---|---|---|---|---|',
];
const row = (name: string, label: string, planner: string, built: number[], first: number[], again: number[]) =>
  `| ${name} | ${label} | ${planner} | ${built[0]?.toFixed(1) ?? '-'} / ${median(built).toFixed(1)} | ${first[0]?.toFixed(1) ?? '-'} / ${median(first).toFixed(1)} | ${median(again).toFixed(1)} |`;
const noLabels = new Set<string>();
for (const { name, sdl, operations } of workloads) {
  for (const [index, text] of operations.entries()) {
    const built: number[] = [];
    const first: number[] = [];
    const again: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [planner, buildMs] = time(() => new QueryPlanner(Supergraph.build(sdl)));
      const operation = operationFromDocument(planner.supergraph.apiSchema(), parse(text));
      built.push(buildMs);
      first.push(time(() => planner.buildQueryPlan(operation))[1]);
      again.push(time(() => planner.buildQueryPlan(operation))[1]);
    }
    const rust = { built: [] as number[], first: [] as number[], again: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const [planner, buildMs] = time(() => new RustQueryPlanner(sdl));
      rust.built.push(buildMs);
      rust.first.push(time(() => planner.plan(text, null, noLabels, 0))[1]);
      rust.again.push(time(() => planner.plan(text, null, noLabels, 0))[1]);
    }
    const label = /query (\w+)/.exec(text)?.[1] ?? `#${index + 1}`;
    lines.push(row(name, label, '@apollo/query-planner', built, first, again), row(name, label, 'Hive Router (Rust)', rust.built, rust.first, rust.again));
    process.stderr.write(`${name} ${label} done\n`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);

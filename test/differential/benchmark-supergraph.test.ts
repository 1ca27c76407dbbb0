import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAYS_BENCHMARK_FILES, startChild, type Child } from '../../bench';
import { expectSameAnswer, startDifferential, type Differential } from './harness';
import { operations } from './operations';
import { DIFFERENTIAL_RUNS, DIFFERENTIAL_SEED } from './settings';

/**
 * The supergraph of the public gateways benchmark (its files, copied into bench/standard/gateways-benchmark), its four
 * subgraphs run by bench/standard/subgraphs.ts on a free port: the benchmark's own query, and random ones.
 */
const DIR = GATEWAYS_BENCHMARK_FILES;
const NAMES = ['accounts', 'inventory', 'products', 'reviews'];

describe("Once's and Apollo's executors on the gateways benchmark's supergraph", () => {
  let subgraphs: Child;
  let differential: Differential<object>;
  let supergraphSdl: string;

  beforeAll(async () => {
    subgraphs = await startChild('bench/standard/subgraphs.ts', [], { BENCH_SUBGRAPHS_PORT: '0', GATEWAYS_BENCHMARK_DIR: DIR });
    const port = String(subgraphs.ready.port);
    supergraphSdl = readFileSync(join(DIR, 'supergraph.graphql'), 'utf8').replaceAll('127.0.0.1:4200', `127.0.0.1:${port}`);
    const services = Object.fromEntries(NAMES.map((name) => [name, new RemoteGraphQLDataSource({ url: `http://127.0.0.1:${port}/${name}` })]));
    differential = await startDifferential({ supergraphSdl, services, context: () => ({}) });
  });
  afterAll(async () => {
    await differential?.stop();
    await subgraphs?.stop();
  });

  it('answers the benchmark query alike, in full', async () => {
    const query = readFileSync(join(DIR, 'query.graphql'), 'utf8');
    const { once, apollo } = await differential.run(query);
    expectSameAnswer(once.result, apollo.result, query);
    expect(once.result.errors).toBeUndefined();
    expect(JSON.stringify(once.result.data).length).toBeGreaterThan(10_000);
  });

  it(`answers ${DIFFERENTIAL_RUNS} random operations alike (seed ${DIFFERENTIAL_SEED})`, async () => {
    const space = {
      schema: Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema(),
      maxDepth: 6,
      arguments: {
        'Query.user': fc.constantFrom('(id: "1")', '(id: "2")', '(id: "404")'),
        'Query.topProducts': fc.constantFrom('', '(first: 1)', '(first: 9)'),
      },
    };
    const servedBefore = differential.stats().served;
    await fc.assert(
      fc.asyncProperty(operations(space), async ({ query, variables }) => {
        const { once, apollo } = await differential.run(query, variables);
        expectSameAnswer(once.result, apollo.result, query);
      }),
      { seed: DIFFERENTIAL_SEED, numRuns: DIFFERENTIAL_RUNS },
    );
    expect(differential.stats().fallbacks).toEqual({});
    expect(differential.stats().served - servedBefore).toBeGreaterThan(DIFFERENTIAL_RUNS * 0.8);
  }, 600_000);
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { composeSupergraph } from '../../subgraphs/registry';
import { freePort, startProcess, waitHealthy } from '../../deploy';
import { TEST_SECRETS } from '../helpers/database';
import { buildRelease } from '../helpers/release-build';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

const PROCESSES = { timeout: 120_000 };
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Loaded with --import before anything else (and so in every worker thread): any TypeScript source or tsx module
 * the process reaches for fails it, so a pass means the build runs on plain Node.
 */
const FORBID_TYPESCRIPT = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(specifier, context, next) {' +
  ' if (/(^|[\\\\/])tsx([\\\\/]|$)/.test(specifier) || /\\\\.ts$/.test(specifier)) throw new Error("TypeScript at run time: " + specifier);' +
  ' return next(specifier, context); }'));
`;

let folder: string;
let stack: TestStack;
let build: ReturnType<typeof buildRelease>;
/** A file of the build as a URL, for the scripts below to import. */
const dist = (path: string) => pathToFileURL(join(build.dist, path)).href;
beforeAll(async () => {
  build = buildRelease('release-test');
  folder = mkdtempSync(join(tmpdir(), 'once-release-'));
  writeFileSync(join(folder, 'forbid-typescript.mjs'), FORBID_TYPESCRIPT);
  stack = await startTestStack();
}, PROCESSES.timeout);
afterAll(async () => {
  await stack?.stop();
  rmSync(folder, { recursive: true, force: true });
  build?.remove();
});

const guard = () => ['--import', pathToFileURL(join(folder, 'forbid-typescript.mjs')).href];

describe('the release build (npm run build)', PROCESSES, () => {
  it.each(['.', '..', 'gateway', '.build', '.build/../dist2', '/tmp/once-dist'])('refuses --out %s, which it would wipe, and wipes nothing', (out) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'deploy/build.ts', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`build failed: --out must be dist or a folder under .build/; got ${out}`);
    expect(existsSync(join(ROOT, 'gateway/main.ts'))).toBe(true);
  });

  it('fails a process that reaches for TypeScript at run time, so that the checks below can fail', () => {
    const script = join(folder, 'reaches-for-typescript.mjs');
    writeFileSync(script, `await import(${JSON.stringify(pathToFileURL(join(ROOT, 'gateway/query-plans.ts')).href)});\n`);
    const run = spawnSync(process.execPath, [...guard(), script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/TypeScript at run time: .*gateway\/query-plans\.ts/);
  });

  it('plans in the query-plan worker and composes in the composition worker on plain Node', () => {
    const script = join(folder, 'workers.mjs');
    const names = builtInSubgraphs.map(({ name }) => name);
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
const { QueryPlans } = await import(${JSON.stringify(dist('gateway/query-plans.js'))});
const { composeInWorker } = await import(${JSON.stringify(dist('subgraphs/registry/composition.js'))});
const { createLogger } = await import(${JSON.stringify(dist('platform/logger.js'))});
const log = createLogger('release-test', 'silent');
const plans = new QueryPlans({ mib: 1, warmRecent: 0, registered: async () => [{ query: '{ procedures { code } }', operationName: null }], log });
const warm = await plans.warm(readFileSync(new URL(${JSON.stringify(dist('schema/supergraph.graphql'))}), 'utf8'));
const names = ${JSON.stringify(names)};
const proposed = names.map((name) => ({ name, url: 'http://127.0.0.1:1/graphql', sdl: readFileSync(new URL(${JSON.stringify(dist('subgraphs/'))} + name + '/schema.graphql'), 'utf8') }));
const outcome = await composeInWorker({ proposed, owners: Object.fromEntries(names.map((name) => [name, 'system'])), analyse: [], candidate: null, compose: true, liveSupergraphSdl: null }, { timeoutMs: 60000, log });
process.stdout.write(JSON.stringify({ planned: warm.planned, failed: warm.failed, composed: outcome.supergraphSdl !== null, problems: outcome.problems }));
process.exit(0);
`,
    );
    const run = spawnSync(process.execPath, [...guard(), script], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ planned: 1, failed: 0, composed: true, problems: [] });
  });

  it('serves queries as `npm run gateway` runs it, node on the built gateway/main.js, and stops with 0 on SIGTERM', async () => {
    const supergraph = join(folder, 'supergraph.graphql');
    writeFileSync(supergraph, composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: stack.subgraphUrls[name] }))));
    const port = await freePort();
    const gateway = startProcess('gateway', process.execPath, [...guard(), join(build.dist, 'gateway/main.js'), '--supergraph', supergraph], {
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: inject('databaseUrl'),
      JWKS_FILE: inject('jwksFile'),
      AUDIT_SIGNING_KEY_FILE: inject('auditKeyFile'),
      AUDIT_WITNESS_FILE: join(folder, 'witness.jsonl'),
      SUBGRAPH_SECRETS: TEST_SECRETS,
    });
    try {
      await waitHealthy(`http://127.0.0.1:${port}/health`, gateway);
      const response = await postGraphQL<{ procedures: { code: string }[] }>(
        `http://127.0.0.1:${port}/graphql`,
        { query: '{ procedures { code } }' },
        stack.portal.headers,
      );
      expect(response.errors).toBeUndefined();
      expect(response.data?.procedures.length).toBeGreaterThan(0);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    expect(gateway.output()).not.toMatch(/TypeScript at run time/);
  });
});

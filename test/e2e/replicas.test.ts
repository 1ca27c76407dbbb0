import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { migrate } from '../../platform';
import { seedDatabase } from '../../subgraphs/seed';
import { reachableCoordinates, gatewayMigrations } from '../../gateway';
import { scratchDatabase } from '../helpers/database';
import { startTestStack, type TestClient, type TestStack } from '../helpers/stack';

const REGISTRY_ROOTS = [
  'Query.subgraphs',
  'Query.supergraphHistory',
  'Query.checkSubgraph',
  'Query.gatewayReplicas',
  'Mutation.registerSubgraph',
  'Mutation.publishSubgraph',
];
const SUBGRAPH = 'pensions';
const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query {
  "Pension indexation rate of a year."
  pensionRate(year: Int!): Float
}
`;
/** The same subgraph with a field under `@authenticated`: it composes, but @apollo/gateway does not support the feature. */
const AUTHENTICATED_SDL = SDL.replace('import: ["@key"]', 'import: ["@key", "@authenticated"]').replace('Float', 'Float @authenticated');
const PUBLISH = 'mutation ($input: SubgraphInput!) { publishSubgraph(input: $input) { version { version } } }';
const CHECK = 'query ($input: SubgraphInput!) { checkSubgraph(input: $input) { ok compositionErrors { code message locations } } }';

/**
 * An agency subgraph whose health can be switched: it passes the next `passes` health checks (the query every
 * gateway and now the registry send), then answers them 503 as a server that went down does.
 */
async function startSwitchableSubgraph() {
  const state = { passes: Number.POSITIVE_INFINITY };
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(SDL), resolvers: { Query: { pensionRate: () => 1.08 } } }),
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ operationName }) {
              if (operationName !== '__ApolloServiceHealthCheck__') return;
              if (state.passes <= 0) throw new GraphQLError('down', { extensions: { http: { status: 503 } } });
              state.passes -= 1;
            },
          };
        },
      },
    ],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, state, stop: () => server.stop() };
}

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let stack: TestStack;
let agency: TestClient;
let pensions: Awaited<ReturnType<typeof startSwitchableSubgraph>>;
let workDir: string;
let sdlFile: string;

/** `npm run registry -- <args>` as the agency, against the stack's gateway: exit code and output. */
function registryCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/registry-cli.ts', ...args], {
    env: { ...process.env, ONCE_GATEWAY: stack.gatewayUrl, ONCE_API_KEY: agency.apiKey, ONCE_OFFICER: 'officer-1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const served = async () =>
  Number(((await fetch(stack.gatewayUrl.replace('/graphql', '/health')).then((response) => response.json())) as { version: unknown }).version);
const latest = async () => (await scratch.db.query<{ version: number }>('SELECT max(version) AS version FROM registry.supergraph_versions'))[0]?.version ?? 0;

async function until(deadlineMs: number, probe: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > deadlineMs) throw new Error(`not reached within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  scratch = await scratchDatabase();
  for (const set of [...builtInSubgraphs, ...gatewayMigrations]) await migrate(scratch.db, set.name, set.migrations);
  await seedDatabase(scratch.db, { citizens: 50, seed: 9 });
  // One replica (the stack's gateway), polling often and retrying a refused version within half a second.
  stack = await startTestStack({ DATABASE_URL: scratch.url, SUPERGRAPH_POLL_MS: '200', SUPERGRAPH_RETRY_MAX_MS: '500' }, { registry: true });
  agency = await stack.newClient({ role: 'AGENCY', purpose: 'REGISTRY', coordinates: reachableCoordinates(stack.apiSchema, REGISTRY_ROOTS) });
  pensions = await startSwitchableSubgraph();
  workDir = mkdtempSync(join(tmpdir(), 'once-replicas-'));
  sdlFile = join(workDir, 'pensions.graphql');
  writeFileSync(sdlFile, SDL);
  const registered = await stack.graphql(`mutation { registerSubgraph(name: "${SUBGRAPH}") { name } }`, {}, agency.headers);
  expect(registered.errors).toBeUndefined();
});

afterAll(async () => {
  await stack?.stop();
  await pensions?.stop();
  await scratch?.drop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('publishing means served', () => {
  it('publish --wait returns 0 once every live replica serves the new version', async () => {
    const result = await registryCli('publish', SUBGRAPH, '--url', pensions.url, '--sdl', sdlFile, '--wait', '--wait-timeout', '60');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`published: supergraph version ${await latest()}`));
    expect(result.stdout).toContain('served by all 1 live gateway replica(s)');
    expect(await served()).toBe(await latest());
  });

  it('refuses to record a version whose subgraph fails the health check the gateways run', async () => {
    const before = await latest();
    pensions.state.passes = 0;
    const response = await stack.graphql(PUBLISH, { input: { name: SUBGRAPH, url: pensions.url, sdl: SDL } }, agency.headers);
    pensions.state.passes = Number.POSITIVE_INFINITY;
    expect(response.errors?.[0]?.extensions?.code).toBe('SCHEMA_CHECK_FAILED');
    expect(response.errors?.[0]?.message).toMatch(
      /^Publish of pensions refused: the gateways would not serve it, as their health check fails for \[pensions\]: Subgraph pensions answered HTTP 503$/,
    );
    expect(response.errors?.[0]?.message).not.toContain(pensions.url);
    expect(await latest()).toBe(before);
  });

  it('refuses at check and at publish a subgraph whose supergraph the gateways would refuse to load (@authenticated)', async () => {
    const before = await latest();
    const input = { name: SUBGRAPH, url: pensions.url, sdl: AUTHENTICATED_SDL };
    const unsupported = {
      code: 'UNSUPPORTED_LINKED_FEATURE',
      message: 'the gateways would refuse the composed supergraph: feature https://specs.apollo.dev/authenticated/v0.1 is for: SECURITY but is unsupported',
      locations: [],
    };
    const check = await stack.graphql(CHECK, { input }, agency.headers);
    expect(check.errors).toBeUndefined();
    expect(check.data?.checkSubgraph).toEqual({ ok: false, compositionErrors: [unsupported] });
    const response = await stack.graphql(PUBLISH, { input }, agency.headers);
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: 'SCHEMA_CHECK_FAILED', report: { compositionErrors: [unsupported] } },
      message: `Publish of pensions refused: it does not compose with the live graph into a supergraph the gateways load: [${unsupported.code}] ${unsupported.message}`,
    });
    expect(await latest()).toBe(before);
  });

  it('publish --wait exits 1 with the reason when a replica refuses the version, and the replica serves it once the subgraph is back', async () => {
    const before = await served();
    // The subgraph answers the registry's health check, then goes down before the gateway runs its own.
    pensions.state.passes = 1;
    const result = await registryCli('publish', SUBGRAPH, '--url', pensions.url, '--sdl', sdlFile, '--wait');
    expect(result.code).toBe(1);
    const refusedVersion = before + 1;
    expect(result.stderr).toContain(`NOT served: 1 gateway replica(s) refused version ${refusedVersion}`);
    expect(result.stderr).toMatch(
      new RegExp(`refused v${refusedVersion} \\(\\d+ attempt\\(s\\), next [^)]+\\): \\[pensions\\]: Subgraph pensions answered HTTP 503`),
    );
    expect(await served()).toBe(before);

    const status = await registryCli('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`latest supergraph version: v${refusedVersion}; 1 live gateway replica(s)`);
    expect(status.stdout).toMatch(new RegExp(`serves v${before}\\b`));
    expect(status.stdout).toMatch(new RegExp(`refused v${refusedVersion} .*\\[pensions\\]: Subgraph pensions answered HTTP 503`));
    const [refusal] = await scratch.db.query<{ attempts: number; reason: string }>(
      'SELECT attempts, reason FROM registry.version_refusals WHERE version = $1',
      [refusedVersion],
    );
    expect(refusal?.reason).toBe('[pensions]: Subgraph pensions answered HTTP 503');

    // Back up: no restart, no new publish; the replica's retry finds it healthy.
    pensions.state.passes = Number.POSITIVE_INFINITY;
    await until(20_000, async () => (await served()) === refusedVersion);
    const after = await stack.graphql<{ gatewayReplicas: Array<{ servedVersion: number; refusals: unknown[] }> }>(
      '{ gatewayReplicas { servedVersion refusals { version } } }',
      {},
      agency.headers,
    );
    expect(after.data?.gatewayReplicas).toEqual([{ servedVersion: refusedVersion, refusals: [] }]);
  });

  it('lists only live replicas, and only to agency and administrator clients', async () => {
    await scratch.db.query(
      `INSERT INTO registry.gateway_replicas (replica_id, host, pid, served_version, live_ms, last_seen_at) VALUES ('dead-one', 'gone', 1, 1, 1000, now() - interval '1 minute')`,
    );
    const listed = await stack.graphql<{ gatewayReplicas: Array<{ replicaId: string; pid: number }> }>(
      '{ gatewayReplicas { replicaId pid } }',
      {},
      agency.headers,
    );
    expect(listed.data?.gatewayReplicas.map((replica) => replica.replicaId)).not.toContain('dead-one');
    expect(listed.data?.gatewayReplicas).toEqual([{ replicaId: expect.any(String), pid: process.pid }]);
    const portal = await stack.newClient({ role: 'PORTAL', purpose: 'REGISTRY', coordinates: ['Query.gatewayReplicas', 'GatewayReplica.host'] });
    const refused = await stack.graphql('{ gatewayReplicas { host } }', {}, portal.headers);
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: `Only agency and administrator clients see the gateway replicas; "${portal.clientId}" is PORTAL`,
    });
    expect(refused.data ?? null).toBeNull();
  });

  it('refuses a bad --wait-timeout before publishing anything', async () => {
    const before = await latest();
    for (const timeout of ['abc', '0', '99999']) {
      const result = await registryCli('publish', SUBGRAPH, '--url', pensions.url, '--sdl', sdlFile, '--wait', '--wait-timeout', timeout);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`--wait-timeout must be a whole number of seconds from 1 to 3600; got ${timeout}`);
    }
    const flagLike = await registryCli('publish', SUBGRAPH, '--url', pensions.url, '--sdl', sdlFile, '--wait', '--wait-timeout', '-5');
    expect(flagLike.code).toBe(1);
    expect(flagLike.stderr).toContain("Option '--wait-timeout' argument is ambiguous");
    expect(flagLike.stderr).not.toMatch(/\n\s+at /);
    expect(await latest()).toBe(before);
  });
});

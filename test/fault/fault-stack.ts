import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { spreadPersonalIds } from '../../subgraphs/population';
import { builtInSubgraphs } from '../../subgraphs';
import { openPostgres, type Database, type RunningServer } from '../../platform';
import { openSubgraphServices, startSubgraph } from '../../subgraphs/kit';
import { createClient, grant, issueApiKey, reachableCoordinates } from '../../gateway';
import { compose } from '../../subgraphs/registry';
import { startChild, type Child, startTcpProxy, type TcpProxy } from '../../bench';
import { openTestDatabase, silentLog, testConfig, TEST_SECRETS } from '../helpers/database';
import { AGENCY_ROOTS, ENROLMENT, type BuiltInName } from '../helpers/stack';
import { testEnv } from '../helpers/test-env';

export const REDIS_URL = testEnv.TEST_REDIS_URL;

/** One answer as a client sees it: a response, or the connection failing (a reset, a refusal). */
export type Outcome =
  | { kind: 'response'; status: number; requestId: string; retryAfter: string | null; codes: string[]; hasData: boolean; body: string }
  | { kind: 'failed'; error: string };

export interface FaultStack {
  /** The run's database, not through the proxy: what the test reads to check the audit log. */
  db: Database;
  /** In front of PostgreSQL, for the gateways and the subgraphs alike. */
  postgres: TcpProxy;
  /** In front of Redis, when the stack uses it. */
  redis: TcpProxy | null;
  /** In front of the procedures subgraph. */
  procedures: TcpProxy;
  /** The gateway processes (`gateway/main.ts` on a fixed supergraph). */
  gateways: Child[];
  gatewayUrls: string[];
  personalIds: string[];
  /** The portal the stack sends as (a client of its own, with every agency coordinate granted). */
  clientId: string;
  /** POSTs the query as the portal to gateway `index` and says what came back. */
  send(query: string, variables: Record<string, unknown>, index?: number): Promise<Outcome>;
  /** The warnings and errors the gateway processes logged (pino lines of level 40 and up), to explain a failure. */
  problems(): string[];
  /** Of these request ids, the ones with no committed audit record. */
  unrecorded(requestIds: readonly string[]): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The subgraphs in this process and `replicas` gateway processes, every one of them reaching PostgreSQL (and Redis,
 * with `redis`) through proxies of the test's own, and the gateways reaching the procedures subgraph through one too.
 */
export async function startFaultStack(options: { replicas?: number; redis?: boolean; gatewayEnv?: Record<string, string> } = {}): Promise<FaultStack> {
  const postgres = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(inject('databaseUrl')).port || 5432) });
  const redis = options.redis ? await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) }) : null;
  const databaseUrl = postgres.through(inject('databaseUrl'));
  const redisEnv: Record<string, string> = redis ? { REDIS_URL: redis.through(REDIS_URL), ENTITY_CACHE_TTL_S: '60' } : {};
  const config = testConfig({ DATABASE_URL: databaseUrl, ...redisEnv });
  const db = openTestDatabase();
  const subgraphDb = openPostgres(databaseUrl, 8, silentLog);
  const platform = openSubgraphServices(config, subgraphDb, silentLog);
  const servers: RunningServer[] = [];
  const urls = {} as Record<BuiltInName, string>;
  for (const module of builtInSubgraphs) {
    const server = await startSubgraph(module, { deps: { db: subgraphDb, config, platform }, port: 0, log: silentLog });
    servers.push(server);
    urls[module.name] = server.url;
  }
  const procedures = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(urls.procedures).port) });
  urls.procedures = procedures.through(urls.procedures);
  const composed = compose(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: urls[name] })));
  const folder = mkdtempSync(join(tmpdir(), 'once-fault-'));
  const supergraphFile = join(folder, 'supergraph.graphql');
  writeFileSync(supergraphFile, composed.supergraphSdl);

  const clientId = `fault-portal-${randomBytes(4).toString('hex')}`;
  await createClient(db, { clientId, name: 'Fault test portal', role: 'PORTAL', mayIntrospect: false, trustedDocumentsOnly: false });
  await grant(db, { clientId, purpose: ENROLMENT, coordinates: reachableCoordinates(composed.apiSchema, AGENCY_ROOTS), legalBasis: 'fault test' });
  const { apiKey } = await issueApiKey(db, clientId);
  const headers = {
    'content-type': 'application/json',
    'x-api-key': apiKey,
    'x-once-officer': 'officer-1',
    'x-once-purpose': ENROLMENT,
    'x-once-case': 'FAULT-1',
  };

  const gatewayEnv = {
    APOLLO_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    JWKS_FILE: inject('jwksFile'),
    SUBGRAPH_SECRETS: TEST_SECRETS,
    SUPERGRAPH: supergraphFile,
    PORT: '0',
    ...redisEnv,
    ...options.gatewayEnv,
  };
  const gateways = await Promise.all(Array.from({ length: options.replicas ?? 1 }, () => startChild('gateway/main.ts', [], gatewayEnv)));
  const gatewayUrls = gateways.map((gateway) => String(gateway.ready.url));
  const problems: string[] = [];
  for (const gateway of gateways) {
    gateway.process.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (/"level":(40|50|60)/.test(line) || /"msg":"(stop|gateway worker)/.test(line)) problems.push(line.slice(0, 500));
    });
  }
  const personalIds = await spreadPersonalIds(db, 50);

  return {
    db,
    postgres,
    redis,
    procedures,
    gateways,
    gatewayUrls,
    personalIds,
    clientId,
    async send(query, variables, index = 0) {
      try {
        const response = await fetch(gatewayUrls[index] ?? '', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
        const body = await response.text();
        const parsed = JSON.parse(body) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> };
        return {
          kind: 'response',
          status: response.status,
          requestId: response.headers.get('x-request-id') ?? '',
          retryAfter: response.headers.get('retry-after'),
          codes: (parsed.errors ?? []).map((error) => String(error.extensions?.code)),
          hasData: Object.values(parsed.data ?? {}).some((value) => value !== null),
          body,
        };
      } catch (error) {
        return { kind: 'failed', error: String((error as Error).cause ?? error) };
      }
    },
    problems: () => problems,
    async unrecorded(requestIds) {
      const rows = await db.query<{ id: string }>('SELECT request_id AS id FROM audit.records WHERE request_id = ANY($1::text[])', [requestIds]);
      const recorded = new Set(rows.map((row) => row.id));
      return requestIds.filter((id) => !recorded.has(id));
    },
    async stop() {
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await Promise.all(servers.map((server) => server.stop(100)));
      await platform.close();
      for (const proxy of [postgres, redis, procedures]) await proxy?.close();
      await subgraphDb.close();
      await db.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Sends until `accept` holds for an answer (at most `tries` times, a little apart): recovery without a restart. */
export async function until(send: () => Promise<Outcome>, accept: (outcome: Outcome) => boolean, tries = 60): Promise<Outcome> {
  let last: Outcome = { kind: 'failed', error: 'not tried' };
  for (let attempt = 0; attempt < tries; attempt += 1) {
    last = await send();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return last;
}

export const ok = (outcome: Outcome): boolean => outcome.kind === 'response' && outcome.status === 200 && outcome.codes.length === 0 && outcome.hasData;

import { randomBytes } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { inject } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { countQueries, openPostgres, type Database, type Logger, type Notifier, type RunningServer } from '../../platform';
import { openSubgraphServices, startSubgraph } from '../../subgraphs/kit';
import { apiSchemaOf, entryOf, registryDeps, syncBuiltIns, compose } from '../../subgraphs/registry';
import {
  followRegistry,
  followerSettings,
  type RegistryFollower,
  createClient,
  grant,
  issueApiKey,
  reachableCoordinates,
  issueToken,
  readPrivateKey,
  openAccessControl,
  startGateway,
  failingHealthChecks,
} from '../../gateway';
import { openTestDatabase, silentLog, testConfig } from './database';

/** The names of the subgraphs that ship with Once, which a test stack serves. */
export type BuiltInName = (typeof builtInSubgraphs)[number]['name'];

export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: Data | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

export interface TestClient {
  clientId: string;
  apiKey: string;
  /** Credentials plus officer, purpose and case headers. */
  headers: Record<string, string>;
}

export const ENROLMENT = '1.900011';
export const AGENCY_ROOTS = ['Query.citizen', 'Query.citizens', 'Query.residenceConfirmation', 'Query.household', 'Query.procedureRecord', 'Query.procedures'];

export interface AuditRecord {
  outcome: string;
  coordinates: string[];
  /** `subgraph:Type.field` for every field a query plan sent to a subgraph (sent_to_subgraphs). */
  sent: string[];
  subgraphs: string[];
}

export interface TestStack {
  gatewayUrl: string;
  subgraphUrls: Record<BuiltInName, string>;
  /** SQL statements each subgraph has sent since the last reset. */
  queries: Record<BuiltInName, { readonly count: number; reset(): void }>;
  db: Database;
  apiSchema: GraphQLSchema;
  /** A portal granted every agency coordinate for purpose 1.900011; `graphql` sends its credentials. */
  portal: TestClient;
  /** A client of its own (unique id) with the given grants for `purpose`. */
  newClient(options: {
    role?: string;
    purpose?: string;
    coordinates: readonly string[];
    mayIntrospect?: boolean;
    trustedDocumentsOnly?: boolean;
  }): Promise<TestClient>;
  /** A JWT signed with the run's key; negative ttl gives an expired one. */
  token(kind: 'client' | 'citizen', subject: string, ttlSeconds?: number): Promise<string>;
  /** Stops one subgraph's server, to see how the gateway copes without it. */
  stopSubgraph(name: BuiltInName): Promise<void>;
  /** The audit record of a gateway's response, by the request id it echoed: what was read, and what went to which subgraph. */
  auditRecordOf(response: { headers: Headers }): Promise<AuditRecord | undefined>;
  /** POSTs a GraphQL request to the gateway (or `url`) over real HTTP, as the test portal unless `headers` say otherwise. */
  graphql<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<Data>>;
  stop(): Promise<void>;
}

/**
 * The subgraphs and the gateway, access control and audit on, as real HTTP servers on free ports over the run's
 * database (or `overrides.DATABASE_URL`). With `registry`, the built-ins are synced into that database's registry and
 * the gateway follows it (use a database of its own: the registry is global state); otherwise it serves a fixed
 * supergraph.
 */
export async function startTestStack(
  overrides: Record<string, string> = {},
  options: { registry?: boolean; log?: Logger } = {},
): Promise<TestStack & { notifier: Notifier }> {
  const config = testConfig(overrides);
  const log = options.log ?? silentLog;
  const db = overrides.DATABASE_URL ? openPostgres(overrides.DATABASE_URL, 4, silentLog) : openTestDatabase();
  const platform = openSubgraphServices(config, db, silentLog, failingHealthChecks);
  const { notifier } = platform;
  const servers = new Map<BuiltInName, RunningServer>();
  const queries = {} as TestStack['queries'];
  const subgraphUrls = {} as TestStack['subgraphUrls'];
  for (const module of builtInSubgraphs) {
    const { name } = module;
    const counted = countQueries(db);
    const server = await startSubgraph(module, { deps: { db: counted, config, platform }, port: 0, log: log.child({ subgraph: name }) });
    servers.set(name, server);
    queries[name] = counted;
    subgraphUrls[name] = server.url;
  }
  const access = openAccessControl(config, silentLog, db);
  let supergraph: string | RegistryFollower;
  let apiSchema: GraphQLSchema;
  if (options.registry) {
    const live = await syncBuiltIns(
      registryDeps(config, platform),
      builtInSubgraphs.map((module) => entryOf(module, subgraphUrls[module.name])),
    );
    apiSchema = apiSchemaOf(live);
    supergraph = followRegistry({ db, notifier, log: silentLog, ...followerSettings(config) });
  } else {
    const composed = compose(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: subgraphUrls[name] })));
    apiSchema = composed.apiSchema;
    supergraph = composed.supergraphSdl;
  }
  const gateway = await startGateway({ supergraph, config, log, access, port: 0 });

  const newClient: TestStack['newClient'] = async ({
    role = 'PORTAL',
    purpose = ENROLMENT,
    coordinates,
    mayIntrospect = false,
    trustedDocumentsOnly = false,
  }) => {
    const clientId = `test-${role.toLowerCase()}-${randomBytes(4).toString('hex')}`;
    await createClient(db, { clientId, name: `Test ${role}`, role, mayIntrospect, trustedDocumentsOnly });
    if (coordinates.length > 0) await grant(db, { clientId, purpose, coordinates, legalBasis: 'test' });
    const { apiKey } = await issueApiKey(db, clientId);
    return { clientId, apiKey, headers: { 'x-api-key': apiKey, 'x-once-officer': 'officer-1', 'x-once-purpose': purpose, 'x-once-case': 'CASE-1' } };
  };
  const portal = await newClient({ coordinates: reachableCoordinates(apiSchema, AGENCY_ROOTS) });

  return {
    gatewayUrl: gateway.url,
    subgraphUrls,
    queries,
    db,
    notifier,
    apiSchema,
    portal,
    newClient,
    token: (kind, subject, ttlSeconds = 600) =>
      issueToken(readPrivateKey(inject('privateKeyFile')), { kind, subject, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds }),
    stopSubgraph: async (name) => servers.get(name)?.stop(),
    auditRecordOf: async (response) =>
      (
        await db.query<AuditRecord>('SELECT outcome, coordinates, sent_to_subgraphs AS sent, subgraphs FROM audit.records WHERE request_id = $1', [
          response.headers.get('x-request-id'),
        ])
      )[0],
    graphql: (query, variables, headers = portal.headers) => postGraphQL(gateway.url, { query, variables }, headers),
    async stop() {
      await gateway.stop();
      await access.close();
      await Promise.all([...servers.values()].map((server) => server.stop()));
      await platform.close();
      await db.close();
    },
  };
}

export async function postGraphQL<Data>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const parsed = (await response.json()) as Omit<GraphQLResponse<Data>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...parsed };
}

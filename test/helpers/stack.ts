import { builtInSubgraphs } from '../../subgraphs';
import type { SubgraphName } from '../../subgraphs/common/config';
import { countQueries, type Database } from '../../subgraphs/common/database';
import type { RunningServer } from '../../subgraphs/common/http-server';
import { startSubgraph } from '../../subgraphs/common/subgraph';
import { composeSupergraph } from '../../gateway/compose';
import { startGateway } from '../../gateway/server';
import { openTestDatabase, silentLog, testConfig } from './database';

export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: Data | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

export interface TestStack {
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** SQL statements each subgraph has sent since the last reset. */
  queries: Record<SubgraphName, { readonly count: number; reset(): void }>;
  db: Database;
  /** Stops one subgraph's server, to see how the gateway copes without it. */
  stopSubgraph(name: SubgraphName): Promise<void>;
  /** POSTs a GraphQL request to the gateway (or `url`) over real HTTP. */
  graphql<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>, url?: string): Promise<GraphQLResponse<Data>>;
  stop(): Promise<void>;
}

/** The three subgraphs and the gateway as real HTTP servers on free ports, over the run's database. */
export async function startTestStack(): Promise<TestStack> {
  const config = testConfig();
  const db = openTestDatabase();
  const servers = new Map<SubgraphName, RunningServer>();
  const queries = {} as TestStack['queries'];
  const subgraphUrls = {} as TestStack['subgraphUrls'];
  for (const module of builtInSubgraphs) {
    const counted = countQueries(db);
    const server = await startSubgraph(module, { deps: { db: counted, config }, port: 0, log: silentLog });
    servers.set(module.name, server);
    queries[module.name] = counted;
    subgraphUrls[module.name] = server.url;
  }
  const supergraphSdl = composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: subgraphUrls[name] })));
  const gateway = await startGateway({ supergraphSdl, config, log: silentLog, port: 0 });
  return {
    gatewayUrl: gateway.url,
    subgraphUrls,
    queries,
    db,
    stopSubgraph: async (name) => servers.get(name)?.stop(),
    graphql: (query, variables, url = gateway.url) => postGraphQL(url, { query, variables }),
    async stop() {
      await gateway.stop();
      await Promise.all([...servers.values()].map((server) => server.stop()));
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

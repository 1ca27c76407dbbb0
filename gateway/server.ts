import { createHash } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { Config } from '../subgraphs/common/config';
import { createErrorFormatter } from '../subgraphs/common/errors';
import { HttpError, startGraphQLHttpServer, type RequestInfo, type RunningServer } from '../subgraphs/common/http-server';
import type { Logger } from '../subgraphs/common/logger';
import { createAccessPlugin } from './access/access-plugin';
import type { Authenticate } from './access/authenticate';
import type { Principal, Purpose } from './access/principal';
import { readPurpose } from './access/purpose';
import type { AccessStore } from './access/store';
import { createAuditPlugin } from './audit/audit-plugin';
import type { AuditWriter } from './audit/audit-writer';
import { auditEntry } from './audit/entry';
import { newTrail, type GatewayContext } from './context';
import { SubgraphDataSource } from './subgraph-data-source';

/** Authentication, purpose, policy and audit; all on in every real deployment. */
export interface AccessControl {
  authenticate: Authenticate;
  store: AccessStore;
  audit: AuditWriter;
}

export interface GatewayOptions {
  /** The composed supergraph SDL the gateway plans against. */
  supergraphSdl: string;
  config: Config;
  log: Logger;
  /** Null only to measure the bare gateway (benchmarks): every request is then anonymous and unaudited. */
  access: AccessControl | null;
  /** Overrides config.PORT (tests use 0). */
  port?: number;
}

/** A short, stable fingerprint of a supergraph, shown on /health and in the `x-once-supergraph` header. */
export function supergraphVersion(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex').slice(0, 12);
}

export async function startGateway({ supergraphSdl, config, log, access, port = config.PORT }: GatewayOptions): Promise<RunningServer> {
  let version = supergraphVersion(supergraphSdl);
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: log,
    buildService: ({ name, url }) => {
      if (!url) throw new Error(`Subgraph ${name} has no routing URL in the supergraph`);
      return new SubgraphDataSource({ name, url, timeoutMs: config.SUBGRAPH_TIMEOUT_MS, secret: config.SUBGRAPH_SECRETS[name] });
    },
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    version = supergraphVersion(coreSupergraphSdl);
  });
  const plugins: ApolloServerPlugin<GatewayContext>[] = access ? [createAccessPlugin({ store: access.store }), createAuditPlugin({ writer: access.audit, log })] : [];
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    plugins,
    // Introspection is a coordinate like any other: the access plugin allows it only to clients granted it.
    introspection: true,
    formatError: createErrorFormatter({ mask: config.NODE_ENV === 'production', log }),
    includeStacktraceInErrorResponses: config.NODE_ENV === 'development',
  });
  return startGraphQLHttpServer({
    apollo,
    context: access ? (request) => authorise(request, access, log) : async ({ requestId }): Promise<GatewayContext> => ({ requestId, principal: { kind: 'anonymous' }, purpose: null, trail: newTrail() }),
    host: config.HOST,
    port,
    maxBodyBytes: config.MAX_BODY_BYTES,
    log,
    describe: () => ({ health: { supergraph: version }, headers: { 'x-once-supergraph': version } }),
  });
}

/** Who asks and why, decided before the operation is even parsed; a refusal is audited like any request. */
async function authorise({ requestId, headers }: RequestInfo, access: AccessControl, log: Logger): Promise<GatewayContext> {
  const trail = newTrail();
  let principal: Principal = { kind: 'anonymous' };
  let purpose: Purpose | null = null;
  try {
    principal = await access.authenticate(headers);
    purpose = await readPurpose(headers, principal, access.store);
    return { requestId, principal, purpose, trail };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    const outcome = principal.kind === 'anonymous' ? 'UNAUTHENTICATED' : 'REJECTED';
    await access.audit.append(auditEntry({ requestId, principal, purpose, trail }, outcome, { errorCodes: [error.code] })).catch((auditError: unknown) => {
      log.error({ err: auditError, requestId }, 'refused request could not be audited');
    });
    throw error;
  }
}

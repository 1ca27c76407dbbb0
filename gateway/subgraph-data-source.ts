import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../subgraphs/common/errors';
import { signRequest, type ForwardedHeader } from '../subgraphs/common/signing';
import { SUBJECTS_EXTENSION } from '../subgraphs/common/subgraph';
import { principalLabel } from './access/principal';
import type { GatewayContext } from './context';
import type { SubgraphPools } from './subgraph-pools';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** Longest wait for one subgraph response before the fetch is aborted. */
  timeoutMs: number;
  /**
   * The subgraph's HMAC secret; without one, requests go unsigned (foreign subgraphs that do not check). A function is
   * asked at every request, so that a rotated secret is used without rebuilding the data source.
   */
  secret?: string | (() => string | undefined) | undefined;
  /** Keep-alive connections shared by the gateway's data sources. */
  pools: SubgraphPools;
}

type SubgraphResponse = Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]['response'];

/**
 * All gateway-to-subgraph behaviour: forwarding who asks and why, signing, the per-fetch timeout, collecting the
 * subjects for the audit record, and errors that name the subgraph.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly timeoutMs: number;

  constructor({ name, url, timeoutMs, secret, pools }: SubgraphDataSourceOptions) {
    const signedFetch = (input: string, init: { headers: Record<string, string>; body: string }) => {
      const current = typeof secret === 'function' ? secret() : secret;
      if (current) signRequest(current, init.headers, init.body);
      return pools.post(input, init.headers, init.body);
    };
    super({ url, fetcher: signedFetch as unknown as RemoteGraphQLDataSource['fetcher'] });
    this.name = name;
    this.timeoutMs = timeoutMs;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!('trail' in context) || !request.http) return;
    context.trail.subgraphs.add(this.name);
    const forwarded: Record<ForwardedHeader, string | undefined> = {
      'x-request-id': context.requestId,
      'x-once-principal': principalLabel(context.principal),
      'x-once-officer': context.purpose?.officer,
      'x-once-purpose': context.purpose?.code,
      'x-once-case': context.purpose?.caseNumber,
    };
    for (const [header, value] of Object.entries(forwarded)) if (value) request.http.headers.set(header, value);
  }

  override didReceiveResponse({ response, context }: { response: SubgraphResponse; context: GatewayContext }): SubgraphResponse {
    const subjects = response.extensions?.[SUBJECTS_EXTENSION];
    if (Array.isArray(subjects) && 'trail' in context) {
      for (const subject of subjects) if (typeof subject === 'string') context.trail.subjects.add(subject);
    }
    if (response.extensions) delete response.extensions[SUBJECTS_EXTENSION];
    return response;
  }

  /** A subgraph that cannot be reached or is too slow: say which and why, but not its address. */
  override didEncounterError(error: Error): never {
    if (error instanceof GraphQLError) throw error;
    const cause = error.cause instanceof Error ? error.cause : error;
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
        ? `did not answer within ${this.timeoutMs} ms (SUBGRAPH_TIMEOUT_MS)`
        : `could not be reached (${code ?? cause.message})`;
    throw new GraphQLError(`Subgraph ${this.name} ${reason}`, { extensions: { code: ErrorCode.SubgraphUnavailable, serviceName: this.name } });
  }
}

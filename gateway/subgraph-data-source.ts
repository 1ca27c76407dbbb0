import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../subgraphs/common/errors';
import { signRequest, type ForwardedHeader } from '../subgraphs/common/signing';
import { SUBJECTS_EXTENSION } from '../subgraphs/common/subgraph';
import { injectTraceContext } from '../subgraphs/common/tracing';
import { principalLabel } from './access/principal';
import type { GatewayContext } from './context';
import type { SubgraphPools } from './subgraph-pools';
import { subgraphFetchDuration, subgraphFetchErrors } from './telemetry/gateway-metrics';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** Longest wait for one subgraph response before the fetch is aborted. */
  timeoutMs: number;
  /** The subgraph's HMAC secret; without one, requests go unsigned (foreign subgraphs that do not check). */
  secret?: string | undefined;
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
    const signedFetch = async (input: string, init: { headers: Record<string, string>; body: string }) => {
      // Outside the signature: trace context only labels spans, and nothing a subgraph decides depends on it.
      injectTraceContext(init.headers);
      if (secret) signRequest(secret, init.headers, init.body);
      const timer = subgraphFetchDuration.startTimer({ subgraph: name });
      try {
        const response = await pools.post(input, init.headers, init.body);
        timer({ result: response.ok ? 'ok' : 'error' });
        if (!response.ok) subgraphFetchErrors.inc({ subgraph: name, reason: `http_${response.status}` });
        return response;
      } catch (error) {
        timer({ result: 'error' });
        subgraphFetchErrors.inc({ subgraph: name, reason: fetchFailure(error).timedOut ? 'timeout' : 'unreachable' });
        throw error;
      }
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
    const { timedOut, code } = fetchFailure(error);
    const reason = timedOut ? `did not answer within ${this.timeoutMs} ms (SUBGRAPH_TIMEOUT_MS)` : `could not be reached (${code})`;
    throw new GraphQLError(`Subgraph ${this.name} ${reason}`, { extensions: { code: ErrorCode.SubgraphUnavailable, serviceName: this.name } });
  }
}

/** Why a fetch threw: a timeout, or the connection's error code (the message when it has none). */
function fetchFailure(error: unknown): { timedOut: boolean; code: string } {
  const failure = error instanceof Error ? error : new Error(String(error));
  const cause = failure.cause instanceof Error ? failure.cause : failure;
  const code = (cause as NodeJS.ErrnoException).code;
  return { timedOut: code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT', code: code ?? cause.message };
}

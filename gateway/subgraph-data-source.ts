import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../subgraphs/common/errors';
import type { GatewayContext } from './context';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** Longest wait for one subgraph response before the fetch is aborted. */
  timeoutMs: number;
}

/** All gateway-to-subgraph behaviour: request id propagation, the per-fetch timeout, errors that name the subgraph. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly timeoutMs: number;

  constructor({ name, url, timeoutMs }: SubgraphDataSourceOptions) {
    const timedFetch = ((input: string, init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as RemoteGraphQLDataSource['fetcher'];
    super({ url, fetcher: timedFetch });
    this.name = name;
    this.timeoutMs = timeoutMs;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if ('requestId' in context && context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }

  /** A subgraph that cannot be reached or is too slow: say which and why, but not its address. */
  override didEncounterError(error: Error): never {
    if (error instanceof GraphQLError) throw error;
    const cause = error.cause instanceof Error ? error.cause : error;
    const reason =
      cause.name === 'TimeoutError'
        ? `did not answer within ${this.timeoutMs} ms (SUBGRAPH_TIMEOUT_MS)`
        : `could not be reached (${(cause as NodeJS.ErrnoException).code ?? cause.message})`;
    throw new GraphQLError(`Subgraph ${this.name} ${reason}`, { extensions: { code: ErrorCode.SubgraphUnavailable, serviceName: this.name } });
  }
}

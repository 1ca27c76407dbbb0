import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayContext } from './context';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** Longest wait for one subgraph response before the fetch is aborted. */
  timeoutMs: number;
}

/** All gateway-to-subgraph behaviour: request id propagation and the per-fetch timeout. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;

  constructor({ name, url, timeoutMs }: SubgraphDataSourceOptions) {
    const timedFetch = ((input: string, init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as RemoteGraphQLDataSource['fetcher'];
    super({ url, fetcher: timedFetch });
    this.name = name;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if ('requestId' in context && context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }
}

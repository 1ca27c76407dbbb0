/** What the gateway knows about one incoming request; handed to every subgraph fetch. */
export interface GatewayContext {
  requestId: string;
}

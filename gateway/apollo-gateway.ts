import { ApolloGateway, type GatewayConfig } from '@apollo/gateway';

/** The switch `@apollo/gateway` reads in its constructor; '1' or 'true' turns its data collection off. */
export const TELEMETRY_SWITCH = 'APOLLO_TELEMETRY_DISABLED';

/**
 * Every ApolloGateway in Once is built here. Unless APOLLO_TELEMETRY_DISABLED is set when one is constructed,
 * @apollo/gateway starts an OpenTelemetry exporter that sends usage metrics to Apollo every hour and probes cloud
 * metadata addresses at start; a government gateway sends nothing to anyone but its own subgraphs. The switch is
 * set right before construction, not trusted to the environment, so that no deployment can leave it on.
 */
export function createApolloGateway(config: GatewayConfig): ApolloGateway {
  process.env[TELEMETRY_SWITCH] = '1';
  return new ApolloGateway(config);
}

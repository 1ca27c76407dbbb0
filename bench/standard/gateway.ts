import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { createLogger } from '../../platform';
import { createApolloGateway, gatewayConfig, startGateway, runWorkers } from '../../gateway';

/**
 * One gateway of the side-by-side benchmark over the SUPERGRAPH file, on a free port; prints its URL.
 * `once`: ours (access control off: the public workload has no clients or purposes); `apollo`: the stock
 * @apollo/gateway + @apollo/server with default settings (but data collection off, as for every gateway here);
 * `hive` and `hive-rust`: @graphql-hive/gateway, with the JavaScript or the Rust query planner
 * (@graphql-hive/router-runtime).
 */
const kind = process.argv[2];
const supergraph = readFileSync(process.env.SUPERGRAPH ?? '', 'utf8');
const ready = (url: string) => process.stdout.write(`${JSON.stringify({ ready: { url } })}\n`);

switch (kind) {
  case 'once': {
    // BENCH_WORKERS > 1: that many worker processes sharing one port, as `npm run gateway -- --workers N` runs.
    const config = gatewayConfig.load({ ...process.env, PORT: String(process.env.BENCH_GATEWAY_PORT ?? 0), NODE_ENV: 'production', LOG_LEVEL: 'warn' });
    await runWorkers(Number(process.env.BENCH_WORKERS ?? 1), createLogger('once', 'warn'), async () => {
      const server = await startGateway({ supergraph, config, log: createLogger('once', 'warn'), access: null });
      ready(server.url);
      process.once('SIGTERM', () => void server.stop(1_000).then(() => process.exit(0)));
    });
    break;
  }
  case 'apollo': {
    const server = new ApolloServer({ gateway: createApolloGateway({ supergraphSdl: supergraph }) });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    ready(url);
    process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
    break;
  }
  case 'hive':
  case 'hive-rust': {
    const runtime = createGatewayRuntime({ supergraph, logging: false, ...(kind === 'hive-rust' ? { unifiedGraphHandler } : {}) });
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Hive's runtime is a Node request listener that answers its own errors
    const server = createServer(runtime);
    server.listen(0, '127.0.0.1', () => ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`));
    process.once('SIGTERM', () => server.close(() => process.exit(0)));
    break;
  }
  default:
    throw new Error(`unknown gateway "${String(kind)}": once, apollo, hive or hive-rust`);
}

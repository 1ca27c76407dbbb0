import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openMigratedDatabase, runMain } from '../platform';
import { gatewayConfig, gatewayMigrations, openAccessControl, startGateway } from '../gateway';

/**
 * Benchmark helper: the gateway over the SUPERGRAPH file, with access control and audit (`--access on`) or bare
 * (`--access off`, only here: the product has no switch to turn them off). Prints its URL.
 */
await runMain('bench-gateway', gatewayConfig, async (config, log) => {
  const { values } = parseArgs({ options: { access: { type: 'string', default: 'on' } } });
  if (!config.SUPERGRAPH) throw new Error('SUPERGRAPH must name the supergraph file');
  const supergraphSdl = readFileSync(config.SUPERGRAPH, 'utf8');
  const db = values.access === 'on' ? await openMigratedDatabase(config, log, gatewayMigrations) : null;
  const access = db ? openAccessControl(config, log, db) : null;
  const gateway = await startGateway({ supergraph: supergraphSdl, config, log, access, port: 0 });
  process.stdout.write(`${JSON.stringify({ ready: { url: gateway.url } })}\n`);
  return async () => {
    await gateway.stop();
    await access?.close();
    await db?.close();
  };
});

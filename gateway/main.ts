import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runMain } from '../subgraphs/common/run';
import { builtInSources, composeSupergraph } from './compose';
import { startGateway } from './server';

/**
 * The gateway alone: `npm run gateway -- [--supergraph FILE]`. With a file (or SUPERGRAPH) it serves that
 * supergraph, whatever its subgraphs; without, it composes the built-in subgraphs at their configured URLs.
 */
await runMain('gateway', async (config, log) => {
  const { values } = parseArgs({ options: { supergraph: { type: 'string' } } });
  const file = values.supergraph ?? config.SUPERGRAPH;
  const supergraphSdl = file ? readFileSync(file, 'utf8') : composeSupergraph(builtInSources(config));
  const gateway = await startGateway({ supergraphSdl, config, log });
  log.info({ url: gateway.url, supergraph: file ?? 'composed at start' }, 'gateway ready');
  return () => gateway.stop();
});

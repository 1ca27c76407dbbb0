import { readFileSync, writeFileSync } from 'node:fs';
import { platformConfig, subgraphUrl } from '../platform';
import { builtInSubgraphs } from '../subgraphs';
import { composeSupergraph, CompositionError } from '../subgraphs/registry';

/**
 * `npm run supergraph` writes schema/supergraph.graphql, the composition of the built-in subgraphs at their
 * default URLs; `--check` (part of `npm test`) fails when the committed file is stale.
 */
const FILE = new URL('../schema/supergraph.graphql', import.meta.url);

try {
  const defaults = platformConfig.load({});
  const composed = composeSupergraph(builtInSubgraphs.map(({ name, port, typeDefs }) => ({ name, typeDefs, url: subgraphUrl(defaults, { name, port }) })));
  if (process.argv.includes('--check')) {
    if (readFileSync(FILE, 'utf8') !== composed) {
      process.stderr.write('schema/supergraph.graphql is stale: run `npm run supergraph` and commit the result\n');
      process.exit(1);
    }
  } else {
    writeFileSync(FILE, composed);
  }
} catch (error) {
  process.stderr.write(`${error instanceof CompositionError ? error.message : String(error)}\n`);
  process.exit(1);
}

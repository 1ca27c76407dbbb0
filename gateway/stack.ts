import { builtInSubgraphs } from '../subgraphs';
import { createProgress } from '../subgraphs/common/progress';
import { openMigratedDatabase, runMain, startSubgraphs } from '../subgraphs/common/run';
import { countCitizens, seedDatabase } from '../subgraphs/seed/load';
import { composeSupergraph } from './compose';
import { startGateway } from './server';

const SAMPLE_QUERY = `query Profile($id: ID!) {
  citizen(personalId: $id) {
    fullName dateOfBirth
    household { address { text } members { relationshipToHead citizen { fullName } } }
    documentCheck(required: [BIRTH_CERTIFICATE, RESIDENCE_CONFIRMATION]) { missing requirements { type status } }
  }
}`;

/**
 * `npm start`: the whole system in one process. The database (PGlite when DATABASE_URL is unset) is migrated and,
 * when empty, seeded; the three subgraphs start on their ports; the gateway composes them and serves.
 */
await runMain('once', async (config, log) => {
  const db = await openMigratedDatabase(config, log, builtInSubgraphs);
  if ((await countCitizens(db)) === 0 && config.SEED_CITIZENS > 0) {
    const progress = createProgress('seed', config.SEED_CITIZENS, log);
    await seedDatabase(db, { citizens: config.SEED_CITIZENS, seed: config.SEED }, (done) => progress.update(done));
    progress.stop();
  }
  const subgraphs = await startSubgraphs(builtInSubgraphs, { db, config, log });
  const supergraphSdl = composeSupergraph(subgraphs.map(({ module, server }) => ({ name: module.name, typeDefs: module.typeDefs, url: server.url })));
  const gateway = await startGateway({ supergraphSdl, config, log });
  const [sample] = await db.query<{ id: string }>(
    `SELECT d.holder_id AS id FROM procedures.issued_documents d
      WHERE d.document_type = 'BIRTH_CERTIFICATE' AND d.copy_reusable ORDER BY d.holder_id LIMIT 1`,
  );
  log.info({ url: gateway.url, subgraphs: Object.fromEntries(subgraphs.map(({ module, server }) => [module.name, server.url])) }, 'Once is ready');
  process.stdout.write(
    `\nOnce gateway: ${gateway.url}\nTry:\n  curl -s ${gateway.url} -H 'content-type: application/json' \\\n    -d '${JSON.stringify({ query: SAMPLE_QUERY.replace(/\s+/g, ' '), variables: { id: sample?.id ?? '001090000001' } })}'\n\n`,
  );
  return async () => {
    await gateway.stop();
    await Promise.all(subgraphs.map(({ server }) => server.stop()));
    await db.close();
  };
});

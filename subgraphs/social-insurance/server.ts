import { startMetricsFor, openMigratedDatabase, runMain } from '../../platform';
import { openSubgraphServices, startSubgraphs, subgraphConfig } from '../kit';
import { generatedCitizens } from '../seed';
import { seedBooks } from './seed';
import { socialInsurance } from '.';

/**
 * The social insurance agency's subgraph as its own process (`npm run subgraph:social-insurance`): its schema, a
 * small synthetic data set on first start, served on SOCIAL_INSURANCE_PORT (default 4010) with the secret from registerSubgraph. The
 * data set is for people the seed generator makes with SEED_CITIZENS and SEED, the same as `npm start` seeds.
 */
await runMain(socialInsurance.name, subgraphConfig, async (config, log) => {
  const db = await openMigratedDatabase(config, log, [socialInsurance]);
  const [books] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM social_insurance.books');
  if (!books?.count)
    log.info({ books: await seedBooks(db, generatedCitizens({ citizens: config.SEED_CITIZENS, seed: config.SEED }), 5_000) }, 'seeded social insurance books');
  const platform = openSubgraphServices(config, db, log);
  const [started] = await startSubgraphs([socialInsurance], { config, platform });
  const metrics = await startMetricsFor(config, log, socialInsurance);
  log.info({ url: started?.server.url }, 'social-insurance subgraph ready');
  return async () => {
    await started?.server.stop(config.SHUTDOWN_DRAIN_MS, config.SHUTDOWN_READY_DELAY_MS);
    await metrics?.stop();
    await platform.close();
    await db.close();
  };
});

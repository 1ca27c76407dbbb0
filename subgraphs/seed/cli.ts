import { parseArgs } from 'node:util';
import { builtInSubgraphs } from '..';
import { openSubgraphServices, subgraphConfig } from '../kit';
import { createProgress, openMigratedDatabase, runMain } from '../../platform';
import { DEFAULT_AS_OF } from './generate';
import { clearSeededTables, countCitizens, seedDatabase } from './load';

const USAGE = `Usage: npm run seed -- [--citizens N] [--seed N] [--as-of YYYY-MM-DD] [--reset]
  --citizens  how many citizens to generate (default SEED_CITIZENS, 10000)
  --seed      generator seed; the same seed gives the same data (default SEED)
  --as-of     the day the data describes (default ${DEFAULT_AS_OF})
  --reset     replace the citizens already in the database`;

await runMain(
  'seed',
  subgraphConfig,
  async (config, log) => {
    const { values } = parseArgs({
      options: {
        citizens: { type: 'string' },
        seed: { type: 'string' },
        'as-of': { type: 'string' },
        reset: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const citizens = Number(values.citizens ?? config.SEED_CITIZENS);
    const seed = Number(values.seed ?? config.SEED);
    const asOf = values['as-of'] ?? DEFAULT_AS_OF;
    if (!Number.isInteger(citizens) || citizens < 1)
      throw new Error(`--citizens must be a positive whole number; got ${values.citizens ?? config.SEED_CITIZENS}\n${USAGE}`);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a whole number >= 0; got ${values.seed ?? config.SEED}\n${USAGE}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error(`--as-of must be written YYYY-MM-DD; got ${asOf}\n${USAGE}`);

    const db = await openMigratedDatabase(config, log, builtInSubgraphs);
    try {
      const existing = await countCitizens(db);
      if (existing > 0 && !values.reset) throw new Error(`The database already holds ${existing} citizens; pass --reset to replace them`);
      if (existing > 0) await clearSeededTables(db);
      const started = Date.now();
      const progress = createProgress('seed', citizens, log);
      const totals = await seedDatabase(db, { citizens, seed, asOf }, (done) => progress.update(done));
      progress.stop();
      log.info({ ...totals, seed, asOf, database: db.kind, seconds: (Date.now() - started) / 1000 }, 'seeded');
      // Running subgraphs may hold cached rows of the data just replaced.
      const platform = openSubgraphServices(config, db, log);
      await platform.cache?.invalidate();
      await platform.close();
    } finally {
      await db.close();
    }
    return async () => {};
  },
  { logFd: 2 },
);

import { parseArgs } from 'node:util';
import { createLogger } from '../../platform';
import { startCluster } from './cluster';
import { RELEASE_DIST } from './processes';

const USAGE = `Usage: npm run cluster -- [--replicas N] [--port N] [--citizens N] [--database NAME]
  --replicas  gateway replicas behind HAProxy (default 3)
  --port      the balancer's port on 127.0.0.1 (default 8080)
  --citizens  citizens seeded when the database is new (default 1000)
  --database  the cluster's own database on 127.0.0.1:5432, created when absent and kept (default once_cluster)
Needs npm run build first, haproxy on the PATH, PostgreSQL and Redis on 127.0.0.1.`;

/** `npm run cluster`: the production layout as processes on this machine until Ctrl-C. */
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        replicas: { type: 'string', default: '3' },
        port: { type: 'string', default: '8080' },
        citizens: { type: 'string', default: '1000' },
        database: { type: 'string', default: 'once_cluster' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
const log = createLogger('cluster', 'info', 2);
const whole = (name: 'replicas' | 'port' | 'citizens', min: number, max: number) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    process.stderr.write(`--${name} must be a whole number from ${min} to ${max}; got ${values[name]}\n${USAGE}\n`);
    process.exit(2);
  }
  return value;
};
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const replicas = whole('replicas', 1, 16);
const cluster = await startCluster({
  dist: RELEASE_DIST,
  replicas,
  slots: replicas,
  port: whole('port', 1, 65535),
  citizens: whole('citizens', 1, 1_000_000),
  database: values.database,
  adminDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  dropDatabase: false,
  redisUrl: 'redis://127.0.0.1:6379',
  log,
}).catch((error: unknown) => {
  process.stderr.write(`cluster failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
const headers = Object.entries(cluster.portalHeaders)
  .map(([name, value]) => `-H '${name}: ${value}'`)
  .join(' ');
process.stdout.write(
  `A portal reads through the balancer:\n  curl -s ${cluster.url} ${headers} \\\n    -d '{"query":"query($id: ID!) { citizen(personalId: $id) { fullName } }","variables":{"id":"${cluster.personalIds[0] ?? ''}"}}'\nCtrl-C stops every process.\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info('stopping the cluster');
    void cluster.stop().then(() => process.exit(0));
  });
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { builtInSubgraphs } from '../../subgraphs';
import { agencyKey, openPostgres, type Logger } from '../../platform';
import { ensureSigningKey } from '../../subgraphs/audit';
import { spreadPersonalIds } from '../../subgraphs/population';
import { countCitizens, seedDatabase } from '../../subgraphs/seed';
import { createClient, grant, issueApiKey, reachableCoordinates } from '../../gateway';
import { compose } from '../../subgraphs/registry';
import { PORTAL_ROOTS } from '../../bench';
import { haproxyConfig, READINESS_PATH, replicaSlot, serverStats } from './haproxy';
import { built, freePort, startProcess, subgraphEntry, waitHealthy, type ClusterProcess } from './processes';

/** The purpose the cluster's portal is granted the portal mix for (primary school enrolment). */
export const CLUSTER_PURPOSE = '1.900011';

export interface ClusterOptions {
  /** The release build the processes run (RELEASE_DIST, or a test's own). */
  dist: string;
  /** Gateway replicas started at once. */
  replicas: number;
  /** Server slots in the balancer: replicas started later take the free ones. */
  slots: number;
  /** The balancer's port; 0 picks a free one. */
  port: number;
  /** A PostgreSQL server; the cluster creates its own database there. */
  adminDatabaseUrl: string;
  /** Its database's name; created (and seeded) when absent. */
  database: string;
  /** Dropped again when the cluster stops (tests). */
  dropDatabase: boolean;
  redisUrl: string;
  citizens: number;
  log: Logger;
}

export interface Cluster {
  /** GraphQL through the balancer. */
  url: string;
  /** Headers of a portal granted the portal mix for CLUSTER_PURPOSE. */
  portalHeaders: Record<string, string>;
  /** Personal IDs of seeded citizens. */
  personalIds: string[];
  /** Running replicas by slot name. */
  replicas: Map<string, ClusterProcess>;
  startReplica(slot: string): Promise<void>;
  stopReplica(slot: string): Promise<number | string>;
  /** The balancer's view of each slot. */
  stats(): ReturnType<typeof serverStats>;
  stop(): Promise<void>;
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs a one-shot process (the migrations Job) to its end. */
async function runToEnd(process: ClusterProcess): Promise<void> {
  const code = await process.exited;
  if (code !== 0) throw new Error(`${process.name} exited with ${code}:\n${process.output().slice(-4000)}`);
}

/**
 * The production layout as processes on this machine, from the release build: the migrations run once, each
 * subgraph in its own process, gateway replicas following the registry in PostgreSQL and Redis, and HAProxy in front
 * with health checks on the replicas' readiness path. Everything binds to 127.0.0.1.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.database)) throw new Error(`database name must be lower-case letters, digits and _; got "${options.database}"`);
  if (options.replicas < 1 || options.slots < options.replicas)
    throw new Error(`need at least one replica and no more replicas (${options.replicas}) than slots (${options.slots})`);
  const { log } = options;
  const folder = mkdtempSync(join(tmpdir(), 'once-cluster-'));
  const processes: ClusterProcess[] = [];
  const replicas = new Map<string, ClusterProcess>();
  const databaseUrl = new URL(options.adminDatabaseUrl);
  databaseUrl.pathname = `/${options.database}`;
  let created = false;

  const stop = async () => {
    // The balancer first, so that nothing is sent to replicas on their way down; then the gateways, then the subgraphs.
    const haproxy = processes.filter((process) => process.name === 'haproxy');
    await Promise.all(haproxy.map((process) => process.stop()));
    await Promise.all([...replicas.values()].map((process) => process.stop()));
    await Promise.all(processes.map((process) => process.stop()));
    if (created && options.dropDatabase) await admin(options.adminDatabaseUrl, `DROP DATABASE IF EXISTS ${options.database} WITH (FORCE)`);
    rmSync(folder, { recursive: true, force: true });
  };

  try {
    const exists = new pg.Client({ connectionString: options.adminDatabaseUrl });
    await exists.connect();
    const found = await exists.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]).finally(() => exists.end());
    if (found.rowCount === 0) {
      await admin(options.adminDatabaseUrl, `CREATE DATABASE ${options.database}`);
      created = true;
    }
    ensureSigningKey(join(folder, 'audit-signing-key.pem'));
    const ports = new Map<string, number>(await Promise.all(builtInSubgraphs.map(async ({ name }) => [name, await freePort()] as const)));
    const common: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: options.redisUrl,
      // The replicas sign one audit log, so they share one key; its witness file is the cluster's own.
      AUDIT_SIGNING_KEY_FILE: join(folder, 'audit-signing-key.pem'),
      AUDIT_WITNESS_FILE: join(folder, 'audit-witness.jsonl'),
      SUBGRAPH_SECRETS: builtInSubgraphs.map(({ name }) => `${name}=${randomBytes(24).toString('hex')}`).join(','),
      ...Object.fromEntries([...ports].map(([name, port]) => [agencyKey(name, 'PORT'), String(port)])),
    };

    log.info({ database: options.database }, 'running the migrations');
    const migrate = startProcess('migrate', process.execPath, [built(options.dist, 'deploy/migrate.js')], common);
    processes.push(migrate);
    await runToEnd(migrate);

    const db = openPostgres(databaseUrl.toString(), 2, log);
    let personalIds: string[];
    let portalHeaders: Record<string, string>;
    try {
      if ((await countCitizens(db)) === 0) {
        log.info({ citizens: options.citizens }, 'seeding');
        await seedDatabase(db, { citizens: options.citizens, seed: 1 });
      }
      personalIds = await spreadPersonalIds(db, 500);
      const { apiSchema } = compose(
        builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: `http://127.0.0.1:${String(ports.get(name))}/graphql` })),
      );
      const clientId = `cluster-${randomBytes(3).toString('hex')}`;
      await createClient(db, { clientId, name: 'Cluster portal', role: 'PORTAL', rateLimitPerMinute: 10_000_000 });
      await grant(db, { clientId, purpose: CLUSTER_PURPOSE, coordinates: reachableCoordinates(apiSchema, PORTAL_ROOTS), legalBasis: 'cluster check' });
      const { apiKey } = await issueApiKey(db, clientId);
      portalHeaders = {
        'content-type': 'application/json',
        'x-api-key': apiKey,
        'x-once-officer': 'cluster',
        'x-once-purpose': CLUSTER_PURPOSE,
        'x-once-case': 'CLUSTER-1',
      };
    } finally {
      await db.close();
    }

    log.info('starting the subgraphs');
    const subgraphs = builtInSubgraphs.map(({ name }) => startProcess(name, process.execPath, [built(options.dist, subgraphEntry(name))], common));
    processes.push(...subgraphs);
    await Promise.all(subgraphs.map((subgraph) => waitHealthy(`http://127.0.0.1:${String(ports.get(subgraph.name))}/health`, subgraph)));

    const slotPorts = await Promise.all(Array.from({ length: options.slots }, () => freePort()));
    const slotPort = (slot: string) => {
      const index = slotPorts.findIndex((_, position) => replicaSlot(position) === slot);
      if (index < 0) throw new Error(`no slot ${slot}; there are ${options.slots}`);
      return slotPorts[index] as number;
    };
    const startReplica = async (slot: string) => {
      if (replicas.has(slot)) throw new Error(`${slot} is already running`);
      const port = slotPort(slot);
      const replica = startProcess(slot, process.execPath, ['--max-old-space-size=512', built(options.dist, 'gateway/main.js')], {
        ...common,
        PORT: String(port),
      });
      replicas.set(slot, replica);
      await waitHealthy(`http://127.0.0.1:${port}${READINESS_PATH}`, replica);
      log.info({ slot, port }, 'gateway replica ready');
    };
    log.info({ replicas: options.replicas }, 'starting the gateway replicas');
    // The first replica bootstraps the registry; the others then find its version.
    await startReplica(replicaSlot(0));
    await Promise.all(Array.from({ length: options.replicas - 1 }, (_, index) => startReplica(replicaSlot(index + 1))));

    const port = options.port === 0 ? await freePort() : options.port;
    const statsSocket = join(folder, 'haproxy.sock');
    const configFile = join(folder, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig({ port, replicaPorts: slotPorts, statsSocket }));
    const haproxy = startProcess('haproxy', 'haproxy', ['-db', '-f', configFile], {});
    processes.push(haproxy);
    await waitHealthy(`http://127.0.0.1:${port}${READINESS_PATH}`, haproxy);
    log.info({ url: `http://127.0.0.1:${port}/graphql` }, 'cluster ready');

    return {
      url: `http://127.0.0.1:${port}/graphql`,
      portalHeaders,
      personalIds,
      replicas,
      startReplica,
      async stopReplica(slot) {
        const replica = replicas.get(slot);
        if (!replica) throw new Error(`${slot} is not running`);
        const code = await replica.stop();
        replicas.delete(slot);
        return code;
      },
      stats: () => serverStats(statsSocket),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

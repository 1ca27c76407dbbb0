import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../platform';
import { PORTAL_MIX } from '../../bench';
import { startCluster, type Cluster } from '../../deploy';
import { buildRelease } from '../helpers/release-build';

const PROCESSES = { timeout: 240_000 };
/** Requests in flight at once through the balancer while replicas come and go. */
const CONCURRENCY = 6;

let cluster: Cluster | undefined;
let build: ReturnType<typeof buildRelease> | undefined;
beforeAll(async () => {
  // The cluster runs the release build, as production does.
  build = buildRelease('cluster-test');
  const adminUrl = new URL(inject('databaseUrl'));
  adminUrl.pathname = '/postgres';
  cluster = await startCluster({
    dist: build.dist,
    replicas: 2,
    slots: 3,
    port: 0,
    adminDatabaseUrl: adminUrl.toString(),
    database: `once_cluster_${randomBytes(4).toString('hex')}`,
    dropDatabase: true,
    redisUrl: 'redis://127.0.0.1:6379',
    citizens: 100,
    log: createLogger('cluster-test', 'silent'),
  });
}, PROCESSES.timeout);
afterAll(async () => {
  await cluster?.stop();
  build?.remove();
}, PROCESSES.timeout);

/** The portal mix in a loop on CONCURRENCY connections until stopped: every answer that is not full data is a failure. */
function portalLoad(target: Cluster) {
  let running = true;
  let sent = 0;
  const failures: string[] = [];
  const loop = async () => {
    while (running) {
      const n = sent++;
      const body = JSON.stringify({ query: PORTAL_MIX[n % PORTAL_MIX.length], variables: { id: target.personalIds[n % target.personalIds.length] } });
      try {
        const response = await fetch(target.url, { method: 'POST', headers: target.portalHeaders, body });
        const text = await response.text();
        if (response.status !== 200 || !text.startsWith('{"data":{') || text.includes('"errors"')) failures.push(`${response.status} ${text.slice(0, 300)}`);
      } catch (error) {
        failures.push(`request failed: ${(error as Error).message}`);
      }
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, loop);
  return {
    sent: () => sent,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the cluster: gateway replicas behind HAProxy', PROCESSES, () => {
  it('answers every request of the portal mix while one replica stops (SIGTERM) and another starts', async () => {
    const target = cluster as Cluster;
    const load = portalLoad(target);
    try {
      await until(() => load.sent() >= 60, 'the first requests');
      expect(await target.stopReplica('gateway-1')).toBe(0);
      const afterStop = load.sent();
      await until(() => load.sent() >= afterStop + 60, 'requests after the stop');
      await target.startReplica('gateway-3');
      await until(async () => ((await target.stats()).get('gateway-3')?.sessions ?? 0) >= 10, 'the new replica to take requests');
    } finally {
      await load.stop();
    }
    const stats = await target.stats();
    expect(load.failures).toEqual([]);
    expect(stats.get('gateway-1')?.status).toMatch(/^DOWN/);
    expect(stats.get('gateway-2')?.status).toBe('UP');
    expect(stats.get('gateway-3')?.status).toBe('UP');
    expect(stats.get('gateway-1')?.sessions).toBeGreaterThan(0);
  });

  it('refuses a request without credentials through the balancer as the gateway does, not as a balancer error', async () => {
    const target = cluster as Cluster;
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PORTAL_MIX[0], variables: { id: target.personalIds[0] } }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('npm run cluster, given bad input', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'deploy/cluster/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

  it.each([
    [['--replicas', '0'], 2, /^--replicas must be a whole number from 1 to 16; got 0$/m],
    [['--port', '80.5'], 2, /^--port must be a whole number from 1 to 65535; got 80\.5$/m],
    [['--citizens', 'many'], 2, /^--citizens must be a whole number from 1 to 1000000; got many$/m],
    [['--bogus'], 2, /^Unknown option '--bogus'/m],
    [
      ['--database', 'once; DROP DATABASE postgres'],
      1,
      /^cluster failed to start: database name must be lower-case letters, digits and _; got "once; DROP DATABASE postgres"$/m,
    ],
  ])('%j exits with %i and says why, starting nothing', (args, status, message) => {
    const result = run(args);
    expect(result.status).toBe(status);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

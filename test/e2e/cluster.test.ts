import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../subgraphs/common/logger';
import { PORTAL_MIX } from '../../bench/portal-mix';
import { startCluster, type Cluster } from '../../deploy/cluster/cluster';

const PROCESSES = { timeout: 240_000 };
/** Requests in flight at once through the balancer while replicas come and go. */
const CONCURRENCY = 6;

let cluster: Cluster | undefined;
beforeAll(async () => {
  // The cluster runs the release build, as production does.
  execFileSync(process.execPath, ['--import', 'tsx', 'deploy/build.ts'], { stdio: 'pipe' });
  const adminUrl = new URL(inject('databaseUrl'));
  adminUrl.pathname = '/postgres';
  cluster = await startCluster({
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
afterAll(() => cluster?.stop(), PROCESSES.timeout);

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
    const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PORTAL_MIX[0], variables: { id: target.personalIds[0] } }) });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

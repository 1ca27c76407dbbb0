import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { spreadPersonalIds } from '../../subgraphs/population';
import { inject } from 'vitest';
import { signRequest } from '../../platform';
import { startChild, startTcpProxy } from '../../bench';
import { openTestDatabase, TEST_SECRETS } from '../helpers/database';
import { ok, startFaultStack, type FaultStack, type Outcome } from './fault-stack';

const PROFILE = 'query ($id: ID!) { citizen(personalId: $id) { fullName documents { number } } }';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const exited = (stack: FaultStack) => new Promise<number | null>((resolve) => stack.gateways[0]?.process.once('exit', (code) => resolve(code)));

/** /ready's status on a new connection each time, so that the cluster's primary hands it to the next worker in turn. */
function readiness(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    get(new URL('/ready', url), { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', (error) => resolve(String(error)));
  });
}

describe('SIGTERM with requests in flight', () => {
  for (const workers of ['1', '2']) {
    it(`(${workers} worker${workers === '1' ? '' : 's'}): /ready turns 503 first, every request in flight is answered with its data and audited, then the process exits 0`, async () => {
      const current = await startFaultStack({ gatewayEnv: { GATEWAY_WORKERS: workers, SHUTDOWN_READY_DELAY_MS: '1500', SHUTDOWN_DRAIN_MS: '10000' } });
      stack = current;
      const url = current.gatewayUrls[0] ?? '';
      // Every worker ready (the cluster hands new connections to its workers in turn): a few /ready answers in a row.
      for (let streak = 0, tries = 0; streak < 4 && tries < 100; tries += 1) {
        streak = (await readiness(url)) === 200 ? streak + 1 : 0;
        if (streak === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await readiness(url)).toBe(200);
      // The procedures subgraph answers slowly, so that these are still in flight when the signal comes.
      current.procedures.delay(700);
      const send = (index: number) => current.send(PROFILE, { id: current.personalIds[index % current.personalIds.length] });
      const inFlight = Array.from({ length: 20 }, (_, index) => send(index));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const exit = exited(current);
      current.gateways[0]?.process.kill('SIGTERM');

      // The signal is handled asynchronously: ask until the answer changes (it must change to 503, not to a refusal).
      let afterSignal = await readiness(url);
      for (let tries = 0; afterSignal === 200 && tries < 20; tries += 1) afterSignal = await readiness(url);
      expect(afterSignal).toBe(503);
      // Not ready, but still serving until the load balancer has noticed (SHUTDOWN_READY_DELAY_MS).
      const lateComer = await send(20);
      const answered: Outcome[] = [...(await Promise.all(inFlight)), lateComer];
      expect({
        failed: answered.filter((outcome) => !ok(outcome)),
        exit: await exit,
        problems: current.problems().filter((line) => !/"level":30/.test(line)),
      }).toEqual({ failed: [], exit: 0, problems: [] });
      expect(await readiness(url)).toMatch(/ECONNREFUSED/);
      expect(await current.unrecorded(answered.flatMap((outcome) => (outcome.kind === 'response' ? [outcome.requestId] : [])))).toEqual([]);
    });
  }
});

describe('SIGTERM to a subgraph process with requests in flight', () => {
  it('answers every one of them with its data, then exits 0', async () => {
    // Its database answers slowly, so that the requests are still in flight when the signal comes.
    const postgres = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(inject('databaseUrl')).port || 5432) });
    const db = openTestDatabase();
    const population = await startChild('subgraphs/population/server.ts', [], {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: postgres.through(inject('databaseUrl')),
      SUBGRAPH_SECRETS: TEST_SECRETS,
      POPULATION_PORT: '0',
      ENTITY_CACHE_TTL_S: '0',
    });
    try {
      const url = String(population.ready.url);
      const ids = await spreadPersonalIds(db, 10);
      const secret = /population=([^,]+)/.exec(TEST_SECRETS)?.[1] ?? '';
      const ask = async (id: string) => {
        const body = JSON.stringify({ query: 'query ($ids: [ID!]!) { citizens(personalIds: $ids) { fullName } }', variables: { ids: [id] } });
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': `shutdown-${id}` };
        signRequest(secret, headers, body);
        const response = await fetch(url, { method: 'POST', headers, body });
        return { status: response.status, body: (await response.json()) as { data?: { citizens: Array<{ fullName: string }> } } };
      };
      expect((await ask(ids[0] ?? '')).body.data?.citizens).toHaveLength(1);
      postgres.delay(600);
      const exit = new Promise<number | null>((resolve) => population.process.once('exit', (code) => resolve(code)));
      const inFlight = ids.map(ask);
      await new Promise((resolve) => setTimeout(resolve, 200));
      population.process.kill('SIGTERM');
      for (const answer of await Promise.all(inFlight))
        expect(answer).toMatchObject({ status: 200, body: { data: { citizens: [{ fullName: expect.any(String) }] } } });
      expect(await exit).toBe(0);
    } finally {
      await population.stop();
      await postgres.close();
      await db.close();
    }
  });
});

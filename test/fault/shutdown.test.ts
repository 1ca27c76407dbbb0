import { afterEach, describe, expect, it } from 'vitest';
import { ok, startFaultStack, type FaultStack, type Outcome } from './fault-stack';

const PROFILE = 'query ($id: ID!) { citizen(personalId: $id) { fullName documents { number } } }';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const exited = (stack: FaultStack) => new Promise<number | null>((resolve) => stack.gateways[0]?.process.once('exit', (code) => resolve(code)));

async function readiness(url: string): Promise<number | string> {
  try {
    return (await fetch(new URL('/ready', url))).status;
  } catch (error) {
    return String((error as Error).cause ?? error);
  }
}

describe('SIGTERM with requests in flight', () => {
  for (const workers of ['1', '2']) {
    it(`(${workers} worker${workers === '1' ? '' : 's'}): /ready turns 503 first, every request in flight is answered with its data and audited, then the process exits 0`, async () => {
      const current = await startFaultStack({ gatewayEnv: { GATEWAY_WORKERS: workers, SHUTDOWN_READY_DELAY_MS: '1500', SHUTDOWN_DRAIN_MS: '10000' } });
      stack = current;
      const url = current.gatewayUrls[0] ?? '';
      // Every worker ready (the cluster spreads connections over them): a few /ready answers in a row.
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
      const answered: Outcome[] = await Promise.all(inFlight);
      expect(answered.filter((outcome) => !ok(outcome))).toEqual([]);
      expect(await exit).toBe(0);
      expect(await readiness(url)).toMatch(/ECONNREFUSED/);
      expect(await current.unrecorded(answered.flatMap((outcome) => (outcome.kind === 'response' ? [outcome.requestId] : [])))).toEqual([]);
    });
  }
});

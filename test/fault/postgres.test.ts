import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startFaultStack, until, type FaultStack, type Outcome } from './fault-stack';

const PROFILE = 'query ($id: ID!) { citizen(personalId: $id) { fullName household { members { citizen { fullName } } } documents { number } } }';

let stack: FaultStack;
beforeAll(async () => {
  // No access cache: every request reads the access store, so a cut is felt by the first request after it.
  stack = await startFaultStack({ gatewayEnv: { ACCESS_CACHE_MS: '0' } });
});
afterAll(() => stack?.stop());

const send = (index: number) => stack.send(PROFILE, { id: stack.personalIds[index % stack.personalIds.length] });

/**
 * What a client may get while PostgreSQL is away: the data; a 503 that says which store and when to retry; or, when the
 * gateway's own connections still worked but a subgraph's did not, that subgraph named (SUBGRAPH_ERROR) beside the rest.
 */
function acceptable(outcome: Outcome): boolean {
  if (ok(outcome)) return true;
  if (outcome.kind !== 'response') return false;
  if (outcome.status === 200) return outcome.codes.length > 0 && outcome.codes.every((code) => code === 'SUBGRAPH_ERROR');
  return (
    !outcome.hasData &&
    outcome.status === 503 &&
    outcome.retryAfter === '1' &&
    outcome.codes.every((code) => code === 'SERVICE_UNAVAILABLE' || code === 'AUDIT_UNAVAILABLE')
  );
}

describe('PostgreSQL cut under load (through a proxy; the shared server keeps running)', () => {
  it('costs clients 503s with Retry-After, never a 500 or a reset; no data leaves unrecorded; the gateway recovers by itself', async () => {
    expect(ok(await send(0))).toBe(true);

    // Load all along, so that cuts land on connections checked out mid-transaction (the audit writer's group
    // commits): the crash of issue 11, an unhandled 'error' event (57P01, "Connection terminated unexpectedly").
    // A slower network keeps each group commit's connection checked out for longer, so a cut is sure to meet one.
    stack.postgres.delay(3);
    const outcomes: Outcome[] = [];
    let loading = true;
    const load = Array.from({ length: 8 }, async (_, worker) => {
      for (let index = worker; loading; index += 8) outcomes.push(await send(index));
    });
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    for (let cut = 0; cut < 3; cut += 1) {
      await pause(150);
      stack.postgres.cut();
      await pause(300);
      const refused = await send(1);
      expect(refused).toMatchObject({ kind: 'response', status: 503, retryAfter: '1', codes: ['SERVICE_UNAVAILABLE'], hasData: false });
      expect(refused.kind === 'response' && refused.body).not.toMatch(/127\.0\.0\.1|ECONN|postgres/i);
      stack.postgres.restore();
      expect(ok(await until(() => send(2), ok))).toBe(true);
    }
    loading = false;
    await Promise.all(load);
    stack.postgres.delay(0);

    expect(stack.gateways[0]?.process.exitCode).toBeNull();
    expect(outcomes.filter((outcome) => !acceptable(outcome))).toEqual([]);
    expect(outcomes.some((outcome) => outcome.kind === 'response' && outcome.status === 503)).toBe(true);
    const answeredWithData = outcomes.flatMap((outcome) => (outcome.kind === 'response' && outcome.hasData ? [outcome.requestId] : []));
    expect(answeredWithData.length).toBeGreaterThan(0);
    expect(await stack.unrecorded(answeredWithData)).toEqual([]);
  });

  it('blackholed (connections hang) still ends in 503s, and recovers', async () => {
    stack.postgres.cut('blackhole');
    const during = await Promise.all([send(3), send(4)]);
    expect(during.filter((outcome) => !acceptable(outcome))).toEqual([]);
    expect(during.some((outcome) => outcome.kind === 'response' && outcome.status === 503)).toBe(true);
    stack.postgres.restore();
    expect(ok(await until(() => send(5), ok))).toBe(true);
    expect(stack.gateways[0]?.process.exitCode).toBeNull();
  });
});

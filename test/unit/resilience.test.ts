import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { CircuitBreaker, apolloErrorOptions, createNotifier } from '../../platform';
import { allInOneConfig, gatewayConfig } from '../../gateway';
import { createEntityCache, followEntityChanges } from '../../subgraphs/kit';
import { silentLog } from '../helpers/database';

const breaker = () => new CircuitBreaker({ name: 'test', failureThreshold: 2, cooldownMs: 1_000, log: silentLog });

describe('a circuit breaker', () => {
  it('refuses options that would make it useless', () => {
    expect(() => new CircuitBreaker({ name: 'x', failureThreshold: 0, cooldownMs: 1_000, log: silentLog })).toThrow(
      'CircuitBreaker x: failureThreshold must be an integer of at least 1',
    );
    expect(() => new CircuitBreaker({ name: 'x', failureThreshold: 1.5, cooldownMs: 1_000, log: silentLog })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ name: 'x', failureThreshold: 1, cooldownMs: 0, log: silentLog })).toThrow(
      'CircuitBreaker x: cooldownMs must be at least 10',
    );
    expect(() => new CircuitBreaker({ name: 'x', failureThreshold: 1, cooldownMs: Number.NaN, log: silentLog })).toThrow(/cooldownMs/);
  });

  it('opens after failureThreshold failures in a row, lets one trial through after the cooldown, and closes on its success', () => {
    const circuit = breaker();
    circuit.failed(new Error('1'), 0);
    circuit.succeeded();
    circuit.failed(new Error('1'), 0);
    expect(circuit.allow(0)).toBe(true);
    circuit.failed(new Error('2'), 0);
    expect([circuit.open, circuit.allow(999)]).toEqual([true, false]);
    expect([circuit.allow(1_000), circuit.allow(1_000)]).toEqual([true, false]);
    let recovered = 0;
    circuit.onRecovered(() => (recovered += 1));
    circuit.succeeded();
    expect([circuit.open, circuit.allow(1_001), recovered]).toEqual([false, true, 1]);
  });

  it('opens again for another cooldown when the trial fails', () => {
    const circuit = breaker();
    circuit.failed(new Error('1'), 0);
    circuit.failed(new Error('2'), 0);
    expect(circuit.allow(1_000)).toBe(true);
    circuit.failed(new Error('trial'), 1_000);
    expect([circuit.allow(1_999), circuit.allow(2_000)]).toEqual([false, true]);
  });
});

describe('the resilience configuration', () => {
  it('masks errors unless development is asked for, and names a bad key', () => {
    expect(gatewayConfig.load({}).NODE_ENV).toBe('production');
    expect(gatewayConfig.load({}).SHUTDOWN_DRAIN_MS).toBe(10_000);
    // npm start is the demo: it shows unexpected errors unless NODE_ENV says otherwise.
    expect([allInOneConfig.load({}).NODE_ENV, allInOneConfig.load({ NODE_ENV: 'production' }).NODE_ENV]).toEqual(['development', 'production']);
    for (const [key, value] of [
      ['SHUTDOWN_DRAIN_MS', '-1'],
      ['SHUTDOWN_READY_DELAY_MS', 'soon'],
      ['MAX_RESPONSE_BYTES', '10'],
      ['MAX_CONCURRENT_PER_PRINCIPAL', '0'],
      ['ASSUMED_LIST_SIZE', '1.5'],
      ['NODE_ENV', 'staging'],
    ] as const) {
      expect(() => gatewayConfig.load({ [key]: value })).toThrow(new RegExp(`^Invalid configuration: ${key}: `));
    }
  });
});

describe('unexpected errors', () => {
  const raised = new Error('relation "population.secret" does not exist at /srv/once/repository.ts:12');
  const formatted = { message: raised.message, path: ['citizen'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at /srv/once'] } };

  it.each(['production', 'test'] as const)('are masked under NODE_ENV=%s: no SQL, file path or stack reaches the client', (nodeEnv) => {
    const options = apolloErrorOptions(nodeEnv, silentLog);
    expect(options.includeStacktraceInErrorResponses).toBe(false);
    expect(options.formatError(formatted, raised)).toEqual({
      message: 'Internal server error',
      path: ['citizen'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('are shown as raised only in development, asked for explicitly', () => {
    const options = apolloErrorOptions('development', silentLog);
    expect(options.includeStacktraceInErrorResponses).toBe(true);
    expect(options.formatError(formatted, raised).message).toBe(raised.message);
  });

  it('never hide an expected error, whatever NODE_ENV says', () => {
    const refusal = new GraphQLError('Not granted: Citizen.phone', { extensions: { code: 'FORBIDDEN' } });
    const given = { message: refusal.message, extensions: { code: 'FORBIDDEN' } };
    expect(apolloErrorOptions('production', silentLog).formatError(given, refusal)).toEqual(given);
  });
});

describe('entity change notices', () => {
  it('drop the keys they name, and everything when they say so or cannot be read', async () => {
    const cache = createEntityCache({ redisUrl: undefined, ttlSeconds: 60, notifier: createNotifier(undefined, silentLog), log: silentLog });
    if (!cache) throw new Error('cache expected');
    let deliver: (payload: string) => void = () => undefined;
    await followEntityChanges(cache, { listen: async (_, handlers) => ((deliver = handlers.notice), async () => undefined) }, silentLog);
    const fill = () =>
      cache.set('procedures:citizen', [
        ['a', 1],
        ['b', 2],
      ] as const);
    const held = () => cache.get<number>('procedures:citizen', ['a', 'b']);
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    await fill();
    deliver(JSON.stringify({ namespace: 'procedures:citizen', keys: ['a'] }));
    await settle();
    expect(await held()).toEqual([undefined, 2]);
    for (const hostile of [
      JSON.stringify({ namespace: 'procedures:citizen', keys: null }),
      'not json',
      JSON.stringify({ namespace: 7, keys: ['a'] }),
      JSON.stringify({ namespace: 'x', keys: [1] }),
    ]) {
      await fill();
      deliver(hostile);
      await settle();
      expect(await held()).toEqual([undefined, undefined]);
    }
  });
});

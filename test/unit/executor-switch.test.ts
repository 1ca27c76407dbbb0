import { ApolloGateway } from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { describe, expect, it } from 'vitest';
import { gatewayConfig, OnceExecutor, type ExecutorMode } from '../../gateway';
import { compose } from '../../subgraphs/registry';
import { ConfigError } from '../../platform';
import { shopSubgraphs } from '../differential/fixtures/shop';
import { silentLog } from '../helpers/database';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

const { supergraphSdl } = compose(shopSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: `http://127.0.0.1:9/${name}` })));

function executorOver(mode: ExecutorMode) {
  const plans = new InMemoryLRUCache<QueryPlan>();
  const gateway = new ApolloGateway({ supergraphSdl, queryPlannerConfig: { cache: plans }, logger: silentLog });
  return { gateway, executor: new OnceExecutor(gateway, { mode, plans, services: new Map(), log: silentLog }) };
}

describe('GATEWAY_EXECUTOR', () => {
  it("defaults to Once's executor and accepts apollo", () => {
    expect(gatewayConfig.load({}).GATEWAY_EXECUTOR).toBe('once');
    expect(gatewayConfig.load({ GATEWAY_EXECUTOR: 'apollo' }).GATEWAY_EXECUTOR).toBe('apollo');
  });

  it('refuses any other executor, naming the key', () => {
    expect(() => gatewayConfig.load({ GATEWAY_EXECUTOR: 'fast' })).toThrow(ConfigError);
    expect(() => gatewayConfig.load({ GATEWAY_EXECUTOR: 'fast' })).toThrow(/GATEWAY_EXECUTOR/);
    expect(() => executorOver('fast' as ExecutorMode)).toThrow(/Unknown executor "fast"/);
  });

  it("apollo hands Apollo Server the gateway's own executor, untouched", async () => {
    const { gateway, executor } = executorOver('apollo');
    const loaded = await executor.wrap().load({ apollo: {} });
    expect(loaded.executor).toBe(gateway.executor);
    expect(executor.stats()).toEqual({ mode: 'apollo', served: 0, fallbacks: {} });
    await gateway.stop();
  });

  it("once puts Once's executor in its place", async () => {
    const { gateway, executor } = executorOver('once');
    const loaded = await executor.wrap().load({ apollo: {} });
    expect(loaded.executor).not.toBe(gateway.executor);
    expect(typeof loaded.executor).toBe('function');
    await gateway.stop();
  });
});

import type { Worker } from 'node:worker_threads';
import type { QueryPlan, QueryPlanCache } from '@apollo/query-planner';
import type { ApolloServerPlugin } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { type Logger, startTsWorker } from '../platform';
import type { KnownOperation, PlanMessage } from './query-plan-protocol';
import { planCacheLookups } from './telemetry/gateway-metrics';

export interface QueryPlansOptions {
  /** Approximate size of the plan cache (plans are measured as JSON). */
  mib: number;
  /** How many of the latest distinct operations are planned again when a new supergraph is loaded; 0: none. */
  warmRecent: number;
  /** Operations registered in advance (trusted documents), planned on every load. */
  registered: () => Promise<KnownOperation[]>;
  log: Logger;
}

export interface WarmResult {
  planned: number;
  /** Operations the new supergraph cannot plan (a field removed, say); they fail on use as they would cold. */
  failed: number;
  ms: number;
}

const WORKER = new URL('./query-plan-worker.ts', import.meta.url);

/** What /health shows of the plan cache. */
export interface QueryPlanStats {
  cached: number;
  hits: number;
  misses: number;
  warming: boolean;
  lastWarm: WarmResult | null;
}

/**
 * The gateway's query-plan cache, sized by configuration, and warmed: when a supergraph is loaded (at start, and on
 * every registry change, which empties the cache), the trusted documents and the operations clients sent most
 * recently are planned again in the background, so that the first request after a change does not pay for planning.
 */
export class QueryPlans {
  /** Handed to `@apollo/gateway` as its plan store; it looks plans up by `planKey`. */
  readonly cache: QueryPlanCache;
  private readonly store: InMemoryLRUCache<QueryPlan>;
  private readonly recent = new Map<string, KnownOperation>();
  private generation = 0;
  private counts = { hits: 0, misses: 0 };
  private warming = false;
  private lastWarm: WarmResult | null = null;
  private worker: Worker | null = null;

  constructor(private readonly options: QueryPlansOptions) {
    const store = new InMemoryLRUCache<QueryPlan>({ maxSize: options.mib * 2 ** 20, sizeCalculation: (plan) => Buffer.byteLength(JSON.stringify(plan)) });
    const counts = this.counts;
    this.store = store;
    this.cache = {
      async get(key) {
        const plan = await store.get(key);
        if (plan) counts.hits += 1;
        else counts.misses += 1;
        planCacheLookups.inc({ result: plan ? 'hit' : 'miss' });
        return plan;
      },
      set: (key, plan) => store.set(key, plan),
      delete: (key) => store.delete(key),
      clear: () => store.clear(),
    };
  }

  stats(): QueryPlanStats {
    return { cached: this.store.keys().length, ...this.counts, warming: this.warming, lastWarm: this.lastWarm };
  }

  /** Remembers each distinct operation that reached execution (allowed, valid), the latest `warmRecent` of them. */
  plugin(): ApolloServerPlugin {
    const { recent } = this;
    const limit = this.options.warmRecent;
    return {
      async requestDidStart() {
        return {
          async executionDidStart({ request, queryHash }) {
            if (limit === 0 || !request.query) return;
            const key = `${queryHash}\n${request.operationName ?? ''}`;
            const known = recent.get(key) ?? { query: request.query, operationName: request.operationName ?? null };
            recent.delete(key);
            recent.set(key, known);
            if (recent.size > limit) recent.delete(recent.keys().next().value ?? '');
          },
        };
      },
    };
  }

  /**
   * Plans the known operations against a newly loaded supergraph, in a worker thread, and stores the plans as they
   * come. A newer load supersedes a warm still running.
   */
  async warm(supergraphSdl: string): Promise<WarmResult> {
    const generation = ++this.generation;
    this.warming = true;
    const started = performance.now();
    const result: WarmResult = { planned: 0, failed: 0, ms: 0 };
    try {
      const operations = [...(await this.options.registered()), ...this.recent.values()];
      if (operations.length > 0 && generation === this.generation) await this.planInWorker(supergraphSdl, operations, generation, result);
      result.ms = Math.round(performance.now() - started);
      if (generation === this.generation) this.lastWarm = result;
      this.options.log.info(result, 'query plans warmed');
      return result;
    } finally {
      if (generation === this.generation) this.warming = false;
    }
  }

  /** Abandons a warm-up still running (the gateway is stopping). */
  async stop(): Promise<void> {
    this.generation += 1;
    await this.worker?.terminate();
  }

  private planInWorker(supergraphSdl: string, operations: KnownOperation[], generation: number, result: WarmResult): Promise<void> {
    const worker = startTsWorker(WORKER, { workerData: { supergraphSdl, operations } });
    // Planning ahead never keeps a stopping process alive.
    worker.unref();
    this.worker = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (message: PlanMessage) => {
        if (generation !== this.generation) {
          void worker.terminate();
          resolve();
          return;
        }
        switch (message.kind) {
          case 'plan':
            void this.store.set(message.key, message.plan);
            result.planned += 1;
            break;
          case 'failed':
            result.failed += 1;
            this.options.log.debug(
              { queryHash: message.queryHash, operationName: message.operationName, reason: message.reason },
              'operation not planned against the new supergraph',
            );
            break;
          case 'done':
            void worker.terminate();
            resolve();
        }
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        if (this.worker === worker) this.worker = null;
        resolve();
      });
    });
  }
}

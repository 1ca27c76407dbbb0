import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { SupergraphManager } from '@apollo/gateway';
import type { Database, Logger, Notifier } from '../platform';
import type { GatewayConfig } from './config';
import {
  heartbeat,
  joinReplicas,
  leaveReplicas,
  recordRefusal,
  recordServed,
  type ReplicaIdentity,
  latestVersion,
  latestVersionNumber,
  registeredSecrets,
  signingSecret,
  SUPERGRAPH_CHANNEL,
  versionByNumber,
  type SupergraphVersion,
} from '../subgraphs/registry';

export interface RegistryFollowerOptions {
  db: Database;
  notifier: Notifier;
  /** Fallback when a notice is missed or Redis is down. */
  pollMs: number;
  /** After how long without a beat this replica counts as dead (REPLICA_LIVE_MS); it beats three times as often. */
  liveMs: number;
  /** Longest wait before a refused version is tried again (SUPERGRAPH_RETRY_MAX_MS); waits double from one second. */
  retryMaxMs: number;
  builtInSecrets: Record<string, string>;
  log: Logger;
}

type FollowerSettings = Pick<RegistryFollowerOptions, 'pollMs' | 'liveMs' | 'retryMaxMs' | 'builtInSecrets'>;

/** What a follower takes from the gateway's configuration. */
export function followerSettings(
  config: Pick<GatewayConfig, 'SUPERGRAPH_POLL_MS' | 'REPLICA_LIVE_MS' | 'SUPERGRAPH_RETRY_MAX_MS' | 'SUBGRAPH_SECRETS'>,
): FollowerSettings {
  return {
    pollMs: config.SUPERGRAPH_POLL_MS,
    liveMs: config.REPLICA_LIVE_MS,
    retryMaxMs: config.SUPERGRAPH_RETRY_MAX_MS,
    builtInSecrets: config.SUBGRAPH_SECRETS,
  };
}

/** The gateway's view of the registry: the supergraph manager, the version it serves, each subgraph's secret. */
export interface RegistryFollower {
  manager: SupergraphManager;
  servedVersion(): number;
  secret(name: string): string | undefined;
}

const FIRST_RETRY_MS = 1_000;
const REASON_LENGTH = 500;

/** @apollo/gateway wraps the failing subgraphs' errors (`[name]: why`) in a paragraph of advice; the record keeps them. */
function refusalReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const marker = 'during the health check:\n';
  const at = message.indexOf(marker);
  return (at >= 0 ? message.slice(at + marker.length) : message).slice(0, REASON_LENGTH);
}

/**
 * Follows the registry through @apollo/gateway's supergraph hook: starts from the latest version, and loads each
 * newer one when Redis announces it or the poll finds it. A version whose subgraphs fail the health check is not
 * applied, and is tried again with backoff (a subgraph that was down may be back); in-flight requests finish on the
 * supergraph they started with. The replica records in the registry the version it serves, every refusal and its
 * reason, and beats while it runs, so that `registry status` and `publish --wait` can tell what is served.
 */
export function followRegistry({ db, notifier, pollMs, liveMs, retryMaxMs, builtInSecrets, log }: RegistryFollowerOptions): RegistryFollower {
  let served = 0;
  const secrets = new Map(Object.entries(builtInSecrets));
  const identity: ReplicaIdentity = { replicaId: randomUUID(), host: hostname(), pid: process.pid, liveMs };
  /** Refused versions: how often, and not to be tried before when. */
  const refused = new Map<number, { attempts: number; retryAt: number }>();

  async function learnSecrets(version: SupergraphVersion): Promise<void> {
    for (const { name } of version.subgraphs) {
      if (secrets.has(name)) continue;
      const secret = await signingSecret({ db, builtInSecrets }, name);
      if (secret) secrets.set(name, secret);
    }
  }

  /** Takes up secrets the registry rotated (rotateSubgraphSecret); built-in subgraphs keep theirs. */
  async function refreshSecrets(): Promise<void> {
    for (const [name, secret] of await registeredSecrets(db)) if (!(name in builtInSecrets) && secrets.has(name)) secrets.set(name, secret);
  }

  const manager: SupergraphManager = {
    async initialize({ update, healthCheck }) {
      const first = await latestVersion(db);
      if (!first) throw new Error('The registry has no supergraph version: bootstrap it first (npm start, or the gateway with the built-in subgraphs)');
      await learnSecrets(first);
      served = first.version;
      await joinReplicas(db, identity, served);

      let running: Promise<void> | null = null;
      let again = false;
      let retry: NodeJS.Timeout | null = null;
      const refuse = async (version: number, error: unknown) => {
        const attempts = (refused.get(version)?.attempts ?? 0) + 1;
        const waitMs = Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), retryMaxMs);
        refused.set(version, { attempts, retryAt: Date.now() + waitMs });
        const reason = refusalReason(error);
        log.error(
          { version, attempts, retryInMs: waitMs, reason },
          `supergraph version ${version} failed its health check and was not applied; trying again in ${waitMs} ms`,
        );
        if (retry) clearTimeout(retry);
        retry = setTimeout(refresh, waitMs);
        retry.unref();
        await recordRefusal(db, identity.replicaId, version, reason, waitMs);
      };
      const apply = async () => {
        await refreshSecrets();
        const latest = await latestVersionNumber(db);
        if (latest <= served || Date.now() < (refused.get(latest)?.retryAt ?? 0)) return;
        const version = await versionByNumber(db, latest);
        if (!version) return;
        await learnSecrets(version);
        try {
          await healthCheck(version.supergraphSdl);
        } catch (error) {
          return refuse(latest, error);
        }
        update(version.supergraphSdl);
        log.info({ version: latest, from: served, action: version.action, subject: version.subject }, 'now serving a new supergraph version');
        served = latest;
        for (const number of refused.keys()) if (number <= latest) refused.delete(number);
        await recordServed(db, identity.replicaId, latest);
      };
      const refresh = () => {
        if (running) {
          again = true;
          return;
        }
        running = apply()
          .catch((error: unknown) => log.warn({ err: error }, 'could not check the registry for a new supergraph'))
          .finally(() => {
            running = null;
            if (again) {
              again = false;
              refresh();
            }
          });
      };
      const beat = () => {
        heartbeat(db, identity.replicaId)
          .then((known) => (known ? undefined : joinReplicas(db, identity, served)))
          .catch((error: unknown) => log.warn({ err: error }, 'could not tell the registry this replica is alive'));
      };
      await notifier.subscribe(SUPERGRAPH_CHANNEL, refresh);
      const timers = [setInterval(refresh, pollMs), setInterval(beat, Math.max(Math.floor(liveMs / 3), 1))];
      for (const timer of timers) timer.unref();
      return {
        supergraphSdl: first.supergraphSdl,
        cleanup: async () => {
          for (const timer of timers) clearInterval(timer);
          if (retry) clearTimeout(retry);
          await running;
          await leaveReplicas(db, identity.replicaId).catch((error: unknown) => log.warn({ err: error }, 'could not take this replica out of the registry'));
        },
      };
    },
  };

  return { manager, servedVersion: () => served, secret: (name) => secrets.get(name) };
}

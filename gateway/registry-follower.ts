import type { SupergraphManager } from '@apollo/gateway';
import type { Database } from '../subgraphs/common/database';
import type { Logger } from '../subgraphs/common/logger';
import type { Notifier } from '../subgraphs/common/notifier';
import { latestVersion, latestVersionNumber, signingSecret, SUPERGRAPH_CHANNEL, versionByNumber, type SupergraphVersion } from '../subgraphs/registry/service';

export interface RegistryFollowerOptions {
  db: Database;
  notifier: Notifier;
  /** Fallback when a notice is missed or Redis is down. */
  pollMs: number;
  builtInSecrets: Record<string, string>;
  log: Logger;
}

/** The gateway's view of the registry: the supergraph manager, the version it serves, each subgraph's secret. */
export interface RegistryFollower {
  manager: SupergraphManager;
  servedVersion(): number;
  secret(name: string): string | undefined;
}

/**
 * Follows the registry through @apollo/gateway's supergraph hook: starts from the latest version, and loads each
 * newer one when Redis announces it or the poll finds it. A version whose subgraphs fail the health check is not
 * applied (and not tried again); in-flight requests finish on the supergraph they started with.
 */
export function followRegistry({ db, notifier, pollMs, builtInSecrets, log }: RegistryFollowerOptions): RegistryFollower {
  let served = 0;
  const secrets = new Map(Object.entries(builtInSecrets));
  const rejected = new Set<number>();

  async function learnSecrets(version: SupergraphVersion): Promise<void> {
    for (const { name } of version.subgraphs) {
      if (secrets.has(name)) continue;
      const secret = await signingSecret({ db, builtInSecrets }, name);
      if (secret) secrets.set(name, secret);
    }
  }

  const manager: SupergraphManager = {
    async initialize({ update, healthCheck }) {
      const first = await latestVersion(db);
      if (!first) throw new Error('The registry has no supergraph version: bootstrap it first (npm start, or the gateway with the built-in subgraphs)');
      await learnSecrets(first);
      served = first.version;

      let running: Promise<void> | null = null;
      let again = false;
      const apply = async () => {
        const latest = await latestVersionNumber(db);
        if (latest <= served || rejected.has(latest)) return;
        const version = await versionByNumber(db, latest);
        if (!version) return;
        await learnSecrets(version);
        try {
          await healthCheck(version.supergraphSdl);
        } catch (error) {
          rejected.add(latest);
          log.error({ err: error, version: latest }, `supergraph version ${latest} failed its health check and was not applied`);
          return;
        }
        update(version.supergraphSdl);
        log.info({ version: latest, from: served, action: version.action, subject: version.subject }, 'now serving a new supergraph version');
        served = latest;
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
      await notifier.subscribe(SUPERGRAPH_CHANNEL, refresh);
      const timer = setInterval(refresh, pollMs);
      timer.unref();
      return {
        supergraphSdl: first.supergraphSdl,
        cleanup: async () => {
          clearInterval(timer);
          await running;
        },
      };
    },
  };

  return { manager, servedVersion: () => served, secret: (name) => secrets.get(name) };
}

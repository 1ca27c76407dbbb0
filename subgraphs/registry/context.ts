import { GraphQLError } from 'graphql';
import { ErrorCode, type RequestInfo } from '../../platform';
import type { SubgraphContext, SubgraphDeps } from '../kit';
import { registryDeps, type Actor, type RegistryDeps } from './service';

export interface RegistryContext extends SubgraphContext {
  registry: RegistryDeps;
  /** The calling client, from the principal the gateway forwarded (and signed). */
  actor(): Promise<Actor>;
}

/** The registry's dependencies, made once per process's configuration and services rather than on every request. */
const depsOf = new WeakMap<SubgraphDeps['config'], WeakMap<SubgraphDeps['platform'], RegistryDeps>>();

function registryDepsOnce({ config, platform }: SubgraphDeps): RegistryDeps {
  const byPlatform = depsOf.get(config) ?? new WeakMap<SubgraphDeps['platform'], RegistryDeps>();
  depsOf.set(config, byPlatform);
  const deps = byPlatform.get(platform) ?? registryDeps(config, platform);
  byPlatform.set(platform, deps);
  return deps;
}

export function createRegistryContext(deps: SubgraphDeps, request: RequestInfo): RegistryContext {
  const { platform } = deps;
  const principal = typeof request.headers['x-once-principal'] === 'string' ? request.headers['x-once-principal'] : '';
  const registry = registryDepsOnce(deps);
  return {
    subjects: new Set(),
    registry,
    async actor() {
      const clientId = principal.startsWith('client:') ? principal.slice('client:'.length) : null;
      const [client] = clientId
        ? await platform.database.query<{ role: string }>('SELECT role FROM access.client_directory WHERE client_id = $1 AND active', [clientId])
        : [];
      if (!clientId || !client)
        throw new GraphQLError('Registry changes are made by agency or administrator clients', { extensions: { code: ErrorCode.Forbidden } });
      return { principal, clientId, role: client.role };
    },
  };
}

import { GraphQLError } from 'graphql';
import { ErrorCode, type RequestInfo } from '../../platform';
import type { SubgraphContext, SubgraphDeps } from '../kit';
import { registryDeps, type Actor, type RegistryDeps } from './service';

export interface RegistryContext extends SubgraphContext {
  registry: RegistryDeps;
  /** The calling client, from the principal the gateway forwarded (and signed). */
  actor(): Promise<Actor>;
}

export function createRegistryContext({ config, platform }: SubgraphDeps, request: RequestInfo): RegistryContext {
  const principal = typeof request.headers['x-once-principal'] === 'string' ? request.headers['x-once-principal'] : '';
  const registry = registryDeps(config, platform);
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

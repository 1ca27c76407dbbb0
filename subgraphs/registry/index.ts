import { defineSubgraph } from '../kit';
import { createRegistryContext } from './context';
import { resolvers } from './resolvers';

/** The schema registry subgraph, run by the gateway's operator. */
export const registry = defineSubgraph(import.meta.url, { name: 'registry', port: 4005, resolvers, createContext: createRegistryContext });

export { CompositionError, compose, composeSupergraph } from './compose';
export { composeInWorker } from './composition';
export { dataFlows } from './flows';
export type { OwnedSdl } from './flows';
export { heartbeat, joinReplicas, leaveReplicas, recordRefusal, recordServed } from './replicas';
export type { ReplicaIdentity } from './replicas';
export { assertRoutingUrl, hostAllowList } from './routing-url';
export {
  SUPERGRAPH_CHANNEL,
  apiSchemaOf,
  entryOf,
  history,
  latestVersion,
  latestVersionNumber,
  registeredSecrets,
  registryDeps,
  remove,
  rollbackSupergraph,
  signingSecret,
  syncBuiltIns,
  versionByNumber,
} from './service';
export type { Actor, RegistryDeps, SubgraphEntry, SupergraphVersion } from './service';

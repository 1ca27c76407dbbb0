/** What only subgraphs share: defining and serving a subgraph, the services a process gives them, loaders, scalars. */
export { createEntityCache, followEntityChanges, throughCache } from './entity-cache';
export type { EntityCache } from './entity-cache';
export { keyedLoader } from './loader';
export { runSubgraph, startSubgraphs } from './run-subgraph';
export { DateScalar, DateTimeScalar } from './scalars';
export { openSubgraphServices } from './services';
export type { GatewayHealthCheck, SubgraphServices } from './services';
export { SUBJECTS_EXTENSION, createSubgraphServer, defineSubgraph, noteSubjects, startSubgraph } from './subgraph';
export type { GraphQLResolverMap, SubgraphContext, SubgraphDeps, SubgraphModule } from './subgraph';
export { auditLogKeys, registryAllowedHosts, registryKeys, subgraphConfig, subgraphKeys } from './config';
export type { AuditLogConfig, RegistryConfig, SubgraphConfig } from './config';

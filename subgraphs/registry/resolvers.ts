import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../platform';
import { DateTimeScalar } from '../kit';
import type { Resolvers } from './generated/resolvers-types';
import { liveReplicas } from './replicas';
import {
  approveFlow,
  check,
  consentFlow,
  flowApprovals,
  history,
  latestVersion,
  liveFlows,
  publish,
  register,
  remove,
  requestFlows,
  revokeFlow,
  rollbackSubgraph,
  rollbackSupergraph,
  rotateSecret,
  subgraphOwners,
  type SubgraphEntry,
} from './service';

/* eslint-disable @typescript-eslint/no-unnecessary-condition -- codegen types an argument with a default as never null, yet a
   client may pass an explicit null for it (`supergraphHistory(first: null)`): the `??` defaults are needed. */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    subgraphs: async (_, __, { registry }) => {
      const live = await latestVersion(registry.db);
      const owners = await subgraphOwners(registry.db);
      return (live?.subgraphs ?? []).map((entry) => ({ name: entry.name, url: entry.url, owner: owners[entry.name] ?? 'unknown' }));
    },
    supergraphHistory: (_, { first }, { registry }) => history(registry.db, Math.min(Math.max(first ?? 20, 1), 200)),
    checkSubgraph: async (_, { input }, context) => check(context.registry, await context.actor(), input satisfies SubgraphEntry),
    dataFlowApprovals: async (_, { subgraph, includeRevoked }, context) =>
      flowApprovals(context.registry, await context.actor(), { subgraph: subgraph ?? null, includeRevoked: includeRevoked ?? false }),
    liveDataFlows: async (_, { subgraph }, context) => liveFlows(context.registry, await context.actor(), subgraph ?? null),
    gatewayReplicas: async (_, __, context) => {
      const actor = await context.actor();
      if (actor.role !== 'AGENCY' && actor.role !== 'ADMIN')
        throw new GraphQLError(`Only agency and administrator clients see the gateway replicas; "${actor.clientId}" is ${actor.role}`, {
          extensions: { code: ErrorCode.Forbidden },
        });
      return liveReplicas(context.registry.db);
    },
  },
  Mutation: {
    registerSubgraph: async (_, { name }, context) => register(context.registry, await context.actor(), name),
    rotateSubgraphSecret: async (_, { name }, context) => rotateSecret(context.registry, await context.actor(), name),
    publishSubgraph: async (_, { input, force }, context) => publish(context.registry, await context.actor(), input satisfies SubgraphEntry, force ?? false),
    rollbackSubgraph: async (_, { name, toVersion, force }, context) =>
      rollbackSubgraph(context.registry, await context.actor(), name, toVersion, force ?? false),
    rollbackSupergraph: async (_, { toVersion, force }, context) => rollbackSupergraph(context.registry, await context.actor(), toVersion, force ?? false),
    removeSubgraph: async (_, { name, force }, context) => remove(context.registry, await context.actor(), name, force ?? false),
    requestDataFlows: async (_, { input, reason }, context) => requestFlows(context.registry, await context.actor(), input satisfies SubgraphEntry, reason),
    approveDataFlow: async (_, { id, legalBasis }, context) => approveFlow(context.registry, await context.actor(), id, legalBasis),
    consentDataFlow: async (_, { id }, context) => consentFlow(context.registry, await context.actor(), id),
    revokeDataFlow: async (_, { id }, context) => revokeFlow(context.registry, await context.actor(), id),
  },
  SupergraphVersion: {
    subgraphs: (version) => version.subgraphs.map((entry) => entry.name),
  },
};
/* eslint-enable @typescript-eslint/no-unnecessary-condition */

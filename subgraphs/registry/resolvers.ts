import { GraphQLError } from 'graphql';
import { ErrorCode } from '../common/errors';
import { DateTimeScalar } from '../common/scalars';
import type { Resolvers } from './generated/resolvers-types';
import { liveReplicas } from './replicas';
import { check, history, latestVersion, publish, register, remove, rollbackSubgraph, rollbackSupergraph, type SubgraphEntry } from './service';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    subgraphs: async (_, __, { registry }) => {
      const live = await latestVersion(registry.db);
      const owners = new Map((await registry.db.query<{ name: string; owner: string }>('SELECT name, owner FROM registry.subgraphs')).map((row) => [row.name, row.owner]));
      return (live?.subgraphs ?? []).map((entry) => ({ name: entry.name, url: entry.url, owner: owners.get(entry.name) ?? 'unknown' }));
    },
    supergraphHistory: (_, { first }, { registry }) => history(registry.db, Math.min(Math.max(first ?? 20, 1), 200)),
    checkSubgraph: async (_, { input }, context) => {
      await context.actor();
      return check(context.registry, input, { probeService: true });
    },
    gatewayReplicas: async (_, __, context) => {
      const actor = await context.actor();
      if (actor.role !== 'AGENCY' && actor.role !== 'ADMIN') throw new GraphQLError(`Only agency and administrator clients see the gateway replicas; "${actor.clientId}" is ${actor.role}`, { extensions: { code: ErrorCode.Forbidden } });
      return liveReplicas(context.registry.db);
    },
  },
  Mutation: {
    registerSubgraph: async (_, { name }, context) => register(context.registry, await context.actor(), name),
    publishSubgraph: async (_, { input, force }, context) => publish(context.registry, await context.actor(), input satisfies SubgraphEntry, force ?? false),
    rollbackSubgraph: async (_, { name, toVersion }, context) => rollbackSubgraph(context.registry, await context.actor(), name, toVersion),
    rollbackSupergraph: async (_, { toVersion }, context) => rollbackSupergraph(context.registry, await context.actor(), toVersion),
    removeSubgraph: async (_, { name }, context) => remove(context.registry, await context.actor(), name),
  },
  SupergraphVersion: {
    subgraphs: (version) => version.subgraphs.map((entry) => entry.name),
  },
};

import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { Kind, parse, type DocumentNode } from 'graphql';
import { planKey, type KnownOperation, type PlanMessage } from './query-plan-protocol';

/**
 * Plans operations against a supergraph off the gateway's event loop: building the planner alone takes tens of
 * milliseconds, and every plan a few more. Posts one message per plan (or failure), then `done`.
 */
const { supergraphSdl, operations } = workerData as { supergraphSdl: string; operations: KnownOperation[] };
const post = (message: PlanMessage) => parentPort?.postMessage(message);

/** The names a client may send with a document: none when it holds one operation, and each operation's own. */
function namesToSend(document: DocumentNode): (string | null)[] {
  const defined = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const named = defined.flatMap((operation) => (operation.name ? [operation.name.value] : []));
  return defined.length === 1 ? [null, ...named] : named;
}

const supergraph = Supergraph.build(supergraphSdl);
const apiSchema = supergraph.apiSchema();
const planner = new QueryPlanner(supergraph);
const seen = new Set<string>();
for (const { query, operationName } of operations) {
  const queryHash = createHash('sha256').update(query).digest('hex');
  try {
    const document = parse(query);
    for (const name of operationName === null ? namesToSend(document) : [operationName]) {
      const key = planKey(queryHash, name);
      if (seen.has(key)) continue;
      seen.add(key);
      post({ kind: 'plan', key, plan: planner.buildQueryPlan(operationFromDocument(apiSchema, document, name ? { operationName: name } : {})) });
    }
  } catch (error) {
    post({ kind: 'failed', queryHash, operationName, reason: (error as Error).message });
  }
}
post({ kind: 'done' });

import { createHash } from 'node:crypto';
import type { QueryPlan } from '@apollo/query-planner';

/*
 * What the gateway and its query-planning worker thread share. The worker imports only this (and the planner), so
 * that starting one loads none of the gateway or the platform.
 */

/** An operation as a client sends it: the text, and the operation name when the client gives one. */
export interface KnownOperation {
  query: string;
  operationName: string | null;
}

/** What the planning worker posts back. */
export type PlanMessage =
  { kind: 'plan'; key: string; plan: QueryPlan } | { kind: 'failed'; queryHash: string; operationName: string | null; reason: string } | { kind: 'done' };

/** The key `@apollo/gateway` looks a plan up by: the query's hash, hashed again with the operation name when sent. */
export function planKey(queryHash: string, operationName: string | null): string {
  return operationName ? createHash('sha256').update(queryHash).update(operationName).digest('hex') : queryHash;
}

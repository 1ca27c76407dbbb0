import { Kind, valueFromASTUntyped, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { clientLabel, noteRequest, ErrorCode, HttpError, type RequestInfo } from '../../platform';
import { newTrail, type GatewayContext } from '../context';
import type { AccessControl } from './access-control';
import type { FieldUse, OperationFields } from './operation-fields';
import type { PlanFields } from './plan-fields';
import { principalLabel, type Principal } from './principal';
import { readPurpose } from './purpose';
import type { GatewayConfig } from '../config';

/** The type that stands for a person, and its key. */
const PERSON_TYPE = 'Citizen';
const PERSON_KEY = 'personalId';
/** Of anyone but themselves, a citizen sees what their own record names: the person's ID and name. */
const OTHER_PERSON_FIELDS = new Set([PERSON_KEY, 'fullName']);
/** Root fields a citizen may call without naming themselves: they answer for the caller only. */
const SELF_SERVICE_ROOTS = new Set(['Query.myAccessHistory', 'Mutation.reportAccess']);

/** The coordinates the principal may not read, sorted; empty when the operation is allowed. */
export function deniedCoordinates(principal: Principal, fields: OperationFields, grants: ReadonlySet<string>): string[] {
  const denied = new Set<string>();
  switch (principal.kind) {
    case 'anonymous':
      return [];
    case 'client':
      for (const coordinate of fields.coordinates) if (!grants.has(coordinate)) denied.add(coordinate);
      if (fields.introspection && !principal.client.mayIntrospect) denied.add('__schema');
      break;
    case 'citizen':
      if (fields.introspection) denied.add('__schema');
      for (const use of fields.uses) if (!citizenMayRead(principal.personalId, use, fields.rootArguments.get(use))) denied.add(use.coordinate);
      break;
  }
  return [...denied].sort();
}

/**
 * Of the fields a query plan sends to subgraphs beyond the entities' keys (`@requires`), those the principal may not
 * read, sorted: a client needs them granted as if it asked for them; a citizen's own record may be sent, of anyone
 * else only what the citizen may see of them.
 */
export function deniedPlanCoordinates(principal: Principal, fields: PlanFields, grants: ReadonlySet<string>): string[] {
  const denied = new Set<string>();
  for (const field of fields.required) {
    switch (principal.kind) {
      case 'anonymous':
        break;
      case 'client':
        if (!grants.has(field.coordinate)) denied.add(field.coordinate);
        break;
      case 'citizen':
        if (field.parentType === PERSON_TYPE && !field.ofRootEntity && !OTHER_PERSON_FIELDS.has(field.fieldName)) denied.add(field.coordinate);
        break;
    }
  }
  return [...denied].sort();
}

/**
 * A citizen reads their own record: root fields must name them (or serve only them), and any other person reached
 * from there (a parent, a household member, a document's holder) shows only ID and name.
 */
function citizenMayRead(self: string, use: FieldUse, rootArguments: Record<string, unknown> | null | undefined): boolean {
  if (use.owner === null) return SELF_SERVICE_ROOTS.has(use.coordinate) || rootArguments?.[PERSON_KEY] === self;
  if (use.parentType === PERSON_TYPE && use.owner.owner !== null) return OTHER_PERSON_FIELDS.has(use.fieldName);
  return true;
}

/**
 * Personal IDs the root fields of `operation` (of every operation when none was chosen) name in their arguments,
 * from the text and the variables alone: for a request refused before the policy check (validation, limits, an
 * unknown operation name), whose record must still say whom it was about.
 */
export function subjectsInDocument(document: DocumentNode, operation: OperationDefinitionNode | null, variables: Record<string, unknown>): string[] {
  const subjects: string[] = [];
  const operations = operation ? [operation] : document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  for (const { selectionSet } of operations) {
    for (const selection of selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      for (const argument of selection.arguments ?? []) {
        if (argument.name.value !== PERSON_KEY && argument.name.value !== `${PERSON_KEY}s`) continue;
        for (const value of [valueFromASTUntyped(argument.value, variables)].flat()) if (typeof value === 'string') subjects.push(value);
      }
    }
  }
  return subjects;
}

/** Personal IDs an operation names in its root arguments (`personalId`, `personalIds`). */
export function subjectsInArguments(fields: OperationFields): string[] {
  const subjects: string[] = [];
  for (const args of fields.rootArguments.values()) {
    for (const value of [args?.[PERSON_KEY], args?.[`${PERSON_KEY}s`]].flat()) if (typeof value === 'string') subjects.push(value);
  }
  return subjects;
}

/** The principal's requests per minute: a client's own limit or the default; 0 when unlimited. */
function rateLimitOf(principal: Principal, config: GatewayConfig): number {
  if (principal.kind === 'client') return principal.client.rateLimitPerMinute ?? config.RATE_LIMIT_PER_MINUTE;
  return principal.kind === 'citizen' ? config.CITIZEN_RATE_LIMIT_PER_MINUTE : 0;
}

/** Who asks and why, decided before the operation is even parsed; a refusal is audited (onRefused) like any request. */
export async function authorise({ requestId, clientRequestId, headers }: RequestInfo, access: AccessControl, config: GatewayConfig): Promise<GatewayContext> {
  const trail = newTrail();
  const principal = await access.authenticate(headers);
  noteRequest({ client: clientLabel(principalLabel(principal)) });
  const limit = rateLimitOf(principal, config);
  if (limit > 0) {
    const who = principalLabel(principal);
    const { allowed, retryAfterS } = await access.rateLimiter.take(who, limit);
    if (!allowed)
      throw new HttpError(429, ErrorCode.RateLimited, `${who} sent more than its ${limit} requests this minute; retry in ${retryAfterS} s`, {
        'retry-after': String(retryAfterS),
      });
  }
  const purpose = await readPurpose(headers, principal, access.store);
  noteRequest({ purpose: purpose?.code });
  return { requestId, clientRequestId, principal, purpose, trail };
}

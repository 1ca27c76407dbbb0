import type { GraphQLDataSource } from '@apollo/gateway';
// The enum is not re-exported by the package's entry point; its values are part of the data-source contract.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { evaluateCondition, type FetchNode, type PlanNode, type ResponsePath } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { inSpan } from '../../platform';
import type { CompiledFetch, CompiledPlan } from './compiled-plan';
import { UnexpectedValue, UnsupportedOperation } from './projection';
import { isResponseObject, mergeInto, type ResponseObject } from './response-tree';
import { entityPaths, subgraphError } from './subgraph-errors';

/** Where a plan node writes: the (non-null) objects at a path of the response tree. */
interface Cursor {
  path: ResponsePath;
  objects: ResponseObject[];
}

/**
 * Collects into `into` the objects at `path` below `value`, lists flattened where the plan says `@`, nulls left out
 * (in response order: the order of the entity paths errors are mapped to).
 */
function collectAt(value: unknown, path: ResponsePath, depth: number, into: unknown[]): void {
  if (value === undefined || value === null) return;
  if (depth === path.length) {
    into.push(value);
    return;
  }
  const head = path[depth];
  if (head === '@') {
    if (!Array.isArray(value)) throw new UnexpectedValue(`Expected a list at ${path.slice(0, depth).join('.')} of the response`);
    for (const element of value) collectAt(element, path, depth + 1, into);
    return;
  }
  if (typeof head !== 'string' || Array.isArray(value) || typeof value !== 'object')
    throw new UnexpectedValue(`Unexpected value at ${path.slice(0, depth + 1).join('.')} of the response`);
  collectAt(Object.hasOwn(value, head) ? (value as ResponseObject)[head] : undefined, path, depth + 1, into);
}

/**
 * One execution of a compiled plan: fetches write into one response tree in place, entity fetches send each distinct
 * representation once, and subgraph errors are placed at the client's paths. Every fetch goes through the gateway's
 * data source for that subgraph (signing, forwarding, the audit trail).
 */
export class PlanRun {
  readonly tree = Object.create(null) as ResponseObject;
  /** Errors of fetches that failed or that subgraphs returned, in the order they came. */
  readonly errors: GraphQLError[] = [];

  constructor(
    private readonly plan: CompiledPlan,
    private readonly services: ReadonlyMap<string, GraphQLDataSource>,
    private readonly request: GatewayGraphQLRequestContext,
  ) {}

  async execute(): Promise<void> {
    if (this.plan.root) await this.node(this.plan.root, { path: [], objects: [this.tree] });
  }

  private async node(node: PlanNode, cursor: Cursor): Promise<void> {
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.node(child, cursor);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.node(child, cursor)));
        return;
      case 'Flatten': {
        const objects: unknown[] = [];
        for (const object of cursor.objects) collectAt(object, node.path, 0, objects);
        if (objects.length === 0) return;
        return this.node(node.node, { path: [...cursor.path, ...node.path], objects: objects as ResponseObject[] });
      }
      case 'Condition': {
        const branch = evaluateCondition(node, this.plan.operation.variableDefinitions, this.request.request.variables) ? node.ifClause : node.elseClause;
        if (branch) await this.node(branch, cursor);
        return;
      }
      case 'Fetch':
        try {
          await this.fetch(node, cursor);
        } catch (error) {
          // Worded as Apollo Server words an executor's plain Error, so that both executors answer alike.
          this.errors.push(
            error instanceof GraphQLError
              ? error
              : new GraphQLError(error instanceof Error ? error.message : String(error), { originalError: error instanceof Error ? error : null }),
          );
        }
        return;
      case 'Defer':
        // compilePlan leaves plans with @defer to Apollo's executor; a compiled plan has none.
        throw new UnsupportedOperation('@defer');
    }
  }

  private variablesOf(fetch: FetchNode): Record<string, unknown> {
    const variables = Object.create(null) as Record<string, unknown>;
    const given = this.request.request.variables;
    if (!fetch.variableUsages || !given) return variables;
    for (const name of fetch.variableUsages) if (Object.hasOwn(given, name) && given[name] !== undefined) variables[name] = given[name];
    return variables;
  }

  private async fetch(fetch: FetchNode, cursor: Cursor): Promise<void> {
    const compiled = this.plan.fetches.get(fetch) as CompiledFetch;
    const entities = cursor.objects;
    const variables = this.variablesOf(fetch);
    if (!compiled.representation) {
      const data = await this.send(fetch, cursor, variables, null);
      if (data) compiled.outputRewrites?.(data);
      for (const entity of entities) mergeInto(entity, data);
      return;
    }
    // Objects with the same representation are the same entity: it is asked for once and written to each of them.
    const representations: ResponseObject[] = [];
    const targets: number[][] = [];
    const byKey = new Map<string, number>();
    for (let index = 0; index < entities.length; index++) {
      const representation = compiled.representation(entities[index]);
      if (!representation || !representation.__typename) continue;
      compiled.inputRewrites?.(representation);
      const key = JSON.stringify(representation);
      let slot = byKey.get(key);
      if (slot === undefined) {
        slot = representations.length;
        byKey.set(key, slot);
        representations.push(representation);
        targets.push([]);
      }
      (targets[slot] as number[]).push(index);
    }
    if (representations.length === 0) return;
    if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
    const data = await this.send(fetch, cursor, { ...variables, representations }, targets);
    if (!data) return;
    const received = data._entities;
    if (!Array.isArray(received)) throw new Error('Expected "data._entities" in response to be an array');
    if (received.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
    for (let slot = 0; slot < received.length; slot++) {
      const entity: unknown = received[slot];
      const owners = targets[slot] as number[];
      if (isResponseObject(entity) && !entity.__typename) entity.__typename = (entities[owners[0] as number] as ResponseObject).__typename;
      compiled.outputRewrites?.(entity);
      for (const owner of owners) mergeInto(entities[owner] as ResponseObject, entity);
    }
  }

  /** Sends one fetch; records its errors at the client's paths (`targets`: the objects behind each representation). */
  private async send(fetch: FetchNode, cursor: Cursor, variables: Record<string, unknown>, targets: number[][] | null): Promise<ResponseObject | null> {
    const service = this.services.get(fetch.serviceName);
    if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
    const response = await inSpan('gateway.fetch', { 'once.subgraph': fetch.serviceName }, () =>
      service.process({
        kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
        request: { query: fetch.operation, variables, ...(fetch.operationName ? { operationName: fetch.operationName } : {}) },
        incomingRequestContext: this.request,
        context: this.request.context,
        ...(fetch.operationDocumentNode ? { document: fetch.operationDocumentNode } : {}),
        pathInIncomingRequest: cursor.path,
      }),
    );
    if (response.errors) this.recordErrors(response.errors, fetch.serviceName, cursor, targets);
    return isResponseObject(response.data) ? response.data : null;
  }

  private recordErrors(errors: readonly GraphQLFormattedError[], serviceName: string, cursor: Cursor, targets: number[][] | null): void {
    let paths: ResponsePath[] | null = null;
    for (const error of errors) {
      const at = error.path;
      const slot = at?.[1];
      if (!targets || typeof slot !== 'number') {
        this.errors.push(subgraphError(error, serviceName, at ? [...cursor.path, ...at] : undefined));
        continue;
      }
      paths ??= entityPaths(this.tree, cursor.path);
      // One error about a shared representation is an error at each object it stands for.
      for (const owner of targets[slot] ?? [undefined]) {
        const base = owner === undefined ? undefined : paths[owner];
        this.errors.push(subgraphError(error, serviceName, [...(base ?? []), ...(at ?? []).slice(2)]));
      }
    }
  }
}

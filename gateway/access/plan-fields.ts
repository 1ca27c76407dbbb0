import type { FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode, SubscriptionNode } from '@apollo/query-planner';
import { getNamedType, isInterfaceType, isObjectType, Kind, parse, type ConstValueNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';

/** A field the plan sends to a subgraph in `_entities` representations, beyond the entity's key. */
export interface RequiredField {
  coordinate: string;
  parentType: string;
  fieldName: string;
  /**
   * True when it is a field of the entity itself, and that entity sits directly under a root field (the record the
   * operation names), not one reached from it (a parent, a household member) or nested in the required selection.
   */
  ofRootEntity: boolean;
}

/** What one query plan sends to subgraphs, besides the operation's own arguments. */
export interface PlanFields {
  /** Fields other subgraphs resolved and the plan hands to a subgraph because its SDL `@requires` them. */
  required: readonly RequiredField[];
  /** Every coordinate sent in representations, keys included, as `subgraph:Type.field`; sorted, once each. */
  sent: readonly string[];
}

/** For each subgraph, for each entity type, the paths (`personalId`, `organization.id`) of the fields of its keys. */
type EntityKeys = ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;

function stringArgument(value: ConstValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** Dot paths of every field in a field set, parents included: `a b { c }` gives a, b, b.c. */
function fieldSetPaths(selectionSet: SelectionSetNode, prefix = '', into = new Set<string>()): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const path = `${prefix}${selection.name.value}`;
      into.add(path);
      if (selection.selectionSet) fieldSetPaths(selection.selectionSet, `${path}.`, into);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fieldSetPaths(selection.selectionSet, prefix, into);
    }
  }
  return into;
}

/** Reads the entity keys of every subgraph from a supergraph's `@join__graph` and `@join__type(key:)` directives. */
export function entityKeys(supergraphSdl: string): EntityKeys {
  const document = parse(supergraphSdl, { noLocation: true });
  const subgraphOf = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const name = stringArgument(
        value.directives?.find((directive) => directive.name.value === 'join__graph')?.arguments?.find((argument) => argument.name.value === 'name')?.value,
      );
      if (name) subgraphOf.set(value.name.value, name);
    }
  }
  const keys = new Map<string, Map<string, Set<string>>>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'join__type') continue;
      const argument = (name: string) => directive.arguments?.find((candidate) => candidate.name.value === name)?.value;
      const graph = argument('graph');
      const subgraph = graph?.kind === Kind.ENUM ? subgraphOf.get(graph.value) : undefined;
      const key = stringArgument(argument('key'));
      if (!subgraph || !key) continue;
      const types = keys.get(subgraph) ?? new Map<string, Set<string>>();
      keys.set(subgraph, types);
      const paths = types.get(definition.name.value) ?? new Set<string>();
      types.set(definition.name.value, paths);
      const [fieldSet] = parse(`{ ${key} }`, { noLocation: true }).definitions;
      if (fieldSet?.kind === Kind.OPERATION_DEFINITION) fieldSetPaths(fieldSet.selectionSet, '', paths);
    }
  }
  return keys;
}

/** Response path elements that name fields: not list positions (`@`) nor type conditions. */
function fieldsOnPath(path: ReadonlyArray<string | number>): number {
  return path.filter((element) => typeof element === 'string' && element !== '@' && !element.startsWith('...') && !element.startsWith('|')).length;
}

/** One entity's representation in a fetch: which subgraph gets it, of which type, and where the entity sits. */
interface Representation {
  fetch: FetchNode;
  entityType: string;
  /** The entity is the record a root field names, not one reached from it. */
  underRootField: boolean;
}

/**
 * Walks a query plan and lists what its fetches send to subgraphs in entity representations: each fetch's
 * `requires` selection, resolved to schema coordinates over the API schema. Key fields are only listed as sent; the
 * other fields are the ones a subgraph's `@requires` pulls out of other subgraphs, which a client must be granted as
 * if it read them itself.
 */
export function planFields(plan: QueryPlan, schema: GraphQLSchema, keys: EntityKeys): PlanFields {
  const required = new Map<string, RequiredField>();
  const sent = new Set<string>();

  const fieldType = (parentType: string, fieldName: string): string | undefined => {
    const parent = schema.getType(parentType);
    const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[fieldName] : undefined;
    return field ? getNamedType(field.type).name : undefined;
  };

  /**
   * Key fields are what federation needs to find an entity, and only those of a key the entity has in another
   * subgraph too: a key the receiving subgraph made up for someone else's entity (`@key(fields: "phone")`) would
   * otherwise carry any field out ungranted.
   */
  const isSharedKey = (to: Representation, path: string): boolean =>
    keys.get(to.fetch.serviceName)?.get(to.entityType)?.has(path) === true &&
    [...keys].some(([subgraph, types]) => subgraph !== to.fetch.serviceName && types.get(to.entityType)?.has(path));

  const selection = (to: Representation, parentType: string, prefix: string, nodes: readonly QueryPlanSelectionNode[], atEntity: boolean) => {
    for (const node of nodes) {
      if (node.kind === 'InlineFragment') {
        selection(to, node.typeCondition ?? parentType, prefix, node.selections, atEntity);
        continue;
      }
      if (node.name === '__typename') continue;
      const coordinate = `${parentType}.${node.name}`;
      const path = `${prefix}${node.name}`;
      sent.add(`${to.fetch.serviceName}:${coordinate}`);
      if (!isSharedKey(to, path)) {
        const known = required.get(coordinate);
        // A coordinate required both of the named record and of someone reached from it counts as the latter.
        required.set(coordinate, {
          coordinate,
          parentType,
          fieldName: node.name,
          ofRootEntity: atEntity && to.underRootField && (known?.ofRootEntity ?? true),
        });
      }
      // A field the API schema does not show (@inaccessible) gets a coordinate under it that nobody is granted.
      if (node.selections) selection(to, fieldType(parentType, node.name) ?? coordinate, `${path}.`, node.selections, false);
    }
  };

  const walk = (node: PlanNode | SubscriptionNode | undefined, fieldsAbove: number) => {
    if (!node) return;
    switch (node.kind) {
      case 'Sequence':
      case 'Parallel':
        for (const child of node.nodes) walk(child, fieldsAbove);
        break;
      case 'Flatten':
        walk(node.node, fieldsOnPath(node.path));
        break;
      case 'Condition':
        walk(node.ifClause, fieldsAbove);
        walk(node.elseClause, fieldsAbove);
        break;
      case 'Defer':
        walk(node.primary.node, fieldsAbove);
        for (const deferred of node.deferred) walk(deferred.node, fieldsAbove);
        break;
      case 'Subscription':
        walk(node.primary, fieldsAbove);
        walk(node.rest, fieldsAbove);
        break;
      case 'Fetch':
        for (const entity of node.requires ?? []) {
          // Representations are always per entity type; anything else is not understood, so nobody is granted it.
          const entityType = (entity.kind === 'InlineFragment' ? entity.typeCondition : undefined) ?? '?';
          selection(
            { fetch: node, entityType, underRootField: fieldsAbove === 1 },
            entityType,
            '',
            entity.kind === 'InlineFragment' ? entity.selections : [entity],
            true,
          );
        }
        break;
    }
  };
  walk(plan.node, 0);
  return { required: [...required.values()].sort((a, b) => a.coordinate.localeCompare(b.coordinate)), sent: [...sent].sort() };
}

/**
 * The plan fields of the plans a gateway runs, computed once per plan: they depend only on the supergraph and the
 * operation, and the plan cache hands out the same plan object for both. Entity keys are read once per supergraph.
 */
export class PlanFieldsCache {
  private readonly bySchema = new WeakMap<GraphQLSchema, { keys: EntityKeys; plans: WeakMap<QueryPlan, PlanFields> }>();

  /** Called on every supergraph load, with the API schema requests will be planned over. */
  learn(apiSchema: GraphQLSchema, supergraphSdl: string): void {
    this.bySchema.set(apiSchema, { keys: entityKeys(supergraphSdl), plans: new WeakMap() });
  }

  of(schema: GraphQLSchema, plan: QueryPlan): PlanFields {
    const known = this.bySchema.get(schema);
    if (!known) throw new Error('A query plan over a supergraph whose entity keys were never read');
    let fields = known.plans.get(plan);
    if (!fields) known.plans.set(plan, (fields = planFields(plan, schema, known.keys)));
    return fields;
  }
}

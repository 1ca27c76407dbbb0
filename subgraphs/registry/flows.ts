import { Kind, parse, print, type ConstDirectiveNode, type DocumentNode, type SelectionSetNode, type TypeNode } from 'graphql';

/**
 * Cross-agency data flows: the federation directives in a subgraph's SDL that reach fields or entities another
 * agency owns. Each one makes the gateway send that agency's data to this subgraph (`@requires`, `@provides`,
 * `@external`), lets this subgraph answer for it (`@override`, `@shareable`, `@interfaceObject`) or resolve its
 * entities by a key of its own choosing (`@key`); none may be published unless an administrator approved it.
 */
export type FlowDirective = 'OVERRIDE' | 'REQUIRES' | 'PROVIDES' | 'SHAREABLE' | 'EXTERNAL' | 'INTERFACE_OBJECT' | 'KEY';

export const FLOW_DIRECTIVES: readonly FlowDirective[] = ['OVERRIDE', 'REQUIRES', 'PROVIDES', 'SHAREABLE', 'EXTERNAL', 'INTERFACE_OBJECT', 'KEY'];

export interface DataFlow {
  directive: FlowDirective;
  /** Where the directive stands in the subgraph's SDL: `Type.field`, or `Type` for type directives. */
  coordinate: string;
  /** What it reaches of the owner's: `Type.field`, `Type` (an interface), or `Type @key(fields: "...")`. */
  target: string;
  /** The owning agency (client id), `system` for the platform's built-in subgraphs. */
  owner: string;
  /** The owner's subgraphs that define the target. */
  ownerSubgraphs: string[];
}

/** One subgraph's SDL with the agency that owns it. */
export interface OwnedSdl {
  name: string;
  owner: string;
  document: DocumentNode;
}

const FEDERATION_SPEC = /^https:\/\/specs\.apollo\.dev\/federation\/v\d/;
const FLOW_SOURCES = ['key', 'requires', 'provides', 'external', 'shareable', 'override', 'interfaceObject'] as const;
type FederationDirective = (typeof FLOW_SOURCES)[number];

/**
 * The local names under which a document uses the federation directives: `@link` may import them renamed
 * (`{ name: "@override", as: "@take" }`) or leave them namespaced (`@federation__override`, or `@<as>__override`).
 * Plain names always count too, so that a renaming cannot hide a directive (it fails closed).
 */
function federationNames(document: DocumentNode): Map<string, FederationDirective> {
  const names = new Map<string, FederationDirective>(FLOW_SOURCES.map((name) => [name, name]));
  const known = new Set<string>(FLOW_SOURCES);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_EXTENSION && definition.kind !== Kind.SCHEMA_DEFINITION) continue;
    for (const link of definition.directives ?? []) {
      const url = argument(link, 'url');
      if (link.name.value !== 'link' || url?.kind !== Kind.STRING || !FEDERATION_SPEC.test(url.value)) continue;
      const namespace = argument(link, 'as');
      const prefix = namespace?.kind === Kind.STRING ? namespace.value : 'federation';
      for (const name of FLOW_SOURCES) names.set(`${prefix}__${name}`, name);
      const imports = argument(link, 'import');
      for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
        if (entry.kind !== Kind.OBJECT) continue;
        const field = (key: string) => entry.fields.find((candidate) => candidate.name.value === key)?.value;
        const from = field('name');
        const as = field('as');
        const canonical = from?.kind === Kind.STRING ? from.value.replace(/^@/, '') : '';
        if (as?.kind === Kind.STRING && known.has(canonical)) names.set(as.value.replace(/^@/, ''), canonical as FederationDirective);
      }
    }
  }
  return names;
}

function argument(directive: ConstDirectiveNode, name: string) {
  return directive.arguments?.find((candidate) => candidate.name.value === name)?.value;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

/** A field set (`"a b { c }"`), or null when it does not parse (composition reports that). */
function fieldSet(value: string): SelectionSetNode | null {
  try {
    const [operation] = parse(`{${value}}`, { noLocation: true }).definitions;
    return operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet : null;
  } catch {
    return null;
  }
}

/** A field set written one way, so that `"a  b"` and `"a b"` are the same key. */
function normalised(selections: SelectionSetNode): string {
  return print(selections)
    .replace(/^\{\s*|\s*\}$/g, '')
    .replace(/\s+/g, ' ');
}

interface TypeDefinition {
  kind: 'object' | 'interface';
  name: string;
  directives: Array<{ directive: FederationDirective; node: ConstDirectiveNode }>;
  fields: Array<{ name: string; type: string; directives: Array<{ directive: FederationDirective; node: ConstDirectiveNode }> }>;
}

/** The object and interface types of a document (definitions and extensions), with their federation directives. */
function typesOf(document: DocumentNode): TypeDefinition[] {
  const names = federationNames(document);
  const federation = (directives: readonly ConstDirectiveNode[] | undefined) =>
    (directives ?? []).flatMap((node) => {
      const directive = names.get(node.name.value);
      return directive ? [{ directive, node }] : [];
    });
  const types: TypeDefinition[] = [];
  for (const definition of document.definitions) {
    const kind =
      definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION
        ? 'object'
        : definition.kind === Kind.INTERFACE_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_EXTENSION
          ? 'interface'
          : null;
    if (!kind || !('fields' in definition)) continue;
    types.push({
      kind,
      name: definition.name.value,
      directives: federation(definition.directives),
      fields: (definition.fields ?? []).map((field) => ({ name: field.name.value, type: namedType(field.type), directives: federation(field.directives) })),
    });
  }
  return types;
}

/** Who owns what in the rest of the graph: fields (resolved, not `@external`), types, interfaces, entity keys. */
class Ownership {
  readonly fields = new Map<string, Set<OwnedSdl>>();
  readonly types = new Map<string, Set<OwnedSdl>>();
  readonly interfaces = new Map<string, Set<OwnedSdl>>();
  readonly keys = new Map<string, Set<string>>();
  /** `Type.field` -> the named type it returns, over every subgraph (the candidate's too), to walk field sets. */
  readonly returns = new Map<string, string>();

  constructor(others: readonly OwnedSdl[]) {
    const add = (map: Map<string, Set<OwnedSdl>>, key: string, subgraph: OwnedSdl) => map.set(key, (map.get(key) ?? new Set()).add(subgraph));
    for (const subgraph of others) {
      for (const type of typesOf(subgraph.document)) {
        if (type.kind === 'interface' && !type.directives.some(({ directive }) => directive === 'interfaceObject')) add(this.interfaces, type.name, subgraph);
        for (const field of type.fields) {
          this.returns.set(`${type.name}.${field.name}`, field.type);
          if (field.directives.some(({ directive }) => directive === 'external')) continue;
          add(this.fields, `${type.name}.${field.name}`, subgraph);
          add(this.types, type.name, subgraph);
        }
        for (const { directive, node } of type.directives) {
          const fields = argument(node, 'fields');
          const selections = directive === 'key' && fields?.kind === Kind.STRING ? fieldSet(fields.value) : null;
          if (selections) this.keys.set(type.name, (this.keys.get(type.name) ?? new Set()).add(normalised(selections)));
        }
      }
    }
  }
}

/** Groups the subgraphs that own a target by agency, leaving out the candidate's own agency. */
function byAgency(owners: Iterable<OwnedSdl>, candidate: OwnedSdl): Map<string, string[]> {
  const agencies = new Map<string, string[]>();
  for (const subgraph of owners) {
    if (subgraph.owner === candidate.owner || subgraph.name === candidate.name) continue;
    agencies.set(subgraph.owner, [...(agencies.get(subgraph.owner) ?? []), subgraph.name].sort());
  }
  return agencies;
}

/**
 * Every cross-agency data flow of `candidate` against `others` (the rest of the graph, without the candidate's
 * current version). Flows to subgraphs of the candidate's own agency are not cross-agency and are not listed.
 */
export function dataFlows(candidate: OwnedSdl, others: readonly OwnedSdl[]): DataFlow[] {
  const ownership = new Ownership(others.filter((other) => other.name !== candidate.name));
  const types = typesOf(candidate.document);
  for (const type of types) for (const field of type.fields) ownership.returns.set(`${type.name}.${field.name}`, field.type);

  const flows = new Map<string, DataFlow>();
  const flow = (directive: FlowDirective, coordinate: string, target: string, owners: Iterable<OwnedSdl> | undefined) => {
    for (const [owner, ownerSubgraphs] of byAgency(owners ?? [], candidate)) {
      const key = `${directive} ${coordinate} ${target} ${owner}`;
      if (!flows.has(key)) flows.set(key, { directive, coordinate, target, owner, ownerSubgraphs });
    }
  };
  /** The others' field coordinates a field set names, starting at `typeName`, nested selections included. */
  const reached = (typeName: string, selections: SelectionSetNode): string[] =>
    selections.selections.flatMap((selection) => {
      if (selection.kind === Kind.INLINE_FRAGMENT) return reached(selection.typeCondition?.name.value ?? typeName, selection.selectionSet);
      if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') return [];
      const coordinate = `${typeName}.${selection.name.value}`;
      const nested = selection.selectionSet ? reached(ownership.returns.get(coordinate) ?? '', selection.selectionSet) : [];
      return [coordinate, ...nested];
    });
  const fieldSetOf = (node: ConstDirectiveNode) => {
    const value = argument(node, 'fields');
    return value?.kind === Kind.STRING ? fieldSet(value.value) : null;
  };

  // Fields of the candidate that its own field sets (@key, @requires, @provides) explain; @external on them is part of that flow.
  const explained = new Set<string>();
  const existingKeyFields = new Set<string>();
  for (const type of types) {
    for (const { directive, node } of type.directives) {
      const selections = directive === 'key' ? fieldSetOf(node) : null;
      if (!selections) continue;
      const coordinates = reached(type.name, selections);
      coordinates.forEach((coordinate) => explained.add(coordinate));
      const key = normalised(selections);
      if (ownership.keys.get(type.name)?.has(key)) coordinates.forEach((coordinate) => existingKeyFields.add(coordinate));
      else flow('KEY', type.name, `${type.name} @key(fields: "${key}")`, ownership.types.get(type.name));
    }
    if (type.directives.some(({ directive }) => directive === 'interfaceObject'))
      flow('INTERFACE_OBJECT', type.name, type.name, ownership.interfaces.get(type.name));
    for (const field of type.fields) {
      const coordinate = `${type.name}.${field.name}`;
      for (const { directive, node } of field.directives) {
        if (directive !== 'requires' && directive !== 'provides') continue;
        const selections = fieldSetOf(node);
        if (!selections) continue;
        for (const target of reached(directive === 'requires' ? type.name : field.type, selections)) {
          explained.add(target);
          flow(directive === 'requires' ? 'REQUIRES' : 'PROVIDES', coordinate, target, ownership.fields.get(target));
        }
      }
    }
  }

  for (const type of types) {
    for (const field of type.fields) {
      const coordinate = `${type.name}.${field.name}`;
      const owners = ownership.fields.get(coordinate);
      const override = field.directives.find(({ directive }) => directive === 'override');
      if (override) {
        const from = argument(override.node, 'from');
        const named = from?.kind === Kind.STRING ? others.filter((other) => other.name === from.value) : [];
        flow('OVERRIDE', coordinate, coordinate, new Set([...(owners ?? []), ...named]));
      } else if (field.directives.some(({ directive }) => directive === 'external')) {
        if (!explained.has(coordinate)) flow('EXTERNAL', coordinate, coordinate, owners);
      } else if (!existingKeyFields.has(coordinate)) {
        // Resolving a field another agency resolves needs it shareable: the candidate would answer for their data.
        flow('SHAREABLE', coordinate, coordinate, owners);
      }
    }
  }
  return [...flows.values()];
}

/** The identity of a flow an approval is given for (the owning agency included: a new owner needs a new approval). */
export function flowKey(flow: Pick<DataFlow, 'directive' | 'coordinate' | 'target' | 'owner'>): string {
  return `${flow.directive} ${flow.coordinate} -> ${flow.target} (${flow.owner})`;
}

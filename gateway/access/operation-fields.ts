import {
  getArgumentValues,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** One field of the operation, with where it sits. */
export interface FieldUse {
  /** `Type.field`, the type being the one the selection is on (aliases do not matter). */
  coordinate: string;
  parentType: string;
  fieldName: string;
  /** The named type the field returns. */
  returnType: string;
  /** The field that holds this one's selection set; null at the root. */
  owner: FieldUse | null;
}

/** What an operation's text says it reads, whatever its variables: the same for every request of the operation. */
export interface OperationShape {
  /** Every coordinate the operation can touch, whatever @skip/@include or the variables decide; sorted, once each. */
  coordinates: readonly string[];
  uses: readonly FieldUse[];
  /** Root fields, whose arguments (with the request's variables) say whom the operation is about. */
  roots: ReadonlyArray<{ use: FieldUse; field: GraphQLField<unknown, unknown> | undefined; node: FieldNode }>;
  /** True when the operation asks for __schema or __type. */
  introspection: boolean;
}

/** An operation's shape, and the arguments of its root fields for one request; null when they cannot be coerced. */
export interface OperationFields extends OperationShape {
  rootArguments: ReadonlyMap<FieldUse, Record<string, unknown> | null>;
}

/**
 * Walks an operation over the API schema and lists every field it can read: through fragments, inline fragments
 * on interfaces and unions, aliases and conditional directives. A field on an interface counts for the interface
 * and for every type implementing it, so that a grant must cover whatever runtime type comes back.
 */
export function operationShape(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const coordinates = new Set<string>();
  const uses: FieldUse[] = [];
  const roots: Array<OperationShape['roots'][number]> = [];
  let introspection = false;

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, owner: FieldUse | null, spreading: ReadonlySet<string>) => {
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          if (name === '__typename') break;
          if (name === '__schema' || name === '__type') {
            introspection = true;
            break;
          }
          const field: GraphQLField<unknown, unknown> | undefined = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
          const coordinate = `${parent.name}.${name}`;
          coordinates.add(coordinate);
          if (isInterfaceType(parent)) for (const type of schema.getPossibleTypes(parent)) coordinates.add(`${type.name}.${name}`);
          const returnType = field ? getNamedType(field.type) : undefined;
          const use: FieldUse = { coordinate, parentType: parent.name, fieldName: name, returnType: returnType?.name ?? '', owner };
          uses.push(use);
          if (owner === null) roots.push({ use, field, node: selection });
          if (selection.selectionSet && returnType && isCompositeType(returnType)) walk(selection.selectionSet, returnType, use, spreading);
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          if (type && isCompositeType(type)) walk(selection.selectionSet, type, owner, spreading);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          if (fragment && type && isCompositeType(type) && !spreading.has(name)) walk(fragment.selectionSet, type, owner, new Set([...spreading, name]));
          break;
        }
      }
    }
  };

  const root = schema.getRootType(operation.operation);
  if (root) walk(operation.selectionSet, root, null, new Set());
  return { coordinates: [...coordinates].sort(), uses, roots, introspection };
}

/** The shape with the request's variables applied to its root fields' arguments. */
export function withVariables(shape: OperationShape, variables: Record<string, unknown>): OperationFields {
  const rootArguments = new Map<FieldUse, Record<string, unknown> | null>();
  for (const { use, field, node } of shape.roots) {
    let args: Record<string, unknown> | null = {};
    if (field) {
      try {
        args = getArgumentValues(field, node, variables);
      } catch {
        args = null;
      }
    }
    rootArguments.set(use, args);
  }
  return { ...shape, rootArguments };
}

/** An operation's fields for one request: the walk, then the variables. */
export function operationFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): OperationFields {
  return withVariables(operationShape(schema, document, operation), variables);
}

const SHAPES_PER_SCHEMA = 1_000;

/**
 * Shapes of the operations a gateway has seen, per API schema (a new supergraph starts afresh), the latest
 * `SHAPES_PER_SCHEMA` of them: an operation is walked once, not on every request.
 */
export class OperationShapes {
  private readonly bySchema = new WeakMap<GraphQLSchema, Map<string, OperationShape>>();

  of(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, queryHash: string): OperationShape {
    let shapes = this.bySchema.get(schema);
    if (!shapes) this.bySchema.set(schema, (shapes = new Map<string, OperationShape>()));
    const key = `${queryHash}\n${operation.name?.value ?? ''}`;
    const known = shapes.get(key);
    if (known) return known;
    const shape = operationShape(schema, document, operation);
    if (shapes.size >= SHAPES_PER_SCHEMA) shapes.delete(shapes.keys().next().value ?? '');
    shapes.set(key, shape);
    return shape;
  }
}

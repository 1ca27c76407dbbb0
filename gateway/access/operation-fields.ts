import {
  getArgumentValues,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
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
  /** Argument values with variables applied; null when they cannot be coerced. */
  args: Record<string, unknown> | null;
}

export interface OperationFields {
  /** Every coordinate the operation can touch, whatever @skip/@include or the variables decide. */
  coordinates: Set<string>;
  uses: FieldUse[];
  /** True when the operation asks for __schema or __type. */
  introspection: boolean;
}

/**
 * Walks an operation over the API schema and lists every field it can read: through fragments, inline fragments
 * on interfaces and unions, aliases and conditional directives. A field on an interface counts for the interface
 * and for every type implementing it, so that a grant must cover whatever runtime type comes back.
 */
export function operationFields(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> = {}): OperationFields {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const result: OperationFields = { coordinates: new Set(), uses: [], introspection: false };

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, owner: FieldUse | null, spreading: ReadonlySet<string>) => {
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          if (name === '__typename') break;
          if (name === '__schema' || name === '__type') {
            result.introspection = true;
            break;
          }
          const field: GraphQLField<unknown, unknown> | undefined = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
          const coordinate = `${parent.name}.${name}`;
          result.coordinates.add(coordinate);
          if (isInterfaceType(parent)) for (const type of schema.getPossibleTypes(parent)) result.coordinates.add(`${type.name}.${name}`);
          let args: Record<string, unknown> | null = {};
          if (field) {
            try {
              args = getArgumentValues(field, selection, variables);
            } catch {
              args = null;
            }
          }
          const returnType = field ? getNamedType(field.type) : undefined;
          const use: FieldUse = { coordinate, parentType: parent.name, fieldName: name, returnType: returnType?.name ?? '', owner, args };
          result.uses.push(use);
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
  return result;
}

import fc from 'fast-check';
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';

/** What random operations are drawn from: a schema, and argument text for the fields that need some. */
export interface OperationSpace {
  /** The API schema clients see. */
  schema: GraphQLSchema;
  /**
   * Argument lists, such as `(id: "1")`, by field coordinate (`Query.user`). A field with a required argument and no
   * entry here is never selected; other fields are selected without arguments when they have no entry. One list is
   * drawn per coordinate and response key in an operation: a field selected twice under one key (directly and in a
   * fragment, say) must have the same arguments, or the operation is invalid.
   */
  arguments: Record<string, fc.Arbitrary<string>>;
  /** Deepest nesting of selection sets. */
  maxDepth: number;
  /** The root fields operations start from, of Query (and of Mutation, where the schema has one); default all. */
  roots?: readonly string[];
  /** Field coordinates never selected: values that differ from one request to the next (the time of the answer). */
  exclude?: readonly string[];
}

export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
}

/** A piece of a selection set, with the named fragments it spreads. */
interface Piece {
  text: string;
  fragments: Record<string, string>;
}

/** Marks the argument lists of an aliased field, drawn apart from those of the same field unaliased. */
const ALIASED = ':aliased';

/** Mostly none: a selection skipped by a literal tells little. */
const DIRECTIVES = [
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  ' @skip(if: $skip)',
  ' @include(if: $include)',
  ' @skip(if: $skip)',
  ' @include(if: $include)',
  ' @include(if: true)',
  ' @skip(if: true)',
  ' @include(if: false)',
];

function join(pieces: readonly Piece[]): Piece {
  return {
    text: pieces.map((piece) => piece.text).join(' '),
    fragments: Object.assign({}, ...pieces.map((piece) => piece.fragments)) as Record<string, string>,
  };
}

/** A stable name for a fragment from its content, so that the same fragment drawn twice is defined once. */
function fragmentName(typeName: string, body: string): string {
  let hash = 0;
  for (const char of `${typeName}${body}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return `${typeName}F${(hash >>> 0).toString(36)}`;
}

/**
 * Queries and mutations over `space.schema`: fields with and without aliases, `__typename`, inline fragments on interfaces,
 * unions and their members, named fragments, `@skip`/`@include` with literals and variables, nested to `maxDepth`.
 */
export function operations(space: OperationSpace): fc.Arbitrary<GeneratedOperation> {
  const memo = new Map<string, fc.Arbitrary<Piece>>();
  const rootTypes: GraphQLCompositeType[] = [space.schema.getQueryType(), space.schema.getMutationType()].filter((type) => type != null);

  const selectable = (parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, depth: number): boolean => {
    if (field.name.startsWith('__')) return false;
    if (rootTypes.includes(parent) && space.roots && !space.roots.includes(field.name)) return false;
    if (space.exclude?.includes(`${parent.name}.${field.name}`)) return false;
    if (isCompositeType(getNamedType(field.type)) && depth >= space.maxDepth) return false;
    const provided = space.arguments[`${parent.name}.${field.name}`] !== undefined;
    return provided || !field.args.some((argument) => isNonNullType(argument.type) && argument.defaultValue === undefined);
  };

  const fieldPiece = (parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, depth: number): fc.Arbitrary<Piece> => {
    const type = getNamedType(field.type);
    const coordinate = `${parent.name}.${field.name}`;
    const nested = isCompositeType(type) ? selectionSet(type, depth + 1) : fc.constant<Piece | null>(null);
    return fc.tuple(fc.constantFrom(null, null, `${field.name}Alias`), fc.constantFrom(...DIRECTIVES), nested).map(([alias, directive, selections]) => {
      const argumentText = coordinate in space.arguments ? `⟨${coordinate}${alias ? ALIASED : ''}⟩` : '';
      return {
        text: `${alias ? `${alias}: ` : ''}${field.name}${argumentText}${directive}${selections ? ` { ${selections.text} }` : ''}`,
        fragments: selections?.fragments ?? {},
      };
    });
  };

  const fragmentPieces = (type: GraphQLCompositeType, depth: number): fc.Arbitrary<Piece>[] => {
    if (depth >= space.maxDepth) return [];
    const conditions: GraphQLCompositeType[] = isAbstractType(type) ? [type, ...space.schema.getPossibleTypes(type)] : [type, ...type.getInterfaces()];
    return conditions.flatMap((condition) => {
      const inner = selectionSet(condition, depth + 1);
      return [
        fc
          .tuple(fc.constantFrom(...DIRECTIVES), inner)
          .map(([directive, body]) => ({ text: `... on ${condition.name}${directive} { ${body.text} }`, fragments: body.fragments })),
        inner.map((body) => {
          const name = fragmentName(condition.name, body.text);
          return { text: `...${name}`, fragments: { ...body.fragments, [name]: `fragment ${name} on ${condition.name} { ${body.text} }` } };
        }),
      ];
    });
  };

  function selectionSet(type: GraphQLCompositeType, depth: number): fc.Arbitrary<Piece> {
    const key = `${type.name}:${depth}`;
    const known = memo.get(key);
    if (known) return known;
    const fields = isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()).filter((field) => selectable(type, field, depth)) : [];
    const candidates: fc.Arbitrary<Piece>[] = [
      fc.constantFrom<Piece>({ text: '__typename', fragments: {} }, { text: 'kind: __typename', fragments: {} }),
      ...fields.map((field) => fieldPiece(type, field, depth)),
      ...fragmentPieces(type, depth),
    ];
    const arbitrary = fc.subarray(candidates, { minLength: 1, maxLength: Math.min(4, candidates.length) }).chain((chosen) => fc.tuple(...chosen).map(join));
    memo.set(key, arbitrary);
    return arbitrary;
  }

  // Query or Mutation, in proportion to the root fields operations may start from in each.
  const roots = rootTypes.flatMap((root) => {
    const weight = isObjectType(root) ? Object.values(root.getFields()).filter((field) => selectable(root, field, 1)).length : 0;
    const kind = root === space.schema.getMutationType() ? 'mutation' : 'query';
    return weight > 0 ? [{ weight, arbitrary: selectionSet(root, 1).map((body) => ({ kind, body })) }] : [];
  });
  if (roots.length === 0) throw new Error('no root field to start operations from');
  // The argument lists of the operation, in place of the ⟨coordinate⟩ marks its fields were drawn with.
  const argumentLists = fc.record(
    Object.fromEntries(
      Object.entries(space.arguments).flatMap(([key, list]) => [
        [key, list],
        [`${key}${ALIASED}`, list],
      ]),
    ),
  );
  return fc.tuple(fc.oneof(...roots), argumentLists, fc.boolean(), fc.boolean()).map(([{ kind, body }, lists, skip, include]) => {
    const used = [
      ...(body.text.includes('$skip') || Object.values(body.fragments).some((text) => text.includes('$skip')) ? ['$skip: Boolean!'] : []),
      ...(body.text.includes('$include') || Object.values(body.fragments).some((text) => text.includes('$include')) ? ['$include: Boolean!'] : []),
    ];
    const header = used.length > 0 ? `${kind} Differential(${used.join(', ')})` : `${kind} Differential`;
    const variables: Record<string, unknown> = {};
    if (used.some((definition) => definition.startsWith('$skip'))) variables.skip = skip;
    if (used.some((definition) => definition.startsWith('$include'))) variables.include = include;
    const query = [`${header} { ${body.text} }`, ...Object.values(body.fragments)].join('\n');
    return { query: query.replace(/⟨([^⟩]+)⟩/g, (_, key: string) => lists[key] ?? ''), variables };
  });
}

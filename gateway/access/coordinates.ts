import { getNamedType, isObjectType, type GraphQLSchema } from 'graphql';

/**
 * Every schema coordinate reachable from the given root fields (`Query.citizen`, `Mutation.x`), following field types,
 * minus `withheld`: the coordinates a client needs granted to read those roots in full.
 */
export function reachableCoordinates(schema: GraphQLSchema, roots: readonly string[], withheld: ReadonlySet<string> = new Set()): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (typeName: string) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type) || seen.has(typeName)) return;
    seen.add(typeName);
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${typeName}.${field.name}`;
      if (withheld.has(coordinate)) continue;
      found.add(coordinate);
      visit(getNamedType(field.type).name);
    }
  };
  for (const root of roots) {
    const [typeName, fieldName] = root.split('.');
    const rootType = typeName === 'Mutation' ? schema.getMutationType() : typeName === 'Query' ? schema.getQueryType() : undefined;
    const field = fieldName ? rootType?.getFields()[fieldName] : undefined;
    if (!field || withheld.has(root)) continue;
    found.add(root);
    visit(getNamedType(field.type).name);
  }
  return [...found].sort();
}

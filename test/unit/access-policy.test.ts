import { buildSchema, Kind, parse, printSchema, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationFields, OperationShapes, withVariables, deniedCoordinates, subjectsInArguments, type Principal } from '../../gateway';

const schema = buildSchema(`
  type Query { citizen(personalId: ID!): Citizen  search(text: String!): [Result!]!  node(id: ID!): Node  myAccessHistory: [String!]! }
  interface Node { id: ID! }
  union Result = Citizen | Vehicle
  type Citizen implements Node { id: ID!  personalId: ID!  fullName: String  phone: String  father: Citizen }
  type Vehicle implements Node { id: ID!  plate: String  owner: Citizen }
`);

function analyse(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return operationFields(schema, document, operation, variables);
}

const client = (mayIntrospect = false): Principal => ({
  kind: 'client',
  client: { clientId: 'c', name: 'C', role: 'PORTAL', mayIntrospect, trustedDocumentsOnly: false, rateLimitPerMinute: null, disabled: false },
});
const citizen: Principal = { kind: 'citizen', personalId: '001090123456' };

describe('operation fields', () => {
  it('counts a field on an interface for the interface and every implementation', () => {
    expect([...analyse('{ node(id: "1") { id } }').coordinates].sort()).toEqual(['Citizen.id', 'Node.id', 'Query.node', 'Vehicle.id']);
  });

  it('follows inline fragments on union members and interfaces', () => {
    const fields = analyse('{ search(text: "x") { __typename ... on Vehicle { plate owner { phone } } } node(id: "1") { ... on Citizen { fullName } } }');
    expect([...fields.coordinates].sort()).toEqual(['Citizen.fullName', 'Citizen.phone', 'Query.node', 'Query.search', 'Vehicle.owner', 'Vehicle.plate']);
  });

  it('applies variables to arguments and reports personal IDs asked for', () => {
    const fields = analyse('query ($id: ID!) { citizen(personalId: $id) { fullName } }', { id: '001090123456' });
    expect(subjectsInArguments(fields)).toEqual(['001090123456']);
  });

  it('walks an operation once per schema, and applies each request its own variables', () => {
    const shapes = new OperationShapes();
    const document = parse('query Lookup($id: ID!) { citizen(personalId: $id) { fullName } }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    const shape = shapes.of(schema, document, operation, 'hash-1');
    expect(shapes.of(schema, document, operation, 'hash-1')).toBe(shape);
    expect(subjectsInArguments(withVariables(shape, { id: '001090123456' }))).toEqual(['001090123456']);
    expect(subjectsInArguments(withVariables(shape, { id: '079203001234' }))).toEqual(['079203001234']);
    expect(deniedCoordinates(citizen, withVariables(shape, { id: '079203001234' }), new Set())).toEqual(['Query.citizen']);
    // A new supergraph is a new schema object: its operations are walked afresh.
    expect(shapes.of(buildSchema(printSchema(schema)), document, operation, 'hash-1')).not.toBe(shape);
  });

  it('flags introspection', () => {
    expect(analyse('{ __schema { types { name } } }').introspection).toBe(true);
    expect(analyse('{ citizen(personalId: "1") { __typename } }').introspection).toBe(false);
  });
});

describe('policy', () => {
  it('denies a client every coordinate not granted, and introspection unless allowed', () => {
    const fields = analyse('{ __type(name: "Citizen") { name } citizen(personalId: "1") { fullName phone } }');
    expect(deniedCoordinates(client(), fields, new Set(['Query.citizen', 'Citizen.fullName']))).toEqual(['Citizen.phone', '__schema']);
    expect(deniedCoordinates(client(true), fields, new Set(['Query.citizen', 'Citizen.fullName', 'Citizen.phone']))).toEqual([]);
  });

  it('lets a citizen read their own record and only ID and name of others', () => {
    const own = analyse('query ($id: ID!) { citizen(personalId: $id) { phone father { personalId fullName } } myAccessHistory }', { id: '001090123456' });
    expect(deniedCoordinates(citizen, own, new Set())).toEqual([]);
    const prying = analyse('query ($id: ID!) { citizen(personalId: $id) { father { phone } } search(text: "x") { __typename } }', { id: '001090123456' });
    expect(deniedCoordinates(citizen, prying, new Set())).toEqual(['Citizen.phone', 'Query.search']);
    expect(deniedCoordinates(citizen, analyse('{ citizen(personalId: "001090999999") { fullName } }'), new Set())).toEqual(['Query.citizen']);
  });
});
